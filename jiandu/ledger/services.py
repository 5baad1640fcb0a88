"""Writes of the ledger app: what goes in, signed checkpoints, witnesses' cosignatures, verification.

Appends happen inside the caller's transaction (DESIGN.md rule 2): the stores of the contract
import call `ledger_records_append` / `ledger_reference_append` in the atomic block that writes
the rows, so a row and its entry commit or roll back together.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from jiandu.accounts.choices import AuditAction
from jiandu.accounts.services import audit_record
from jiandu.core.crypto import DecryptionError, decrypt_text, keyed_hash
from jiandu.records.interchange.schema import KINDS

from . import keys, note, selectors
from .merkle import CompactRange
from .models import ENTRY_SHARD_STRIDE, Checkpoint, Cosignature, EntryKey, Shard, entry_pk
from .storage import (
    LedgerItem,
    LogEntry,
    canonical_json,
    consistency_proof_for,
    hasher_for,
    in_values,
    inclusion_proof_for,
    ledger_append,
    ledger_append_many,
    positions_entries,
    shard_bundles,
    stored_leaves,
)

log = logging.getLogger(__name__)

RECORD = "record"
IMPORT_RUN = "import_run"
BACKFILL = "backfill"
# An alert's handling steps and comments, one entry each, keyed by the step's or comment's id.
ALERT_EVENT = "alert_event"
ALERT_COMMENT = "alert_comment"
# A finished `jiandu check`: what it judged (as-of date, year) and found (alerts per rule, merged).
RULE_RUN = "rule_run"
# Entry kinds of the contract's reference kinds (the import's kind names are plural).
REFERENCE_KINDS = {"agencies": "agency", "officers": "officer", "powers": "power",
                   "four_lists": "four_list"}


# ------------------------------------------------------------------ what goes in

def record_ledger_content(row: dict, *, version: int, party_key: str) -> dict:
    """A record's contract row as logged: a person's 身份证号 replaced by its keyed hash (the
    record's ``party_key``), which `ledger verify` re-derives by decrypting the stored number."""
    content = dict(row)
    if row["party"]["type"] == "person":
        content["party"] = {**row["party"], "id": party_key}
    content["version"] = version
    content["file_hashes"] = []
    return content


def reference_ledger_content(kind: str, row: dict, *, version: int) -> dict:
    """A reference row as logged; an officer's 身份证号 appears only as its keyed hash."""
    content = dict(row)
    if kind == "officers" and content.get("id_number"):
        content["id_number"] = keyed_hash(content["id_number"])
    content["version"] = version
    return content


def ledger_records_append(*, rows: list[tuple[dict, int, str]]) -> None:
    """One entry per new record version: ``rows`` are (contract row, version, party_key).

    Must run inside the transaction that stores the rows; a checkpoint follows on commit.
    """
    if not rows:
        return
    ledger_append_many(items=[
        LedgerItem(RECORD, row["id"], record_ledger_content(row, version=version, party_key=pkey))
        for row, version, pkey in rows])
    _checkpoint_on_commit()


def ledger_reference_append(*, kind: str, rows: list[tuple[dict, int]]) -> None:
    """One entry per new version of a reference row (agency, officer, power, four-list item)."""
    if not rows:
        return
    entry_kind, key_field = REFERENCE_KINDS[kind], KINDS[kind].key
    ledger_append_many(items=[
        LedgerItem(entry_kind, row[key_field], reference_ledger_content(kind, row, version=version))
        for row, version in rows])
    _checkpoint_on_commit()


def _instant(value) -> str:
    """A stored moment as logged: UTC, ISO 8601 with its microseconds, as both databases keep it."""
    return value.astimezone(dt.UTC).isoformat()


def _alert_ref(row: dict) -> dict:
    return {"alert": row["alert_id"], "rule": row["alert__rule"], "record": row["alert__record_id"],
            "power": row["alert__power_id"], "fingerprint": row["alert__fingerprint"]}


def alert_event_ledger_content(row: dict) -> dict:
    """An alert's handling step as logged, from its row (``monitoring.selectors.alert_event_rows``):
    the alert it is about, who (the user's id: a rename changes nothing logged; the engine has
    none and names its rule run), what (action, from and to status, the note or reason) and when.
    A step is never changed once taken, so each is version 1 of itself."""
    return {**_alert_ref(row), "event": row["id"], "action": row["action"], "from": row["from_status"],
            "to": row["to_status"], "note": row["note"], "user": row["user_id"], "run": row["run_id"],
            "at": _instant(row["at"]), "version": 1}


def alert_comment_ledger_content(row: dict) -> dict:
    """A comment on an alert as logged, from its row (``monitoring.selectors.alert_comment_rows``)."""
    return {**_alert_ref(row), "comment": row["id"], "text": row["text"], "user": row["author_id"],
            "at": _instant(row["created_at"]), "version": 1}


def rule_run_ledger_content(row: dict) -> dict:
    """A finished rule run as logged, from its row (``monitoring.selectors.rule_run_rows``): the
    date it took as today, the year for unexercised powers, the findings per rule and how they
    merged with the stored alerts, when it ran."""
    return {"run": row["id"], "as_of": row["as_of"].isoformat(), "year": row["year"],
            "counts": row["counts"], "merge": row["merge"], "started_at": _instant(row["started_at"]),
            "finished_at": _instant(row["finished_at"]), "version": 1}


def ledger_rule_run_append(*, rows: Iterable[dict]) -> int:
    """One entry per finished rule run, in the run's own transaction."""
    return _append_rows(RULE_RUN, rows, rule_run_ledger_content)


# Entries per append when a rule run logs the steps it took (one tree head each).
ALERT_BATCH = 5000


def ledger_alert_events_append(*, rows: Iterable[dict]) -> int:
    """One entry per handling step (rows of ``monitoring.selectors.alert_event_rows``), in the
    transaction that stored them; returns how many."""
    return _append_rows(ALERT_EVENT, rows, alert_event_ledger_content)


def ledger_alert_comments_append(*, rows: Iterable[dict]) -> int:
    """One entry per comment on an alert (rows of ``monitoring.selectors.alert_comment_rows``)."""
    return _append_rows(ALERT_COMMENT, rows, alert_comment_ledger_content)


def _append_rows(kind: str, rows: Iterable[dict], content: Callable[[dict], dict]) -> int:
    n = 0
    rows = iter(rows)
    while chunk := list(itertools.islice(rows, ALERT_BATCH)):
        ledger_append_many(items=[LedgerItem(kind, str(row["id"]), content(row)) for row in chunk])
        n += len(chunk)
    if n:
        _checkpoint_on_commit()
    return n


def file_digests(path: str | Path) -> dict[str, str]:
    """SHA-256 and SM3 of a file, read once in 1 MiB pieces."""
    sha, sm3 = hashlib.sha256(), hashes.Hash(hashes.SM3())
    with open(path, "rb") as fh:
        while piece := fh.read(1 << 20):
            sha.update(piece)
            sm3.update(piece)
    return {"sha256": sha.hexdigest(), "sm3": sm3.finalize().hex()}


def ledger_import_run_append(*, run, path: str | Path) -> None:
    """The entry closing an import run: what file (name and digests), how many rows did what, who.

    Called in the transaction that marks the run done; a checkpoint is forced on commit, so that
    every import ends on a signed tree head.
    """
    digests = file_digests(path)
    content = {
        "run": run.pk, "kind": run.kind, "file_name": Path(str(path)).name, "source": run.source,
        "file_sha256": digests["sha256"], "file_sm3": digests["sm3"],
        "rows": run.rows, "created": run.created, "replaced": run.replaced,
        "unchanged": run.unchanged, "rejected": run.rejected,
        "user": run.user.get_username() if run.user_id else None,
        "started_at": run.started_at.isoformat() if run.started_at else None,
    }
    ledger_append(kind=IMPORT_RUN, key=str(run.pk), content=content)
    # robust: the rows are committed by then, and a signing problem must not fail the import;
    # it is logged and the next checkpoint covers these entries.
    transaction.on_commit(lambda: checkpoint_publish(force=True, witness_timeout=ON_COMMIT_WITNESS_TIMEOUT),
                          robust=True)


# How long a checkpoint signed after someone's write waits for each witness: the person waits
# too. A witness that does not answer in time co-signs later (`jiandu ledger witness`, or the
# next checkpoint, which is sent with a consistency proof from what it signed last).
ON_COMMIT_WITNESS_TIMEOUT = 3.0


def _checkpoint_on_commit() -> None:
    transaction.on_commit(lambda: checkpoint_publish(witness_timeout=ON_COMMIT_WITNESS_TIMEOUT),
                          robust=True)


# ------------------------------------------------------------------ the log's key

def log_signer() -> note.Signer:
    """The log's signing key, created on first use outside production (never in the repository)."""
    path = Path(settings.JIANDU_LEDGER_KEY_FILE)
    if not path.exists():
        if getattr(settings, "PRODUCTION", False):
            raise note.NoteError(
                f"日志签名密钥文件 {path} 不存在，请先运行 jiandu ledger keys --generate "
                f"(the ledger key file is missing; create it with `jiandu ledger keys --generate`)")
        log_key_generate(path=path)
    return keys.load_signer(path)


def log_key_generate(*, path: str | Path | None = None) -> note.Signer:
    """A new log key in ``path`` unless one is there already (whose signer is returned)."""
    path = Path(path or settings.JIANDU_LEDGER_KEY_FILE)
    if path.exists():
        return keys.load_signer(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    signer = keys.generate_signer(settings.JIANDU_LEDGER_ORIGIN, settings.JIANDU_LEDGER_ALG)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.new")
    keys.write_signer(tmp, signer)
    try:
        # link() fails if another process created the key meanwhile: theirs wins, ours goes.
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    return keys.load_signer(path)


def log_verifier_key() -> str:
    return log_signer().verifier_key()


# ------------------------------------------------------------------ checkpoints

# Seconds a witness has to answer a checkpoint (a notary office's server on another network).
WITNESS_TIMEOUT = 10.0

def checkpoint_publish(*, shard: Shard | None = None, force: bool = False,
                       witness_timeout: float = WITNESS_TIMEOUT) -> list[Checkpoint]:
    """Sign a checkpoint of each shard (or ``shard``) whose tree grew since its last checkpoint,
    when that one is older than JIANDU_CHECKPOINT_SECONDS or ``force``, and send it to the
    witnesses (each given ``witness_timeout`` seconds); returns the new ones."""
    made = []
    for sh in ([shard] if shard is not None else Shard.objects.order_by("year")):
        with transaction.atomic():
            sh = Shard.objects.select_for_update().get(pk=sh.pk)
            last = selectors.latest_checkpoint(sh)
            if sh.size == 0 or last is not None and last.size >= sh.size:
                continue
            age = None if last is None else (timezone.now() - last.created_at).total_seconds()
            if not force and age is not None and age < settings.JIANDU_CHECKPOINT_SECONDS:
                continue
            root = bytes(sh.root)
            text = note.sign_note(note.checkpoint_body(sh.origin, sh.size, root), [log_signer()])
            made.append(Checkpoint.objects.create(shard=sh, size=sh.size, root=root, note=text))
    for checkpoint in made:
        if settings.JIANDU_TSA_URL:
            checkpoint_timestamp(checkpoint=checkpoint)
        if settings.JIANDU_WITNESSES:
            # A witness that is down or refuses is logged and asked again by the next checkpoint
            # or `jiandu ledger witness`; the signed checkpoint stands either way.
            checkpoint_witness(checkpoint=checkpoint, timeout=witness_timeout)
    return made


def checkpoint_timestamp(*, checkpoint: Checkpoint) -> bool:
    """An RFC 3161 token over the checkpoint's body from JIANDU_TSA_URL; False (logged) on failure,
    since a TSA being down must not stop the log."""
    from . import tsa

    body = note.split_note(checkpoint.note)[0].encode()
    try:
        cert = tsa.load_certificate(Path(settings.JIANDU_TSA_CERT).read_bytes())
        stamp = tsa.request_timestamp(settings.JIANDU_TSA_URL, body, tsa_cert=cert)
    except Exception:  # any network or TSA error: logged; the next checkpoint gets its own stamp
        log.exception("RFC 3161 时间戳获取失败 (timestamp request failed) for checkpoint %s",
                      checkpoint.pk)
        return False
    Checkpoint.objects.filter(pk=checkpoint.pk).update(tsa_token=stamp.token)
    return True


# ------------------------------------------------------------------ witnesses

@dataclass
class WitnessResult:
    witness: str
    ok: bool
    message: str = ""


def _witness_old_size(checkpoint: Checkpoint, name: str) -> int:
    last = (Cosignature.objects.filter(witness_name=name, checkpoint__shard=checkpoint.shard)
            .order_by("-checkpoint__size").values_list("checkpoint__size", flat=True).first())
    return last or 0


def checkpoint_witness(*, checkpoint: Checkpoint, timeout: float = WITNESS_TIMEOUT) -> list[WitnessResult]:
    """Ask every configured witness to co-sign ``checkpoint`` (C2SP tlog-witness add-checkpoint)
    with a consistency proof from the size it last signed; store each verified cosignature."""
    from .witness import WitnessError
    from .witness_server import WitnessUnavailable

    results = []
    for w in settings.JIANDU_WITNESSES:
        name = w["name"]
        if Cosignature.objects.filter(checkpoint=checkpoint, witness_name=name).exists():
            results.append(WitnessResult(name, True, "已联署 (already co-signed)"))
            continue
        try:
            verifier = note.cosignature_verifier(w["key"])
            line = _witness_cosign(checkpoint, w["url"], _witness_old_size(checkpoint, name), timeout)
            timestamp = note.verify_cosignature(checkpoint.note, line, verifier)
        except (note.NoteError, OSError, ValueError, WitnessError, WitnessUnavailable) as exc:
            log.warning("witness %s refused or failed: %s", name, exc)
            results.append(WitnessResult(name, False, str(exc)))
            continue
        sig = note.parse_signature_line(line)
        Cosignature.objects.create(checkpoint=checkpoint, witness_name=name,
                                   key_id=sig.key_id.hex(),
                                   signature=note.b64(sig.signature),
                                   timestamp=timestamp)
        results.append(WitnessResult(name, True))
    return results


def checkpoint_witness_latest() -> list[tuple[Checkpoint, list[WitnessResult]]]:
    """`checkpoint_witness` on the latest checkpoint of every shard that has one."""
    done = []
    for shard in Shard.objects.order_by("year"):
        checkpoint = selectors.latest_checkpoint(shard)
        if checkpoint is not None:
            done.append((checkpoint, checkpoint_witness(checkpoint=checkpoint)))
    return done


def _witness_cosign(checkpoint: Checkpoint, url: str, old_size: int, timeout: float) -> str:
    from .witness import Conflict
    from .witness_server import post_checkpoint

    # One retry: a witness that signed another size than we recorded answers 409 with it.
    for attempt in range(2):
        if old_size > checkpoint.size:
            raise ValueError(f"见证已联署更大的树 {old_size} (witness already signed size {old_size})")
        proof = (consistency_proof_for(checkpoint.shard, old_size, checkpoint.size)
                 if 0 < old_size < checkpoint.size else [])
        try:
            answer = post_checkpoint(url, old_size, proof, checkpoint.note, timeout=timeout)
        except Conflict as exc:
            if attempt:
                raise ValueError(str(exc)) from None
            old_size = exc.latest_size
            continue
        lines = [ln for ln in answer.splitlines() if ln.startswith("\u2014 ")]
        if not lines:
            raise ValueError("见证未返回联署签名 (witness returned no cosignature)")
        return lines[0] + "\n"
    raise ValueError("见证大小冲突未解决 (witness size conflict persisted)")


def cosignature_lines(checkpoint: Checkpoint) -> tuple[list[str], list[str]]:
    """(cosignature lines, the witnesses' verifier keys) of ``checkpoint`` for witnesses still
    configured (a line without its key could not be checked by a receipt's reader)."""
    configured = {w["name"]: w["key"] for w in settings.JIANDU_WITNESSES}
    lines, vkeys = [], []
    for c in checkpoint.cosignatures.order_by("witness_name"):
        if c.witness_name not in configured:
            continue
        lines.append(str(note.SignatureLine(c.witness_name, bytes.fromhex(c.key_id),
                                            note.b64decode(c.signature, "联署签名"))))
        vkeys.append(configured[c.witness_name])
    return lines, vkeys


def cosigned_note(checkpoint: Checkpoint) -> tuple[str, list[str]]:
    """The checkpoint's signed note with the cosignature lines of the witnesses still configured,
    and their verifier keys: what a receipt or a monitor needs to check it."""
    lines, vkeys = cosignature_lines(checkpoint)
    return (note.add_signature_lines(checkpoint.note, lines) if lines else checkpoint.note), vkeys


# ------------------------------------------------------------------ receipts

def receipt_build(*, entry: LogEntry) -> dict:
    """The receipt of ``entry`` at the latest witnessed checkpoint that covers it, else the latest
    one (signed now if none covers it yet)."""
    from .receipt import build_receipt

    shard = entry.shard
    covering = Checkpoint.objects.filter(shard=shard, size__gt=entry.index).order_by("-size")
    checkpoint = (covering.filter(cosignatures__isnull=False).first() or covering.first())
    if checkpoint is None:
        checkpoint_publish(shard=shard, force=True)
        checkpoint = selectors.latest_checkpoint(shard)
    text, vkeys = cosigned_note(checkpoint)
    return build_receipt(
        hash_alg=shard.hash_alg, origin=shard.origin, kind=entry.kind, key=entry.key,
        entry=entry.content, index=entry.index, tree_size=checkpoint.size,
        inclusion_proof=inclusion_proof_for(shard, entry.index, checkpoint.size),
        checkpoint=text, witness_keys=vkeys)


# ------------------------------------------------------------------ verification

@dataclass
class Problem:
    key: str
    zh: str
    en: str

    def __str__(self) -> str:
        return f"{self.key}: {self.zh} ({self.en})"


@dataclass
class VerifyResult:
    entries: int = 0
    records: int = 0
    revisions: int = 0
    alert_steps: int = 0
    # Versions stored without any entry: rows from before the ledger logged them (backfill), or
    # rows added behind the application.
    unlogged: int = 0
    shards: int = 0
    problems: list[Problem] = field(default_factory=list)
    problems_total: int = 0

    @property
    def ok(self) -> bool:
        return self.problems_total == 0

    def add(self, key: str, zh: str, en: str) -> None:
        self.problems_total += 1
        if len(self.problems) < 1000:
            self.problems.append(Problem(key, zh, en))


def _verify_cosignatures(checkpoint: Checkpoint, result: VerifyResult, where: str) -> None:
    """Each stored cosignature of a witness still configured must verify with its key."""
    lines, vkeys = cosignature_lines(checkpoint)
    for line, vkey in zip(lines, vkeys, strict=True):
        try:
            note.verify_cosignature(checkpoint.note, line, note.cosignature_verifier(vkey))
        except note.NoteError as exc:
            result.add(where, f"见证联署不成立：{exc}", "a stored cosignature does not verify")


class _KeyDigest:
    """An order-independent digest of (kind, key, position) triples per kind: the bundles'
    and the key index's must agree, compared in constant memory whatever order each is read in.

    Each triple's "kind<TAB>key<TAB>position" is hashed (SHA-256 leaf hashes, a batch a call:
    through the accelerator ~0.5 µs a triple where one blake2b a call took 2.5) and the hashes
    are summed per kind, modulo 2^256, with their count.
    """

    _HASH = hasher_for("sha256")

    def __init__(self):
        self.kinds: dict[str, list[int]] = {}

    def add_many(self, triples: Iterable[tuple[str, str, int]]) -> None:
        for kind, group in itertools.groupby(triples, key=itemgetter(0)):
            lines = [f"{k}\t{key}\t{pos}".encode() for k, key, pos in group]
            acc = self.kinds.setdefault(kind, [0, 0])
            acc[0] += len(lines)
            acc[1] = (acc[1] + sum(map(int.from_bytes, self._HASH.leaves(lines)))) % (1 << 256)


def _verify_shard(shard: Shard, result: VerifyResult, chunk: int, digest: _KeyDigest) -> None:
    """Recompute every leaf of ``shard`` from its bundles' contents and the root from the
    leaves; compare with the leaf hashes of the level-0 tiles, the shard's head and its latest
    checkpoint (and signature). Each entry's (kind, key, position) goes into ``digest``."""
    hasher = hasher_for(shard.hash_alg)
    checkpoint = selectors.latest_checkpoint(shard)
    signed_root = None
    if checkpoint is not None:
        where = f"checkpoint {shard.origin}@{checkpoint.size}"
        try:
            body, _ = note.open_note(checkpoint.note, [log_signer().verifier()])
            signed = note.parse_checkpoint(body)
            # The signed body is what counts; the size and root columns are only its index.
            if (signed.origin, signed.size, signed.root) != (shard.origin, checkpoint.size,
                                                             bytes(checkpoint.root)):
                result.add(where, "检查点的签名内容与其记录不符", "signed checkpoint differs from its row")
            signed_root = signed.root
        except note.NoteError as exc:
            result.add(where, f"检查点签名不成立：{exc}", "checkpoint signature does not verify")
        _verify_cosignatures(checkpoint, result, where)
    tree = CompactRange(hasher)
    size = 0
    base = entry_pk(shard.pk, 0)
    # The tree grows a bundle at a time (its nodes a level at a time), split where the latest
    # checkpoint's size falls so that its root is compared there.
    step = 64
    for bundle, leaves in shard_bundles(shard, max(1, chunk // 256)):
        if bundle.first != size:
            result.add(f"{shard.origin}#{size}", "日志条目缺失", "log entry missing")
            return
        if bundle.error:
            result.add(f"{shard.origin}#{bundle.first}", f"日志条目包被改动：{bundle.error}",
                       f"a log bundle was changed: {bundle.error_en}")
            return
        hashes = hasher.leaves(bundle.contents)
        if hashes != leaves:
            for at, (h, (kind, key)) in enumerate(zip(hashes, bundle.keys, strict=True)):
                if at >= len(leaves) or h != leaves[at]:
                    index = bundle.first + at
                    result.add(key, f"日志条目 #{index} 内容与叶哈希不符（{kind}）",
                               f"log entry #{index} content does not match its leaf hash")
        first = base + bundle.first
        digest.add_many((kind, key, first + at) for at, (kind, key) in enumerate(bundle.keys))
        n = len(hashes)
        if signed_root is not None and size < checkpoint.size <= size + n:
            cut = checkpoint.size - size
            tree.extend_collect(hashes[:cut], step)
            if tree.root() != signed_root:
                result.add(f"checkpoint {shard.origin}@{checkpoint.size}", "日志与最新检查点的根哈希不符",
                           "log does not match the latest checkpoint's root")
            tree.extend_collect(hashes[cut:], step)
        else:
            tree.extend_collect(hashes, step)
        size += n
        result.entries += n
    if size != shard.size or tree.root() != bytes(shard.root):
        result.add(f"{shard.origin}", "日志树头与条目不符", "tree head does not match the entries")
    if checkpoint is not None and checkpoint.size > size:
        result.add(f"checkpoint {shard.origin}@{checkpoint.size}", "检查点大于日志（条目被删除）",
                   "checkpoint is larger than the log (entries deleted)")


def _verify_key_index(result: VerifyResult, digest: _KeyDigest, chunk: int) -> None:
    """The key index (kind, key, position), read in any order, against the bundles' digest."""
    index = _KeyDigest()
    rows = EntryKey.objects.values_list("kind", "key", "position").iterator(chunk_size=chunk)
    while page := list(itertools.islice(rows, chunk)):
        index.add_many(page)
    for kind in sorted(set(index.kinds) | set(digest.kinds)):
        want, have = digest.kinds.get(kind, [0, 0]), index.kinds.get(kind, [0, 0])
        if want != have:
            result.add(f"key index {kind}",
                       f"条目索引与条目包不符（{have[0]} 行，条目包中 {want[0]} 条）",
                       "the key index (ledger_entrykey) does not match the bundles: rows "
                       "changed, added or deleted")


def _record_contents(rows: Iterable[dict]) -> Iterator[tuple[str, int, bytes | None, str]]:
    """(record id, version, expected logged content or None, why not) of stored records."""
    from jiandu.records.selectors import record_to_contract

    for v in rows:
        row = record_to_contract(v, reveal=False)
        yield _expected(row, v["version"])


def _expected(row: dict, version: int) -> tuple[str, int, bytes | None, str]:
    party = row["party"]
    party_key = party["id"]
    if party["type"] == "person":
        try:
            party_key = keyed_hash(decrypt_text(party["id"] or ""))
        except DecryptionError as exc:
            return row["id"], version, None, str(exc)
    return row["id"], version, canonical_json(
        record_ledger_content(row, version=version, party_key=party_key)), ""


def _rows_in(model, columns: str | None, field: str, values: list, *, kind: str | None = None,
             integer: bool = False) -> list[tuple]:
    """``columns`` (SQL; None: ``field``'s own column) of the rows of ``model`` whose ``field``
    ("pk" for the primary key) is among ``values``, bound as one parameter (``in_values``), and
    whose ``kind`` column is ``kind`` when given (the key index, the history)."""
    qn = connection.ops.quote_name
    column = qn(model._meta.pk.column if field == "pk" else model._meta.get_field(field).column)
    columns = columns or column
    where, params = in_values(column, values, integer=integer)
    if kind is not None:
        where, params = f"kind = %s AND {where}", [kind, *params]
    with connection.cursor() as cur:
        cur.execute(f"SELECT {columns} FROM {qn(model._meta.db_table)} WHERE {where}", params)
        return cur.fetchall()


def _of_keys(model, columns: str, kind: str, keys_: list[str]) -> list[tuple]:
    """(key, *columns) of the rows of ``model`` (a table with ``kind`` and ``key`` columns: the
    key index, the history) of ``kind`` for ``keys_``."""
    return _rows_in(model, f"{connection.ops.quote_name('key')}, {columns}", "key", keys_, kind=kind)


def _logged_versions(entry_kind: str, keys_: list[str],
                     expected: dict[str, dict[int, tuple[bytes | None, str]]],
                     ) -> dict[str, dict[int | None, list[bytes]]]:
    """{key: {version: [logged contents]}} of the entries of ``entry_kind`` for ``keys_``.

    An entry whose stored leaf hash is that of an expected version's content is that version
    (its content is checked against the leaf hash by the shard's own check): the usual case
    reads the key index and the level-0 tiles only. The contents of the other entries are read
    from their bundles, for their version.
    """
    rows = _of_keys(EntryKey, "position", entry_kind, keys_)
    if not rows:
        return {}
    leaves = stored_leaves([pos for _, pos in rows])
    algs = dict(Shard.objects.values_list("pk", "hash_alg"))
    # Each expected version hashed once per hash algorithm its object's entries are under,
    # a list at a time.
    versions: dict[str, list[tuple[str, int, bytes]]] = {alg: [] for alg in algs.values()}
    for key, alg in {(key, algs.get(pos // ENTRY_SHARD_STRIDE, "")) for key, pos in rows}:
        if alg in versions:
            versions[alg].extend((key, version, want) for version, (want, _why)
                                 in expected.get(key, {}).items() if want is not None)
    wanted: dict[tuple[str, str, bytes], tuple[int, bytes]] = {}
    for alg, found in versions.items():
        hashes = hasher_for(alg).leaves([want for _, _, want in found])
        for (key, version, want), h in zip(found, hashes, strict=True):
            wanted.setdefault((key, alg, h), (version, want))
    logged: dict[str, dict[int | None, list[bytes]]] = {}
    other: dict[int, str] = {}
    for key, pos in rows:
        hit = wanted.get((key, algs.get(pos // ENTRY_SHARD_STRIDE, ""), leaves.get(pos)))
        if hit is None:
            other[pos] = key
            continue
        logged.setdefault(key, {}).setdefault(hit[0], []).append(hit[1])
    for entry in positions_entries(sorted(other)):
        try:
            version = json.loads(entry.content).get("version")
        except (ValueError, AttributeError):
            version = None  # a log entry edited into invalid JSON: its leaf check reports it
        logged.setdefault(other[entry.pk], {}).setdefault(version, []).append(
            entry.content.encode())
    return logged


def _compare(result: VerifyResult, keys_: list[str],
             expected: dict[str, dict[int, tuple[bytes | None, str]]], entry_kind: str,
             name: Callable[[str], str] = str) -> None:
    """Every expected version of ``keys_`` against the entries of ``entry_kind`` for them;
    problems are reported under ``name(key)``."""
    logged = _logged_versions(entry_kind, keys_, expected)
    for key in keys_:
        have = logged.get(key, {})
        for version, (want, why) in sorted(expected.get(key, {}).items()):
            if want is None:
                result.add(name(key), f"第 {version} 版无法还原：{why}", "cannot re-derive the row")
            elif version not in have:
                result.unlogged += 1
                result.add(name(key), f"第 {version} 版在日志中没有条目", "version has no log entry")
            elif want not in have[version]:
                result.add(name(key), f"第 {version} 版与日志记录不符，数据被改动",
                           "row differs from its log entry: changed outside the application")
        for version in sorted(set(have) - set(expected.get(key, {})), key=str):
            result.add(name(key), f"日志中的第 {version} 版在数据库中不存在",
                       "a logged version is missing from the database")


def _history(expected: dict, kind: str, keys_: list[str], derive) -> int:
    """Add the expected content of every history version of ``keys_``; returns how many."""
    from jiandu.records.models import Revision

    n = 0
    for key, version, content in _of_keys(Revision, "version, content", kind, keys_):
        n += 1
        try:
            want = derive(json.loads(content), version)
        except (ValueError, KeyError, TypeError) as exc:
            want = (None, f"{type(exc).__name__}: {exc}")
        expected.setdefault(key, {})[version] = want
    return n


def _record_pages(chunk: int) -> Iterator[tuple[list[dict], dict, int]]:
    """Every record a page at a time, in key order: (the page's rows, the expected content of
    each version {id: {version: (content or None, why)}}, current rows and history, and how
    many history versions the page has)."""
    from jiandu.records.models import Record
    from jiandu.records.selectors import _FIELDS

    def derive(row: dict, version: int) -> tuple[bytes | None, str]:
        return _expected(row, version)[2:]

    last = None
    while True:
        qs = Record.objects.order_by("ext_id")
        if last is not None:
            qs = qs.filter(ext_id__gt=last)
        page = list(qs.values(*_FIELDS, "party_key")[:chunk])
        if not page:
            return
        last = page[-1]["ext_id"]
        expected: dict[str, dict[int, tuple[bytes | None, str]]] = {}
        for key, version, content, why in _record_contents(page):
            expected.setdefault(key, {})[version] = (content, why)
        revisions = _history(expected, "records", [v["ext_id"] for v in page], derive)
        yield page, expected, revisions


def _verify_records(result: VerifyResult, chunk: int) -> None:
    """Re-derive every record version (current rows and the history) and compare with its entry."""
    for page, expected, revisions in _record_pages(chunk):
        for v in page:
            result.records += 1
            content = expected[v["ext_id"]][v["version"]][0]
            # The search key of a person is not in the logged content; it must still be the
            # hash of the (logged) encrypted number, or searches would find the wrong person.
            if content is not None and v["party_type"] == "person" and \
                    json.loads(content)["party"]["id"] != v["party_key"]:
                result.add(v["ext_id"], "相对人检索标识与身份证号不符", "party_key does not match the id")
        result.revisions += revisions
        _compare(result, [v["ext_id"] for v in page], expected, RECORD)


def _reference_kinds():
    """(kind, model, key field, row → contract dict, prefetch) of the contract's reference kinds."""
    from jiandu.org.models import Agency, Officer
    from jiandu.org.selectors import agency_to_contract, officer_to_contract
    from jiandu.powers.models import FourListItem, Power
    from jiandu.powers.selectors import four_list_to_contract, power_to_contract

    return (
        ("agencies", Agency, "code", agency_to_contract, ()),
        ("officers", Officer, "certificate", lambda o: officer_to_contract(o, reveal=True), ()),
        ("powers", Power, "code", power_to_contract, ("tiers",)),
        ("four_lists", FourListItem, "code", four_list_to_contract, ()),
    )


def _reference_pages(chunk: int) -> Iterator[tuple[str, list[str], dict]]:
    """Agencies, officers, powers and four-list items a page at a time: (kind, the page's keys,
    the expected content of each version, current rows and history)."""
    for kind, model, key_field, to_contract, prefetch in _reference_kinds():
        def derive(row: dict, version: int, kind=kind) -> tuple[bytes | None, str]:
            if kind == "officers" and row.get("id_number"):
                # History keeps the number encrypted, as the live table does.
                row = {**row, "id_number": decrypt_text(row["id_number"])}
            return canonical_json(reference_ledger_content(kind, row, version=version)), ""

        last = None
        while True:
            qs = model.objects.order_by(key_field).prefetch_related(*prefetch)
            if last is not None:
                qs = qs.filter(**{f"{key_field}__gt": last})
            page = list(qs[:chunk])
            if not page:
                break
            last = getattr(page[-1], key_field)
            keys_ = [getattr(obj, key_field) for obj in page]
            expected: dict[str, dict[int, tuple[bytes | None, str]]] = {}
            for obj in page:
                try:
                    want = (canonical_json(reference_ledger_content(
                        kind, to_contract(obj), version=obj.version)), "")
                except DecryptionError as exc:
                    want = (None, str(exc))
                expected.setdefault(getattr(obj, key_field), {})[obj.version] = want
            _history(expected, kind, keys_, derive)
            yield kind, keys_, expected


def _verify_references(result: VerifyResult, chunk: int) -> None:
    """Re-derive every version of agencies, officers, powers and four-list items."""
    for kind, keys_, expected in _reference_pages(chunk):
        _compare(result, keys_, expected, REFERENCE_KINDS[kind])


# How a problem with an alert's step or comment names it (the entry's key alone is a bare id).
_ALERT_NAMES = {ALERT_EVENT: "预警处理记录 {}", ALERT_COMMENT: "预警评论 {}", RULE_RUN: "规则运行 {}"}


def _logged_row_pages(chunk: int) -> Iterator[tuple[str, list[str], dict]]:
    """Every handling step and comment of the alerts, and every finished rule run, a page at a
    time: (entry kind, the page's keys, the expected content of each, version 1)."""
    from jiandu.monitoring import selectors as monitoring

    for kind, rows, content in ((ALERT_EVENT, monitoring.alert_event_rows, alert_event_ledger_content),
                                (ALERT_COMMENT, monitoring.alert_comment_rows, alert_comment_ledger_content),
                                (RULE_RUN, monitoring.rule_run_rows, rule_run_ledger_content)):
        last = 0
        while page := list(rows().filter(id__gt=last)[:chunk]):
            last = page[-1]["id"]
            yield kind, [str(row["id"]) for row in page], {
                str(row["id"]): {1: (canonical_json(content(row)), "")} for row in page}


def _verify_alerts(result: VerifyResult, chunk: int) -> None:
    """Re-derive every handling step, comment and finished rule run and compare with its entry;
    then every alert's status against the steps (a status changed by SQL leaves the steps as
    they were)."""
    from jiandu.monitoring.choices import AlertStatus
    from jiandu.monitoring.models import AlertComment, AlertEvent, RuleRun
    from jiandu.monitoring.selectors import alerts_unlike_history

    for kind, keys_, expected in _logged_row_pages(chunk):
        if kind != RULE_RUN:
            result.alert_steps += len(keys_)
        _compare(result, keys_, expected, kind, _ALERT_NAMES[kind].format)
    for kind, model in ((ALERT_EVENT, AlertEvent), (ALERT_COMMENT, AlertComment), (RULE_RUN, RuleRun)):
        _verify_keys_exist(result, kind, model, "pk", chunk, _ALERT_NAMES[kind].format)
    labels = dict(AlertStatus.choices)
    for pk, status, want in alerts_unlike_history():
        if status == want:
            result.add(f"预警 {pk}", "排除理由与其处理记录不符，数据被改动",
                       "the dismissal reason differs from the logged step: changed outside the application")
        else:
            result.add(f"预警 {pk}", f"状态为“{labels.get(status, status)}”，而处理记录为“{labels.get(want, want)}”，"
                       "数据被改动", "the alert's status differs from its logged handling steps: "
                       "changed outside the application")


def _unlogged(keys_: list[str], expected: dict, entry_kind: str) -> list[LedgerItem]:
    """The versions in ``expected`` of which the log has no entry at all, oldest first."""
    logged = _logged_versions(entry_kind, keys_, expected)
    return [LedgerItem(entry_kind, key, content_json=content)
            for key in keys_ for version, (content, _why) in sorted(expected.get(key, {}).items())
            if content is not None and version not in logged.get(key, {})]


def ledger_backfill(*, chunk: int = 2000, user=None) -> dict[str, int]:
    """Log every stored version that has no entry yet: rows stored before the ledger existed.

    A version that has an entry is never logged again, so a row changed behind the
    application still differs from its entry; the entries are as of now (the closing
    "backfill" entry says when and how many), not as of the rows' first storing.
    """
    counts: dict[str, int] = {}
    pages = itertools.chain(
        ((RECORD, [v["ext_id"] for v in page], expected) for page, expected, _ in _record_pages(chunk)),
        ((REFERENCE_KINDS[kind], keys_, expected) for kind, keys_, expected in _reference_pages(chunk)),
        _logged_row_pages(chunk))
    for entry_kind, keys_, expected in pages:
        items = _unlogged(keys_, expected, entry_kind)
        if items:
            with transaction.atomic():
                ledger_append_many(items=items)
            counts[entry_kind] = counts.get(entry_kind, 0) + len(items)
    if counts:
        with transaction.atomic():
            ledger_append(kind=BACKFILL, key=timezone.now().isoformat(),
                          content={"backfilled": counts,
                                   "user": user.get_username() if user is not None else None})
            audit_record(action=AuditAction.CREATE, user=user, object_type="ledger.backfill",
                         object_id="", detail=json.dumps(counts, ensure_ascii=False))
        checkpoint_publish(force=True)
    return counts


def _verify_keys_exist(result: VerifyResult, entry_kind: str, model, key_field: str,
                       chunk: int, name: Callable[[str], str] = str) -> None:
    """Logged keys of ``entry_kind`` whose row is gone from the database (deleted behind the
    application); keys of rows keyed by ``pk`` are their ids in decimal."""
    last = None
    while True:
        qs = EntryKey.objects.filter(kind=entry_kind).order_by("key").values_list("key", flat=True)
        if last is not None:
            qs = qs.filter(key__gt=last)
        page = list(qs.distinct()[:chunk])
        if not page:
            return
        last = page[-1]
        integer = key_field == "pk"
        wanted = [int(key) for key in page if key.isdigit()] if integer else page
        present = {str(value) for (value,) in _rows_in(model, None, key_field, wanted,
                                                       integer=integer)}
        for key in page:
            if key not in present:
                result.add(name(key), "日志中的对象在数据库中不存在（被删除）",
                           "logged object is missing from the database")


def ledger_verify(*, chunk: int = 2000,
                  progress: Callable[[str], None] | None = None) -> VerifyResult:
    """Check the whole log against itself, its latest checkpoints and the rows it describes;
    the outcome is kept as a VerifyRun for the ledger page."""
    from .verify_runs import VerifyRun

    started = timezone.now()
    result = VerifyResult()
    digest = _KeyDigest()
    for shard in Shard.objects.order_by("year"):
        if progress:
            progress(f"日志 {shard.origin}：{shard.size} 条")
        result.shards += 1
        _verify_shard(shard, result, chunk * 5, digest)
    _verify_key_index(result, digest, chunk * 5)
    if progress:
        progress("执法行为…")
    _verify_records(result, chunk)
    from jiandu.records.models import Record

    _verify_keys_exist(result, RECORD, Record, "ext_id", chunk)
    if progress:
        progress("执法主体、执法人员、权责清单、四张清单…")
    _verify_references(result, chunk)
    for kind, model, key_field, _, _ in _reference_kinds():
        _verify_keys_exist(result, REFERENCE_KINDS[kind], model, key_field, chunk)
    if progress:
        progress("预警处理记录和评论…")
    _verify_alerts(result, chunk)
    with transaction.atomic():
        VerifyRun.objects.create(
            started_at=started, finished_at=timezone.now(), ok=result.ok, entries=result.entries,
            records=result.records, revisions=result.revisions,
            problems_total=result.problems_total,
            problems="\n".join(str(p) for p in result.problems[:200]))
    return result
