"""The import loop shared by every kind: read, validate, batch, hand batches to a kind's store.

A store (in the owning app's ``services``) checks references and writes a batch in one
transaction. The loop guarantees the contract's row semantics: each bad row is reported with
its line, field and reason and leaves no trace; a key seen twice in a file is applied in file
order (the batch is flushed before the second occurrence joins it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .fields import FieldError
from .formats import SourceRow
from .schema import Kind


@dataclass(slots=True)
class Problem:
    line: int
    key: str | None
    field: str
    zh: str
    en: str

    @property
    def reason(self) -> str:
        return f"{self.zh} ({self.en})"

    def __str__(self) -> str:
        key = f" [{self.key}]" if self.key else ""
        return f"第 {self.line} 行{key} {self.field}: {self.reason}"


@dataclass
class Counts:
    rows: int = 0
    created: int = 0
    replaced: int = 0
    unchanged: int = 0
    rejected: int = 0

    def add(self, other: Counts) -> None:
        self.created += other.created
        self.replaced += other.replaced
        self.unchanged += other.unchanged


@dataclass
class Pending:
    src: SourceRow
    row: dict


@dataclass
class Batch:
    items: list[Pending] = field(default_factory=list)
    keys: set = field(default_factory=set)


class Store:
    """What a kind's writer provides to the loop."""

    kind: Kind
    batch_size: int = 5000

    def check(self, row: dict) -> None:
        """Raise FieldError for a reference that does not exist (needs no write)."""

    def flush(self, items: list[Pending]) -> tuple[Counts, list[tuple[Pending, FieldError]]]:
        """Write the batch atomically; return counts and rows rejected only now (e.g. a cycle)."""
        raise NotImplementedError


def run_import(rows: Iterable[SourceRow], store: Store,
               on_problem: Callable[[Problem, SourceRow], None],
               on_progress: Callable[[Counts], None] | None = None) -> Counts:
    kind = store.kind
    counts = Counts()
    batch = Batch()

    def reject(src: SourceRow, key, err: FieldError):
        counts.rejected += 1
        on_problem(Problem(src.line, key, err.field, err.zh, err.en), src)

    def flush():
        if not batch.items:
            return
        done, late = store.flush(batch.items)
        counts.add(done)
        for pending, err in late:
            reject(pending.src, pending.row.get(kind.key), err)
        batch.items.clear()
        batch.keys.clear()
        if on_progress:
            on_progress(counts)

    for src in rows:
        counts.rows += 1
        if src.error is not None:
            reject(src, None, src.error)
            continue
        key = src.raw.get(kind.key)
        key = key if isinstance(key, str) else None
        try:
            row = kind.validate(src.raw)
            store.check(row)
        except FieldError as err:
            reject(src, key, err)
            continue
        key = row[kind.key]
        if key in batch.keys:
            flush()
        batch.items.append(Pending(src, row))
        batch.keys.add(key)
        if len(batch.items) >= store.batch_size:
            flush()
    flush()
    return counts


class ReferenceStore(Store):
    """A store for the small kinds (agencies, officers, powers, four lists), through the ORM.

    Subclasses name the model and map a contract row to model fields and back; this class
    decides create / replace / unchanged by the keyed content hash and keeps replaced versions
    in the revision history.
    """

    model = None
    key_field = "code"
    batch_size = 1_000_000  # small kinds: one batch, so in-file references resolve together

    def __init__(self, *, run, source: str):
        self.run = run
        self.source = source

    def model_fields(self, row: dict) -> dict:
        raise NotImplementedError

    def to_contract(self, obj, *, reveal: bool) -> dict:
        raise NotImplementedError

    def after_save(self, obj, row: dict, created: bool) -> None:
        """Dependent rows (tiers, status history) once ``obj`` is saved."""

    def reject_late(self, items: list[Pending]) -> list[tuple[Pending, FieldError]]:
        """Rows that can only be judged with the whole batch in view."""
        return []

    def flush(self, items):
        from django.db import transaction

        from jiandu.core.crypto import keyed_digest
        from jiandu.ledger.services import ledger_reference_append
        from jiandu.records.models import Revision

        from .schema import canonical_json

        counts = Counts()
        with transaction.atomic():
            late = self.reject_late(items)
            bad = {id(p) for p, _ in late}
            items = [p for p in items if id(p) not in bad]
            keys = [p.row[self.kind.key] for p in items]
            existing = self.model.objects.in_bulk(keys, field_name=self.key_field)
            logged = []
            for pending in items:
                row = pending.row
                digest = keyed_digest(canonical_json(row))
                obj = existing.get(row[self.kind.key])
                if obj is not None and obj.content_hash == digest:
                    counts.unchanged += 1
                    continue
                fields = self.model_fields(row)
                if obj is None:
                    obj = self.model(**fields, content_hash=digest, version=1, source=self.source)
                    obj.save()
                    counts.created += 1
                    self.after_save(obj, row, True)
                    logged.append((row, obj.version))
                else:
                    old = self.to_contract(obj, reveal=False)
                    Revision.objects.create(
                        kind=self.kind.name, key=row[self.kind.key], version=obj.version,
                        content=canonical_json(old).decode(), content_hash=obj.content_hash,
                        source=obj.source, superseded_by_run=self.run)
                    for name, value in fields.items():
                        setattr(obj, name, value)
                    obj.content_hash, obj.version, obj.source = digest, obj.version + 1, self.source
                    obj.save()
                    counts.replaced += 1
                    self.after_save(obj, row, False)
                    logged.append((row, obj.version))
            ledger_reference_append(kind=self.kind.name, rows=logged)
        return counts, late


class References:
    """The agency and power codes already stored, loaded once per import, for the reference checks
    every kind after `agencies` makes (unknown agency or power rejects the row)."""

    def __init__(self, *, agencies: bool = False, powers: bool = False):
        from jiandu.org.models import Agency
        from jiandu.powers.models import Power

        self.agencies = set(Agency.objects.values_list("code", flat=True)) if agencies else set()
        self.powers = set(Power.objects.values_list("code", flat=True)) if powers else set()

    def agency(self, code: str, field: str = "agency") -> None:
        if code not in self.agencies:
            raise FieldError(field, f"执法主体 {code} 不存在，请先导入执法主体", "unknown agency")

    def power(self, code: str, field: str = "power") -> None:
        if code not in self.powers:
            raise FieldError(field, f"执法事项 {code} 不存在，请先导入权责清单", "unknown power")
