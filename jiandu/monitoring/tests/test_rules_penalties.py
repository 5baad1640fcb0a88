"""The penalty rules at their edges: four lists, discretion, review, hearing, procedure, limitation."""

import datetime as dt

import pytest
from django.db import connection

from jiandu.monitoring.rules import Context
from jiandu.monitoring.rules.penalties import double_fine_sql
from jiandu.monitoring.rules.sql import dialect_for

from .helpers import AS_OF, alert, fired, found_both_ways

pytestmark = pytest.mark.django_db
D = dt.date
DECIDED = D(2025, 6, 2)


# ---------------------------------------------------------------- no_penalty_list

@pytest.fixture
def np_power(district):
    power = district.power()
    district.no_penalty(power, max_harm="minor", requires_corrected=True)
    return power


@pytest.mark.parametrize(("fields", "fires"), [
    ({"harm": "minor", "corrected": True}, True),
    ({"harm": "none", "corrected": True}, True),
    ({"harm": "serious", "corrected": True}, False),
    ({"harm": None, "corrected": True}, False),        # no harm: the rule cannot judge
    ({"harm": "minor", "corrected": False}, False),
    ({"harm": "minor", "corrected": None}, False),
    ({"harm": "minor", "corrected": True, "decided_on": None}, False),
    ({"harm": "minor", "corrected": True, "penalties": []}, False),
    ({"harm": "minor", "corrected": True, "penalties": None}, False),
    ({"harm": "minor", "corrected": True, "penalties": ["warning"]}, True),
])
def test_no_penalty_list_conditions(district, np_power, fields, fires):
    fields = {"decided_on": DECIDED, "penalties": ["fine"], "fine": 100, **fields}
    district.record("R", power=np_power, **fields)
    assert fired("no_penalty_list") == ({"R"} if fires else set())


def test_max_harm_none_excludes_minor(district):
    power = district.power()
    district.no_penalty(power, max_harm="none")
    district.record("NONE", power=power, decided_on=DECIDED, penalties=["fine"], harm="none", corrected=True)
    district.record("MINOR", power=power, decided_on=DECIDED, penalties=["fine"], harm="minor", corrected=True)
    assert fired("no_penalty_list") == {"NONE"}


def test_correction_not_required(district):
    power = district.power()
    district.no_penalty(power, requires_corrected=False)
    district.record("R", power=power, decided_on=DECIDED, penalties=["fine"], harm="minor", corrected=False)
    assert fired("no_penalty_list") == {"R"}


def test_other_lists_do_not_count(district):
    power = district.power()
    district.no_penalty(power, kind="lighter")
    district.record("R", power=power, decided_on=DECIDED, penalties=["fine"], harm="minor", corrected=True)
    assert fired("no_penalty_list") == set()


@pytest.mark.parametrize(("days_before", "fires"), [(365, False), (366, True)])
def test_first_offense_window_edge(district, days_before, fires):
    """An earlier decision exactly `window` days before makes it a repeat; one day more does not."""
    d = district
    power = d.power()
    d.no_penalty(power, window=365)
    party = d.org()
    d.record("EARLIER", power=power, party=party, decided_on=DECIDED - dt.timedelta(days=days_before),
             penalties=["fine"], harm="serious")
    d.record("LATER", power=power, party=party, decided_on=DECIDED, penalties=["fine"], harm="minor",
             corrected=True)
    assert fired("no_penalty_list") == ({"LATER"} if fires else set())


def test_first_offense_ties_on_one_day_go_by_id(district):
    """Decided the same day: the smaller id (by code point: "X-B" < "X-a") comes first."""
    d = district
    power = d.power()
    d.no_penalty(power, window=30)
    party = d.person()
    for ext_id in ("X-a", "X-B"):
        d.record(ext_id, power=power, party=party, decided_on=DECIDED, penalties=["fine"], harm="minor",
                 corrected=True)
    assert fired("no_penalty_list") == {"X-B"}


def test_what_does_not_make_an_earlier_offense(district):
    d = district
    power = d.power()
    d.no_penalty(power, window=365)
    party = d.org()
    earlier = DECIDED - dt.timedelta(days=10)
    d.record("OTHER-PARTY", power=power, decided_on=earlier, penalties=["fine"])
    d.record("OTHER-POWER", party=party, decided_on=earlier, penalties=["fine"])
    d.record("UNDECIDED", power=power, party=party, filed_on=earlier, penalties=["fine"])
    d.record("NO-PENALTY", power=power, party=party, decided_on=earlier, penalties=[])
    d.record("AFTER", power=power, party=party, decided_on=DECIDED + dt.timedelta(days=1), penalties=["fine"],
             harm="serious")
    d.record("R", power=power, party=party, decided_on=DECIDED, penalties=["fine"], harm="minor",
             corrected=True)
    assert fired("no_penalty_list") == {"R"}


def test_one_alert_when_two_items_apply(district):
    power = district.power()
    district.no_penalty(power)
    district.no_penalty(power, max_harm="none")
    district.record("R", power=power, decided_on=DECIDED, penalties=["fine"], harm="none", corrected=True)
    assert fired("no_penalty_list") == {"R"}
    assert len(alert("no_penalty_list", "R").facts["items"]) == 2


# ---------------------------------------------------------------- discretion_range

@pytest.mark.parametrize(("fine", "fires"), [
    ("499.99", True), ("500", False), ("2000", False), ("2000.01", True),
])
def test_discretion_range_is_inclusive(district, fine, fires):
    power = district.power(tiers={"general": ("500", "2000"), "heavier": ("2000", "5000")})
    district.record("R", power=power, fine=fine, discretion="general", penalties=["fine"])
    assert fired("discretion_range") == ({"R"} if fires else set())


@pytest.mark.parametrize("fields", [
    {"fine": None, "discretion": "general"},
    {"fine": "9999", "discretion": None},
    {"fine": "9999", "discretion": "lighter"},  # no such tier for this power
])
def test_discretion_range_needs_fine_and_tier(district, fields):
    power = district.power(tiers={"general": ("500", "2000")})
    district.record("R", power=power, **fields)
    assert fired("discretion_range") == set()


# ---------------------------------------------------------------- legal_review

@pytest.mark.parametrize(("fields", "fires"), [
    ({"major": True, "decided_on": DECIDED}, True),
    ({"major": True, "decided_on": DECIDED, "legal_review_on": DECIDED}, False),
    ({"major": True, "decided_on": DECIDED, "legal_review_on": DECIDED + dt.timedelta(days=1)}, True),
    ({"major": False, "decided_on": DECIDED}, False),
    ({"major": True, "filed_on": DECIDED}, False),  # not decided yet
])
def test_legal_review(district, fields, fires):
    district.record("R", **fields)
    assert fired("legal_review") == ({"R"} if fires else set())


# ---------------------------------------------------------------- hearing_notice

@pytest.mark.parametrize(("party", "business", "below", "at"), [
    ("person", False, "999.99", "1000"),
    ("organization", False, "4999.99", "5000"),
    ("person", True, "2999.99", "3000"),
    ("organization", True, "9999.99", "10000"),
])
def test_hearing_thresholds(district, party, business, below, at):
    d = district
    who = d.person() if party == "person" else d.org()
    d.record("BELOW", party=who, business=business, fine=below, penalties=["fine"])
    d.record("AT", party=who, business=business, fine=at, penalties=["fine"])
    d.record("AT-TOLD", party=who, business=business, fine=at, penalties=["fine"], hearing_notified=True)
    assert fired("hearing_notice") == {"AT"}


@pytest.mark.parametrize(("penalties", "fires"), [
    (["warning", "suspend_business"], True),
    (["revoke_license"], True),
    (["close"], True),
    (["lower_qualification"], True),
    (["restrict_business"], True),
    (["confiscation", "suspend_license"], False),
])
def test_heavy_penalties_need_a_hearing_whatever_the_fine(district, penalties, fires):
    district.record("R", penalties=penalties, procedure="summary", fine=None)
    assert fired("hearing_notice") == ({"R"} if fires else set())


# ---------------------------------------------------------------- summary_procedure

@pytest.mark.parametrize(("party", "fine", "penalties", "fires"), [
    ("person", "200", ["fine"], False),
    ("person", "200.01", ["fine"], True),
    ("organization", "3000", ["warning", "fine"], False),
    ("organization", "3000.01", ["fine"], True),
    ("person", None, ["warning"], False),
    ("person", "50", ["fine", "confiscation"], True),
])
def test_summary_procedure(district, party, fine, penalties, fires):
    who = district.person() if party == "person" else district.org()
    district.record("R", party=who, procedure="summary", fine=fine, penalties=penalties)
    district.record("GENERAL", party=who, procedure="general", fine="99999", penalties=["fine", "close"])
    assert fired("summary_procedure") == ({"R"} if fires else set())


# ---------------------------------------------------------------- double_fine

def test_double_fine_flags_the_later_decision(district):
    d = district
    power, party, v = d.power(), d.org(), D(2025, 3, 1)
    d.record("FIRST", power=power, party=party, violation_on=v, decided_on=D(2025, 4, 1), fine=500)
    d.record("SECOND", power=power, party=party, violation_on=v, decided_on=D(2025, 5, 1), fine=800)
    d.record("THIRD", power=power, party=party, violation_on=v, decided_on=D(2025, 6, 1), fine=100)
    assert fired("double_fine") == {"SECOND", "THIRD"}
    assert alert("double_fine", "THIRD").facts["first"] == "FIRST"


def test_double_fine_tie_on_one_day_goes_by_id(district):
    d = district
    power, party, v = d.power(), d.person(), D(2025, 3, 1)
    for ext_id in ("X-a", "X-B"):
        d.record(ext_id, power=power, party=party, violation_on=v, decided_on=D(2025, 4, 1), fine=500)
    assert fired("double_fine") == {"X-a"}


def test_what_is_not_a_double_fine(district):
    d = district
    power, party, v = d.power(), d.org(), D(2025, 3, 1)
    d.record("A", power=power, party=party, violation_on=v, decided_on=D(2025, 4, 1), fine=500)
    d.record("OTHER-DAY", power=power, party=party, violation_on=D(2025, 3, 2), decided_on=D(2025, 5, 1), fine=1)
    d.record("OTHER-PARTY", power=power, violation_on=v, decided_on=D(2025, 5, 1), fine=1)
    d.record("OTHER-POWER", party=party, violation_on=v, decided_on=D(2025, 5, 1), fine=1)
    d.record("ZERO", power=power, party=party, violation_on=v, decided_on=D(2025, 5, 1), fine=0)
    d.record("UNDECIDED", power=power, party=party, violation_on=v, filed_on=D(2025, 5, 1), fine=9)
    d.record("NO-VIOLATION-DATE", power=power, party=party, decided_on=D(2025, 5, 1), fine=9)
    assert fired("double_fine") == set()


def test_an_earlier_zero_fine_does_not_count(district):
    d = district
    power, party, v = d.power(), d.org(), D(2025, 3, 1)
    d.record("ZERO", power=power, party=party, violation_on=v, decided_on=D(2025, 4, 1), fine=0)
    d.record("FINE", power=power, party=party, violation_on=v, decided_on=D(2025, 5, 1), fine=10)
    assert fired("double_fine") == set()


def test_double_fine_numbers_the_same_either_way(district):
    """The rule numbers every group as read from an index where the dialect says the index
    gives the window's order, and only the groups of two or more elsewhere: on either database
    both ways find the same decisions with the same facts."""
    d = district
    powers, parties = [d.power(), d.power()], [d.org(), d.person()]
    v = D(2025, 3, 1)
    n = 0
    for power in powers:
        for party in parties:
            for day, fine in ((D(2025, 4, 1), 500), (D(2025, 4, 1), 300), (D(2025, 5, 1), 0),
                              (D(2025, 6, 1), 700)):
                n += 1
                d.record(f"R-{n:02d}", power=power, party=party, violation_on=v, decided_on=day, fine=fine)
    d.record("ALONE", power=powers[0], party=parties[0], violation_on=D(2025, 3, 9),
             decided_on=D(2025, 4, 1), fine=100)
    found = found_both_ways("double_fine")
    assert found[True] == found[False]
    assert len(found[True]) == 8  # two of each group's three fined decisions
    assert {facts["first"] for _, facts in found[True]} == {"R-01", "R-05", "R-09", "R-13"}


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the index is PostgreSQL's (records.0004)")
def test_double_fine_reads_the_penalties_index_in_its_window_order(district):
    """PostgreSQL: the penalties' covering index holds every column double_fine reads, in its
    window's partition order, so only ties on one day are sorted (by id), never all the
    fined decisions."""
    district.record("R", violation_on=D(2025, 3, 1), decided_on=D(2025, 4, 1), fine=500)
    ctx = Context(as_of=AS_OF, year=2025, dialect=dialect_for(connection), connection=connection)
    with connection.cursor() as cursor:
        # A table this small, never vacuumed, is cheaper to scan whole or through any index;
        # what is checked is that the index alone can give the rows in the window's order:
        # only index-only scans allowed, and no full sort.
        for path in ("seqscan", "bitmapscan", "indexscan", "sort"):
            cursor.execute(f"SET LOCAL enable_{path} = off")
        cursor.execute("EXPLAIN " + double_fine_sql(ctx))
        plan = [line for (line,) in cursor.fetchall()]
    window = next(i for i, line in enumerate(plan) if "WindowAgg" in line)
    below = plan[window + 1:]
    assert any("Index Only Scan using records_penalty_rules" in line for line in below), plan
    assert not any(line.strip().startswith("->  Sort ") for line in below), plan
    assert any("Presorted Key: r.party_key, r.power_code, r.violation_on, r.decided_on" in line
               for line in below), plan


# ---------------------------------------------------------------- limitation

@pytest.mark.parametrize(("violation", "filed", "years", "fires"), [
    (D(2023, 3, 15), D(2025, 3, 15), None, False),   # exactly two years to the day
    (D(2023, 3, 15), D(2025, 3, 16), None, True),
    (D(2024, 2, 29), D(2026, 2, 28), None, False),   # 29 February → 28 February
    (D(2024, 2, 29), D(2026, 3, 1), None, True),
    (D(2020, 2, 29), D(2025, 2, 28), 5, False),
    (D(2020, 2, 29), D(2025, 3, 1), 5, True),
    (D(2020, 2, 29), D(2024, 2, 29), 4, False),      # a leap year keeps its 29th
    (D(2020, 2, 29), D(2024, 3, 1), 4, True),
])
def test_limitation_in_calendar_years(district, violation, filed, years, fires):
    power = district.power(limitation_years=years)
    district.record("R", power=power, violation_on=violation, filed_on=filed)
    assert fired("limitation") == ({"R"} if fires else set())


def test_limitation_needs_both_dates(district):
    district.record("NO-VIOLATION", filed_on=D(2025, 3, 16))
    district.record("NO-FILING", violation_on=D(2020, 1, 1), decided_on=D(2025, 3, 16))
    assert fired("limitation") == set()


@pytest.mark.parametrize("fen", [0, 1, 5, 9, 10, 50, 99, 100, 101, 110, 1250, 20_000, 513_600, 123_456_789,
                                 10**15 + 7, -1, -250, -100])
def test_yuan_writes_an_amount_as_the_money_module_does(fen):
    from jiandu.core.money import format_yuan, from_fen
    from jiandu.monitoring.rules.base import yuan

    assert yuan(fen) == f"{format_yuan(from_fen(fen))} 元"


def test_yuan_agrees_with_the_money_module_on_every_amount_up_to_a_thousand_yuan():
    from jiandu.core.money import format_yuan, from_fen
    from jiandu.monitoring.rules.base import yuan

    assert [yuan(fen) for fen in range(100_001)] == [f"{format_yuan(from_fen(fen))} 元" for fen in range(100_001)]


def test_hearing_notice_names_both_a_large_fine_and_the_heavy_penalties(district):
    district.record("H", fine=6000, penalties=["fine", "suspend_business", "revoke_license"], decided_on=DECIDED,
                    hearing_notified=False)
    assert fired("hearing_notice") == {"H"}
    a = alert("hearing_notice", "H")
    assert a.detail.endswith("：罚款 6000 元，达到听证标准 5000 元；处罚种类含责令停产停业、吊销许可证件，未告知听证权利")
    assert a.facts == {"party_type": "organization", "business": False, "fine": 600000, "threshold": 500000,
                       "heavy_penalties": ["suspend_business", "revoke_license"]}


def test_summary_procedure_names_both_the_penalties_beyond_and_the_fine_over_the_limit(district):
    district.record("S", procedure="summary", fine=3000.5, penalties=["warning", "fine", "confiscation"],
                    decided_on=DECIDED)
    assert fired("summary_procedure") == {"S"}
    a = alert("summary_procedure", "S")
    assert a.detail.endswith("：处罚种类含没收违法所得、没收非法财物；罚款 3000.5 元，超过 3000 元")
    assert a.facts == {"party_type": "organization", "fine": 300050, "penalties_beyond": ["confiscation"]}
