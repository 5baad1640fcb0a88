"""The witness over HTTP (POST /add-checkpoint per c2sp.org/tlog-witness) and its client; no Django.

Run standalone: `python -m jiandu.ledger.witness_server --key FILE --state FILE --origin ORIGIN
--log-key VKEY [--host H] [--port P]`, or through `jiandu witness serve` with the same options.
"""

from __future__ import annotations

import argparse
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import keys, note
from .witness import (
    BadRequest,
    Conflict,
    Witness,
    WitnessError,
    add_checkpoint_body,
    parse_add_checkpoint_body,
)

# A checkpoint with a few signatures and 63 proof lines is a few KiB; refuse anything far larger.
MAX_BODY = 64 * 1024
SIZE_CONTENT_TYPE = "text/x.tlog.size"


class WitnessHandler(BaseHTTPRequestHandler):
    server_version = "jiandu-witness/1"
    protocol_version = "HTTP/1.1"
    witness: Witness

    def _send(self, status: int, body: str, content_type: str = "text/plain; charset=utf-8"):
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path != "/":
            self._send(404, "未找到 (not found)\n")
            return
        # Its name and key first (what a log needs to trust it), then what it has co-signed.
        self._send(200, self.witness.status())

    def do_POST(self) -> None:
        if self.path != "/add-checkpoint":
            self.close_connection = True
            self._send(404, "未找到 (not found)\n")
            return
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            # The unread body would be taken for the next request on a kept-alive connection.
            self.close_connection = True
            self._send(413 if length > MAX_BODY else 411,
                       "请求须有 Content-Length 且不超过 64 KiB "
                       "(Content-Length required, at most 64 KiB)\n")
            return
        data = self.rfile.read(length)
        try:
            old_size, proof, checkpoint_text = parse_add_checkpoint_body(data)
            line = self.witness.add_checkpoint(old_size, checkpoint_text, proof)
        except Conflict as exc:
            self._send(409, f"{exc.latest_size}\n", SIZE_CONTENT_TYPE)
            return
        except WitnessError as exc:
            self._send(exc.status, exc.message + "\n")
            return
        self._send(200, line)

    def log_message(self, format: str, *args) -> None:
        sys.stderr.write(f"{self.address_string()} {format % args}\n")


def make_server(witness: Witness, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """A server bound to (host, port) — port 0 picks a free one — not yet serving."""
    handler = type("BoundWitnessHandler", (WitnessHandler,), {"witness": witness})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


# --- client ------------------------------------------------------------------------------------


class WitnessUnavailable(Exception):
    """The witness could not be reached or answered something outside tlog-witness."""


def post_checkpoint(
    url: str, old_size: int, proof: Sequence[bytes], checkpoint_text: str, *, timeout: float = 10
) -> str:
    """POST one checkpoint to `url` (the witness's prefix) and return its cosignature lines.

    Raises the same WitnessError subclasses the witness raised, Conflict with its latest size."""
    request = urllib.request.Request(
        url.rstrip("/") + "/add-checkpoint",
        data=add_checkpoint_body(old_size, proof, checkpoint_text),
        method="POST",
        headers={"Content-Type": "text/plain; charset=utf-8"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        body = exc.read().decode("utf-8", "replace")
        if exc.code == 409 and exc.headers.get("Content-Type", "").startswith(SIZE_CONTENT_TYPE):
            try:
                latest = int(body.strip())
            except ValueError:
                raise WitnessUnavailable(f"见证返回的大小不是数字 (bad 409 body {body!r})") from None
            raise Conflict(f"见证最近联署大小为 {latest} (witness is at size {latest})", latest) from None
        for cls in WitnessError.__subclasses__():
            if cls.status == exc.code:
                raise cls(body.strip()) from None
        raise WitnessUnavailable(f"见证返回 HTTP {exc.code} (witness answered {exc.code})") from None
    except (urllib.error.URLError, OSError) as exc:
        raise WitnessUnavailable(f"无法连接见证 {url} (cannot reach witness: {exc})") from None


# --- command line ------------------------------------------------------------------------------


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--key", required=True, help="witness signer key file (PRIVATE+KEY+…)")
    parser.add_argument("--state", required=True, help="JSON state file, created if missing")
    parser.add_argument(
        "--origin",
        action="append",
        required=True,
        help='log origin to accept; repeat for several; a trailing "*" matches a prefix',
    )
    parser.add_argument(
        "--log-key",
        action="append",
        required=True,
        help="the log's verifier key (string or file); repeat for several",
    )
    parser.add_argument("--hash", default="sm3", choices=["sm3", "sha256"], help="Merkle hash")


def witness_from_args(args: argparse.Namespace) -> Witness:
    signer = keys.load_signer(args.key)
    verifiers = [keys.load_verifier(k) for k in args.log_key]
    return Witness(
        args.state,
        signer,
        {origin: verifiers for origin in args.origin},
        hash_algorithm=args.hash,
    )


def serve(witness: Witness, host: str, port: int, out=sys.stdout) -> None:
    server = make_server(witness, host, port)
    bound_host, bound_port = server.server_address[:2]
    out.write(f"见证 {witness.name} 监听 http://{bound_host}:{bound_port}/ (witness listening)\n")
    out.write(f"联署验证密钥 (cosignature verifier key): {witness.verifier_key()}\n")
    out.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="jiandu-witness", description="tlog-witness service")
    add_serve_arguments(parser)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8099)
    args = parser.parse_args(argv)
    try:
        witness = witness_from_args(args)
    except (note.NoteError, BadRequest) as exc:
        parser.error(str(exc))
    serve(witness, args.host, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
