"""Reads of the ledger app for its page: shards with their latest checkpoint, entries of a record."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count

from .models import Checkpoint, Cosignature, Shard
from .storage import LogEntry, entries_for, entry_at_position


@dataclass
class ShardView:
    shard: Shard
    checkpoint: Checkpoint | None
    cosignatures: list[Cosignature]
    # Configured witnesses that have not co-signed the latest checkpoint (down, or not yet asked).
    unwitnessed: list[str] = field(default_factory=list)


def latest_checkpoint(shard: Shard) -> Checkpoint | None:
    """The checkpoint of ``shard`` with the largest tree (the newest: a shard only grows)."""
    return Checkpoint.objects.filter(shard=shard).select_related("shard").order_by("-size").first()


def entry_latest(kind: str, key: str) -> LogEntry | None:
    """The newest entry of the object ``kind`` ``key`` (its latest version), with its shard: its
    position from the key index, then that one entry read (not every version's)."""
    position = entry_positions(kind, [key]).get(key)
    return entry_at_position(position) if position is not None else None


def ledger_shards() -> list[ShardView]:
    """Every shard (one per year, a handful) with its latest checkpoint and who co-signed it."""
    from django.conf import settings

    configured = [w["name"] for w in settings.JIANDU_WITNESSES]
    views = []
    for shard in Shard.objects.order_by("-year"):
        checkpoint = latest_checkpoint(shard)
        cosigs = list(checkpoint.cosignatures.order_by("witness_name")) if checkpoint else []
        signed = {c.witness_name for c in cosigs}
        missing = [name for name in configured if name not in signed] if checkpoint else []
        views.append(ShardView(shard, checkpoint, cosigs, missing))
    return views


def ledger_recent_checkpoints(limit: int = 10) -> list[Checkpoint]:
    return list(Checkpoint.objects.select_related("shard").annotate(witnessed=Count("cosignatures"))
                .order_by("-created_at", "-pk")[:limit])


def ledger_last_verify_run():
    from .verify_runs import VerifyRun

    return VerifyRun.objects.order_by("-started_at", "-pk").first()


def _record_visible(user, ext_id: str) -> bool:
    from jiandu.records.selectors import records_for

    return records_for(user).filter(ext_id=ext_id).exists()


def record_entries(user, ext_id: str) -> list[LogEntry] | None:
    """The ledger entries of a record ``user`` may see, oldest first; None when the record is not
    in the user's scope (or does not exist), so that the page tells nothing about it."""
    if not _record_visible(user, ext_id):
        return None
    return entries_for("record", ext_id)


# What the ledger page looks up, by what the user knows of it: (value, label, the key's name).
SEARCH_KINDS = (
    ("record", "执法行为", "执法行为编号"),
    ("alert", "监督预警", "预警编号"),
    ("officer", "执法人员", "执法证号"),
    ("agency", "执法主体", "统一社会信用代码"),
    ("power", "权责清单事项", "事项编码"),
    ("four_list", "四张清单事项", "清单事项编码"),
    ("import_run", "数据导入批次", "导入批次号"),
    ("rule_run", "规则运行", "运行编号"),
)


def object_entries(user, kind: str, key: str) -> list[LogEntry] | None:
    """The ledger entries of one object ``user`` may see, oldest first: a record's versions
    (within the user's scope), an alert's steps and comments (an alert in scope), a reference
    row's versions or an import run. None when there is no such object for the user, so that
    the page tells nothing about what lies outside the scope."""
    if kind == "record":
        return record_entries(user, key)
    if kind == "alert":
        return alert_entries(user, key)
    if kind not in {value for value, _, _ in SEARCH_KINDS}:
        return None
    # Every stored reference row and import run has entries (`ledger backfill` logs the older
    # ones): none means no such object.
    return entries_for(kind, key) or None


def alert_entries(user, alert_id: str) -> list[LogEntry] | None:
    """The entries of an alert's steps and comments, in the order they were logged; None when
    the alert does not exist or is outside ``user``'s scope."""
    from jiandu.accounts.selectors import scoped
    from jiandu.monitoring.models import Alert

    from .choices import EntryKind
    from .storage import positions_entries

    if not alert_id.isdigit():
        return None
    alert = scoped(Alert.objects.all(), user).filter(pk=int(alert_id)).first()
    if alert is None:
        return None
    events = [str(pk) for pk in alert.events.values_list("pk", flat=True)]
    comments = [str(pk) for pk in alert.comments.values_list("pk", flat=True)]
    positions = [*entry_positions(EntryKind.ALERT_EVENT, events).values(),
                 *entry_positions(EntryKind.ALERT_COMMENT, comments).values()]
    return positions_entries(sorted(positions))


def entry_for_receipt(user, pk: int) -> LogEntry | None:
    """The entry at position ``pk``, if ``user`` may see what it is about (a record, or an
    alert's step or comment, only within their scope)."""
    from .choices import EntryKind

    entry = entry_at_position(pk)
    if entry is None:
        return None
    if entry.kind == EntryKind.RECORD and not _record_visible(user, entry.key):
        return None
    if entry.kind in (EntryKind.ALERT_EVENT, EntryKind.ALERT_COMMENT):
        from jiandu.monitoring.selectors import alert_comment_visible, alert_event_visible

        visible = alert_event_visible if entry.kind == EntryKind.ALERT_EVENT else alert_comment_visible
        if not (entry.key.isdigit() and visible(user, int(entry.key))):
            return None
    return entry


def entry_positions(kind: str, keys: list[str]) -> dict[str, int]:
    """The position of the newest entry of each object ``kind`` ``key`` among ``keys`` that has
    one (what a receipt link names), in one query (none for no keys)."""
    from .models import EntryKey

    found: dict[str, int] = {}
    if not keys:
        return found
    for key, position in (EntryKey.objects.filter(kind=kind, key__in=keys).order_by("position")
                          .values_list("key", "position")):
        found[key] = position
    return found


def receipt_positions(user, kind: str, keys: list[str]) -> dict[str, int] | None:
    """``entry_positions`` for a page that offers receipts of what it shows; None when ``user``
    may not open the ledger, whose receipt download refuses them."""
    from jiandu.core.modules import module_by_slug

    if not module_by_slug("ledger").allows(user):
        return None
    return entry_positions(kind, keys)


def search_kind(value: str | None) -> tuple[str, str]:
    """The ledger page's search kind asked for (the record's when unknown) and its label."""
    labels = {kind: label for kind, label, _ in SEARCH_KINDS}
    kind = value if value in labels else "record"
    return kind, labels[kind]


# Receipts brought back for checking: a few KiB each (the entry, ~25 proof hashes, a signed note).
RECEIPT_MAX_BYTES = 256 * 1024


@dataclass
class ReceiptCheck:
    """A receipt checked as its reader would (offline, with the platform's log key and its
    witnesses' keys) and then against this platform's own log."""

    report: object  # receipt.Report
    # The platform's log of the receipt's origin holds the receipt's tree (same root at that
    # size): True, False (rewritten or forked), or None when it could not be compared.
    in_log: bool | None = None
    log_size: int | None = None
    # Entries about the same object appended after the receipt's: later versions.
    newer: int = 0
    latest_version: int | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        from .choices import EntryKind

        kind = self.report.kind
        return str(EntryKind(kind).label) if kind in EntryKind.values else kind


def receipt_check(data: bytes) -> ReceiptCheck:
    """Check ``data``, a receipt file's bytes: its proof and signatures offline, as `jiandu verify`
    does with the log's public key and the configured witnesses' keys, then whether this
    platform's log still has the tree the receipt names (the same root at its size, which also
    shows the entry is at its index) and whether the object has newer versions since."""
    from django.conf import settings

    from .receipt import verify_receipt
    from .services import log_verifier_key
    from .storage import ProofError, tree_root

    keys = [log_verifier_key(), *(w["key"] for w in settings.JIANDU_WITNESSES)]
    report = verify_receipt(data, keys)
    check = ReceiptCheck(report)
    if not report.ok:
        return check
    shard = Shard.objects.filter(origin=report.origin).first()
    if shard is None:
        check.problems.append(f"本平台没有来源为 {report.origin} 的日志 (this platform has no log of "
                              "that origin)")
        return check
    check.log_size = shard.size
    if report.tree_size > shard.size:
        check.in_log = False
        check.problems.append(
            f"收据的树大小 {report.tree_size:,} 大于本平台日志现有的 {shard.size:,} 个条目：日志被截短或回滚 "
            f"(the receipt's tree is larger than the log: the log was truncated or rolled back)")
        return check
    try:
        root = tree_root(shard, report.tree_size)
    except ProofError as exc:
        check.in_log = False
        check.problems.append(str(exc))
        return check
    check.in_log = root.hex() == report.root_hex
    if not check.in_log:
        check.problems.append(
            f"本平台日志在树大小 {report.tree_size:,} 时的根哈希与收据不同：日志已被改写或出现分叉 "
            "(the log's root at the receipt's size differs: the log was rewritten or forked)")
        return check
    # The object's entries run oldest first across the yearly logs: a later version may be in
    # a later year's log.
    entries = entries_for(report.kind, report.key)
    at = next((i for i, e in enumerate(entries) if e.shard.pk == shard.pk and e.index == report.index),
              len(entries))
    later = entries[at + 1:]
    check.newer = len(later)
    if later:
        check.latest_version = later[-1].version
    return check
