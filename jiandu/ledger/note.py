"""C2SP signed notes, tlog-checkpoint bodies and tlog-cosignature/v1 lines, with Ed25519 and SM2 keys.

Formats (c2sp.org/signed-note, c2sp.org/tlog-checkpoint, c2sp.org/tlog-cosignature):
- a note is a UTF-8 text ending in "\\n", a blank line, then lines "— <name> <base64(key ID ‖ sig)>";
- key ID = SHA-256(name ‖ "\\n" ‖ signature type ‖ public key)[:4];
- verifier key "<name>+<key ID hex>+<base64(signature type ‖ public key)>" as in Go's
  golang.org/x/mod/sumdb/note, signer key "PRIVATE+KEY+<name>+<key ID hex>+<base64(type ‖ secret)>".

Signature types: 0x01 Ed25519 over the note text; 0x04 Ed25519 cosignature/v1 (timestamp ‖ sig over
"cosignature/v1\\ntime <t>\\n" ‖ text); and for SM2, which signed-note assigns no byte, 0xff — the
byte the spec reserves for types without an assigned identifier — followed by the ASCII identifier
"jiandu/sm2-sm3", as the spec recommends, so the type is 0xff ‖ "jiandu/sm2-sm3". An SM2 public
key is 65 bytes 04‖x‖y, the signature r‖s (64 bytes) over SM3(Z_A ‖ text) with the GM/T 0009
default user ID "1234567812345678".
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from . import sm2

TYPE_ED25519 = b"\x01"
TYPE_COSIGNATURE_V1 = b"\x04"
TYPE_SM2 = b"\xffjiandu/sm2-sm3"

# Go's note.Open refuses more; c2sp asks verifiers to accept at least 16.
MAX_SIGNATURES = 100

_EM_DASH = "\u2014"
_NAME_RE = re.compile(r"^[^\s+]+$")


class NoteError(ValueError):
    """A note, key or checkpoint that is malformed or does not verify."""


def b64decode(text: str, what: str, *, canonical: bool = False) -> bytes:
    """The bytes of base64 ``text``, else NoteError naming ``what``; ``canonical`` also refuses a
    text that an encoder would not write (padding bits set), so no byte can change unseen."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise NoteError(f"{what}不是合法的 base64 (not valid base64)") from None
    if canonical and b64(raw) != text:
        raise NoteError(f"{what}的 base64 不规范 (not canonical base64)")
    return raw


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def check_name(name: str) -> str:
    if not name or not _NAME_RE.match(name) or not name.isprintable():
        raise NoteError(
            f"密钥名称不合法：{name!r} (key name must be non-empty, without spaces or '+')"
        )
    return name


def key_id(name: str, sig_type: bytes, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + sig_type + public_key).digest()[:4]


class Verifier:
    """Checks one key's signatures; `name` and `key_id` select the signature lines it applies to."""

    sig_type: bytes = b""

    def __init__(self, name: str, public_key: bytes) -> None:
        self.name = check_name(name)
        self.public_key = public_key
        self.key_id = key_id(name, self.sig_type, public_key)

    def verify(self, msg: bytes, sig: bytes) -> bool:
        raise NotImplementedError

    def verifier_key(self) -> str:
        return f"{self.name}+{self.key_id.hex()}+{b64(self.sig_type + self.public_key)}"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}+{self.key_id.hex()}>"


class Signer:
    """Signs with one key; `.verifier()` is the matching public side."""

    verifier_class: type[Verifier] = Verifier

    def __init__(self, name: str) -> None:
        self.name = check_name(name)
        self._verifier = self.verifier_class(name, self.public_bytes())

    @property
    def key_id(self) -> bytes:
        return self._verifier.key_id

    def public_bytes(self) -> bytes:
        raise NotImplementedError

    def secret_bytes(self) -> bytes:
        raise NotImplementedError

    def sign(self, msg: bytes) -> bytes:
        raise NotImplementedError

    def verifier(self) -> Verifier:
        return self._verifier

    def verify(self, msg: bytes, sig: bytes) -> bool:
        return self._verifier.verify(msg, sig)

    def verifier_key(self) -> str:
        return self._verifier.verifier_key()

    def signer_key(self) -> str:
        sig_type = self.verifier_class.sig_type
        return (
            f"PRIVATE+KEY+{self.name}+{self.key_id.hex()}+{b64(sig_type + self.secret_bytes())}"
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}+{self.key_id.hex()}>"


class Ed25519Verifier(Verifier):
    sig_type = TYPE_ED25519

    def __init__(self, name: str, public_key: bytes) -> None:
        if len(public_key) != 32:
            raise NoteError("Ed25519 公钥须为 32 字节 (Ed25519 public key must be 32 bytes)")
        super().__init__(name, public_key)
        self._key = Ed25519PublicKey.from_public_bytes(public_key)

    def verify(self, msg: bytes, sig: bytes) -> bool:
        if len(sig) != 64:
            return False
        try:
            self._key.verify(sig, msg)
        except InvalidSignature:
            return False
        return True


class Ed25519Signer(Signer):
    verifier_class = Ed25519Verifier

    def __init__(self, name: str, seed: bytes) -> None:
        if len(seed) != 32:
            raise NoteError("Ed25519 私钥须为 32 字节 (Ed25519 private key must be 32 bytes)")
        self._key = Ed25519PrivateKey.from_private_bytes(seed)
        self._seed = seed
        super().__init__(name)

    def public_bytes(self) -> bytes:
        return self._key.public_key().public_bytes_raw()

    def secret_bytes(self) -> bytes:
        return self._seed

    def sign(self, msg: bytes) -> bytes:
        return self._key.sign(msg)


class SM2Verifier(Verifier):
    sig_type = TYPE_SM2

    def __init__(self, name: str, public_key: bytes) -> None:
        try:
            point = sm2.SM2PublicKey.from_bytes(public_key)
        except sm2.SM2Error as exc:
            raise NoteError(str(exc)) from None
        # The key ID is over the uncompressed form whatever form was handed in.
        super().__init__(name, point.to_bytes())
        self._key = point

    def verify(self, msg: bytes, sig: bytes) -> bool:
        return self._key.verify(msg, sig)


class SM2Signer(Signer):
    verifier_class = SM2Verifier

    def __init__(self, name: str, secret: bytes) -> None:
        try:
            self._key = sm2.SM2PrivateKey.from_bytes(secret)
        except sm2.SM2Error as exc:
            raise NoteError(str(exc)) from None
        super().__init__(name)

    def public_bytes(self) -> bytes:
        return self._key.public_key.to_bytes()

    def secret_bytes(self) -> bytes:
        return self._key.to_bytes()

    def sign(self, msg: bytes) -> bytes:
        return self._key.sign(msg)


def cosignature_message(body: bytes, timestamp: int) -> bytes:
    return b"cosignature/v1\ntime %d\n" % timestamp + body


class CosignatureVerifier(Verifier):
    """Checks tlog-cosignature/v1 signatures: 8-byte big-endian timestamp ‖ Ed25519 signature."""

    sig_type = TYPE_COSIGNATURE_V1

    def __init__(self, name: str, public_key: bytes) -> None:
        if len(public_key) != 32:
            raise NoteError("Ed25519 公钥须为 32 字节 (Ed25519 public key must be 32 bytes)")
        super().__init__(name, public_key)
        self._key = Ed25519PublicKey.from_public_bytes(public_key)

    @staticmethod
    def timestamp(sig: bytes) -> int:
        if len(sig) != 72:
            raise NoteError("联署签名长度不对 (cosignature must be 72 bytes)")
        return int.from_bytes(sig[:8], "big")

    def verify(self, msg: bytes, sig: bytes) -> bool:
        if len(sig) != 72:
            return False
        ts = int.from_bytes(sig[:8], "big")
        if ts >= 1 << 63:
            return False
        try:
            self._key.verify(sig[8:], cosignature_message(msg, ts))
        except InvalidSignature:
            return False
        return True


class CosignatureSigner(Signer):
    """A witness key: signs checkpoint bodies as cosignature/v1 at `clock()` (POSIX seconds)."""

    verifier_class = CosignatureVerifier

    def __init__(self, name: str, seed: bytes, *, clock=time.time) -> None:
        if len(seed) != 32:
            raise NoteError("Ed25519 私钥须为 32 字节 (Ed25519 private key must be 32 bytes)")
        self._key = Ed25519PrivateKey.from_private_bytes(seed)
        self._seed = seed
        self._clock = clock
        super().__init__(name)

    def public_bytes(self) -> bytes:
        return self._key.public_key().public_bytes_raw()

    def secret_bytes(self) -> bytes:
        return self._seed

    def sign_at(self, msg: bytes, timestamp: int) -> bytes:
        if not 0 <= timestamp < 1 << 63:
            raise NoteError("时间戳超出范围 (timestamp out of range)")
        return timestamp.to_bytes(8, "big") + self._key.sign(cosignature_message(msg, timestamp))

    def sign(self, msg: bytes) -> bytes:
        return self.sign_at(msg, int(self._clock()))


_VERIFIER_TYPES: dict[bytes, type[Verifier]] = {
    TYPE_ED25519: Ed25519Verifier,
    TYPE_COSIGNATURE_V1: CosignatureVerifier,
    TYPE_SM2: SM2Verifier,
}
_SIGNER_TYPES: dict[bytes, type[Signer]] = {
    TYPE_ED25519: Ed25519Signer,
    TYPE_COSIGNATURE_V1: CosignatureSigner,
    TYPE_SM2: SM2Signer,
}


def _split_type(blob: bytes) -> tuple[bytes, bytes]:
    if blob[:1] == b"\xff":
        for sig_type in _VERIFIER_TYPES:
            if sig_type[:1] == b"\xff" and blob.startswith(sig_type):
                return sig_type, blob[len(sig_type) :]
    elif blob[:1] in _VERIFIER_TYPES:
        return blob[:1], blob[1:]
    raise NoteError("未知的签名算法 (unknown signature algorithm)")


def _parse_key(text: str, what: str, what_en: str) -> tuple[str, bytes, bytes, bytes]:
    parts = text.strip().split("+", 2)
    if len(parts) != 3:
        raise NoteError(f"{what}格式不对：应为 名称+密钥ID+密钥 ({what_en} must be name+id+key)")
    name, id_hex, material = parts
    check_name(name)
    if not re.fullmatch(r"[0-9a-f]{8}", id_hex):
        raise NoteError(
            f"{what}的密钥 ID 须为 8 位小写十六进制 ({what_en} key ID must be 8 lowercase hex digits)"
        )
    sig_type, key = _split_type(b64decode(material, what))
    return name, bytes.fromhex(id_hex), sig_type, key


def parse_verifier_key(vkey: str) -> Verifier:
    """A Verifier from "<name>+<hex id>+<base64(type ‖ key)>"; the key ID must match the key."""
    name, kid, sig_type, key = _parse_key(vkey, "验证密钥", "verifier key")
    verifier = _VERIFIER_TYPES[sig_type](name, key)
    if verifier.key_id != kid or verifier.verifier_key() != vkey.strip():
        raise NoteError("验证密钥的 ID 与密钥不符 (verifier key ID does not match the key)")
    return verifier


def parse_signer_key(skey: str) -> Signer:
    """A Signer from "PRIVATE+KEY+<name>+<hex id>+<base64(type ‖ secret)>"."""
    prefix = "PRIVATE+KEY+"
    if not skey.strip().startswith(prefix):
        raise NoteError("签名私钥须以 PRIVATE+KEY+ 开头 (signer key must start with PRIVATE+KEY+)")
    name, kid, sig_type, secret = _parse_key(skey.strip()[len(prefix) :], "签名私钥", "signer key")
    signer = _SIGNER_TYPES[sig_type](name, secret)
    if signer.key_id != kid:
        raise NoteError("签名私钥的 ID 与密钥不符 (signer key ID does not match the key)")
    return signer


def cosignature_verifier(vkey: str) -> CosignatureVerifier:
    """A cosignature verifier from a 0x04 key, or from the witness's plain 0x01 Ed25519 key."""
    verifier = parse_verifier_key(vkey)
    if isinstance(verifier, CosignatureVerifier):
        return verifier
    if isinstance(verifier, Ed25519Verifier):
        return CosignatureVerifier(verifier.name, verifier.public_key)
    raise NoteError("联署只支持 Ed25519 密钥 (cosignatures need an Ed25519 key)")


# --- notes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignatureLine:
    name: str
    key_id: bytes
    signature: bytes

    def __str__(self) -> str:
        return f"{_EM_DASH} {self.name} {b64(self.key_id + self.signature)}\n"


def _check_text(text: str) -> None:
    for ch in text:
        if ch < " " and ch != "\n":
            raise NoteError(
                "签名文本含控制字符 (note must not contain control characters other than newline)"
            )


def _check_body(body: str) -> None:
    if not body.endswith("\n"):
        raise NoteError("签名文本须以换行结尾 (note text must end in a newline)")
    _check_text(body)


def parse_signature_line(line: str) -> SignatureLine:
    line = line.removesuffix("\n")
    if not line.startswith(_EM_DASH + " "):
        raise NoteError("签名行须以 “— ” 开头 (signature line must start with an em dash)")
    parts = line[2:].split(" ")
    if len(parts) != 2:
        raise NoteError("签名行格式不对 (signature line must be '— name base64')")
    name, blob = parts
    check_name(name)
    raw = b64decode(blob, "签名")
    if len(raw) < 5:
        raise NoteError("签名过短 (signature too short)")
    return SignatureLine(name, raw[:4], raw[4:])


def split_note(text: str) -> tuple[str, list[SignatureLine]]:
    """(body, signature lines) of a signed note, checking its shape but no signature."""
    _check_text(text)
    if not text.endswith("\n"):
        raise NoteError("签名文本须以换行结尾 (note must end in a newline)")
    split = text.rfind("\n\n")
    if split < 0:
        raise NoteError("签名文本缺少空行与签名 (note has no blank line and signatures)")
    body, block = text[: split + 1], text[split + 2 :]
    lines = block.splitlines(keepends=True)
    if not lines:
        raise NoteError("签名文本没有签名 (note has no signatures)")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError("签名过多 (too many signatures)")
    return body, [parse_signature_line(line) for line in lines]


def sign_note(body: str, signers: Iterable[Signer]) -> str:
    """The signed note: `body`, a blank line and one signature line per signer."""
    _check_body(body)
    msg = body.encode()
    lines = [str(SignatureLine(s.name, s.key_id, s.sign(msg))) for s in signers]
    if not lines:
        raise NoteError("至少需要一个签名者 (at least one signer is required)")
    return body + "\n" + "".join(lines)


def add_signature_lines(note_text: str, lines: Iterable[str | SignatureLine]) -> str:
    """`note_text` with more signature lines (e.g. cosignatures), each line kept once."""
    body, existing = split_note(note_text)
    seen = {(s.name, s.key_id, s.signature) for s in existing}
    out = list(existing)
    for line in lines:
        sig = line if isinstance(line, SignatureLine) else parse_signature_line(line)
        if (sig.name, sig.key_id, sig.signature) not in seen:
            seen.add((sig.name, sig.key_id, sig.signature))
            out.append(sig)
    return body + "\n" + "".join(str(s) for s in out)


def open_note(text: str, verifiers: Sequence[Verifier]) -> tuple[str, list[str]]:
    """(body, names of the known keys that signed it); NoteError if a known key's signature fails
    or no known key signed. Signatures from unknown keys are ignored, as signed-note requires."""
    body, lines = split_note(text)
    by_key: dict[tuple[str, bytes], Verifier] = {}
    for v in verifiers:
        if (v.name, v.key_id) in by_key:
            raise NoteError(f"两个验证密钥同名同 ID：{v.name} (ambiguous verifiers)")
        by_key[(v.name, v.key_id)] = v
    msg = body.encode()
    verified: list[str] = []
    for line in lines:
        verifier = by_key.get((line.name, line.key_id))
        if verifier is None:
            continue
        if not verifier.verify(msg, line.signature):
            raise NoteError(f"{line.name} 的签名不成立 (signature by {line.name} does not verify)")
        if line.name not in verified:
            verified.append(line.name)
    if not verified:
        raise NoteError("没有已知密钥的有效签名 (no signature by a known key)")
    return body, verified


# --- checkpoints -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = field(default=())

    def body(self) -> str:
        return checkpoint_body(self.origin, self.size, self.root, self.extensions)


def checkpoint_body(origin: str, size: int, root: bytes, extensions: Sequence[str] = ()) -> str:
    """"<origin>\\n<size>\\n<base64 root>\\n" followed by any extension lines."""
    if not origin or "\n" in origin:
        raise NoteError("检查点来源行不能为空或含换行 (checkpoint origin must be one non-empty line)")
    if size < 0:
        raise NoteError("检查点大小不能为负 (checkpoint size must not be negative)")
    for ext in extensions:
        if not ext or "\n" in ext:
            raise NoteError("检查点扩展行须为非空单行 (extension lines must be non-empty)")
    body = f"{origin}\n{size}\n{b64(root)}\n" + "".join(f"{e}\n" for e in extensions)
    _check_text(body)
    return body


def checkpoint_text_body(text: str) -> str:
    """The body of a signed checkpoint note, or `text` itself when it is a bare body.

    A checkpoint body has no empty line, so a blank line can only start the signatures."""
    return split_note(text)[0] if "\n\n" in text else text


def parse_checkpoint(body: str) -> Checkpoint:
    """A checkpoint body (or a signed checkpoint note, whose body is taken) parsed and checked."""
    body = checkpoint_text_body(body)
    _check_body(body)
    lines = body[:-1].split("\n")
    if len(lines) < 3:
        raise NoteError("检查点至少三行：来源、大小、根 (checkpoint needs origin, size and root)")
    origin, size_text, root_text, *extensions = lines
    if not origin:
        raise NoteError("检查点来源行为空 (checkpoint origin is empty)")
    if not re.fullmatch(r"0|[1-9][0-9]*", size_text):
        raise NoteError(f"检查点大小不是十进制数：{size_text!r} (checkpoint size is not decimal)")
    root = b64decode(root_text, "检查点根哈希", canonical=True)
    if len(root) != 32:
        raise NoteError("检查点根哈希须为 32 字节 (checkpoint root must be 32 bytes)")
    if any(not ext for ext in extensions):
        raise NoteError("检查点含空扩展行 (checkpoint has an empty extension line)")
    return Checkpoint(origin, int(size_text), root, tuple(extensions))


# --- cosignatures ------------------------------------------------------------------------------


def as_cosigner(signer: Signer) -> CosignatureSigner:
    if isinstance(signer, CosignatureSigner):
        return signer
    if isinstance(signer, Ed25519Signer):
        return CosignatureSigner(signer.name, signer.secret_bytes())
    raise NoteError("联署只支持 Ed25519 密钥 (cosignatures need an Ed25519 key)")


def cosign(checkpoint_text: str, signer: Signer, timestamp: int) -> str:
    """The cosignature/v1 signature line of `signer` (an Ed25519 witness key) over the checkpoint."""
    body = checkpoint_text_body(checkpoint_text)
    parse_checkpoint(body)
    cosigner = as_cosigner(signer)
    sig = cosigner.sign_at(body.encode(), timestamp)
    return str(SignatureLine(cosigner.name, cosigner.key_id, sig))


def verify_cosignature(checkpoint_text: str, line: str, verifier: Verifier) -> int:
    """The timestamp of a valid cosignature line by `verifier` over the checkpoint, else NoteError."""
    if not isinstance(verifier, CosignatureVerifier):
        raise NoteError("需要联署验证密钥 (a cosignature verifier is required)")
    body = checkpoint_text_body(checkpoint_text)
    parse_checkpoint(body)
    sig = parse_signature_line(line)
    if (sig.name, sig.key_id) != (verifier.name, verifier.key_id):
        raise NoteError(f"联署签名不是 {verifier.name} 的 (cosignature is not by {verifier.name})")
    if not verifier.verify(body.encode(), sig.signature):
        raise NoteError(f"{verifier.name} 的联署签名不成立 (cosignature does not verify)")
    return CosignatureVerifier.timestamp(sig.signature)
