"""Rules on powers themselves: powers never exercised in a year (未履职)."""

from __future__ import annotations

import datetime as dt

from .base import Candidate, Context, rule

KINDS = ("penalty", "licensing", "compulsory", "inspection")


@rule(
    "unexercised_power",
    name="执法事项全年未履职",
    basis="钢城政发〔2022〕6号 第18项（行政执法未履职情况报告制度）",
    explanation="行政处罚、行政许可、行政强制、行政检查事项在核查年度内没有任何执法行为",
    per="power",
)
def unexercised_power(ctx: Context):
    kind_list = ", ".join(f"'{k}'" for k in KINDS)
    sql = f"""
        SELECT p.code, p.agency_code, p.name
        FROM powers_power p
        WHERE p.kind IN ({kind_list})
          AND NOT EXISTS (
              SELECT 1 FROM records_record r
              WHERE r.power_code = p.code AND r.act_on >= %s AND r.act_on < %s)
        ORDER BY {ctx.dialect.binary('p.code')}
    """
    start, end = dt.date(ctx.year, 1, 1), dt.date(ctx.year + 1, 1, 1)
    for row in ctx.rows(sql, [ctx.d(start), ctx.d(end)]):
        yield Candidate(record=None, power=row["code"], agency=row["agency_code"], party=None,
                        facts={"year": ctx.year},
                        text=f"{row['code']} {row['name']}，{ctx.year} 年无执法行为")
