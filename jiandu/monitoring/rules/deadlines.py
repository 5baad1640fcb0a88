"""Rules on time limits: decision in 90 days, service and disclosure in 7 working days, measures."""

from __future__ import annotations

import datetime as dt
from functools import partial

from jiandu.core.calendar import UnknownCalendarYear, known_years
from jiandu.records.choices import Measure

from .base import (
    RECORD,
    Context,
    Labels,
    candidate_records,
    day,
    flag,
    on_record,
    record_rows,
    rule,
)
from .sql import as_date

DECISION_DAYS = 90


class CalendarTableStale(RuntimeError):
    def __init__(self, year: int):
        self.year = year
        super().__init__(
            f"工作日日历表缺少 {year} 年附近的日期，请运行 jiandu migrate 或在管理后台保存日历以重建 "
            f"(the working-day table lacks days around {year}: rebuild it)"
        )

WORKING_DAYS = 7
SERVED = ("penalty",)
DISCLOSED = ("penalty", "licensing")


def _decision_filter(ctx: Context) -> str:
    sq = ctx.dialect
    return f"""
        {sq.scan('r.kind')} = 'penalty' AND NOT r.extended AND r.filed_on IS NOT NULL
          AND ((r.decided_on IS NOT NULL AND {sq.days('r.decided_on', 'r.filed_on')} > {DECISION_DAYS})
               OR (r.decided_on IS NULL AND r.closed_on IS NULL
                   AND {sq.days(sq.literal(ctx.as_of), 'r.filed_on')} > {DECISION_DAYS}))
    """


@rule(
    "decision_deadline",
    name="超期未作出处罚决定",
    basis="《中华人民共和国行政处罚法》第六十条",
    explanation="立案之日起九十日内未作出行政处罚决定，且未依法延长期限",
    records_filter=_decision_filter,
)
def decision_deadline(ctx: Context):
    rows = record_rows(ctx, "r.filed_on, r.decided_on", _decision_filter)
    for row in rows:
        # Facts and wording leave the as-of date out: an open case stays the same alert day
        # after day, and a re-run over unchanged data rewrites nothing.
        facts = {"filed_on": day(row["filed_on"]), "decided_on": day(row["decided_on"])}
        yield on_record(row, facts, partial(_decision_text, facts))


def _decision_text(facts: dict) -> str:
    filed, decided = as_date(facts["filed_on"]), as_date(facts["decided_on"])
    if decided is not None:
        return f"立案日期 {filed}，决定日期 {decided}，历时 {(decided - filed).days} 日"
    last = filed + dt.timedelta(days=DECISION_DAYS)
    return f"立案日期 {filed}，期限届满日 {last}，仍未作出决定、未结案"


def _done_filter(ctx: Context, *, kinds: tuple[str, ...], done: str) -> str:
    """Decided records of ``kinds`` that ``done`` missed or that passed undone by the 7th
    calendar day after decided_on, which the 7th working day never comes before: every record
    the deadline rules report or must refuse for want of a calendar."""
    sq = ctx.dialect
    kind_list = ", ".join(f"'{k}'" for k in kinds)
    earliest = sq.add_days("r.decided_on", WORKING_DAYS)
    return f"""
        {sq.scan('r.kind')} IN ({kind_list}) AND r.decided_on IS NOT NULL
          AND (r.{done} > {earliest} OR (r.{done} IS NULL AND {earliest} < {sq.literal(ctx.as_of)}))
    """


def _deadline_sql(ctx: Context, *, kinds: tuple[str, ...], done: str) -> str:
    """Decided records of ``kinds`` with the 7th working day after decided_on (``due``, NULL
    where the calendar does not reach) that ``done`` missed or that passed undone."""
    return f"""
        SELECT {RECORD}, r.decided_on, r.{done} AS done_on, d.due
        FROM {candidate_records(ctx)} r
        LEFT JOIN (
            SELECT c0.day, cn.day AS due
            FROM core_calendarday c0
            JOIN core_calendarday cn
              ON cn.is_workday AND cn.workday_seq = c0.workday_seq + {WORKING_DAYS}
        ) d ON d.day = r.decided_on
        WHERE {_done_filter(ctx, kinds=kinds, done=done)}
          AND (d.due IS NULL OR r.{done} > d.due OR (r.{done} IS NULL AND d.due < %s))
        ORDER BY {ctx.dialect.binary('r.ext_id')}
    """


def _late(ctx: Context, rows, *, label: str):
    """Candidates from ``_deadline_sql`` rows; refuses to guess where the calendar stops."""
    years = None
    for row in rows:
        if row["due"] is None:
            decided, done = as_date(row["decided_on"]), as_date(row["done_on"])
            # The 7th working day is never earlier than the 7th calendar day, so a few cases are
            # settled without the calendar; any other needs the year the calendar lacks.
            earliest = decided + dt.timedelta(days=WORKING_DAYS)
            if (done is not None and done <= earliest) or (done is None and ctx.as_of <= earliest):
                continue
            years = years or known_years()
            for year in (decided.year, decided.year + 1):
                if year not in years:
                    raise UnknownCalendarYear(year)
            # Both years are known but the materialised table lacks them: it was not rebuilt.
            raise CalendarTableStale(decided.year)
        facts = {"decided_on": day(row["decided_on"]), f"{label}_on": day(row["done_on"]),
                 "due": day(row["due"])}
        yield on_record(row, facts, partial(_late_text, facts, label))


VERBS = {"served": "送达", "disclosed": "公示"}


def _late_text(facts: dict, label: str) -> str:
    verb = VERBS[label]
    head = f"决定日期 {facts['decided_on']}，期限届满日（第 7 个工作日）{facts['due']}"
    done = facts[f"{label}_on"]
    return f"{head}，实际 {done} {verb}" if done is not None else f"{head}，仍未{verb}"


@rule(
    "service_deadline",
    name="处罚决定书送达超期",
    basis="《中华人民共和国行政处罚法》第六十一条、第八十五条",
    explanation="行政处罚决定书未在决定后七个工作日内送达",
    records_filter=lambda ctx: _done_filter(ctx, kinds=SERVED, done="served_on"),
)
def service_deadline(ctx: Context):
    rows = ctx.rows(_deadline_sql(ctx, kinds=SERVED, done="served_on"), [ctx.d(ctx.as_of)])
    return _late(ctx, rows, label="served")


@rule(
    "disclosure_deadline",
    name="执法决定公示超期",
    basis="《中华人民共和国行政处罚法》第四十八条；国办发〔2018〕118号（行政处罚、行政许可决定七个工作日内公开）",
    explanation="行政处罚、行政许可决定未在决定后七个工作日内公示",
    records_filter=lambda ctx: _done_filter(ctx, kinds=DISCLOSED, done="disclosed_on"),
)
def disclosure_deadline(ctx: Context):
    rows = ctx.rows(_deadline_sql(ctx, kinds=DISCLOSED, done="disclosed_on"),
                    [ctx.d(ctx.as_of)])
    return _late(ctx, rows, label="disclosed")


def _compulsory_filter(ctx: Context) -> str:
    sq = ctx.dialect
    end = f"COALESCE(r.measure_end_on, {sq.literal(ctx.as_of)})"
    return f"""
        {sq.scan('r.kind')} = 'compulsory' AND r.measure IN ('seal', 'seize', 'freeze')
          AND r.action_on IS NOT NULL
          AND {sq.days(end, 'r.action_on')} > CASE WHEN r.measure_extended THEN 60 ELSE 30 END
    """


@rule(
    "compulsory_duration",
    name="强制措施超期",
    basis="《中华人民共和国行政强制法》第二十五条、第三十二条",
    explanation="查封、扣押、冻结超过三十日（依法延长的超过六十日）",
    records_filter=_compulsory_filter,
)
def compulsory_duration(ctx: Context):
    rows = record_rows(ctx, "r.measure, r.action_on, r.measure_end_on, r.measure_extended",
                       _compulsory_filter)
    measures = Labels(lambda v: Measure(v).label)
    for row in rows:
        facts = {"measure": row["measure"], "action_on": day(row["action_on"]),
                 "measure_end_on": day(row["measure_end_on"]),
                 "measure_extended": flag(row["measure_extended"])}
        yield on_record(row, facts, partial(_compulsory_text, facts, measures))


def _compulsory_text(facts: dict, measures: Labels) -> str:
    start, stop = as_date(facts["action_on"]), as_date(facts["measure_end_on"])
    extended = facts["measure_extended"]
    days = 60 if extended else 30
    limit = f"{days} 日（已依法延长）" if extended else f"{days} 日"
    label = measures[facts["measure"]]
    if stop is not None:
        return f"{label}自 {start} 至 {stop}，共 {(stop - start).days} 日，超过 {limit}"
    return f"{label}自 {start} 起仍未解除，期限 {limit}，届满日 {start + dt.timedelta(days=days)}"
