"""Receipts: one ledger entry with its inclusion proof and signed checkpoint, verifiable offline.

Pure Python with no Django import, so that `jiandu verify` and anyone holding the log's public key
can check a receipt with no database. A receipt is canonical JSON (sorted keys, no spaces, UTF-8):
re-serialising it must give back the same bytes, so that no byte of it can change unnoticed —
not even whitespace or a base64 padding bit that a lenient decoder would ignore.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from . import note
from .merkle import Hasher, ProofError, verify_inclusion

FORMAT = "jiandu-receipt/v1"
HASH_ALGS = ("sm3", "sha256")
# The field of each entry kind's content that holds its key: the log hashes the content only,
# so the receipt's kind and key are checked against it.
KEY_FIELDS = {"record": "id", "import_run": "run", "agency": "code", "officer": "certificate",
              "power": "code", "four_list": "code", "alert_event": "event", "alert_comment": "comment",
              "rule_run": "run"}
_FIELDS = {"format", "hash_alg", "origin", "kind", "key", "entry", "index", "tree_size",
           "inclusion_proof", "checkpoint", "witness_keys"}


class ReceiptError(ValueError):
    """A receipt that is malformed or does not verify; the message is Chinese with English beside."""


@dataclass
class Witnessed:
    name: str
    timestamp: int
    # True when the caller supplied this witness's key; False when only the receipt vouches for it.
    trusted: bool


@dataclass
class Report:
    ok: bool
    errors: list[str] = field(default_factory=list)
    kind: str = ""
    key: str = ""
    index: int = -1
    tree_size: int = 0
    origin: str = ""
    root_hex: str = ""
    log_signers: list[str] = field(default_factory=list)
    witnesses: list[Witnessed] = field(default_factory=list)
    content: dict | None = None


def dumps(receipt: dict) -> bytes:
    """The canonical bytes of a receipt."""
    return json.dumps(receipt, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def build_receipt(*, hash_alg: str, origin: str, kind: str, key: str, entry: str, index: int,
                  tree_size: int, inclusion_proof: list[bytes], checkpoint: str,
                  witness_keys: list[str] = ()) -> dict:
    """A receipt as a dict; `entry` is the exact text whose leaf hash is in the log and
    `checkpoint` the signed note (log signature and cosignature lines) for `tree_size`."""
    return {
        "format": FORMAT, "hash_alg": hash_alg, "origin": origin, "kind": kind, "key": key,
        "entry": entry, "index": index, "tree_size": tree_size,
        "inclusion_proof": [note.b64(p) for p in inclusion_proof], "checkpoint": checkpoint,
        "witness_keys": sorted(witness_keys),
    }


def parse_receipt(data: bytes | str) -> dict:
    """The receipt's fields, checked for shape and canonical form (ReceiptError otherwise)."""
    if isinstance(data, str):
        data = data.encode()
    try:
        receipt = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ReceiptError("收据不是合法的 UTF-8 JSON (receipt is not valid UTF-8 JSON)") from None
    if not isinstance(receipt, dict) or set(receipt) != _FIELDS:
        raise ReceiptError("收据字段不全或有多余字段 (receipt fields are missing or unexpected)")
    if receipt["format"] != FORMAT:
        raise ReceiptError(f"不支持的收据格式 {receipt['format']!r} (unsupported receipt format)")
    if receipt["hash_alg"] not in HASH_ALGS:
        raise ReceiptError(f"不支持的哈希算法 {receipt['hash_alg']!r} (unsupported hash algorithm)")
    for name in ("origin", "kind", "key", "entry", "checkpoint"):
        if not isinstance(receipt[name], str):
            raise ReceiptError(f"收据字段 {name} 应为字符串 ({name} must be a string)")
    for name in ("index", "tree_size"):
        if type(receipt[name]) is not int or receipt[name] < 0:
            raise ReceiptError(f"收据字段 {name} 应为非负整数 ({name} must be a non-negative integer)")
    for name in ("inclusion_proof", "witness_keys"):
        if not isinstance(receipt[name], list) or not all(isinstance(x, str) for x in receipt[name]):
            raise ReceiptError(f"收据字段 {name} 应为字符串列表 ({name} must be a list of strings)")
    canonical = dumps(receipt)
    if data not in (canonical, canonical + b"\n"):
        raise ReceiptError("收据不是规范格式，可能被改动 (receipt is not in canonical form; it may "
                           "have been altered)")
    return receipt


def verify_receipt(receipt: bytes | str | dict, verifier_keys: list[str]) -> Report:
    """Check a receipt against the log's public key(s) and any witness keys in `verifier_keys`.

    Checks that the entry hashes to a leaf included at `index` in the tree whose root the
    checkpoint states, that a given log key signed that checkpoint, and that every cosignature
    line verifies (against a given key, or else the key the receipt names). The report says
    which witnesses co-signed and whether their keys came from the caller.
    """
    report = Report(ok=False)
    try:
        _verify(receipt, verifier_keys, report)
    except (ReceiptError, note.NoteError, ProofError) as exc:
        report.errors.append(str(exc))
        return report
    report.ok = True
    return report


def _verify(receipt, verifier_keys: list[str], report: Report) -> None:
    if not isinstance(receipt, dict):
        receipt = parse_receipt(receipt)
    else:
        receipt = parse_receipt(dumps(receipt))
    report.kind, report.key = receipt["kind"], receipt["key"]
    report.index, report.tree_size = receipt["index"], receipt["tree_size"]
    report.origin = receipt["origin"]

    given = [note.parse_verifier_key(k) for k in verifier_keys]
    log_keys = [v for v in given if not isinstance(v, note.CosignatureVerifier)]
    if not log_keys:
        raise ReceiptError("需要日志的公钥 (the log's public key is required: --key)")
    # A witness key may be given as its plain Ed25519 key or as a cosignature key; the two
    # forms have different key IDs, so a plain key never matches a cosignature line by mistake.
    trusted_witnesses = {(w.name, w.key_id): w for w in
                         (note.cosignature_verifier(k) for k, v in zip(verifier_keys, given, strict=True)
                          if isinstance(v, note.Ed25519Verifier | note.CosignatureVerifier))}
    named_witnesses = {(w.name, w.key_id): w for w in
                       (note.cosignature_verifier(k) for k in receipt["witness_keys"])}

    try:
        content = json.loads(receipt["entry"])
    except ValueError:
        raise ReceiptError("条目内容不是 JSON (entry is not JSON)") from None
    report.content = content if isinstance(content, dict) else None
    key_field = KEY_FIELDS.get(receipt["kind"])
    if key_field is None:
        raise ReceiptError(f"未知的条目类别 {receipt['kind']!r} (unknown entry kind)")
    if report.content is None or str(report.content.get(key_field)) != receipt["key"]:
        raise ReceiptError("收据的主键与条目内容不符 (receipt key does not match the entry)")

    text = receipt["checkpoint"]
    body, lines = note.split_note(text)
    # The lines written again from what was parsed differ only if a signature's base64 was not
    # canonical (a padding bit a lenient decoder ignores): the receipt is then not the one issued.
    if body + "\n" + "".join(map(str, lines)) != text:
        raise ReceiptError("签名的 base64 不规范 (a signature is not canonical base64)")
    checkpoint = note.parse_checkpoint(body)
    if checkpoint.origin != receipt["origin"]:
        raise ReceiptError("检查点的来源与收据不符 (checkpoint origin does not match the receipt)")
    if checkpoint.size != receipt["tree_size"]:
        raise ReceiptError("检查点的大小与收据不符 (checkpoint size does not match the receipt)")
    report.root_hex = checkpoint.root.hex()

    hasher = Hasher(receipt["hash_alg"])
    proof = [note.b64decode(p, "包含性证明", canonical=True) for p in receipt["inclusion_proof"]]
    leaf = hasher.leaf(receipt["entry"].encode())
    verify_inclusion(hasher, index=receipt["index"], size=receipt["tree_size"], leaf_hash=leaf,
                     proof=proof, root=checkpoint.root)

    msg = body.encode()
    log_by_key = {(v.name, v.key_id): v for v in log_keys}
    for line in lines:
        ident = (line.name, line.key_id)
        if ident in log_by_key:
            if not log_by_key[ident].verify(msg, line.signature):
                raise ReceiptError(f"日志签名不成立：{line.name} (log signature by {line.name} "
                                   f"does not verify)")
            report.log_signers.append(line.name)
            continue
        witness = trusted_witnesses.get(ident) or named_witnesses.get(ident)
        if witness is None:
            raise ReceiptError(f"签名行 {line.name} 无对应密钥 (no key for the signature line of "
                               f"{line.name})")
        if not witness.verify(msg, line.signature):
            raise ReceiptError(f"{line.name} 的见证联署不成立 (cosignature by {line.name} does "
                               f"not verify)")
        report.witnesses.append(Witnessed(line.name, note.CosignatureVerifier.timestamp(
            line.signature), ident in trusted_witnesses))
    if not report.log_signers:
        raise ReceiptError("检查点没有所给日志公钥的签名 (the checkpoint is not signed by the "
                           "given log key)")
