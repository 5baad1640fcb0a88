"""The rule engine: runs the rules set-based, stages their findings, merges them into alerts."""

from __future__ import annotations

import gc
import hashlib
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass

import orjson
from django.db import connection, transaction
from django.utils import timezone

from jiandu.ledger.services import ALERT_BATCH, ledger_alert_events_append, ledger_rule_run_append
from jiandu.records.services import bulk_insert

from . import selectors
from .choices import ACTIVE_STATUSES, AlertAction, AlertStatus, RunStatus
from .models import RuleRun
from .parallel import RuleDone, run_rule, stage_in_parallel, worker_count
from .rules import Candidate, Context, Rule, all_rules
from .rules.sql import dialect_for

STAGE = "monitoring_stage"
ALERT = "monitoring_alert"
OPEN = AlertStatus.OPEN.value
CHANGES = "monitoring_changes"
STAGE_COLUMNS = ("rule", "record_ext_id", "power_code", "party_key", "agency_code", "detail", "facts",
                 "fingerprint", "rank", "seq")
# A finding whose alert is stored already is staged by its fingerprint alone (see _Staging): the
# other columns are NULL, and the merge reads them only for new alerts.
STAGE_DDL = ("rule varchar(32) NOT NULL, record_ext_id varchar(100), power_code varchar(64), "
             "party_key varchar(64), agency_code varchar(18), detail text, facts {json}, "
             "fingerprint varchar(32) NOT NULL, rank integer NOT NULL, seq integer NOT NULL")
# A first run's findings go straight into the alert table (see _Direct), with these columns; the
# others are the same for every alert of the run (RUN_DEFAULTS) or NULL (assignee, clue, last seen).
ALERT_COLUMNS = ("id", "rule", "record_ext_id", "power_code", "party_key", "agency_code", "detail", "facts",
                 "fingerprint")
RUN_DEFAULTS = ("status", "dismiss_reason", "first_seen_run_id", "created_at", "updated_at")
BATCH = 5000
# The alert table's indexes that a run which drops the others (to build them once at the end)
# keeps, and that take the new alerts as they come. Two are partial ones that next to none of them
# enter (nobody is assigned yet; only unexercised powers name no record): building each again
# would read the whole table for a few rows. Two lead with a column of a few values (rule,
# agency) and then status, which is "open" for every new alert: each insert goes to the end of
# its key's entries, on one of a few dozen pages, while the rules still run; rebuilding them
# after all rules have run took 0.3 s more of the end of a first run at a million records
# (measured against keeping them, four runs each way, interleaved).
KEPT_INDEXES = ("monitoring_alert_assignee", "monitoring_alert_one_active_per_power",
                "monitoring_alert_rule_status", "monitoring_alert_agency_status")
# What the rules read and the merge writes, for the planner's statistics.
READ_TABLES = ["records_record", "records_recordofficer", "org_officer", "powers_power",
               "powers_discretiontier", "powers_fourlistitem", "core_calendarday", "monitoring_alert"]


def fingerprint(rule: str, candidate: Candidate, facts_json: bytes | None = None) -> str:
    """BLAKE2b-128 of the compact JSON ``[rule, record, power, facts]`` with sorted keys.
    ``facts_json``, the facts already serialised so, is spliced in rather than made again."""
    if facts_json is None:
        facts_json = orjson.dumps(candidate.facts, option=orjson.OPT_SORT_KEYS)
    head = orjson.dumps([rule, candidate.record, candidate.power])
    return hashlib.blake2b(b"%b,%b]" % (head[:-1], facts_json), digest_size=16).hexdigest()


@dataclass
class Merge:
    new: int = 0
    seen: int = 0
    reopened: int = 0
    resolved: int = 0
    deleted: int = 0


def run_rules(*, as_of, year: int, rules: Sequence[Rule] | None = None,
              progress: Callable[[str], None] | None = None) -> RuleRun:
    """Run ``rules`` (default: all) as of ``as_of`` and merge their findings into the alerts.

    Each rule's candidates go to a temporary table in batches; the merge with the stored alerts
    is a handful of set-based statements keyed by fingerprint, so the run never holds all
    findings in memory and never issues a statement per alert. On PostgreSQL, unless called
    inside a transaction of the caller's, the rules run side by side on worker connections that
    share this transaction's snapshot (``parallel``); their findings are staged here all the same.
    The merge:

    - a current alert (``last_seen_run`` empty) whose fingerprint no longer fires is deleted if
      it is open and nobody has touched it, otherwise kept with the last run that saw it: an
      open or acknowledged one becomes resolved, a dismissed one or a clue stays so;
    - an alert whose fingerprint fires again is current again as it is: a dismissed one stays
      dismissed, a clue stays a clue, a resolved one reopens;
    - a fingerprint not stored yet becomes a new open alert.

    On PostgreSQL, a run whose rules have no stored alert, into an alert table that is as good as
    empty (a first run), copies its findings straight into the alert table instead (``_Direct``).

    Unchanged data therefore writes nothing but the run itself and its ledger entry; the steps
    the merge takes (resolved, reopened) are logged too. The run row is written first so that a
    failure (an unknown calendar year, say) stays visible as a failed run; everything else
    commits or rolls back as one.
    """
    rules = list(rules or all_rules())
    say = progress or (lambda _message: None)
    run = RuleRun.objects.create(as_of=as_of, year=year, started_at=timezone.now())
    dialect = dialect_for(connection)
    # Side by side only where other connections see what this one will judge (see parallel).
    workers = worker_count() if dialect.vendor == "postgresql" and not connection.in_atomic_block else 1
    try:
        # Before the check's transaction, so that the workers' plans get the statistics too.
        _refresh_statistics(dialect, say)
        with transaction.atomic():
            staging = _Staging(rules)
            with _without_cycle_collection():
                counts, seconds = _stage(run, rules, say, dialect, workers, staging)
            started = time.perf_counter()
            merge = _merge(run, rules, staging, counts)
            _log_steps(run)
            say(f"合并：新增 {merge.new}，仍存在 {merge.seen}（其中重新打开 {merge.reopened}），"
                f"已消除 {merge.resolved}，删除未处理 {merge.deleted}"
                f"（{time.perf_counter() - started:.1f} 秒）")
            run.counts, run.merge, run.rule_seconds = counts, asdict(merge), seconds
            run.status = RunStatus.DONE
            run.finished_at = timezone.now()
            run.save(update_fields=["counts", "merge", "rule_seconds", "status", "finished_at"])
            # Read back, so that the entry and `ledger verify` start from the stored values.
            ledger_rule_run_append(rows=selectors.rule_run_rows(ids=[run.pk]))
    except BaseException as exc:
        RuleRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, finished_at=timezone.now(),
                                                 error=str(exc)[:4000])
        raise
    return run


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Python's cycle collector off while the rules run. Their rows, findings and batches make no
    reference cycles (reference counting frees them), but hundreds of thousands of them pass
    through, and the batches waiting in the queue live long enough to reach the oldest generation,
    whose collections walk every object of the loaded program: 0.06-0.14 s of Python in a first
    run at a million records (four interleaved runs each way). Whatever cyclic garbage the phase
    does leave is collected once the collector is back on."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _log_steps(run: RuleRun) -> None:
    """The steps the merge took (alerts resolved and reopened) in the tamper-evident log, as
    people's steps are, in the run's transaction; none on a first run or over unchanged data."""
    rows = selectors.alert_event_rows(run_id=run.pk)
    last = 0
    while page := list(rows.filter(id__gt=last)[:ALERT_BATCH]):
        ledger_alert_events_append(rows=page)
        last = page[-1]["id"]


def _refresh_statistics(dialect, say) -> None:
    with connection.cursor() as cursor:
        analysed = dialect.refresh_statistics(cursor, READ_TABLES)
    if analysed:
        say(f"已更新统计信息：{'、'.join(analysed)}")


def _stage(run: RuleRun, rules: list[Rule], say, dialect, workers: int,
           staging: _Staging) -> tuple[dict[str, int], dict[str, float]]:
    """Every rule's findings into the stage; the count of each and its seconds, in rule order."""
    with connection.cursor() as cursor:
        if dialect.lock():
            cursor.execute(dialect.lock())
        for statement in dialect.run_settings():
            cursor.execute(statement)
        # Under the lock: only a merge deletes alerts, and no other can run till this one ends.
        staging.stored = selectors.alert_fingerprints(rules=[rule.code for rule in rules])
        if not staging.stored:
            staging.direct = _Direct.start(cursor, dialect, run, len(rules))
        if not staging.direct:
            for statement in dialect.temp_table(STAGE, STAGE_DDL.format(json=dialect.json_type)):
                cursor.execute(statement)
    by_code = {rule.code: rule for rule in rules}
    found: dict[str, int] = {}
    spent: dict[str, float] = {}

    def done(item: RuleDone) -> None:
        found[item.code] = item.found
        spent[item.code] = round(item.seconds, 3)
        say(f"[{rules.index(by_code[item.code]) + 1}/{len(rules)}] {item.code} "
            f"{by_code[item.code].name}：{item.found} 条（{item.seconds:.1f} 秒）")

    table, columns = (ALERT, ALERT_COLUMNS) if staging.direct else (STAGE, STAGE_COLUMNS)

    def stage(rows: list[tuple]) -> None:
        bulk_insert(table, columns, rows)

    if workers > 1:
        # In worker threads (see parallel), in whatever order they finish.
        stage_in_parallel(connection=connection, dialect=dialect, as_of=run.as_of, year=run.year,
                          rules=rules, workers=workers, batch=BATCH, to_row=staging.row,
                          stage=stage, done=done, say=say,
                          seconds=selectors.last_rule_seconds(before=run.pk))
    else:
        ctx = Context(as_of=run.as_of, year=run.year, dialect=dialect, connection=connection)
        try:
            # A rule yields each record (or power) once; should one ever yield it twice, the
            # alert table's unique constraints refuse the run rather than store two alerts.
            for rule in rules:
                done(run_rule(rule, ctx, to_row=staging.row, emit=stage, batch=BATCH))
        finally:
            ctx.close()
    counts = {rule.code: found[rule.code] for rule in rules}
    seconds = {rule.code: spent[rule.code] for rule in rules}
    if not staging.direct:
        with connection.cursor() as cursor:
            for statement in dialect.temp_index(STAGE, "fingerprint"):
                cursor.execute(statement)
    return counts, seconds


@dataclass(frozen=True)
class _Direct:
    """A first run on PostgreSQL: the findings are copied straight into the alert table, whose
    secondary indexes are dropped first and built once at the end, rather than into the stage
    and from there, in a second pass over a quarter of a million wide rows at a million records,
    into the alert table (the INSERT alone was 1.8-2.3 s of a 11.5 s run, measured at 1M).

    Only where no alert of the run's rules is stored (every finding is new: there is nothing to
    merge with) and the alert table holds so few rows that building its indexes again costs
    nothing (``Dialect.drop_indexes_if_small``). DROP INDEX locks the alert table until the
    commit: the alert list, which has next to nothing to show yet, waits for the run.

    Ids: each rule's findings are numbered in a block of its own, in rule order (the rules'
    ``rank``) and within the block in the order the rule yields them, which is record order by
    code point (``_Staging``); a rule that yields out of order is renumbered within its block
    afterwards. A rule finds each record (or power) at most once, so a block as large as the
    larger id of either table holds all of a rule's findings. The ids follow the same order as a
    run that stages them, with gaps between the rules' blocks; the ids handed out afterwards
    come after the last block."""

    first: int
    block: int
    indexes: list

    @classmethod
    def start(cls, cursor, dialect, run: RuleRun, rules: int) -> _Direct | None:
        indexes = dialect.drop_indexes_if_small(cursor, ALERT, keep=KEPT_INDEXES)
        if indexes is None:
            return None
        cursor.execute("SELECT GREATEST((SELECT max(id) FROM records_record), "
                       "(SELECT max(id) FROM powers_power), 0) + 1")
        block = int(cursor.fetchone()[0])
        first = dialect.reserve_ids(cursor, ALERT, block * rules)
        # The columns every alert of the run shares are the copy's defaults until finish(): a
        # fifth less to format and parse per alert (two timestamps among them). The table is
        # locked since the indexes went, and a rollback takes the defaults back with them.
        now = timezone.now().isoformat()
        values = (f"'{OPEN}'", "''", str(int(run.pk)), f"'{now}'", f"'{now}'")
        cursor.execute(f"ALTER TABLE {ALERT} " + ", ".join(
            f"ALTER COLUMN {column} SET DEFAULT {value}" for column, value in zip(RUN_DEFAULTS, values, strict=True)))
        return cls(first=first, block=block, indexes=indexes)

    def finish(self, cursor, dialect, staging: _Staging) -> None:
        """Renumber the rules that yielded out of record order, then build the indexes again
        (which checks the unique constraints: a rule that yielded a record twice fails here)."""
        order = ", ".join(dialect.binary(column) for column in ("record_ext_id", "power_code"))
        for code in sorted(staging.unordered):
            low = self.first + staging.rank[code] * self.block
            # Through negative ids, which no alert has: the primary key is checked row by row.
            cursor.execute(f"""UPDATE {ALERT} a SET id = -n.id
                               FROM (SELECT id AS old, {low - 1} + row_number() OVER (ORDER BY {order}) AS id
                                     FROM {ALERT} WHERE id BETWEEN {low} AND {low + self.block - 1}) n
                               WHERE a.id = n.old""")
            cursor.execute(f"UPDATE {ALERT} SET id = -id WHERE id < 0")
        cursor.execute(f"ALTER TABLE {ALERT} " + ", ".join(f"ALTER COLUMN {column} DROP DEFAULT"
                                                           for column in RUN_DEFAULTS))
        dialect.restore_indexes(cursor, ALERT, self.indexes)


class _Staging:
    """Makes the stage rows of a run's rules, and notes what lets the merge number the new
    alerts without sorting them.

    New alerts get their ids in rule and record order (by code point, as SQLite compares text),
    so that a run's alerts are numbered the same way on both databases and in every run. Each
    rule's SQL returns its findings in that record order, so a row's ``rank`` (its rule's place
    among the codes) and ``seq`` (its place among its rule's findings) are already that order.
    Where every finding is new (a first run), an alert's id is then the next free id plus the
    findings of the rules ranked before it plus its ``seq``: no sort of a quarter of a million
    wide rows. Should a rule yield out of order, or some findings be stored already, the merge
    sorts the new ones instead; either way the ids come out the same.

    A finding whose fingerprint is ``stored`` (under an alert of these rules, read in the check's
    transaction) is staged by its fingerprint alone: over unchanged data that is nearly every
    finding, and the stage then carries about a tenth of the bytes (no detail, no facts to
    parse). The merge reads the other columns only of new findings, which are never stored;
    ``new`` counts them by rule, and an empty ``stored`` (a first run) means every finding is.
    """

    def __init__(self, rules: list[Rule], stored: set[str] | frozenset[str] = frozenset()):
        self.stored = stored
        self.direct: _Direct | None = None  # set by _stage where the findings go straight in
        self.rank = {code: i for i, code in enumerate(sorted(rule.code for rule in rules))}
        self.seq = dict.fromkeys(self.rank, 0)
        self.new = dict.fromkeys(self.rank, 0)
        self.last: dict[str, tuple[str, str]] = {}
        self.unordered: set[str] = set()

    def row(self, rule: Rule, candidate: Candidate) -> tuple:
        # One thread makes all rows of a rule (parallel.py): the per-rule entries need no lock.
        code = rule.code
        key = (candidate.record or "", candidate.power or "")
        last = self.last.get(code)
        if last is not None and key <= last:
            self.unordered.add(code)
        self.last[code] = key
        seq = self.seq[code]
        self.seq[code] = seq + 1
        facts = orjson.dumps(candidate.facts, option=orjson.OPT_SORT_KEYS)
        print_ = fingerprint(code, candidate, facts)
        if (direct := self.direct) is not None:  # never stored: no alert of these rules is
            self.new[code] += 1
            return (direct.first + self.rank[code] * direct.block + seq, code, candidate.record,
                    candidate.power, candidate.party, candidate.agency, rule.detail(candidate),
                    facts.decode(), print_)
        if print_ in self.stored:
            return (code, None, None, None, None, None, None, print_, self.rank[code], seq)
        self.new[code] += 1
        return (code, candidate.record, candidate.power, candidate.party, candidate.agency,
                rule.detail(candidate), facts.decode(), print_, self.rank[code], seq)

    def ids(self, counts: dict[str, int]) -> str | None:
        """SQL for a stage row's offset from the first new id, or None where the rows' order is
        not known to be the ids' order."""
        if self.unordered:
            return None
        offsets, total = [], 0
        for code, rank in sorted(self.rank.items(), key=lambda item: item[1]):
            offsets.append(f"WHEN {rank} THEN {total}")
            total += counts.get(code, 0)
        return f"(CASE s.rank {' '.join(offsets)} END + s.seq)"


def changes_select(rules: int) -> str:
    """The merge's one pass: each alert that changes and each new finding, as (id, kind,
    fingerprint), for the stage's findings of ``rules`` rules (their codes the parameters)."""
    marks = ", ".join(["%s"] * rules)
    return f"""SELECT a.id, CASE WHEN a.id IS NULL THEN 2 WHEN s.fingerprint IS NULL THEN 0 ELSE 1 END,
                      s.fingerprint
               FROM {STAGE} s
               FULL JOIN monitoring_alert a ON a.fingerprint = s.fingerprint
               WHERE a.id IS NULL
                  OR (s.fingerprint IS NULL AND a.last_seen_run_id IS NULL AND a.rule IN ({marks}))
                  OR (s.fingerprint IS NOT NULL AND a.last_seen_run_id IS NOT NULL)"""


def _merge(run: RuleRun, rules: list[Rule], staging: _Staging, counts: dict[str, int]) -> Merge:
    dialect = dialect_for(connection)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    codes = [rule.code for rule in rules]
    merge = Merge()
    total = sum(counts.values())
    with connection.cursor() as cursor, dialect.bulk_writes(cursor):
        new = sum(staging.new.values())
        merge.seen = total - new
        # Where no alert of these rules is stored (a first run, as the staging read them under
        # the check's lock) every finding is new: nothing stops or starts firing again.
        if staging.stored:
            _apply_changes(cursor, dialect, run, codes, now, merge)
        if staging.direct is not None:  # copied into the alert table as they were found
            staging.direct.finish(cursor, dialect, staging)
            merge.new = new
        else:
            merge.new = _insert_new(cursor, dialect, run, staging, counts, seen=merge.seen, new=new, now=now)
        if dialect.vendor == "sqlite":  # its temporary tables outlive the transaction
            for table in (STAGE, *((CHANGES,) if staging.stored else ())):
                cursor.execute(f"DROP TABLE temp.{table}")
    return merge


def _apply_changes(cursor, dialect, run: RuleRun, codes: list[str], now, merge: Merge) -> None:
    """The stored alerts of ``codes`` that stop firing and those that fire again, as the stage
    shows them; ``merge`` counts them."""
    active = ", ".join(f"'{s}'" for s in ACTIVE_STATUSES)
    event = ("INSERT INTO monitoring_alertevent (alert_id, at, user_id, action, from_status, to_status, "
             "note, run_id) SELECT monitoring_alert.id, %s, NULL, %s, monitoring_alert.status, %s, '', %s "
             "FROM monitoring_alert WHERE ")
    # For each rule, the last run before this one that ran it: the last to see its alerts that
    # stop firing now.
    previous = selectors.latest_by_rule("counts", before=run.pk, codes=codes)
    last_seen = " ".join(f"WHEN '{code}' THEN {int(pk)}" for code, (pk, _) in previous.items())
    last_seen = f"CASE monitoring_alert.rule {last_seen} ELSE first_seen_run_id END" if last_seen \
        else "first_seen_run_id"
    # What changes, found in one pass over the stage and the alerts (a full join on the
    # fingerprint: hashed on PostgreSQL, through the alerts' fingerprint index on SQLite, which
    # would scan a filtered subquery's rows once per finding): a current alert of these rules
    # that no longer fires (gone, 0), an earlier one that fires again (back, 1), a finding stored
    # under no alert (new, 2). A fingerprint holds its rule, so only alerts of these rules match.
    for statement in dialect.temp_table(CHANGES, "id bigint, kind smallint NOT NULL, fingerprint varchar(32)"):
        cursor.execute(statement)
    cursor.execute(f"INSERT INTO {CHANGES} (id, kind, fingerprint) {changes_select(len(codes))}", codes)
    gone = f"monitoring_alert.id IN (SELECT id FROM {CHANGES} WHERE kind = 0)"
    back = f"monitoring_alert.id IN (SELECT id FROM {CHANGES} WHERE kind = 1)"
    # 1. No longer firing: nobody touched it → gone; handled → resolved, history kept;
    #    dismissed or turned into a clue → stays so. Each keeps the last run that saw it.
    cursor.execute(
        f"""DELETE FROM monitoring_alert WHERE {gone} AND monitoring_alert.status = %s
            AND monitoring_alert.assignee_id IS NULL
            AND NOT EXISTS (SELECT 1 FROM monitoring_alertevent e WHERE e.alert_id = monitoring_alert.id)
            AND NOT EXISTS (SELECT 1 FROM monitoring_alertcomment c WHERE c.alert_id = monitoring_alert.id)""",
        [AlertStatus.OPEN])
    merge.deleted = cursor.rowcount

    def step(where: str, action: AlertAction, to: AlertStatus) -> int:
        """The alerts ``where`` selects move to ``to``, each step logged as the run's; how many."""
        cursor.execute(event + where, [now, action, to, run.pk])
        cursor.execute(f"UPDATE monitoring_alert SET status = %s, updated_at = %s WHERE {where}", [to, now])
        return cursor.rowcount

    merge.resolved = step(f"{gone} AND monitoring_alert.status IN ({active})", AlertAction.RESOLVE,
                          AlertStatus.RESOLVED)
    cursor.execute(f"UPDATE monitoring_alert SET last_seen_run_id = {last_seen} WHERE {gone}")
    # 2. Firing again after it had stopped: current again; a resolved one reopens.
    merge.reopened = step(f"{back} AND monitoring_alert.status = '{AlertStatus.RESOLVED}'", AlertAction.REOPEN,
                          AlertStatus.OPEN)
    cursor.execute(f"UPDATE monitoring_alert SET last_seen_run_id = NULL WHERE {back}")


def _insert_new(cursor, dialect, run: RuleRun, staging: _Staging, counts: dict[str, int], *, seen: int,
                new: int, now) -> int:
    """The new findings from the stage into the alert table; how many.

    In rule and record order (by code point, as SQLite compares text), so that a run's alerts
    get their ids (the lists' newest-first order) the same way on both databases and in every
    run: numbered straight from the stage where every finding is new and in that order already
    (see _Staging), else sorted."""
    total = sum(counts.values())
    offset = staging.ids(counts) if seen == 0 and total else None
    if offset is not None:
        first = dialect.reserve_ids(cursor, ALERT, total)
        ids, id_column, order = f"{int(first)} + {offset}, ", "id, ", ""
    else:
        columns = ("rule", "record_ext_id", "power_code")
        ids, id_column = "", ""
        order = "ORDER BY " + ", ".join(dialect.binary(f"s.{column}") for column in columns)
        if seen:  # only the new findings; the others are stored already
            order = f"WHERE s.fingerprint IN (SELECT fingerprint FROM {CHANGES} WHERE kind = 2) {order}"
    with dialect.bulk_insert(cursor, ALERT, new, keep=KEPT_INDEXES):
        cursor.execute(
            f"""INSERT INTO {ALERT} ({id_column}rule, record_ext_id, power_code, party_key,
                    agency_code, detail, facts, fingerprint, status, dismiss_reason, assignee_id,
                    clue_id, first_seen_run_id, last_seen_run_id, created_at, updated_at)
                SELECT {ids}s.rule, s.record_ext_id, s.power_code, s.party_key, s.agency_code,
                       s.detail, s.facts, s.fingerprint, %s, '', NULL, NULL, %s, NULL, %s, %s
                FROM {STAGE} s
                {order}""",
            [AlertStatus.OPEN, run.pk, now, now])
        return cursor.rowcount
