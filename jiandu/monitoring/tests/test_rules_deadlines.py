"""decision_deadline, service_deadline, disclosure_deadline, compulsory_duration at their edges."""

import datetime as dt

import pytest

from jiandu.core.calendar import UnknownCalendarYear, is_workday, workdays_after
from jiandu.monitoring.models import Alert, RuleRun

from .helpers import fired

pytestmark = pytest.mark.django_db
D = dt.date
FILED = D(2025, 3, 3)


# ---------------------------------------------------------------- decision_deadline

@pytest.mark.parametrize(("days", "fires"), [(90, False), (91, True)])
def test_decided_on_the_90th_and_91st_day(district, days, fires):
    district.record("R", filed_on=FILED, decided_on=FILED + dt.timedelta(days=days))
    district.record("EXTENDED", filed_on=FILED, decided_on=FILED + dt.timedelta(days=200), extended=True)
    assert fired("decision_deadline") == ({"R"} if fires else set())


@pytest.mark.parametrize(("days", "fires"), [(90, False), (91, True)])
def test_open_case_on_the_as_of_date(district, days, fires):
    district.record("OPEN", filed_on=FILED)
    district.record("CLOSED", filed_on=FILED, closed_on=FILED + dt.timedelta(days=30))
    assert fired("decision_deadline", as_of=FILED + dt.timedelta(days=days)) == ({"OPEN"} if fires else set())


def test_a_stored_decision_counts_even_after_the_as_of_date(district):
    district.record("R", filed_on=FILED, decided_on=FILED + dt.timedelta(days=91))
    assert fired("decision_deadline", as_of=FILED + dt.timedelta(days=10)) == {"R"}


def test_decision_deadline_needs_a_filing_date(district):
    district.record("R", decided_on=FILED + dt.timedelta(days=300))
    assert fired("decision_deadline") == set()


# ---------------------------------------------------------------- working days

def test_the_calendar_knows_the_2025_national_day_arrangement():
    assert is_workday(D(2025, 9, 28)) and is_workday(D(2025, 10, 11))
    assert not any(is_workday(D(2025, 10, day)) for day in range(1, 9))
    assert workdays_after(D(2025, 9, 30), 7) == D(2025, 10, 16)
    assert workdays_after(D(2025, 9, 26), 7) == D(2025, 10, 13)
    assert workdays_after(D(2025, 10, 3), 7) == D(2025, 10, 16)
    assert workdays_after(D(2025, 10, 11), 7) == D(2025, 10, 21)


@pytest.mark.parametrize(("decided", "last_day"), [
    (D(2025, 9, 30), D(2025, 10, 16)),  # across the holiday, counting Saturday 11 October
    (D(2025, 9, 26), D(2025, 10, 13)),  # counting Sunday 28 September and Saturday 11 October
    (D(2025, 10, 3), D(2025, 10, 16)),  # decided on a holiday
    (D(2025, 10, 11), D(2025, 10, 21)),  # decided on the make-up Saturday: it does not count itself
])
@pytest.mark.parametrize("rule", ["service_deadline", "disclosure_deadline"])
def test_7th_working_day_edge(district, rule, decided, last_day):
    field = "served_on" if rule == "service_deadline" else "disclosed_on"
    other = "disclosed_on" if field == "served_on" else "served_on"
    district.record("ON-TIME", decided_on=decided, **{field: last_day, other: decided})
    district.record("LATE", decided_on=decided, **{field: last_day + dt.timedelta(days=1), other: decided})
    assert fired(rule) == {"LATE"}


@pytest.mark.parametrize(("as_of", "fires"), [(D(2025, 10, 16), False), (D(2025, 10, 17), True)])
@pytest.mark.parametrize("rule", ["service_deadline", "disclosure_deadline"])
def test_not_done_fires_once_the_last_day_is_before_the_as_of_date(district, rule, as_of, fires):
    district.record("R", decided_on=D(2025, 9, 30))
    assert fired(rule, as_of=as_of) == ({"R"} if fires else set())


def test_disclosure_covers_licensing_and_service_only_penalties(district):
    d = district
    decided, late = D(2025, 9, 30), D(2025, 10, 17)
    d.record("LIC", kind="licensing", power=d.power(kind="licensing"), decided_on=decided, disclosed_on=late,
             served_on=late)
    d.record("INS", kind="inspection", power=d.power(kind="inspection"), action_on=decided,
             decided_on=decided, disclosed_on=late, served_on=late)
    d.record("PEN", decided_on=decided, disclosed_on=late, served_on=late)
    assert fired("disclosure_deadline") == {"LIC", "PEN"}
    assert fired("service_deadline") == {"PEN"}


def test_undecided_records_have_no_service_or_disclosure_deadline(district):
    district.record("R", filed_on=D(2025, 1, 2))
    assert fired("service_deadline") == set()
    assert fired("disclosure_deadline") == set()


def test_a_year_the_calendar_does_not_know_fails_loudly(district):
    district.record("OLD", decided_on=D(2003, 5, 6), served_on=D(2003, 6, 30))
    with pytest.raises(UnknownCalendarYear) as caught:
        fired("service_deadline")
    assert caught.value.year == 2003
    assert RuleRun.objects.get().status == "failed" and not Alert.objects.exists()


def test_a_deadline_running_into_an_unknown_year_fails_loudly(district):
    district.record("DEC", decided_on=D(2026, 12, 30))
    with pytest.raises(UnknownCalendarYear) as caught:
        fired("disclosure_deadline", as_of=D(2027, 3, 1))
    assert caught.value.year == 2027


def test_a_stale_working_day_table_fails_loudly(district):
    from jiandu.core.models import CalendarDay
    from jiandu.monitoring.rules.deadlines import CalendarTableStale

    CalendarDay.objects.filter(day__year=2025).delete()
    district.record("R", decided_on=D(2025, 3, 3), served_on=D(2025, 5, 1))
    with pytest.raises(CalendarTableStale):
        fired("service_deadline")


def test_no_calendar_needed_when_done_within_seven_calendar_days(district):
    """The 7th working day is never before the 7th calendar day: such records need no calendar."""
    district.record("OLD", decided_on=D(2003, 5, 6), served_on=D(2003, 5, 13), disclosed_on=D(2003, 5, 6))
    district.record("FRESH", decided_on=D(2026, 12, 30))
    assert fired("service_deadline", as_of=D(2027, 1, 6)) == set()


# ---------------------------------------------------------------- compulsory_duration

START = D(2025, 5, 6)


def _measure(district, ext_id, **fields):
    power = district.power(kind="compulsory")
    return district.record(ext_id, power=power, action_on=START, **{"measure": "seal", **fields})


@pytest.mark.parametrize(("days", "extended", "fires"), [
    (30, False, False), (31, True, False), (31, False, True), (60, True, False), (61, True, True),
])
def test_measure_duration(district, days, extended, fires):
    _measure(district, "R", measure_end_on=START + dt.timedelta(days=days), measure_extended=extended)
    assert fired("compulsory_duration") == ({"R"} if fires else set())


@pytest.mark.parametrize(("days", "fires"), [(30, False), (31, True)])
def test_a_measure_without_an_end_runs_to_the_as_of_date(district, days, fires):
    _measure(district, "R", measure="freeze")
    assert fired("compulsory_duration", as_of=START + dt.timedelta(days=days)) == ({"R"} if fires else set())


def test_only_seal_seize_freeze_with_a_start(district):
    long = START + dt.timedelta(days=100)
    _measure(district, "OTHER", measure="other", measure_end_on=long)
    _measure(district, "NONE", measure=None, measure_end_on=long)
    _measure(district, "SEIZE", measure="seize", measure_end_on=long)
    district.record("NOSTART", power=district.power(kind="compulsory"), filed_on=START, measure="seal",
                    measure_end_on=long)
    assert fired("compulsory_duration") == {"SEIZE"}
