"""repeat_inspection, inspection_cap and unexercised_power at their edges."""

import datetime as dt

import pytest

from .helpers import alert, fired, found_both_ways

pytestmark = pytest.mark.django_db
D = dt.date
DAY = D(2025, 6, 10)


def _inspect(district, ext_id, *, agency, party, on, power=None):
    power = power or district.power(kind="inspection", agency=agency)
    return district.record(ext_id, power=power, agency=agency, party=party, action_on=on)


@pytest.mark.parametrize(("days", "fires"), [(30, True), (-30, True), (31, False), (-31, False)])
def test_repeat_inspection_within_30_days_either_way(district, days, fires):
    d = district
    party = d.org()
    _inspect(d, "A", agency=d.a, party=party, on=DAY)
    _inspect(d, "B", agency=d.b, party=party, on=DAY + dt.timedelta(days=days))
    assert fired("repeat_inspection") == ({"A", "B"} if fires else set())


def test_repeat_inspection_needs_another_agency_an_inspection_and_the_same_party(district):
    d = district
    party = d.person()
    _inspect(d, "A1", agency=d.a, party=party, on=DAY)
    _inspect(d, "A2", agency=d.a, party=party, on=DAY + dt.timedelta(days=3))
    _inspect(d, "B-OTHER-PARTY", agency=d.b, party=d.person(), on=DAY)
    d.record("B-COMPULSORY", power=d.power(kind="compulsory", agency=d.b), party=party, action_on=DAY)
    d.record("B-NO-DATE", power=d.power(kind="inspection", agency=d.b), party=party, filed_on=DAY)
    assert fired("repeat_inspection") == set()
    _inspect(d, "B", agency=d.b, party=party, on=DAY + dt.timedelta(days=20))
    assert fired("repeat_inspection") == {"A1", "A2", "B"}
    assert alert("repeat_inspection", "B").facts == {"action_on": "2025-06-30", "others": 2}


@pytest.mark.parametrize("start", [D(2025, 6, 1), D(1999, 12, 1)], ids=["2025", "across-2000"])
def test_repeat_inspection_at_every_day_of_a_stretch(district, start):
    # The pairs are looked for in stretches of 31 days: two inspections 30 days apart fire
    # and 31 days apart do not, wherever the first falls in its stretch (and on both sides of
    # 2000-01-01, the day PostgreSQL counts days from).
    d = district
    expected = set()
    for k in range(32):
        first = start + dt.timedelta(days=k)
        for gap, fires in ((30, True), (31, False)):
            party = d.org()
            _inspect(d, f"A{k}-{gap}", agency=d.a, party=party, on=first)
            _inspect(d, f"B{k}-{gap}", agency=d.b, party=party, on=first + dt.timedelta(days=gap))
            if fires:
                expected |= {f"A{k}-{gap}", f"B{k}-{gap}"}
    assert fired("repeat_inspection") == expected


def test_repeat_inspection_counts_each_other_agency_inspection(district):
    d = district
    c = d.agency("区应急管理局")
    party = d.org()
    _inspect(d, "A1", agency=d.a, party=party, on=DAY)
    _inspect(d, "A2", agency=d.a, party=party, on=DAY + dt.timedelta(days=10))
    _inspect(d, "B", agency=d.b, party=party, on=DAY + dt.timedelta(days=25))
    _inspect(d, "C", agency=c, party=party, on=DAY - dt.timedelta(days=20))
    assert fired("repeat_inspection") == {"A1", "A2", "B", "C"}
    others = {key: alert("repeat_inspection", key).facts["others"] for key in ("A1", "A2", "B", "C")}
    # A1: B and C; A2: B and C; B: A1, A2 (C is 45 days before it); C: A1, A2 (B 45 days after).
    assert others == {"A1": 2, "A2": 2, "B": 2, "C": 2}


def test_inspection_cap_counts_in_action_order(district):
    d = district
    power, party = d.power(kind="inspection", cap=2), d.org()
    for ext_id, day in (("R3", D(2025, 3, 1)), ("R1", D(2025, 1, 5)), ("R2", D(2025, 2, 1)),
                        ("R4", D(2025, 12, 31))):
        d.record(ext_id, power=power, party=party, action_on=day)
    assert fired("inspection_cap") == {"R3", "R4"}


def test_inspection_cap_is_per_calendar_year_party_and_power(district):
    d = district
    power, party = d.power(kind="inspection", cap=1), d.org()
    d.record("DEC", power=power, party=party, action_on=D(2024, 12, 31))
    d.record("JAN", power=power, party=party, action_on=D(2025, 1, 1))
    d.record("OTHER-PARTY", power=power, action_on=D(2025, 1, 2))
    d.record("OTHER-POWER", power=d.power(kind="inspection", cap=1), party=party, action_on=D(2025, 1, 2))
    d.record("UNCAPPED", power=d.power(kind="inspection"), party=party, action_on=D(2025, 1, 3))
    assert fired("inspection_cap") == set()


def test_a_cap_of_zero_allows_no_inspection(district):
    power = district.power(kind="inspection", cap=0)
    district.record("R", power=power, action_on=DAY)
    assert fired("inspection_cap") == {"R"}


def test_inspection_cap_ties_on_one_day_go_by_id(district):
    d = district
    power, party = d.power(kind="inspection", cap=1), d.org()
    for ext_id in ("X-a", "X-B"):
        d.record(ext_id, power=power, party=party, action_on=DAY)
    assert fired("inspection_cap") == {"X-a"}


def test_unexercised_power_per_power_in_the_year(district):
    d = district
    used = d.power(kind="penalty")
    d.record("USED", power=used, decided_on=D(2025, 12, 31))
    last_year = d.power(kind="licensing")
    d.record("OLD", power=last_year, decided_on=D(2024, 12, 31))
    next_year = d.power(kind="compulsory")
    d.record("NEW", power=next_year, action_on=D(2026, 1, 1), decided_on=D(2025, 12, 30))
    filed = d.power(kind="inspection")
    d.record("FILED", power=filed, filed_on=D(2025, 1, 1), decided_on=D(2026, 2, 1))
    never = d.power(kind="inspection")
    d.power(kind="levy")  # not a kind the rule looks at
    assert fired("unexercised_power", year=2025) == {last_year.code, next_year.code, never.code}
    a = alert("unexercised_power", never.code)
    assert a.record_id is None and a.agency_id == never.agency_id and a.party_key is None
    assert fired("unexercised_power", year=2024) == {used.code, next_year.code, filed.code, never.code}


def test_both_rules_find_the_same_from_the_index_or_from_a_copy(district):
    """Read from the inspections' covering index (PostgreSQL) or from a scratch copy of them
    (SQLite), the inspection rules find the same inspections with the same facts, on either
    database."""
    d = district
    capped = d.power(kind="inspection", agency=d.a, cap=1)
    parties, c = [d.org(), d.person()], d.agency("区应急管理局")
    n = 0
    for party in parties:
        for agency, days in ((d.a, (0, 20, 45)), (d.b, (10, 60)), (c, (31,))):
            for offset in days:
                n += 1
                _inspect(d, f"I-{n:02d}", agency=agency, party=party, on=DAY + dt.timedelta(days=offset),
                         power=capped if agency is d.a else None)
    # Each of a party's six inspections has another agency's within 30 days; the capped power's
    # second and third of the year are over its cap of one.
    for code, count in (("repeat_inspection", 12), ("inspection_cap", 4)):
        found = found_both_ways(code)
        assert found[True] == found[False], code
        assert len(found[True]) == count, code
