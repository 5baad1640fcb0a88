"""An independent reading of the 17 supervision rules, straight from the interchange contract.

`expected_alerts(data, as_of=..., year=...)` takes the parsed interchange rows (a dict of
lists of dicts per kind, as in the `.jsonl` files) and returns the alerts the contract
requires, as (rule, record id or None, power code or None). Pure Python: no Django, no
database, and nothing from the engine. The working-day calendar is the `chinese_calendar`
package (State Council holidays and 调休 make-up working days).

Every rule is one plain function with the contract's words quoted above it
(`shared/spec/interchange.md`, section "Supervision rules"). Money is compared in fen.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import chinese_calendar

Alert = tuple[str, str | None, str | None]

MAIN_KINDS = ("penalty", "licensing", "compulsory", "inspection")
HARM_ORDER = {"none": 0, "minor": 1, "serious": 2}


# ------------------------------------------------------------------------------------------
# Reading the rows
# ------------------------------------------------------------------------------------------
def _date(value) -> dt.date | None:
    # "Dates are YYYY-MM-DD"; "Missing optional field = null = absent."
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


def _fen(value) -> int | None:
    # "money is yuan, a JSON number or decimal string, two decimals at most": exact in fen.
    if value is None:
        return None
    return int((Decimal(str(value)) * 100).to_integral_exact())


def _latest(rows, key: str) -> dict:
    # "A key that appears twice in one file: the later line wins, as if imported afterwards."
    out = {}
    for row in rows or ():
        out[row[key]] = row
    return out


def _record(row: dict) -> dict:
    party = row.get("party") or {}
    action_on = _date(row.get("action_on"))
    filed_on = _date(row.get("filed_on"))
    decided_on = _date(row.get("decided_on"))
    return {
        "id": row["id"],
        "kind": row["kind"],
        "agency": row["agency"],
        "power": row["power"],
        "party_type": party.get("type"),
        # The same party: the same type and id (a person and an organization are never the
        # same party, even should their ids read alike); the name does not identify.
        "party": (party.get("type"), party.get("id")),
        "business": row.get("business") is True,
        "procedure": row.get("procedure"),
        "officers": list(row.get("officers") or []),
        "violation_on": _date(row.get("violation_on")),
        "action_on": action_on,
        "filed_on": filed_on,
        "decided_on": decided_on,
        # "The act date of a record is action_on, else filed_on, else decided_on."
        "act_on": action_on or filed_on or decided_on,
        "penalties": row.get("penalties"),
        "fine": _fen(row.get("fine")),
        "discretion": row.get("discretion"),
        "harm": row.get("harm"),
        "corrected": row.get("corrected"),
        "major": row.get("major") is True,
        "legal_review_on": _date(row.get("legal_review_on")),
        "hearing_notified": row.get("hearing_notified") is True,
        "extended": row.get("extended") is True,
        "served_on": _date(row.get("served_on")),
        "disclosed_on": _date(row.get("disclosed_on")),
        "measure": row.get("measure"),
        "measure_end_on": _date(row.get("measure_end_on")),
        "measure_extended": row.get("measure_extended") is True,
        "closed_on": _date(row.get("closed_on")),
    }


def _officer(row: dict) -> dict:
    return {
        "certificate": row["certificate"],
        "agency": row["agency"],
        "issued_on": _date(row["issued_on"]),
        "expires_on": _date(row["expires_on"]),
        "status": row["status"],
        "status_since": _date(row.get("status_since")),
        "oath_on": _date(row.get("oath_on")),
    }


def _power(row: dict) -> dict:
    tiers = {}
    for tier in row.get("discretion") or ():
        tiers[tier["level"]] = (_fen(tier["min"]), _fen(tier["max"]))
    return {
        "code": row["code"],
        "kind": row["kind"],
        "tiers": tiers,
        "cap": row.get("annual_inspection_cap"),
        # "limitation_years | int? | 追责时效, default 2"
        "limitation_years": 2 if row.get("limitation_years") is None else row["limitation_years"],
    }


def _four_list(row: dict) -> dict:
    requires = row.get("requires_corrected")
    return {
        "code": row["code"],
        "list": row["list"],
        "power": row["power"],
        "max_harm": row["max_harm"],
        # "requires_corrected | bool | ... (default true)"
        "requires_corrected": True if requires is None else requires,
        "window": row.get("first_offense_window_days"),
    }


# ------------------------------------------------------------------------------------------
# Calendar helpers
# ------------------------------------------------------------------------------------------
def working_day_after(day: dt.date, n: int) -> dt.date:
    """ "N working days after D is the N-th working day after D on the official calendar of the
    State Council (weekends, public holidays and 调休 make-up working days); D itself does not
    count." """
    count = 0
    while count < n:
        day += dt.timedelta(days=1)
        if chinese_calendar.is_workday(day):
            count += 1
    return day


def years_after(day: dt.date, n: int) -> dt.date:
    """ "N calendar years after V is the same month and day N years later (29 February →
    28 February)." """
    try:
        return day.replace(year=day.year + n)
    except ValueError:
        return day.replace(year=day.year + n, day=28)


def _days(later: dt.date, earlier: dt.date) -> int:
    # "A duration is a difference of dates: 'more than 90 days after F' is D − F > 90 days."
    return (later - earlier).days


# ------------------------------------------------------------------------------------------
# The rules
# ------------------------------------------------------------------------------------------
def officer_certificate(records, officers, powers, lists, as_of, year):
    # "a listed officer's certificate is unknown, belongs to another agency, or is not valid on
    # the act date (before issued_on, after expires_on, or a non-valid status from status_since
    # on; a non-valid status without status_since is invalid on every date)"
    # "Without an act date, only what needs no date is judged: an unknown certificate, another
    # agency's certificate, a non-valid status without status_since, ..."
    out = set()
    for r in records:
        act = r["act_on"]
        for cert in r["officers"]:
            o = officers.get(cert)
            bad = False
            if o is None:
                bad = True
            elif o["agency"] != r["agency"]:
                bad = True
            elif o["status"] != "valid" and o["status_since"] is None:
                bad = True
            elif act is not None:
                if act < o["issued_on"] or act > o["expires_on"]:
                    bad = True
                elif o["status"] != "valid" and act >= o["status_since"]:
                    bad = True
            if bad:
                out.add(("officer_certificate", r["id"], None))
    return out


def two_officers(records, officers, powers, lists, as_of, year):
    # "a penalty, compulsory or inspection record lists fewer than 2 distinct officers"
    # "An unknown certificate is reported by officer_certificate only": an unknown certificate
    # still counts as a listed officer here, or this rule would report it too. (The samples'
    # expected_alerts.jsonl agree: a record listing one known and one unknown certificate
    # raises officer_certificate, not two_officers.)
    out = set()
    for r in records:
        if r["kind"] not in ("penalty", "compulsory", "inspection"):
            continue
        distinct = set(r["officers"])
        if len(distinct) < 2:
            out.add(("two_officers", r["id"], None))
    return out


def oath_missing(records, officers, powers, lists, as_of, year):
    # "a listed officer has no oath_on, or it is after the act date"
    # Without an act date only "a missing oath_on" is judged; unknown certificates are left to
    # officer_certificate.
    out = set()
    for r in records:
        act = r["act_on"]
        for cert in r["officers"]:
            o = officers.get(cert)
            if o is None:
                continue
            if o["oath_on"] is None or (act is not None and o["oath_on"] > act):
                out.add(("oath_missing", r["id"], None))
    return out


def _earlier(a, b) -> bool:
    # "earlier in (decided_on, id) order"; ids compare as strings.
    return (a["decided_on"], a["id"]) < (b["decided_on"], b["id"])


def no_penalty_list(records, officers, powers, lists, as_of, year):
    # "a penalty record with a decision and any penalty, whose power has a no_penalty item that
    # applies (harm ≤ max_harm; corrected if required; first violation if a window is set: no
    # other decided penalty record with a penalty against the same party under the same power
    # that comes earlier in (decided_on, id) order and was decided at most that many days
    # before; judged from the stored records, not from any declared flag)"
    # "A rule whose condition needs a field that is missing (no harm, ...) does not fire."
    out = set()
    penalised = [
        p
        for p in records
        if p["kind"] == "penalty" and p["decided_on"] is not None and p["penalties"]
    ]
    for r in penalised:
        if r["harm"] is None:
            continue
        for item in lists:
            if item["list"] != "no_penalty" or item["power"] != r["power"]:
                continue
            if HARM_ORDER[r["harm"]] > HARM_ORDER[item["max_harm"]]:
                continue
            if item["requires_corrected"] and r["corrected"] is not True:
                continue
            if item["window"] is not None and any(
                other["party"] == r["party"]
                and other["power"] == r["power"]
                and _earlier(other, r)
                and _days(r["decided_on"], other["decided_on"]) <= item["window"]
                for other in penalised
            ):
                continue
            out.add(("no_penalty_list", r["id"], None))
    return out


def discretion_range(records, officers, powers, lists, as_of, year):
    # "a penalty record's fine is outside the [min, max] of the power's tier named by its
    # discretion"; no fine or no such tier: does not fire.
    out = set()
    for r in records:
        if r["kind"] != "penalty" or r["fine"] is None or r["discretion"] is None:
            continue
        power = powers.get(r["power"])
        if power is None or r["discretion"] not in power["tiers"]:
            continue
        low, high = power["tiers"][r["discretion"]]
        if r["fine"] < low or r["fine"] > high:
            out.add(("discretion_range", r["id"], None))
    return out


def legal_review(records, officers, powers, lists, as_of, year):
    # "a decided major penalty record has no legal_review_on, or it is after decided_on"
    out = set()
    for r in records:
        if r["kind"] != "penalty" or not r["major"] or r["decided_on"] is None:
            continue
        if r["legal_review_on"] is None or r["legal_review_on"] > r["decided_on"]:
            out.add(("legal_review", r["id"], None))
    return out


HEARING_PENALTIES = {
    "revoke_license",
    "suspend_business",
    "close",
    "lower_qualification",
    "restrict_business",
}


def hearing_notice(records, officers, powers, lists, as_of, year):
    # "a penalty record whose hearing_notified is not true and whose fine is at least the
    # hearing threshold (person 1,000 / organization 5,000; with business 3,000 / 10,000), or
    # whose penalties include revoke_license, suspend_business, close, lower_qualification or
    # restrict_business"; "hearing_notice applies whatever the procedure and whether decided
    # or not."
    out = set()
    for r in records:
        if r["kind"] != "penalty" or r["hearing_notified"]:
            continue
        if r["party_type"] == "person":
            threshold = 3_000_00 if r["business"] else 1_000_00
        else:
            threshold = 10_000_00 if r["business"] else 5_000_00
        fine_hit = r["fine"] is not None and r["fine"] >= threshold
        kind_hit = bool(set(r["penalties"] or ()) & HEARING_PENALTIES)
        if fine_hit or kind_hit:
            out.add(("hearing_notice", r["id"], None))
    return out


def decision_deadline(records, officers, powers, lists, as_of, year):
    # "a penalty record not extended with filed_on, decided more than 90 calendar days after
    # it, or undecided and not closed more than 90 days after it on the as-of date"
    # "Stored dates count as they are, even when later than the as-of date": a stored
    # closed_on means closed.
    out = set()
    for r in records:
        if r["kind"] != "penalty" or r["extended"] or r["filed_on"] is None:
            continue
        if r["decided_on"] is not None:
            late = _days(r["decided_on"], r["filed_on"]) > 90
        else:
            late = r["closed_on"] is None and _days(as_of, r["filed_on"]) > 90
        if late:
            out.add(("decision_deadline", r["id"], None))
    return out


def _deadline_missed(decided_on, done_on, as_of) -> bool:
    # "... after the 7th working day after decided_on, or not ... and that day is before the
    # as-of date" ("before the as-of date" is strictly before).
    last = working_day_after(decided_on, 7)
    if done_on is not None:
        return done_on > last
    return last < as_of


def service_deadline(records, officers, powers, lists, as_of, year):
    # "a decided penalty record served after the 7th working day after decided_on, or not
    # served and that day is before the as-of date"
    out = set()
    for r in records:
        if r["kind"] != "penalty" or r["decided_on"] is None:
            continue
        if _deadline_missed(r["decided_on"], r["served_on"], as_of):
            out.add(("service_deadline", r["id"], None))
    return out


def disclosure_deadline(records, officers, powers, lists, as_of, year):
    # "a decided penalty or licensing record disclosed after the 7th working day after
    # decided_on, or not disclosed and that day is before the as-of date"
    out = set()
    for r in records:
        if r["kind"] not in ("penalty", "licensing") or r["decided_on"] is None:
            continue
        if _deadline_missed(r["decided_on"], r["disclosed_on"], as_of):
            out.add(("disclosure_deadline", r["id"], None))
    return out


def compulsory_duration(records, officers, powers, lists, as_of, year):
    # "a compulsory record with measure seal, seize or freeze lasting more than 30 days (60 if
    # measure_extended) from action_on to measure_end_on (or to the as-of date while it has no
    # end)"; no action_on: the duration cannot be told, the rule does not fire.
    out = set()
    for r in records:
        if r["kind"] != "compulsory" or r["measure"] not in ("seal", "seize", "freeze"):
            continue
        if r["action_on"] is None:
            continue
        end = r["measure_end_on"] if r["measure_end_on"] is not None else as_of
        limit = 60 if r["measure_extended"] else 30
        if _days(end, r["action_on"]) > limit:
            out.add(("compulsory_duration", r["id"], None))
    return out


def summary_procedure(records, officers, powers, lists, as_of, year):
    # "a summary record whose penalties go beyond warning and fine, or whose fine exceeds 200
    # (person) / 3,000 (organization)"
    out = set()
    for r in records:
        if r["procedure"] != "summary":
            continue
        beyond = any(p not in ("warning", "fine") for p in r["penalties"] or ())
        limit = 200_00 if r["party_type"] == "person" else 3_000_00
        too_much = r["fine"] is not None and r["fine"] > limit
        if beyond or too_much:
            out.add(("summary_procedure", r["id"], None))
    return out


def double_fine(records, officers, powers, lists, as_of, year):
    # "a decided penalty record with a fine, when another decided penalty record with a fine,
    # earlier in (decided_on, id) order, fined the same party under the same power for the same
    # violation_on"; "double_fine compares decided penalty records with a fine above zero, and
    # the record itself must be decided"; no violation_on: does not fire.
    out = set()
    fined = [
        p
        for p in records
        if p["kind"] == "penalty"
        and p["decided_on"] is not None
        and p["fine"] is not None
        and p["fine"] > 0
        and p["violation_on"] is not None
    ]
    for r in fined:
        if any(
            other["party"] == r["party"]
            and other["power"] == r["power"]
            and other["violation_on"] == r["violation_on"]
            and _earlier(other, r)
            for other in fined
        ):
            out.add(("double_fine", r["id"], None))
    return out


def limitation(records, officers, powers, lists, as_of, year):
    # "a penalty record filed more than limitation_years (default 2) calendar years after
    # violation_on"
    out = set()
    for r in records:
        if r["kind"] != "penalty" or r["filed_on"] is None or r["violation_on"] is None:
            continue
        power = powers.get(r["power"])
        years = power["limitation_years"] if power is not None else 2
        if r["filed_on"] > years_after(r["violation_on"], years):
            out.add(("limitation", r["id"], None))
    return out


def repeat_inspection(records, officers, powers, lists, as_of, year):
    # "an inspection record when another agency's inspection record for the same party has an
    # action_on within 30 days before or after its own" ("within 30 days" is |D − F| ≤ 30).
    out = set()
    inspections = [r for r in records if r["kind"] == "inspection" and r["action_on"] is not None]
    for r in inspections:
        for other in inspections:
            if other["agency"] == r["agency"] or other["party"] != r["party"]:
                continue
            if abs(_days(other["action_on"], r["action_on"])) <= 30:
                out.add(("repeat_inspection", r["id"], None))
    return out


def inspection_cap(records, officers, powers, lists, as_of, year):
    # "an inspection record that is beyond its power's annual_inspection_cap for the same party
    # in that calendar year (ordered by action_on, then id)"
    out = set()
    groups = {}
    for r in records:
        if r["kind"] != "inspection" or r["action_on"] is None:
            continue
        power = powers.get(r["power"])
        if power is None or power["cap"] is None:
            continue
        key = (r["power"], r["party"], r["action_on"].year)
        groups.setdefault(key, []).append(r)
    for (code, _party, _year), group in groups.items():
        cap = powers[code]["cap"]
        group.sort(key=lambda x: (x["action_on"], x["id"]))
        for position, r in enumerate(group, start=1):
            if position > cap:
                out.add(("inspection_cap", r["id"], None))
    return out


def unexercised_power(records, officers, powers, lists, as_of, year):
    # "one alert per power of kind penalty, licensing, compulsory or inspection with no record
    # whose act date falls in the year (record is null)"
    used = {r["power"] for r in records if r["act_on"] is not None and r["act_on"].year == year}
    return {
        ("unexercised_power", None, code)
        for code, p in powers.items()
        if p["kind"] in MAIN_KINDS and code not in used
    }


RULES = (
    officer_certificate,
    two_officers,
    oath_missing,
    no_penalty_list,
    discretion_range,
    legal_review,
    hearing_notice,
    decision_deadline,
    service_deadline,
    disclosure_deadline,
    compulsory_duration,
    summary_procedure,
    double_fine,
    limitation,
    repeat_inspection,
    inspection_cap,
    unexercised_power,
)


def expected_alerts(data: dict, *, as_of: dt.date, year: int) -> set[Alert]:
    """Every alert the contract requires for ``data`` (rows per kind) as of ``as_of``."""
    officers = {k: _officer(v) for k, v in _latest(data.get("officers"), "certificate").items()}
    powers = {k: _power(v) for k, v in _latest(data.get("powers"), "code").items()}
    lists = [_four_list(v) for v in _latest(data.get("four_lists"), "code").values()]
    records = [_record(v) for v in _latest(data.get("records"), "id").values()]
    alerts: set[Alert] = set()
    for rule in RULES:
        alerts |= rule(records, officers, powers, lists, as_of, year)
    return alerts
