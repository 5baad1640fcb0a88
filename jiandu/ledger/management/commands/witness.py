"""`jiandu witness serve|keygen|cosign|status`: run the notary's witness, make its key, co-sign one
checkpoint, list what it has co-signed."""

from __future__ import annotations

import argparse
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jiandu.ledger import keys, note
from jiandu.ledger.witness import WitnessError, parse_proof_lines, status_text
from jiandu.ledger.witness_server import add_serve_arguments, serve, witness_from_args


class Command(BaseCommand):
    help = (
        "见证服务：serve 运行 HTTP 服务，keygen 生成见证密钥，cosign 对一个检查点联署，"
        "status 列出已联署的日志 (witness: serve over HTTP, keygen, cosign one checkpoint, status)"
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)

        serve_parser = sub.add_parser("serve", help="运行见证 HTTP 服务 (run the witness service)")
        add_serve_arguments(serve_parser)
        serve_parser.add_argument("--host", default="127.0.0.1")
        serve_parser.add_argument("--port", type=int, default=8099)

        keygen = sub.add_parser("keygen", help="生成见证密钥 (make a witness key)")
        keygen.add_argument("--name", required=True, help="见证名称，如 notary.example/w1")
        keygen.add_argument("--out", required=True, help="私钥文件 (private key file, mode 0600)")

        status = sub.add_parser("status", help="已联署的日志及拒绝的检查点 (what the witness has co-signed)")
        status.add_argument("--state", required=True, help="见证状态文件 (the witness's JSON state file)")

        cosign = sub.add_parser("cosign", help="对一个检查点联署 (co-sign one checkpoint)")
        cosign.add_argument("checkpoint", help="签名检查点文件 (signed checkpoint note file)")
        cosign.add_argument("--proof", help="一致性证明文件，每行一个 base64 哈希")
        cosign.add_argument("--old", type=int, default=None, help="旧大小；默认取见证状态")
        add_serve_arguments(cosign)

    def handle(self, *args, action, **options):
        try:
            getattr(self, f"_{action}")(options)
        except (note.NoteError, WitnessError, OSError) as exc:
            raise CommandError(str(exc)) from exc

    def _serve(self, options):
        witness = witness_from_args(_namespace(options))
        serve(witness, options["host"], options["port"], out=self.stdout)

    def _keygen(self, options):
        out = Path(options["out"])
        if out.exists():
            raise CommandError(f"{out} 已存在，不覆盖 (exists; not overwritten)")
        signer = keys.generate_witness_signer(options["name"])
        keys.write_signer(out, signer)
        self.stdout.write(f"私钥已写入 {out} (private key written)\n")
        self.stdout.write(signer.verifier_key() + "\n")

    def _status(self, options):
        if not Path(options["state"]).exists():
            raise CommandError(f"没有见证状态文件 {options['state']} (no such state file)")
        self.stdout.write(status_text(options["state"]), ending="")

    def _cosign(self, options):
        witness = witness_from_args(_namespace(options))
        text = Path(options["checkpoint"]).read_text(encoding="utf-8")
        proof = []
        if options["proof"]:
            proof = parse_proof_lines(Path(options["proof"]).read_text(encoding="utf-8").split())
        old = options["old"]
        if old is None:
            latest = witness.latest(note.parse_checkpoint(text).origin)
            old = latest.size if latest else 0
        self.stdout.write(witness.add_checkpoint(old, text, proof), ending="")


def _namespace(options):
    return argparse.Namespace(**options)
