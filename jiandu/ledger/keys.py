"""Generate, store and load the log's and witnesses' signing keys (signed-note key strings in files)."""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

from . import note, sm2

ALGORITHMS = ("ed25519", "sm2")


def generate_signer(name: str, algorithm: str = "ed25519") -> note.Signer:
    """A new signer for the log (`ed25519` or `sm2`) with secrets from the OS generator."""
    if algorithm == "ed25519":
        return note.Ed25519Signer(name, secrets.token_bytes(32))
    if algorithm == "sm2":
        return note.SM2Signer(name, sm2.SM2PrivateKey.generate().to_bytes())
    raise note.NoteError(
        f"未知的密钥算法：{algorithm} (unknown key algorithm; use one of {', '.join(ALGORITHMS)})"
    )


def generate_witness_signer(name: str) -> note.CosignatureSigner:
    """A new witness key: Ed25519, signing cosignature/v1 (the only type c2sp gives Ed25519 witnesses)."""
    return note.CosignatureSigner(name, secrets.token_bytes(32))


def write_private(path: str | os.PathLike, text: str) -> None:
    """Write `text` to `path` readable by the owner only, replacing any old file atomically."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_signer(path: str | os.PathLike, signer: note.Signer) -> None:
    write_private(path, signer.signer_key() + "\n")


def load_signer(path: str | os.PathLike) -> note.Signer:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise note.NoteError(f"无法读取私钥文件 {path} (cannot read key file: {exc})") from None
    return note.parse_signer_key(text)


def load_verifier(key_or_path: str) -> note.Verifier:
    """A verifier from a key string, or from a file holding one."""
    text = key_or_path
    if "+" not in key_or_path or os.path.exists(key_or_path):
        try:
            text = Path(key_or_path).read_text(encoding="utf-8")
        except OSError as exc:
            raise note.NoteError(
                f"无法读取验证密钥 {key_or_path} (cannot read verifier key: {exc})"
            ) from None
    return note.parse_verifier_key(text.strip())
