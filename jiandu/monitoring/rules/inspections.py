"""Rules on inspections of businesses: repeated inspections by several agencies, yearly caps."""

from __future__ import annotations

from .base import RECORD, Context, day, on_record, rule

REPEAT_DAYS = 30


@rule(
    "repeat_inspection",
    name="多头重复检查",
    basis="国办发〔2024〕54号（严格规范涉企行政检查）；钢城政发〔2022〕6号 第12项",
    explanation="同一相对人在本次检查前后三十日内又被其他执法主体检查",
)
def repeat_inspection(ctx: Context):
    sq = ctx.dialect
    # Within ±30 days of each inspection: all of the party's inspections minus those of the
    # same agency leaves those of other agencies; a window frame in days counts both at once.
    frame = f"ORDER BY i.day RANGE BETWEEN {REPEAT_DAYS} PRECEDING AND {REPEAT_DAYS} FOLLOWING"
    # A narrow copy first: SQLite's window functions are several times faster over it.
    sql = f"""
        WITH i AS MATERIALIZED (
            SELECT {RECORD}, r.action_on, {sq.day_number('r.action_on')} AS day
            FROM records_record r
            WHERE {sq.scan('r.kind')} = 'inspection' AND r.action_on IS NOT NULL
        )
        SELECT * FROM (
            SELECT i.ext_id, i.agency_code, i.party_key, i.action_on,
                   count(*) OVER (PARTITION BY i.party_key {frame}) AS near_all,
                   count(*) OVER (PARTITION BY i.party_key, i.agency_code {frame}) AS near_own
            FROM i
        ) x
        WHERE near_all > near_own
    """
    for row in ctx.rows(sql):
        others = row["near_all"] - row["near_own"]
        facts = {"action_on": day(row["action_on"]), "others": others}
        text = f"检查日期 {facts['action_on']}，前后 {REPEAT_DAYS} 日内其他执法主体对其检查 {others} 次"
        yield on_record(row, facts, text)


@rule(
    "inspection_cap",
    name="超过年度检查次数上限",
    basis="国办发〔2024〕54号（合理确定检查频次）；钢城政发〔2022〕6号 第14项",
    explanation="同一执法事项对同一相对人的行政检查超过年度检查次数上限",
)
def inspection_cap(ctx: Context):
    sq = ctx.dialect
    sql = f"""
        WITH i AS MATERIALIZED (
            SELECT {RECORD}, r.power_code, r.action_on, {sq.year('r.action_on')} AS year,
                   p.annual_inspection_cap AS cap
            FROM records_record r
            JOIN powers_power p ON p.code = r.power_code
            WHERE {sq.scan('r.kind')} = 'inspection' AND r.action_on IS NOT NULL
              AND p.annual_inspection_cap IS NOT NULL
        )
        SELECT * FROM (
            SELECT i.*, row_number() OVER (PARTITION BY i.party_key, i.power_code, i.year
                                           ORDER BY i.action_on, {sq.binary('i.ext_id')}) AS n
            FROM i
        ) x
        WHERE n > cap
    """
    for row in ctx.rows(sql):
        facts = {"action_on": day(row["action_on"]), "year": row["year"], "cap": row["cap"], "n": row["n"]}
        text = f"{row['year']} 年第 {row['n']} 次检查（{facts['action_on']}），上限 {row['cap']} 次"
        yield on_record(row, facts, text)
