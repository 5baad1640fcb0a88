"""Rules on the officers a record lists: certificates, the two-officer minimum, oaths."""

from __future__ import annotations

from itertools import groupby

from jiandu.org.choices import CertificateStatus

from .base import RECORD, Context, Labels, day, flag, on_record, record_rows, rule

PROBLEMS = {
    "unknown": "执法证号 {certificate} 未登记",
    "other_agency": "执法证 {certificate} 属于其他执法主体（{officer_agency}）",
    "status_undated": "执法证 {certificate} 状态为“{status_label}”且未载明生效日期",
    "not_issued": "行为日期 {act_on} 早于执法证 {certificate} 的发证日期 {issued_on}",
    "expired": "行为日期 {act_on} 晚于执法证 {certificate} 的有效期限 {expires_on}",
    "status": "执法证 {certificate} 自 {status_since} 起“{status_label}”，行为日期为 {act_on}",
}


# Both rules on listed officers read the same links joined to their records and officers; one
# pass keeps the links either rule objects to, each condition its own column so that the
# explanation comes from the same SQL that decided the row fires.
CERTIFICATE_PROBLEM = """(o.id IS NULL
               OR o.agency_code <> r.agency_code
               OR (o.status <> 'valid' AND o.status_since IS NULL)
               OR (r.act_on IS NOT NULL AND (r.act_on < o.issued_on OR r.act_on > o.expires_on
                   OR (o.status <> 'valid' AND r.act_on >= o.status_since))))"""
OATH_PROBLEM = "(o.id IS NOT NULL AND (o.oath_on IS NULL OR (r.act_on IS NOT NULL AND o.oath_on > r.act_on)))"
LINKS_TABLE = "officer_links"
# The links of an officer ``o`` that may break either condition above, each a range of the
# links' (certificate, agency_code, act_on) index, which copies the record's agency and act
# date (RecordOfficer). Together with the links of unknown certificates they hold every link
# either condition holds for: another agency (the first two), a status without its date or no
# oath (every link of the agency), and an act date before the certificate was issued, before
# the oath, after the certificate expired or from its status on. A link may be in more than one.
OFFICER_RANGES = (
    "l.agency_code < o.agency_code",
    "l.agency_code > o.agency_code",
    "l.agency_code = o.agency_code AND ((o.status <> 'valid' AND o.status_since IS NULL) OR o.oath_on IS NULL)",
    "l.agency_code = o.agency_code AND l.act_on < o.issued_on",
    "l.agency_code = o.agency_code AND l.act_on < o.oath_on",
    "l.agency_code = o.agency_code AND l.act_on > o.expires_on",
    "l.agency_code = o.agency_code AND o.status <> 'valid' AND l.act_on >= o.status_since",
)
LINK = "l.record_ext_id, l.position, l.certificate"


def _suspect_links(ctx: Context) -> str:
    """(record_ext_id, position, certificate) of a superset of the links either rule objects to,
    each once: the officers' ranges (OFFICER_RANGES), and every link of a certificate no officer
    holds, found by stepping through the distinct certificates in the index (a few thousand
    steps, not two million links)."""
    sq = ctx.dialect
    ranges = [f"l.certificate = o.certificate AND {condition}" for condition in OFFICER_RANGES]
    unknown = """
        WITH RECURSIVE listed(certificate) AS (
            SELECT (SELECT l.certificate FROM records_recordofficer l ORDER BY l.certificate LIMIT 1)
            UNION ALL
            SELECT (SELECT l.certificate FROM records_recordofficer l WHERE l.certificate > c.certificate
                    ORDER BY l.certificate LIMIT 1)
            FROM listed c WHERE c.certificate IS NOT NULL
        )
        SELECT u.certificate FROM listed u
        WHERE u.certificate IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM org_officer o WHERE o.certificate = u.certificate)
    """
    return f"""
        SELECT DISTINCT x.record_ext_id, x.position, x.certificate FROM (
            {sq.each_row("org_officer o", "records_recordofficer l", LINK, ranges)}
            UNION ALL
            {sq.each_row(f"({unknown}) u", "records_recordofficer l", LINK, ["l.certificate = u.certificate"])}
        ) x
    """


def _links_select(ctx: Context) -> str:
    # The suspects with their records' values (the truth the conditions judge), one record
    # lookup each, and their officers.
    suspects = ctx.dialect.each_row(f"({_suspect_links(ctx)}) s", "records_record r",
                                    f"{RECORD}, r.act_on, s.position, s.certificate",
                                    ["r.ext_id = s.record_ext_id"])
    return f"""
    SELECT r.ext_id, r.agency_code, r.party_key, r.act_on, r.position, r.certificate,
           o.agency_code AS officer_agency, o.issued_on, o.expires_on, o.status, o.status_since,
           o.oath_on,
           CASE WHEN {CERTIFICATE_PROBLEM} THEN 1 ELSE 0 END AS certificate_problem,
           CASE WHEN {OATH_PROBLEM} THEN 1 ELSE 0 END AS oath_problem,
           CASE WHEN o.id IS NULL THEN 1 ELSE 0 END AS p_unknown,
           CASE WHEN o.agency_code <> r.agency_code THEN 1 ELSE 0 END AS p_other_agency,
           CASE WHEN o.status <> 'valid' AND o.status_since IS NULL THEN 1 ELSE 0 END AS p_status_undated,
           CASE WHEN r.act_on < o.issued_on THEN 1 ELSE 0 END AS p_not_issued,
           CASE WHEN r.act_on > o.expires_on THEN 1 ELSE 0 END AS p_expired,
           CASE WHEN o.status <> 'valid' AND r.act_on >= o.status_since THEN 1 ELSE 0 END AS p_status
    FROM ({suspects}) r
    LEFT JOIN org_officer o ON o.certificate = r.certificate
    WHERE {CERTIFICATE_PROBLEM} OR {OATH_PROBLEM}
"""


def _links(ctx: Context, problem: str):
    """The problem links of one rule, a record's links together in list order, from the small
    shared table both rules read."""
    table = ctx.shared(LINKS_TABLE, _links_select(ctx))
    return ctx.rows(f"SELECT * FROM {table} WHERE {problem} = 1 "
                    f"ORDER BY {ctx.dialect.binary('ext_id')}, position")


@rule(
    "officer_certificate",
    name="执法证件不合规",
    basis="《中华人民共和国行政处罚法》第四十二条；《山东省行政执法证件管理办法》",
    explanation="列明的执法人员执法证未登记、属于其他执法主体，或在行为日期不在有效状态",
    shares=(LINKS_TABLE,),
)
def officer_certificate(ctx: Context):
    statuses = Labels(lambda v: CertificateStatus(v).label if v else "")
    for _, group in groupby(_links(ctx, "certificate_problem"), key=lambda row: row["ext_id"]):
        group = list(group)
        officers, texts, seen = [], [], set()
        for row in group:
            if row["certificate"] in seen:
                continue
            seen.add(row["certificate"])
            problems = [p for p in PROBLEMS if flag(row[f"p_{p}"])]
            entry = {"certificate": row["certificate"], "problems": problems}
            if "unknown" not in problems:
                entry.update(agency=row["officer_agency"], issued_on=day(row["issued_on"]),
                             expires_on=day(row["expires_on"]), status=row["status"],
                             status_since=day(row["status_since"]))
            officers.append(entry)
            values = {**entry, "act_on": day(row["act_on"]), "officer_agency": row["officer_agency"],
                      "status_label": statuses[row["status"]]}
            texts.extend(PROBLEMS[p].format(**values) for p in problems)
        yield on_record(group[0], {"act_on": day(group[0]["act_on"]), "officers": officers},
                        "；".join(texts))


def _two_officers_filter(ctx: Context) -> str:
    # Every listed certificate counts, known or not: an unknown one is officer_certificate's.
    # officer_count is the number of different certificates the record lists (set at import).
    return f"""
        {ctx.dialect.scan('r.kind')} IN ('penalty', 'compulsory', 'inspection') AND r.officer_count < 2
    """


@rule(
    "two_officers",
    name="执法人员不足两人",
    basis="《中华人民共和国行政处罚法》第四十二条；《中华人民共和国行政强制法》第十八条",
    explanation="行政处罚、行政强制或行政检查列明的执法人员少于两人",
    records_filter=_two_officers_filter,
)
def two_officers(ctx: Context):
    rows = record_rows(ctx, "r.officers", _two_officers_filter)
    for row in rows:
        listed = sorted({c for c in (row["officers"] or "").split(";") if c})
        text = f"仅列明执法人员 {listed[0]}" if listed else "未列明执法人员"
        yield on_record(row, {"officers": listed}, text)


@rule(
    "oath_missing",
    name="执法人员未宣誓",
    basis="《山东省行政执法人员执法宣誓制度》；钢城政发〔2022〕6号 任务17",
    explanation="列明的执法人员没有执法宣誓记录，或宣誓晚于行为日期",
    shares=(LINKS_TABLE,),
)
def oath_missing(ctx: Context):
    for _, group in groupby(_links(ctx, "oath_problem"), key=lambda row: row["ext_id"]):
        group = list(group)
        officers, texts, seen = [], [], set()
        for row in group:
            if row["certificate"] in seen:
                continue
            seen.add(row["certificate"])
            oath = day(row["oath_on"])
            officers.append({"certificate": row["certificate"], "oath_on": oath})
            texts.append(f"执法人员 {row['certificate']} 无宣誓记录" if oath is None else
                         f"执法人员 {row['certificate']} 于 {oath} 宣誓，晚于行为日期 {day(row['act_on'])}")
        yield on_record(group[0], {"act_on": day(group[0]["act_on"]), "officers": officers},
                        "；".join(texts))
