"""Reads of the ledger app for its page: shards with their latest checkpoint, entries of a record."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count

from .models import Checkpoint, Cosignature, Shard
from .storage import LogEntry, entries_for, entry_at_position


@dataclass
class ShardView:
    shard: Shard
    checkpoint: Checkpoint | None
    cosignatures: list[Cosignature]


def latest_checkpoint(shard: Shard) -> Checkpoint | None:
    """The checkpoint of ``shard`` with the largest tree (the newest: a shard only grows)."""
    return Checkpoint.objects.filter(shard=shard).select_related("shard").order_by("-size").first()


def entry_latest(kind: str, key: str) -> LogEntry | None:
    """The newest entry of the object ``kind`` ``key`` (its latest version), with its shard."""
    entries = entries_for(kind, key)
    return entries[-1] if entries else None


def ledger_shards() -> list[ShardView]:
    """Every shard (one per year, a handful) with its latest checkpoint and who co-signed it."""
    views = []
    for shard in Shard.objects.order_by("-year"):
        checkpoint = latest_checkpoint(shard)
        cosigs = list(checkpoint.cosignatures.order_by("witness_name")) if checkpoint else []
        views.append(ShardView(shard, checkpoint, cosigs))
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


def entry_for_receipt(user, pk: int) -> LogEntry | None:
    """The entry at position ``pk``, if ``user`` may see what it is about (a record only within
    their scope)."""
    entry = entry_at_position(pk)
    if entry is None:
        return None
    if entry.kind == "record" and not _record_visible(user, entry.key):
        return None
    return entry
