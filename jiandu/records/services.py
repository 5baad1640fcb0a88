"""Writes of the records app: the contract import of every kind (`interchange_import`) and records.

Records are the one kind that reaches millions of rows, so their store bypasses model objects:
rows become tuples that go to the database by ``COPY`` (PostgreSQL) or ``executemany`` (SQLite),
a batch at a time, each batch one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from jiandu.core.crypto import encrypt_text, keyed_digest, keyed_hash
from jiandu.core.money import to_fen
from jiandu.ledger.services import ledger_import_run_append, ledger_records_append

from .choices import ImportStatus, PartyType, penalties_to_mask
from .interchange.fields import FieldError
from .interchange.formats import ERROR_COLUMNS, RowWriter, SourceRow, read_rows
from .interchange.pipeline import Counts, Pending, Problem, References, Store, run_import
from .interchange.schema import KINDS, RECORDS, canonical_json
from .models import ImportRun, Record, RecordOfficer, Revision
from .selectors import record_rows_to_contract

RECORD_COLUMNS = (
    "ext_id", "kind", "agency_code", "power_code", "party_type", "party_key", "party_id_plain",
    "party_id_enc", "party_name", "business", "procedure", "officers", "officer_count",
    "violation_on", "action_on", "filed_on", "decided_on", "act_on", "decision_no", "penalty_mask",
    "fine", "discretion", "harm", "corrected", "major", "legal_review_on", "hearing_notified",
    "extended", "served_on", "disclosed_on", "measure", "measure_end_on", "measure_extended",
    "closed_on", "content_hash", "version", "source", "import_run_id",
)
# With the record's agency and act date (see RecordOfficer).
OFFICER_COLUMNS = ("record_ext_id", "position", "certificate", "agency_code", "act_on")
_ACT_ON_AT = RECORD_COLUMNS.index("act_on")
_HASH_AT = RECORD_COLUMNS.index("content_hash")
_PARTY_KEY_AT = RECORD_COLUMNS.index("party_key")


def record_act_on(action_on, filed_on, decided_on):
    """A record's ``act_on``: the inspection or measure date, else the filing date, else the
    decision date."""
    return action_on or filed_on or decided_on


def record_officer_count(certificates) -> int:
    """A record's ``officer_count``: how many different certificates it lists."""
    return len(set(certificates))


def bulk_insert(table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """The fastest plain load each database offers: COPY on PostgreSQL, executemany on SQLite.
    A row the table refuses raises Django's error (IntegrityError, say), as a query would."""
    if not rows:
        return
    cols = ", ".join(columns)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur, connection.wrap_database_errors, \
                cur.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join("?" * len(columns))
        connection.ensure_connection()
        raw = connection.connection.cursor()
        try:
            with connection.wrap_database_errors:
                raw.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)
        finally:
            raw.close()


class RecordStore(Store):
    kind = RECORDS
    batch_size = 5000

    def __init__(self, *, run: ImportRun, source: str, allowed_agencies: set[str] | None = None):
        self.run = run
        self.source = source
        self.refs = References(agencies=True, powers=True)
        # A department may only send its own records: others are refused row by row.
        self.allowed_agencies = allowed_agencies
        self._person_cache: dict[str, tuple[str, str]] = {}

    def check(self, row: dict) -> None:
        self.refs.agency(row["agency"])
        if self.allowed_agencies is not None and row["agency"] not in self.allowed_agencies:
            raise FieldError("agency", f"执法主体 {row['agency']} 不在您的数据范围内，不能导入其执法数据",
                             "agency outside your data scope")
        self.refs.power(row["power"])

    def _person(self, number: str) -> tuple[str, str]:
        hit = self._person_cache.get(number)
        if hit is None:
            hit = (keyed_hash(number), encrypt_text(number))
            if len(self._person_cache) < 200_000:
                self._person_cache[number] = hit
        return hit

    def _tuple(self, row: dict, version: int) -> tuple:
        party = row["party"]
        if party["type"] == PartyType.PERSON:
            party_key, party_enc = self._person(party["id"])
            party_plain = None
        else:
            party_key, party_enc, party_plain = party["id"], None, party["id"]
        penalties = row["penalties"]
        fine = row["fine"]
        return (
            row["id"], row["kind"], row["agency"], row["power"], party["type"], party_key,
            party_plain, party_enc, party["name"], row["business"], row["procedure"],
            ";".join(row["officers"]), record_officer_count(row["officers"]), row["violation_on"],
            row["action_on"], row["filed_on"], row["decided_on"],
            record_act_on(row["action_on"], row["filed_on"], row["decided_on"]),
            row["decision_no"], None if penalties is None else penalties_to_mask(penalties),
            None if fine is None else to_fen(fine), row["discretion"], row["harm"],
            row["corrected"], row["major"], row["legal_review_on"], row["hearing_notified"],
            row["extended"], row["served_on"], row["disclosed_on"], row["measure"],
            row["measure_end_on"], row["measure_extended"], row["closed_on"],
            keyed_digest(canonical_json(row)), version, self.source, self.run.pk,
        )

    def flush(self, items: list[Pending]):
        counts = Counts()
        keys = [p.row["id"] for p in items]
        with transaction.atomic():
            existing = {
                key: (content_hash, version) for key, content_hash, version in
                Record.objects.filter(ext_id__in=keys).values_list("ext_id", "content_hash", "version")
            }
            rows, links, replaced, logged = [], [], [], []
            for pending in items:
                row = pending.row
                key = row["id"]
                old_hash, old_version = existing.get(key, (None, 0))
                new = self._tuple(row, old_version + 1)
                if old_hash == new[_HASH_AT]:
                    counts.unchanged += 1
                    continue
                if old_hash is not None:
                    replaced.append(key)
                rows.append(new)
                logged.append((row, old_version + 1, new[_PARTY_KEY_AT]))
                agency, act_on = row["agency"], new[_ACT_ON_AT]
                links.extend((key, i, cert, agency, act_on) for i, cert in enumerate(row["officers"]))
            if replaced:
                self._supersede(replaced)
            bulk_insert(Record._meta.db_table, RECORD_COLUMNS, rows)
            bulk_insert(RecordOfficer._meta.db_table, OFFICER_COLUMNS, links)
            ledger_records_append(rows=logged)
            counts.replaced = len(replaced)
            counts.created = len(rows) - len(replaced)
        return counts, []

    def _supersede(self, keys: list[str]) -> None:
        """Move the current versions of ``keys`` into the history, then clear them for the new rows."""
        old = Record.objects.filter(ext_id__in=keys)
        Revision.objects.bulk_create(
            Revision(kind="records", key=item["id"], version=version, content=content.decode(),
                     content_hash=content_hash, source=source, superseded_by_run=self.run)
            for item, version, content_hash, source, content in record_rows_to_contract(old, reveal=False)
        )
        RecordOfficer.objects.filter(record_id__in=keys).delete()
        old.delete()


def store_for(kind: str, *, run: ImportRun, source: str,
              allowed_agencies: set[str] | None = None) -> Store:
    from jiandu.org.services import AgencyStore, OfficerStore
    from jiandu.powers.services import FourListStore, PowerStore

    stores = {"agencies": AgencyStore, "officers": OfficerStore, "powers": PowerStore,
              "four_lists": FourListStore, "records": RecordStore}
    if kind == "records":
        return RecordStore(run=run, source=source, allowed_agencies=allowed_agencies)
    return stores[kind](run=run, source=source)


@dataclass
class ImportReport:
    run: ImportRun
    counts: Counts
    problems: list[Problem] = field(default_factory=list)
    problems_total: int = 0

    @property
    def ok(self) -> bool:
        return self.counts.rejected == 0


def interchange_import(*, kind: str, path: str | Path, source: str = "", user=None,
                       errors_path: str | Path | None = None,
                       on_problem: Callable[[Problem], None] | None = None,
                       keep_problems: int = 1000,
                       allowed_agencies: set[str] | None = None) -> ImportReport:
    """Import one contract file of ``kind``; bad rows are reported, every valid row is kept.

    ``allowed_agencies`` (records only) limits the agencies whose rows are accepted; None allows all.
    """
    if allowed_agencies is not None and kind != "records":
        raise ValueError("allowed_agencies 仅适用于执法行为 (allowed_agencies applies to records only)")
    if kind not in KINDS:
        raise ValueError(f"未知的数据类别 {kind!r} (unknown kind; use {', '.join(KINDS)})")
    spec = KINDS[kind]
    rows = read_rows(path, spec)  # raises FormatError before anything is written
    run = ImportRun.objects.create(kind=kind, source=source, file_name=str(path), user=user)
    report = ImportReport(run=run, counts=Counts())
    errors = RowWriter(errors_path, spec, ERROR_COLUMNS) if errors_path else None

    def problem(p: Problem, src: SourceRow):
        report.problems_total += 1
        if len(report.problems) < keep_problems:
            report.problems.append(p)
        if on_problem:
            on_problem(p)
        if errors:
            errors.write_original(src, (p.line, p.field, p.reason))

    def progress(counts: Counts):
        ImportRun.objects.filter(pk=run.pk).update(
            rows=counts.rows, created=counts.created, replaced=counts.replaced,
            unchanged=counts.unchanged, rejected=counts.rejected)

    try:
        store = store_for(kind, run=run, source=source, allowed_agencies=allowed_agencies)
        counts = run_import(rows, store, problem, progress)
    except BaseException:
        ImportRun.objects.filter(pk=run.pk).update(status=ImportStatus.FAILED, finished_at=timezone.now())
        raise
    finally:
        if errors:
            errors.close()
    report.counts = counts
    summary = "\n".join(str(p) for p in report.problems[:50])
    with transaction.atomic():
        ImportRun.objects.filter(pk=run.pk).update(
            status=ImportStatus.DONE, finished_at=timezone.now(), rows=counts.rows,
            created=counts.created, replaced=counts.replaced, unchanged=counts.unchanged,
            rejected=counts.rejected, error_summary=summary)
        run.refresh_from_db()
        ledger_import_run_append(run=run, path=path)
    if spec is RECORDS and counts.created + counts.replaced:
        _refresh_statistics()
    return report


def _refresh_statistics() -> None:
    """Planner statistics for the tables a records import fills, taken by the bulk loader that
    changed them: until autovacuum gets to it, PostgreSQL plans the rules' joins over a million
    new rows blind (ten times slower). SQLite's planner runs the rules without statistics."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE records_record, records_recordofficer")


def interchange_export(*, kind: str, path: str | Path) -> int:
    """Write every stored row of ``kind`` in contract shape, sorted by key; returns the count."""
    from .selectors import interchange_rows

    spec = KINDS[kind]
    n = 0
    with RowWriter(path, spec) as out:
        for row in interchange_rows(kind):
            out.write(row)
            n += 1
    return n
