"""The notary's witness (C2SP tlog-witness): check that each checkpoint extends the last one, then co-sign.

Pure logic and the file that holds its state; witness_server.py puts it behind HTTP. Error classes
carry the HTTP status c2sp.org/tlog-witness gives each refusal.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import fcntl
import json
import os
import re
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import merkle, note

# tlog-witness: "The client MUST NOT send more than 63 consistency proof lines."
MAX_PROOF_LINES = 63
STATE_VERSION = 1


class WitnessError(Exception):
    """A checkpoint the witness refuses; `status` is the tlog-witness HTTP status."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(WitnessError):
    status = 400


class SizeShrinks(BadRequest):
    """The checkpoint is smaller than the size the log says the witness last signed."""


class BadSignature(WitnessError):
    status = 403


class UnknownLog(WitnessError):
    status = 404


class Conflict(WitnessError):
    """`latest_size` is what the witness last co-signed, so the log can retry from there."""

    status = 409

    def __init__(self, message: str, latest_size: int) -> None:
        super().__init__(message)
        self.latest_size = latest_size


class BadProof(WitnessError):
    """The consistency proof does not verify: the checkpoint is not an extension (split view)."""

    status = 422


@dataclass(frozen=True)
class LogState:
    size: int
    root: bytes
    checkpoint: str


# --- the add-checkpoint request body -----------------------------------------------------------


def add_checkpoint_body(old_size: int, proof: Sequence[bytes], checkpoint_text: str) -> bytes:
    """"old <N>\\n" + one base64 proof hash per line + "\\n" + the signed checkpoint."""
    lines = [f"old {old_size}\n"] + [note.b64(h) + "\n" for h in proof]
    return ("".join(lines) + "\n" + checkpoint_text).encode()


def parse_add_checkpoint_body(data: bytes) -> tuple[int, list[bytes], str]:
    """(old size, proof hashes, signed checkpoint) from an add-checkpoint request body."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("请求不是 UTF-8 (request body is not UTF-8)") from None
    head, sep, checkpoint_text = text.partition("\n\n")
    if not sep:
        raise BadRequest("请求缺少空行 (request body has no blank line before the checkpoint)")
    lines = head.split("\n")
    match = re.fullmatch(r"old (0|[1-9][0-9]*)", lines[0])
    if not match:
        raise BadRequest("首行须为 “old <大小>” (first line must be 'old <size>')")
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise BadRequest("一致性证明超过 63 行 (more than 63 proof lines)")
    return int(match.group(1)), parse_proof_lines(lines[1:]), checkpoint_text


def parse_proof_lines(lines: Sequence[str]) -> list[bytes]:
    """The hashes of a consistency proof written one base64 hash per line."""
    proof = []
    for line in lines:
        try:
            proof.append(base64.b64decode(line.encode("ascii"), validate=True))
        except (binascii.Error, UnicodeEncodeError):
            raise BadRequest("证明行不是 base64 (proof line is not base64)") from None
    return proof


# --- the witness -------------------------------------------------------------------------------


class Witness:
    """Co-signs checkpoints of the logs it knows, each only if it extends what it co-signed before.

    known_logs maps an origin to the log's verifier(s); an origin ending in "*" matches every
    origin with that prefix (one log per year: "gangcheng.jiandu/ledger/*"). `hash_algorithm` is
    the logs' Merkle hash ("sm3" or "sha256"). State is one JSON file, replaced atomically and
    locked across processes, so a restart, or the CLI and the server side by side, keep it.
    """

    def __init__(
        self,
        state_path: str | os.PathLike,
        signer: note.Signer,
        known_logs: Mapping[str, note.Verifier | Sequence[note.Verifier]],
        *,
        hash_algorithm: str = "sm3",
        clock=time.time,
    ) -> None:
        self.state_path = Path(state_path)
        self.signer = note.as_cosigner(signer)
        self.known_logs = {
            origin: [v] if isinstance(v, note.Verifier) else list(v)
            for origin, v in known_logs.items()
        }
        self.hasher = merkle.Hasher(hash_algorithm)
        self._clock = clock
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.signer.name

    def verifier_key(self) -> str:
        return self.signer.verifier_key()

    def _log_verifiers(self, origin: str) -> list[note.Verifier]:
        if origin in self.known_logs:
            return self.known_logs[origin]
        for pattern, verifiers in self.known_logs.items():
            if pattern.endswith("*") and origin.startswith(pattern[:-1]):
                return verifiers
        raise UnknownLog(f"未知的日志：{origin} (unknown log origin)")

    # State ----------------------------------------------------------------------------------

    def _read_state(self) -> dict:
        try:
            raw = self.state_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {"version": STATE_VERSION, "logs": {}}
        state = json.loads(raw)
        if state.get("version") != STATE_VERSION:
            raise RuntimeError(f"见证状态文件版本不对 (unsupported witness state version) {raw[:40]}")
        return state

    def _write_state(self, state: dict) -> None:
        directory = self.state_path.parent
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{self.state_path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(state, f, ensure_ascii=False, sort_keys=True, indent=1)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.state_path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        # The rename is durable only once the directory entry is on disk.
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def latest(self, origin: str) -> LogState | None:
        """What the witness last co-signed for `origin`, read from the state file."""
        entry = self._read_state()["logs"].get(origin)
        if entry is None:
            return None
        return LogState(entry["size"], base64.b64decode(entry["root"]), entry["checkpoint"])

    # The check --------------------------------------------------------------------------------

    def add_checkpoint(self, old_size: int, checkpoint_text: str, proof: Sequence[bytes]) -> str:
        """The cosignature line for `checkpoint_text`, or a WitnessError saying why not.

        The order of the checks and the status of each refusal follow c2sp.org/tlog-witness."""
        try:
            body, _ = note.split_note(checkpoint_text)
            checkpoint = note.parse_checkpoint(body)
        except note.NoteError as exc:
            raise BadRequest(str(exc)) from None
        verifiers = self._log_verifiers(checkpoint.origin)
        try:
            note.open_note(checkpoint_text, verifiers)
        except note.NoteError as exc:
            raise BadSignature(f"日志签名不成立：{exc} (log signature does not verify)") from None
        if old_size > checkpoint.size:
            raise SizeShrinks(
                f"检查点大小 {checkpoint.size} 小于旧大小 {old_size} "
                "(checkpoint is smaller than the old size)"
            )
        lock_path = self.state_path.with_name(self.state_path.name + ".lock")
        # Checking old_size and storing the new checkpoint are one step (tlog-witness's race).
        with self._lock, open(lock_path, "a") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            state = self._read_state()
            entry = state["logs"].get(checkpoint.origin)
            latest_size = entry["size"] if entry else 0
            latest_root = base64.b64decode(entry["root"]) if entry else self.hasher.empty()
            if old_size != latest_size:
                raise Conflict(
                    f"旧大小 {old_size} 与见证最近联署的 {latest_size} 不符 "
                    f"(old size does not match the latest co-signed size {latest_size})",
                    latest_size,
                )
            try:
                self._check_extension(checkpoint, old_size, latest_root, proof, latest_size)
            except (BadProof, Conflict) as exc:
                # A log-signed checkpoint that does not extend what was co-signed is evidence
                # of a fork; tlog-witness lets the witness keep it, and a notary should.
                self._keep_evidence(checkpoint_text, old_size, proof, exc)
                raise
            state["logs"][checkpoint.origin] = {
                "size": checkpoint.size,
                "root": note.b64(checkpoint.root),
                "checkpoint": body,
                # When it was co-signed (Unix seconds), for the notary's own record.
                "time": int(self._clock()),
            }
            self._write_state(state)
        return note.cosign(body, self.signer, int(self._clock()))

    @property
    def evidence_path(self) -> Path:
        return evidence_path(self.state_path)

    def status(self) -> str:
        return status_text(self.state_path, name=self.name, key=self.verifier_key())

    def _keep_evidence(
        self, checkpoint_text: str, old_size: int, proof: Sequence[bytes], exc: WitnessError
    ) -> None:
        record = {
            "time": int(self._clock()),
            "old_size": old_size,
            "proof": [note.b64(h) for h in proof],
            "checkpoint": checkpoint_text,
            "reason": exc.message,
        }
        with open(self.evidence_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
            f.flush()
            os.fsync(f.fileno())

    def _check_extension(
        self,
        checkpoint: note.Checkpoint,
        old_size: int,
        old_root: bytes,
        proof: Sequence[bytes],
        latest_size: int,
    ) -> None:
        if old_size == checkpoint.size:
            if checkpoint.root != old_root:
                raise Conflict(
                    "同一大小的根哈希不同：日志分叉 (same size, different root: the log forked)",
                    latest_size,
                )
            if proof:
                raise BadProof("大小未变时证明须为空 (proof must be empty for the same size)")
            return
        if old_size == 0:
            if proof:
                raise BadProof("旧大小为 0 时证明须为空 (proof must be empty from size 0)")
            return
        try:
            merkle.verify_consistency(
                self.hasher,
                old_size=old_size,
                new_size=checkpoint.size,
                old_root=old_root,
                new_root=checkpoint.root,
                proof=list(proof),
            )
        except merkle.ProofError as exc:
            raise BadProof(
                f"一致性证明不成立，拒绝联署（可能是分叉视图）：{exc} "
                "(consistency proof does not verify: not an extension, possible split view)"
            ) from None


# --- what the witness has co-signed, for the notary ----------------------------------------------

# China keeps one offset all year: times are shown in Beijing time without a time zone database.
BEIJING = dt.timezone(dt.timedelta(hours=8))


def evidence_path(state_path: str | os.PathLike) -> Path:
    state_path = Path(state_path)
    return state_path.with_name(state_path.name + ".evidence.jsonl")


@dataclass(frozen=True)
class WitnessedLog:
    origin: str
    size: int
    root: bytes
    time: int | None  # when last co-signed; None in state written before it was kept


def read_status(state_path: str | os.PathLike) -> tuple[list[WitnessedLog], int]:
    """Every log the witness has co-signed (its latest size and root), by origin, and how many
    refused checkpoints it keeps as evidence of a fork. Reads the files only: no key needed."""
    path = Path(state_path)
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        state = {"logs": {}}
    logs = [WitnessedLog(origin, e["size"], base64.b64decode(e["root"]), e.get("time"))
            for origin, e in sorted(state.get("logs", {}).items())]
    try:
        with open(evidence_path(path), encoding="utf-8") as f:
            refused = sum(1 for line in f if line.strip())
    except FileNotFoundError:
        refused = 0
    return logs, refused


def status_text(state_path: str | os.PathLike, *, name: str = "", key: str = "") -> str:
    """The status as plain text: the witness's name and key (when given), then a line per log
    (origin, size, root in hex, when last co-signed, Beijing time) and the refusals kept."""
    logs, refused = read_status(state_path)
    lines = [x for x in (name, key) if x]
    if lines:
        lines.append("")
    lines.append(f"已联署的日志 (logs co-signed): {len(logs)}")
    if logs:
        lines.append("来源 (origin)\t大小 (size)\t根哈希 (root)\t联署时间，北京时间 (co-signed, UTC+8)")
    for log in logs:
        when = (dt.datetime.fromtimestamp(log.time, BEIJING).strftime("%Y-%m-%d %H:%M:%S")
                if log.time is not None else "-")
        lines.append(f"{log.origin}\t{log.size}\t{log.root.hex()}\t{when}")
    lines.append(f"拒绝联署并留存为证据的检查点 (refused checkpoints kept as evidence): {refused}"
                 + (f"，见 {evidence_path(state_path).name}" if refused else ""))
    return "\n".join(lines) + "\n"
