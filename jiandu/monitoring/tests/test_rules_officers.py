"""officer_certificate, two_officers, oath_missing at their edges."""

import datetime as dt

import pytest

from .helpers import alert, fired

pytestmark = pytest.mark.django_db
D = dt.date


def test_a_clean_record_raises_nothing(district):
    district.record("OK", action_on=D(2025, 6, 2))
    for code in ("officer_certificate", "two_officers", "oath_missing"):
        assert fired(code) == set()


def test_unknown_certificate_is_reported_by_officer_certificate_only(district):
    d = district
    d.record("UNK", action_on=D(2025, 6, 2), officers=[d.a1, "3701179999999"])
    d.record("UNK-NODATE", officers=[d.a1, "3701179999998"])
    assert fired("officer_certificate") == {"UNK", "UNK-NODATE"}
    # The unknown certificate still counts as listed, and has no oath to miss.
    assert fired("two_officers") == set()
    assert fired("oath_missing") == set()
    assert "3701179999999 未登记" in alert("officer_certificate", "UNK").detail


def test_another_agencys_certificate_counts_even_without_an_act_date(district):
    d = district
    d.record("OTHER", action_on=D(2025, 6, 2), officers=[d.a1, d.b1])
    d.record("OTHER-NODATE", officers=[d.a1, d.b1])
    assert fired("officer_certificate") == {"OTHER", "OTHER-NODATE"}


@pytest.mark.parametrize(("act", "fires"), [
    (D(2024, 12, 31), True),   # the day before issue
    (D(2025, 1, 1), False),    # the day of issue counts
    (D(2025, 12, 31), False),  # the day of expiry counts
    (D(2026, 1, 1), True),     # the day after expiry
])
def test_validity_includes_both_days(district, act, fires):
    o = district.officer(issued_on=D(2025, 1, 1), expires_on=D(2025, 12, 31))
    district.record("R", action_on=act, officers=[district.a1, o])
    assert fired("officer_certificate") == ({"R"} if fires else set())


@pytest.mark.parametrize(("act", "fires"), [(D(2025, 5, 31), False), (D(2025, 6, 1), True)])
def test_a_suspension_counts_from_status_since_on(district, act, fires):
    o = district.officer(status="suspended", status_since=D(2025, 6, 1))
    district.record("R", action_on=act, officers=[district.a1, o])
    assert fired("officer_certificate") == ({"R"} if fires else set())


def test_a_non_valid_status_without_a_date_is_invalid_on_every_date(district):
    d = district
    o = d.officer(status="revoked", status_since=None)
    d.record("EARLY", action_on=D(2020, 1, 5), officers=[d.a1, o])
    d.record("NODATE", officers=[d.a1, o])
    assert fired("officer_certificate") == {"EARLY", "NODATE"}


def test_without_an_act_date_only_the_date_free_checks_run(district):
    d = district
    expired = d.officer(issued_on=D(2010, 1, 1), expires_on=D(2012, 1, 1))
    later = d.officer(status="lost", status_since=D(2011, 1, 1))
    d.record("NODATE", officers=[expired, later])
    d.record("DATED", decided_on=D(2025, 3, 3), officers=[expired, later])
    assert fired("officer_certificate") == {"DATED"}


def test_one_alert_per_record_for_several_bad_officers(district):
    d = district
    d.record("TWO-BAD", action_on=D(2025, 6, 2), officers=["X1", d.b2, "X1"])
    assert fired("officer_certificate") == {"TWO-BAD"}
    a = alert("officer_certificate", "TWO-BAD")
    assert [o["certificate"] for o in a.facts["officers"]] == ["X1", d.b2.certificate]
    assert a.facts["officers"][1]["problems"] == ["other_agency"]


def test_unknown_certificates_are_found_wherever_they_sort_among_the_known(district):
    """Unknown certificates are found by stepping through the links' distinct certificates in
    index order: before the first known one, between two, after the last, and one listed on
    many records, are each found, and each of their records once."""
    d = district
    d.record("FIRST", action_on=D(2025, 6, 2), officers=[d.a1, "0000000000000"])
    d.record("BETWEEN", action_on=D(2025, 6, 2), officers=[d.a1, d.a1.certificate + "0"])
    d.record("LAST", action_on=D(2025, 6, 2), officers=[d.a1, "ZZZ-9"])
    for n in range(3):
        d.record(f"MANY-{n}", action_on=D(2025, 6, 2), officers=["ZZZ-9", d.a2, "ZZZ-9"])
    d.record("CLEAN", action_on=D(2025, 6, 2))
    assert fired("officer_certificate") == {"FIRST", "BETWEEN", "LAST", "MANY-0", "MANY-1", "MANY-2"}
    assert [o["certificate"] for o in alert("officer_certificate", "MANY-1").facts["officers"]] == ["ZZZ-9"]


def test_every_link_of_an_officer_without_an_oath_is_found_dated_or_not(district):
    d = district
    unsworn = d.officer(oath_on=None)
    d.record("DATED", action_on=D(2025, 6, 2), officers=[d.a1, unsworn])
    d.record("UNDATED", officers=[unsworn, d.a2])
    d.record("OTHER", action_on=D(2025, 6, 2), officers=[d.a1, d.a2])
    assert fired("oath_missing") == {"DATED", "UNDATED"}
    assert fired("officer_certificate") == set()


@pytest.mark.parametrize(("kind", "officers", "fires"), [
    ("penalty", "one", True),
    ("penalty", "same twice", True),
    ("penalty", "none", True),
    ("penalty", "two", False),
    ("penalty", "one twice, another", False),
    ("penalty", "another, then one twice", False),
    ("penalty", "thrice", True),
    ("penalty", "prefix", False),
    ("compulsory", "one", True),
    ("inspection", "one", True),
    ("licensing", "one", False),
    ("levy", "none", False),
])
def test_two_officers(district, kind, officers, fires):
    d = district
    listed = {"one": [d.a1], "same twice": [d.a1, d.a1], "none": [], "two": [d.a1, d.a2],
              "one twice, another": [d.a1, d.a1, d.a2],
              "another, then one twice": [d.a2, d.a1, d.a1], "thrice": [d.a1] * 3,
              "prefix": [d.a1, d.a1.certificate + "9"]}[officers]
    d.record("R", kind=kind, power=d.power(kind=kind), action_on=D(2025, 6, 2), officers=listed)
    assert fired("two_officers") == ({"R"} if fires else set())


@pytest.mark.parametrize(("oath", "act", "fires"), [
    (None, D(2025, 6, 2), True),
    (D(2025, 6, 2), D(2025, 6, 2), False),  # sworn the same day
    (D(2025, 6, 3), D(2025, 6, 2), True),   # sworn the day after
    (None, None, True),                     # a missing oath needs no date
    (D(2030, 1, 1), None, False),           # a late oath does
])
def test_oath_missing(district, oath, act, fires):
    o = district.officer(oath_on=oath)
    district.record("R", action_on=act, officers=[district.a1, o])
    assert fired("oath_missing") == ({"R"} if fires else set())


def test_act_date_falls_back_to_filed_then_decided(district):
    o = district.officer(oath_on=D(2025, 6, 10))
    district.record("FILED", filed_on=D(2025, 6, 9), decided_on=D(2025, 6, 20), officers=[district.a1, o])
    district.record("DECIDED", decided_on=D(2025, 6, 10), officers=[district.a1, o])
    assert fired("oath_missing") == {"FILED"}
