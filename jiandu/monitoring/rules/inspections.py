"""Rules on inspections of businesses: repeated inspections by several agencies, yearly caps."""

from __future__ import annotations

from .base import Context, day, on_record, rule

REPEAT_DAYS = 30
INSPECTIONS = "inspections"


def _inspections(ctx: Context) -> str:
    """The dated inspections, which both rules read: a narrow scratch table, one pass over the
    wide records table instead of one per rule. ``bucket`` numbers stretches of REPEAT_DAYS + 1
    days, so two inspections at most REPEAT_DAYS apart are in the same or neighbouring buckets.
    Where the records have the inspections' covering index (``Dialect.rule_indexes``), each
    query reads them from the index instead: at 1M records that costs what reading the copy
    costs, and making the copy (0.12 s) and its statistics (0.08 s) are saved."""
    sq = ctx.dialect
    number = sq.day_number("r.action_on")
    select = f"""
        SELECT r.ext_id, r.agency_code, r.party_key, r.power_code, r.action_on, {number} AS day,
               {number} / {REPEAT_DAYS + 1} AS bucket
        FROM records_record r
        WHERE {sq.scan('r.kind')} = 'inspection' AND r.action_on IS NOT NULL
    """
    return ctx.shared(INSPECTIONS, select, inline=sq.rule_indexes)


@rule(
    "repeat_inspection",
    name="多头重复检查",
    basis="国办发〔2024〕54号（严格规范涉企行政检查）；钢城政发〔2022〕6号 第12项",
    explanation="同一相对人在本次检查前后三十日内又被其他执法主体检查",
    shares=(INSPECTIONS,),
)
def repeat_inspection(ctx: Context):
    # Each inspection paired with the party's inspections by other agencies within ±30 days,
    # counted. Pairs are looked for in the neighbouring buckets only, so a party inspected
    # often over the years costs what its inspections a month apart cost, not their square.
    # (Two window counts, all within the frame minus the agency's own, give the same numbers at
    # three times the cost on PostgreSQL, two sorts of every inspection; on SQLite, which
    # probes an automatic index for the pairs instead of hashing, they are a fifth faster.)
    table = _inspections(ctx)
    sql = f"""
        SELECT a.ext_id, a.agency_code, a.party_key, a.action_on, count(*) AS others
        FROM {table} a
        CROSS JOIN (SELECT -1 AS step UNION ALL SELECT 0 UNION ALL SELECT 1) near
        JOIN {table} b ON b.party_key = a.party_key AND b.bucket = a.bucket + near.step
        WHERE b.agency_code <> a.agency_code
          AND b.day BETWEEN a.day - {REPEAT_DAYS} AND a.day + {REPEAT_DAYS}
        GROUP BY a.ext_id, a.agency_code, a.party_key, a.action_on
        ORDER BY {ctx.dialect.binary('a.ext_id')}
    """
    for row in ctx.rows(sql):
        others = row["others"]
        facts = {"action_on": day(row["action_on"]), "others": others}
        text = f"检查日期 {facts['action_on']}，前后 {REPEAT_DAYS} 日内其他执法主体对其检查 {others} 次"
        yield on_record(row, facts, text)


@rule(
    "inspection_cap",
    name="超过年度检查次数上限",
    basis="国办发〔2024〕54号（合理确定检查频次）；钢城政发〔2022〕6号 第14项",
    explanation="同一执法事项对同一相对人的行政检查超过年度检查次数上限",
    shares=(INSPECTIONS,),
)
def inspection_cap(ctx: Context):
    sq = ctx.dialect
    # Only the few (party, power, year) groups over their cap need numbering.
    sql = f"""
        WITH i AS MATERIALIZED (
            SELECT i.ext_id, i.agency_code, i.party_key, i.power_code, i.action_on,
                   {sq.year('i.action_on')} AS year, p.annual_inspection_cap AS cap
            FROM {_inspections(ctx)} i
            JOIN powers_power p ON p.code = i.power_code
            WHERE p.annual_inspection_cap IS NOT NULL
        )
        SELECT * FROM (
            SELECT i.*, row_number() OVER (PARTITION BY i.party_key, i.power_code, i.year
                                           ORDER BY i.action_on, {sq.binary('i.ext_id')}) AS n
            FROM i
            WHERE (i.party_key, i.power_code, i.year) IN (
                SELECT party_key, power_code, year FROM i
                GROUP BY party_key, power_code, year, cap HAVING count(*) > cap)
        ) x
        WHERE n > cap
        ORDER BY {sq.binary('x.ext_id')}
    """
    for row in ctx.rows(sql):
        facts = {"action_on": day(row["action_on"]), "year": row["year"], "cap": row["cap"], "n": row["n"]}
        text = f"{row['year']} 年第 {row['n']} 次检查（{facts['action_on']}），上限 {row['cap']} 次"
        yield on_record(row, facts, text)
