"""Rules on penalty decisions: four lists, discretion, review, hearing, procedure, limitation."""

from __future__ import annotations

from functools import partial
from itertools import groupby

from jiandu.powers.choices import DiscretionLevel
from jiandu.records.choices import PENALTY_BITS, Harm, PartyType, mask_to_penalties
from jiandu.records.selectors import penalty_labels

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
    yuan,
)

# Hearing thresholds in fen (Shandong 较大数额): (party type, business) -> fine at or above.
HEARING_THRESHOLD = {(PartyType.PERSON, False): 100_000, (PartyType.ORGANIZATION, False): 500_000,
                     (PartyType.PERSON, True): 300_000, (PartyType.ORGANIZATION, True): 1_000_000}
HEARING_PENALTIES = ("revoke_license", "suspend_business", "close", "lower_qualification",
                     "restrict_business")
HEARING_MASK = sum(PENALTY_BITS[p] for p in HEARING_PENALTIES)
# Summary procedure (Art 51): warning or a fine up to 200 yuan (person) / 3,000 (organisation).
SUMMARY_MASK = sum(bit for p, bit in PENALTY_BITS.items() if p not in ("warning", "fine"))
SUMMARY_LIMIT = {PartyType.PERSON: 20_000, PartyType.ORGANIZATION: 300_000}


def _penalties(mask) -> list[str]:
    return mask_to_penalties(mask) or []


@rule(
    "no_penalty_list",
    name="违反不予处罚清单",
    basis="《中华人民共和国行政处罚法》第三十三条；钢城政发〔2022〕6号 第11项（行政处罚“四张清单”）",
    explanation="依不予处罚清单应当不予处罚（危害后果不超过清单上限、按要求及时改正、属首次违法），仍作出了行政处罚",
)
def no_penalty_list(ctx: Context):
    sq = ctx.dialect
    # "First violation" is judged from the stored records: no earlier decided penalty with a
    # penalty against the same party under the same power within the window, where "earlier"
    # is (decided_on, id) order, so of two decisions on one day the smaller id comes first.
    sql = f"""
        SELECT {RECORD}, r.decided_on, r.harm, r.corrected, r.penalty_mask,
               i.code AS item, i.max_harm, i.requires_corrected,
               i.first_offense_window_days AS window_days
        FROM records_record r
        JOIN powers_fourlistitem i ON i.power_code = r.power_code AND i.list = 'no_penalty'
        WHERE {sq.scan('r.kind')} = 'penalty' AND r.decided_on IS NOT NULL AND r.penalty_mask > 0
          AND (r.harm = 'none' OR (r.harm = 'minor' AND i.max_harm = 'minor'))
          AND (NOT i.requires_corrected OR r.corrected IS TRUE)
          AND (i.first_offense_window_days IS NULL OR NOT EXISTS (
              SELECT 1 FROM records_record e
              WHERE e.party_key = r.party_key AND e.power_code = r.power_code
                AND {sq.scan('e.kind')} = 'penalty' AND e.decided_on IS NOT NULL AND e.penalty_mask > 0
                AND (e.decided_on < r.decided_on
                     OR (e.decided_on = r.decided_on AND {sq.binary('e.ext_id')} < {sq.binary('r.ext_id')}))
                AND {sq.days('r.decided_on', 'e.decided_on')} <= i.first_offense_window_days))
        ORDER BY {sq.binary('r.ext_id')}, i.code
    """
    harm, given = Labels(lambda v: Harm(v).label), Labels(penalty_labels)
    for _, group in groupby(ctx.rows(sql), key=lambda row: row["ext_id"]):
        group = list(group)
        row = group[0]
        items = [{"code": g["item"], "max_harm": g["max_harm"],
                  "requires_corrected": flag(g["requires_corrected"]),
                  "window_days": g["window_days"]} for g in group]
        facts = {"decided_on": day(row["decided_on"]), "harm": row["harm"],
                 "corrected": None if row["corrected"] is None else flag(row["corrected"]),
                 "penalties": _penalties(row["penalty_mask"]), "items": items}
        yield on_record(row, facts, partial(_no_penalty_text, row, facts, harm, given))


def _no_penalty_text(row: dict, facts: dict, harm: Labels, given: Labels) -> str:
    conditions = [f"危害后果{harm[row['harm']]}"]
    if facts["corrected"]:
        conditions.append("已及时改正")
    windows = [item["window_days"] for item in facts["items"] if item["window_days"] is not None]
    if windows:
        conditions.append(f"此前 {max(windows)} 日内无同类处罚")
    codes = "、".join(item["code"] for item in facts["items"])
    return (f"适用不予处罚清单事项 {codes}（{'，'.join(conditions)}），"
            f"于 {facts['decided_on']} 仍决定给予{given[row['penalty_mask']]}")


@rule(
    "discretion_range",
    name="罚款超出裁量基准",
    basis="《中华人民共和国行政处罚法》第三十四条",
    explanation="罚款金额超出所适用裁量档次的金额范围",
)
def discretion_range(ctx: Context):
    sql = f"""
        SELECT {RECORD}, r.fine, r.discretion, t.min_amount, t.max_amount
        FROM records_record r
        JOIN powers_power p ON p.code = r.power_code
        JOIN powers_discretiontier t ON t.power_id = p.id AND t.level = r.discretion
        WHERE {ctx.dialect.scan('r.kind')} = 'penalty' AND r.fine IS NOT NULL
          AND (r.fine < t.min_amount OR r.fine > t.max_amount)
        ORDER BY {ctx.dialect.binary('r.ext_id')}
    """
    level = Labels(lambda v: DiscretionLevel(v).label)
    for row in ctx.rows(sql):
        facts = {"fine": row["fine"], "discretion": row["discretion"],
                 "min": row["min_amount"], "max": row["max_amount"]}
        yield on_record(row, facts, partial(_discretion_text, row, level))


def _discretion_text(row: dict, level: Labels) -> str:
    return (f"罚款 {yuan(row['fine'])}，适用“{level[row['discretion']]}”档次"
            f"（{yuan(row['min_amount'])} 至 {yuan(row['max_amount'])}）")


def _legal_review_filter(ctx: Context) -> str:
    return f"""
        {ctx.dialect.scan('r.kind')} = 'penalty' AND r.major AND r.decided_on IS NOT NULL
          AND (r.legal_review_on IS NULL OR r.legal_review_on > r.decided_on)
    """


@rule(
    "legal_review",
    name="重大执法决定未经法制审核",
    basis="《中华人民共和国行政处罚法》第五十八条",
    explanation="重大行政处罚决定没有法制审核，或法制审核晚于决定日期",
    records_filter=_legal_review_filter,
)
def legal_review(ctx: Context):
    rows = record_rows(ctx, "r.decided_on, r.legal_review_on", _legal_review_filter)
    for row in rows:
        facts = {"decided_on": day(row["decided_on"]), "legal_review_on": day(row["legal_review_on"])}
        text = (f"决定日期 {facts['decided_on']}，无法制审核意见" if facts["legal_review_on"] is None
                else f"决定日期 {facts['decided_on']}，法制审核意见日期 {facts['legal_review_on']}")
        yield on_record(row, facts, text)


HEARING_THRESHOLD_SQL = (
    f"CASE WHEN r.party_type = 'person' THEN CASE WHEN r.business THEN {HEARING_THRESHOLD[(PartyType.PERSON, True)]} ELSE {HEARING_THRESHOLD[(PartyType.PERSON, False)]} END "
    f"ELSE CASE WHEN r.business THEN {HEARING_THRESHOLD[(PartyType.ORGANIZATION, True)]} ELSE {HEARING_THRESHOLD[(PartyType.ORGANIZATION, False)]} END END"
)


def _hearing_filter(ctx: Context) -> str:
    # Whatever the procedure and whether decided or not.
    return f"""
        {ctx.dialect.scan('r.kind')} = 'penalty' AND NOT r.hearing_notified
          AND (r.fine >= {HEARING_THRESHOLD_SQL} OR (r.penalty_mask & {HEARING_MASK}) <> 0)
    """


@rule(
    "hearing_notice",
    name="未告知听证权利",
    basis="《中华人民共和国行政处罚法》第六十三条、第六十四条",
    explanation="较大数额罚款或吊销许可证件、责令停产停业、责令关闭、降低资质等级、限制开展生产经营活动，未告知当事人有要求听证的权利",
    records_filter=_hearing_filter,
)
def hearing_notice(ctx: Context):
    rows = record_rows(ctx, "r.party_type, r.business, r.fine, r.penalty_mask, "
                            f"{HEARING_THRESHOLD_SQL} AS threshold", _hearing_filter)
    given = Labels(penalty_labels)
    for row in rows:
        heavy = [p for p in _penalties(row["penalty_mask"]) if p in HEARING_PENALTIES]
        facts = {"party_type": row["party_type"], "business": flag(row["business"]),
                 "fine": row["fine"], "threshold": row["threshold"], "heavy_penalties": heavy}
        yield on_record(row, facts, partial(_hearing_text, facts, given))


def _hearing_text(facts: dict, given: Labels) -> str:
    parts = []
    if facts["fine"] is not None and facts["fine"] >= facts["threshold"]:
        parts.append(f"罚款 {yuan(facts['fine'])}，达到听证标准 {yuan(facts['threshold'])}")
    if heavy := facts["heavy_penalties"]:
        parts.append(f"处罚种类含{given[sum(PENALTY_BITS[p] for p in heavy)]}")
    return "；".join(parts) + "，未告知听证权利"


def _summary_filter(ctx: Context) -> str:
    # The contract says "a summary record", of any kind: procedure alone decides.
    return f"""
        r.procedure = 'summary'
          AND ((r.penalty_mask & {SUMMARY_MASK}) <> 0
               OR r.fine > CASE WHEN r.party_type = 'person' THEN {SUMMARY_LIMIT[PartyType.PERSON]}
                                ELSE {SUMMARY_LIMIT[PartyType.ORGANIZATION]} END)
    """


@rule(
    "summary_procedure",
    name="简易程序适用不当",
    basis="《中华人民共和国行政处罚法》第五十一条",
    explanation="适用简易程序，但处罚超出警告和小额罚款（公民二百元以下、法人或者其他组织三千元以下）",
    records_filter=_summary_filter,
)
def summary_procedure(ctx: Context):
    rows = record_rows(ctx, "r.party_type, r.fine, r.penalty_mask", _summary_filter)
    given = Labels(penalty_labels)
    for row in rows:
        beyond = [p for p in _penalties(row["penalty_mask"]) if p not in ("warning", "fine")]
        facts = {"party_type": row["party_type"], "fine": row["fine"], "penalties_beyond": beyond}
        yield on_record(row, facts, partial(_summary_text, facts, given))


def _summary_text(facts: dict, given: Labels) -> str:
    limit = SUMMARY_LIMIT[facts["party_type"]]
    parts = []
    if beyond := facts["penalties_beyond"]:
        parts.append(f"处罚种类含{given[sum(PENALTY_BITS[p] for p in beyond)]}")
    if facts["fine"] is not None and facts["fine"] > limit:
        parts.append(f"罚款 {yuan(facts['fine'])}，超过 {yuan(limit)}")
    return "；".join(parts)


@rule(
    "double_fine",
    name="一事再罚",
    basis="《中华人民共和国行政处罚法》第二十九条",
    explanation="对当事人的同一个违法行为，同一执法事项下已作出罚款决定后再次罚款",
)
def double_fine(ctx: Context):
    for row in ctx.rows(double_fine_sql(ctx)):
        facts = {"violation_on": day(row["violation_on"]), "decided_on": day(row["decided_on"]),
                 "fine": row["fine"], "first": row["first_id"],
                 "first_decided_on": day(row["first_decided_on"]), "first_fine": row["first_fine"]}
        yield on_record(row, facts, partial(_double_fine_text, facts))


def double_fine_sql(ctx: Context) -> str:
    sq = ctx.dialect
    # Each fined decision numbered within its (party, power, violation day) group, in decision
    # order. Where the window reads the fined decisions in its own order from an index
    # (``Dialect.rule_indexes``), it numbers them all as they come. Elsewhere it would
    # sort every one of them: the fined decisions are copied out first (a window over a narrow
    # copy is several times faster on SQLite than one over the wide records table), and only the
    # few groups with two or more are numbered (finding them by grouping halved the rule at 1M).
    if sq.rule_indexes:
        copy, groups = "", ""
    else:
        copy = "MATERIALIZED"
        groups = """WHERE (f.party_key, f.power_code, f.violation_on) IN (
                SELECT party_key, power_code, violation_on FROM fined
                GROUP BY party_key, power_code, violation_on HAVING count(*) > 1)"""
    return f"""
        WITH fined AS {copy} (
            SELECT {RECORD}, r.power_code, r.decided_on, r.violation_on, r.fine
            FROM records_record r
            WHERE {sq.scan('r.kind')} = 'penalty' AND r.decided_on IS NOT NULL AND r.fine > 0
              AND r.violation_on IS NOT NULL
        )
        SELECT * FROM (
            SELECT f.*,
                   row_number() OVER w AS n,
                   first_value(f.ext_id) OVER w AS first_id,
                   first_value(f.decided_on) OVER w AS first_decided_on,
                   first_value(f.fine) OVER w AS first_fine
            FROM fined f
            {groups}
            WINDOW w AS (PARTITION BY f.party_key, f.power_code, f.violation_on
                         ORDER BY f.decided_on, {sq.binary('f.ext_id')})
        ) x
        WHERE n > 1
        ORDER BY {sq.binary('x.ext_id')}
    """


def _double_fine_text(facts: dict) -> str:
    return (f"违法行为日期 {facts['violation_on']}，已由 {facts['first']} 于 "
            f"{facts['first_decided_on']} 罚款 {yuan(facts['first_fine'])}，"
            f"又于 {facts['decided_on']} 罚款 {yuan(facts['fine'])}")


DEFAULT_LIMITATION_YEARS = 2


def _limitation_filter(ctx: Context) -> str:
    # The shortest limitation any power has bounds every power's from below (a later date for
    # more years), so a record filed within it is filed within its own power's as well.
    with ctx.connection.cursor() as cursor:
        cursor.execute(f"SELECT min(COALESCE(limitation_years, {DEFAULT_LIMITATION_YEARS})) "
                       "FROM powers_power")
        (shortest,) = cursor.fetchone()
    shortest = DEFAULT_LIMITATION_YEARS if shortest is None else int(shortest)
    sq = ctx.dialect
    return f"""
        {sq.scan('r.kind')} = 'penalty' AND r.filed_on IS NOT NULL
          AND r.violation_on IS NOT NULL AND r.filed_on > {sq.add_years('r.violation_on', str(shortest))}
    """


@rule(
    "limitation",
    name="超过追责时效",
    basis="《中华人民共和国行政处罚法》第三十六条",
    explanation="违法行为超过追责时效（一般二年，涉及公民生命健康安全、金融安全且有危害后果的五年）后才立案",
    records_filter=_limitation_filter,
)
def limitation(ctx: Context):
    sq = ctx.dialect
    years = f"COALESCE(p.limitation_years, {DEFAULT_LIMITATION_YEARS})"
    until = sq.add_years("r.violation_on", years)
    sql = f"""
        SELECT {RECORD}, r.violation_on, r.filed_on, {years} AS years, {until} AS until
        FROM {candidate_records(ctx)} r
        JOIN powers_power p ON p.code = r.power_code
        WHERE {sq.scan('r.kind')} = 'penalty' AND r.filed_on IS NOT NULL
          AND r.violation_on IS NOT NULL AND r.filed_on > {until}
        ORDER BY {sq.binary('r.ext_id')}
    """
    for row in ctx.rows(sql):
        facts = {"violation_on": day(row["violation_on"]), "filed_on": day(row["filed_on"]),
                 "years": row["years"]}
        yield on_record(row, facts, partial(_limitation_text, row, facts))


def _limitation_text(row: dict, facts: dict) -> str:
    return (f"违法行为日期 {facts['violation_on']}，追责时效 {row['years']} 年至 {day(row['until'])}，"
            f"立案日期 {facts['filed_on']}")
