"""The rule registry: what a rule is, what it yields, and the context it runs in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import NamedTuple

from jiandu.core.money import format_fen

from .sql import Dialect, iso

FETCH = 5000


class Candidate(NamedTuple):
    """One finding before it is stored: what it is about, the facts (which the fingerprint
    hashes) and the facts in Chinese (which complete the rule's explanation). A named tuple:
    made once per finding, hundreds of thousands a run, at a third of a frozen dataclass's cost.

    ``text`` may be a function of no arguments that makes it (a ``functools.partial`` of the
    finding's own values, never a closure over a loop's variables): only a new finding's text is
    ever read, and over unchanged data nearly every finding is stored already, so formatting
    each one's amounts and dates would be work thrown away."""

    record: str | None
    power: str | None
    agency: str | None
    party: str | None
    facts: dict
    text: str | Callable[[], str]


@dataclass
class Context:
    as_of: dt.date
    year: int
    dialect: Dialect
    connection: object
    _open: list = field(default_factory=list, init=False, repr=False)
    _shared: list = field(default_factory=list, init=False, repr=False)

    def rows(self, sql: str, params: Iterable = ()) -> Iterator[dict]:
        """Rows of one query as dicts, streamed (a server-side cursor on PostgreSQL), dates as
        ISO text on both databases (``Dialect.dates_as_text``)."""
        cursor = self.connection.chunked_cursor()
        self._open.append(cursor)
        try:
            self.dialect.dates_as_text(cursor)
            cursor.execute(sql, list(params))
            # Each row a dict of its description's names: made by map, a third faster than a
            # loop of dict(zip()) over a quarter of a million findings.
            pair = partial(zip, [c[0] for c in cursor.description])
            while batch := cursor.fetchmany(FETCH):
                yield from map(dict, map(pair, batch))
        finally:
            self._close(cursor)

    def shared(self, name: str, select: str, *, inline: bool = False) -> str:
        """A scratch table holding the rows of ``select``, filled once per run for every rule
        that reads it: rules that would each join or scan the same large tables share one pass.
        ``inline`` where reading the rows again costs what reading a copy would (an index holds
        them): then ``select`` itself, as a subquery, and no table is filled. The rules that
        name the table in ``Rule.shares`` still run as one group either way."""
        if inline:
            return f"({select})"
        table = f"monitoring_shared_{name}"
        if table not in self._shared:
            with self.connection.cursor() as cursor:
                for statement in self.dialect.temp_table_as(table, select):
                    cursor.execute(statement)
            self._shared.append(table)
        return table

    def close(self) -> None:
        """Close every cursor still open and drop the shared tables. A rule that fails mid-way
        leaves its generator alive in the traceback; closed later, after the rollback, its
        server-side cursor would be gone and the CLOSE would abort whatever transaction runs
        then."""
        while self._open:
            self._close(self._open[-1])
        while self._shared:
            table = self._shared.pop()
            with self.connection.cursor() as cursor:
                for statement in self.dialect.drop_temp(table):
                    cursor.execute(statement)

    def _close(self, cursor) -> None:
        if cursor in self._open:
            self._open.remove(cursor)
            try:
                cursor.close()
            except Exception:
                pass

    def d(self, value: dt.date):
        return self.dialect.param(value)


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    basis: str
    explanation: str
    family: str
    per: str  # "record": one alert per record; "power": one alert per power
    find: Callable[[Context], Iterable[Candidate]]
    # A condition on records_record r that every record the rule finds meets; the rule then
    # reads candidate_records(ctx) instead of the whole table.
    records_filter: Callable[[Context], str] | None = None
    # The scratch tables (``Context.shared``) the rule reads: rules that share one run on the
    # same connection when rules run side by side, so that each table is filled once a run.
    shares: tuple[str, ...] = ()

    def candidates(self, ctx: Context) -> Iterable[Candidate]:
        return self.find(ctx)

    def detail(self, candidate: Candidate) -> str:
        text = candidate.text() if callable(candidate.text) else candidate.text
        return f"{self.explanation}：{text}" if text else self.explanation


REGISTRY: dict[str, Rule] = {}


def rule(code: str, *, name: str, basis: str, explanation: str, per: str = "record",
         records_filter: Callable[[Context], str] | None = None, shares: tuple[str, ...] = ()):
    """Register the decorated function as the finder of rule ``code``. ``shares`` names the
    scratch tables it reads besides the candidate records (which ``records_filter`` implies)."""

    def register(find: Callable[[Context], Iterable[Candidate]]):
        if code in REGISTRY:
            raise ValueError(f"rule {code} registered twice")
        REGISTRY[code] = Rule(code=code, name=name, basis=basis, explanation=explanation,
                              family=find.__module__.rsplit(".", 1)[-1], per=per, find=find,
                              records_filter=records_filter,
                              shares=(*shares, *((CANDIDATES,) if records_filter else ())))
        return find

    return register


# The scratch table of candidate records, read by every rule with a records_filter.
CANDIDATES = "records"
# What the rules with a records_filter read of a record.
CANDIDATE_COLUMNS = (
    "ext_id", "agency_code", "party_key", "kind", "power_code", "party_type", "business",
    "procedure", "officers", "officer_count", "violation_on", "action_on", "filed_on", "decided_on",
    "closed_on", "penalty_mask", "fine", "major", "legal_review_on", "hearing_notified", "extended",
    "served_on", "disclosed_on", "measure", "measure_end_on", "measure_extended",
)


def candidate_records(ctx: Context) -> str:
    """A scratch table of the records that meet any rule's ``records_filter``, filled by one
    pass over the records. Rules whose conditions are on the record alone would each read the
    whole table to keep a few percent of it; they read this instead, with their own condition
    again, so each still decides exactly as it would over the whole table."""
    filters = " OR ".join(f"({r.records_filter(ctx)})" for r in REGISTRY.values() if r.records_filter)
    columns = ", ".join(f"r.{c}" for c in CANDIDATE_COLUMNS)
    return ctx.shared(CANDIDATES, f"SELECT {columns} FROM records_record r WHERE {filters}")


# What a rule selects of a record ``r`` for ``on_record``.
RECORD = "r.ext_id, r.agency_code, r.party_key"


def on_record(row: dict, facts: dict, text: str | Callable[[], str]) -> Candidate:
    """A finding about the record of ``row`` (which selects ``RECORD``); ``text`` as in
    ``Candidate``."""
    # Positional: keywords cost a NamedTuple a third more, once per finding.
    return Candidate(row["ext_id"], None, row["agency_code"], row["party_key"], facts, text)


def record_rows(ctx: Context, columns: str, condition: Callable[[Context], str]) -> Iterator[dict]:
    """The records that meet ``condition``, a rule's ``records_filter`` that alone decides it,
    with ``RECORD`` and ``columns``, read from the candidates' scratch table."""
    return ctx.rows(f"SELECT {RECORD}, {columns} FROM {candidate_records(ctx)} r "
                    f"WHERE {condition(ctx)} ORDER BY {ctx.dialect.binary('r.ext_id')}")


class Labels(dict):
    """Labels in the active language, each looked up once per run rather than once per finding
    (a gettext call each, a second or so over a first run at a million records)."""

    def __init__(self, lookup: Callable[[object], object]):
        super().__init__()
        self.lookup = lookup

    def __missing__(self, key):
        value = self[key] = str(self.lookup(key))
        return value


def yuan(fen) -> str:
    """An amount in fen as yuan with the unit."""
    return f"{format_fen(int(fen))} 元"


def flag(value) -> bool:
    """A boolean from SQL: True/False on PostgreSQL, 1/0 (or a converted bool) on SQLite."""
    return bool(value)


def day(value) -> str | None:
    return iso(value)
