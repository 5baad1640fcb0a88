"""Tests of the working-day calendar service against the State Council's 2025 and 2026 arrangements."""

import datetime as dt

import chinese_calendar
import pytest
from django.db.models import Subquery
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from jiandu.core import calendar
from jiandu.core.calendar import (
    UnknownCalendarYear,
    calendar_days_after,
    calendar_override_delete,
    calendar_override_set,
    calendar_table_refresh,
    calendar_year_set,
    is_workday,
    known_years,
    workdays_after,
)
from jiandu.core.models import CalendarDay, CalendarOverride, CalendarYear

D = dt.date
pytestmark = pytest.mark.django_db


def sql_workdays_after(d: dt.date, n: int) -> dt.date | None:
    """The set-based form later rules use: the working day whose seq is seq(d) + n."""
    seq_of_d = CalendarDay.objects.filter(day=d).values("workday_seq")
    days = list(
        CalendarDay.objects.filter(is_workday=True, workday_seq=Subquery(seq_of_d) + n)
        .values_list("day", flat=True)
    )
    assert len(days) <= 1
    return days[0] if days else None


def days_between(first: dt.date, last: dt.date):
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


class TestPackageRange:
    def test_package_knows_2004_to_2026_and_raises_outside(self):
        assert calendar.package_years() == frozenset(range(2004, 2027))
        with pytest.raises(NotImplementedError):
            chinese_calendar.is_workday(D(2027, 1, 4))
        with pytest.raises(NotImplementedError):
            chinese_calendar.is_workday(D(2003, 12, 31))

    def test_known_years_without_declarations_are_the_package_years(self):
        assert known_years() == set(range(2004, 2027))


class TestNationalDay2025:
    def test_package_agrees_with_the_arrangement(self):
        # The 2025 arrangement: Oct 1–8 off, Sunday 9-28 and Saturday 10-11 worked.
        for day in days_between(D(2025, 10, 1), D(2025, 10, 8)):
            assert chinese_calendar.is_workday(day) is False
        assert D(2025, 9, 28).weekday() == 6
        assert D(2025, 10, 11).weekday() == 5
        assert chinese_calendar.is_workday(D(2025, 9, 28)) is True
        assert chinese_calendar.is_workday(D(2025, 10, 11)) is True

    def test_holidays_are_days_off(self):
        for day in days_between(D(2025, 10, 1), D(2025, 10, 8)):
            assert is_workday(day) is False, day

    def test_make_up_weekend_days_are_working_days(self):
        assert is_workday(D(2025, 9, 28)) is True
        assert is_workday(D(2025, 10, 11)) is True
        # the ordinary weekend days around them stay off
        assert is_workday(D(2025, 9, 27)) is False
        assert is_workday(D(2025, 10, 12)) is False

    def test_next_working_day_after_the_eve_is_october_9(self):
        assert workdays_after(D(2025, 9, 30), 1) == D(2025, 10, 9)

    def test_friday_before_is_followed_by_the_make_up_sunday(self):
        assert workdays_after(D(2025, 9, 26), 1) == D(2025, 9, 28)

    def test_seven_working_days_cross_the_holiday_and_count_the_make_up_saturday(self):
        # 10-09, 10-10, 10-11 (Sat, worked), 10-13, 10-14, 10-15, 10-16
        assert workdays_after(D(2025, 9, 30), 7) == D(2025, 10, 16)

    def test_d_itself_never_counts_even_if_it_is_a_working_day(self):
        assert is_workday(D(2025, 10, 9))
        assert workdays_after(D(2025, 10, 9), 1) == D(2025, 10, 10)

    def test_starting_on_a_holiday(self):
        assert workdays_after(D(2025, 10, 3), 1) == D(2025, 10, 9)


class TestSpringFestival2026:
    def test_festival_days_are_off(self):
        for day in days_between(D(2026, 2, 15), D(2026, 2, 23)):
            assert is_workday(day) is False, day
        assert is_workday(D(2026, 2, 24)) is True

    def test_make_up_saturdays(self):
        for saturday in (D(2026, 2, 14), D(2026, 2, 28)):
            assert saturday.weekday() == 5
            assert is_workday(saturday) is True
        assert workdays_after(D(2026, 2, 13), 1) == D(2026, 2, 14)
        assert workdays_after(D(2026, 2, 14), 1) == D(2026, 2, 24)
        # 2-24 … 2-27 are four, Saturday 2-28 is the fifth
        assert workdays_after(D(2026, 2, 23), 5) == D(2026, 2, 28)

    def test_new_year_2026_crosses_the_year_and_lands_on_the_make_up_sunday(self):
        assert [is_workday(d) for d in days_between(D(2026, 1, 1), D(2026, 1, 4))] == [
            False, False, False, True,
        ]
        assert workdays_after(D(2025, 12, 31), 1) == D(2026, 1, 4)


class TestArguments:
    def test_n_must_be_a_positive_integer(self):
        for bad in (0, -1, 1.0, True, "1"):
            with pytest.raises(ValueError):
                workdays_after(D(2025, 9, 30), bad)

    def test_datetime_is_refused(self):
        with pytest.raises(TypeError):
            is_workday(dt.datetime(2025, 10, 9, 12, 0, tzinfo=dt.UTC))
        with pytest.raises(TypeError):
            workdays_after(dt.datetime(2025, 10, 9), 1)

    def test_calendar_days(self):
        # 行政处罚法 Art 60: 90 calendar days after 立案, holidays included
        assert calendar_days_after(D(2025, 9, 30), 90) == D(2025, 12, 29)
        assert calendar_days_after(D(2025, 9, 30), 1) == D(2025, 10, 1)
        assert calendar_days_after(D(2024, 2, 28), 1) == D(2024, 2, 29)
        with pytest.raises(ValueError):
            calendar_days_after(D(2025, 9, 30), -1)


class TestOverrides:
    def test_override_turns_a_working_day_off(self):
        assert workdays_after(D(2025, 9, 30), 1) == D(2025, 10, 9)
        calendar_override_set(day=D(2025, 10, 9), is_workday=False, name="临时休假")
        assert is_workday(D(2025, 10, 9)) is False
        assert workdays_after(D(2025, 9, 30), 1) == D(2025, 10, 10)

    def test_override_turns_a_day_off_into_a_working_day(self):
        assert is_workday(D(2025, 10, 18)) is False
        calendar_override_set(day=D(2025, 10, 18), is_workday=True, name="调休上班")
        assert is_workday(D(2025, 10, 18)) is True
        assert workdays_after(D(2025, 10, 17), 1) == D(2025, 10, 18)

    def test_override_wins_over_a_package_holiday_and_can_be_removed(self):
        calendar_override_set(day=D(2025, 10, 8), is_workday=True, name="调休上班")
        assert workdays_after(D(2025, 9, 30), 1) == D(2025, 10, 8)
        calendar_override_set(day=D(2025, 10, 8), is_workday=False, name="国庆节")
        assert CalendarOverride.objects.filter(day=D(2025, 10, 8)).count() == 1
        assert is_workday(D(2025, 10, 8)) is False
        calendar_override_set(day=D(2025, 10, 8), is_workday=True, name="调休上班")
        assert calendar_override_delete(days=[D(2025, 10, 8)]) == 1
        assert is_workday(D(2025, 10, 8)) is False

    def test_override_rebuilds_the_materialised_table(self):
        calendar_table_refresh(years=[2025])
        calendar_override_set(day=D(2025, 10, 9), is_workday=False, name="临时休假")
        assert CalendarDay.objects.get(day=D(2025, 10, 9)).is_workday is False
        assert sql_workdays_after(D(2025, 9, 30), 1) == D(2025, 10, 10)

    def test_a_change_in_another_process_is_seen_after_the_cache_expires(self, monkeypatch):
        assert is_workday(D(2025, 10, 18)) is False
        # written as another process would, without this process's service
        CalendarOverride.objects.create(day=D(2025, 10, 18), is_workday=True, name="调休上班")
        assert is_workday(D(2025, 10, 18)) is False
        monkeypatch.setattr(calendar, "CACHE_SECONDS", 0.0)
        assert is_workday(D(2025, 10, 18)) is True

    def test_a_failed_change_leaves_nothing_cached(self):
        with pytest.raises(UnknownCalendarYear):
            # the override is written, then the rebuild of an unknown year fails and rolls back
            with calendar._calendar_change():
                CalendarOverride.objects.create(day=D(2025, 10, 9), is_workday=False, name="临时休假")
                assert is_workday(D(2025, 10, 9)) is False
                calendar_table_refresh(years=[2099])
        assert not CalendarOverride.objects.exists()
        assert is_workday(D(2025, 10, 9)) is True


class TestUnknownYears:
    def test_a_year_nobody_declared_is_refused_with_a_bilingual_message(self):
        with pytest.raises(UnknownCalendarYear) as caught:
            is_workday(D(2027, 1, 4))
        assert isinstance(caught.value, ValueError)
        assert caught.value.year == 2027
        assert str(caught.value) == (
            "日历未收录 2027 年的节假日安排，无法计算期限 "
            "(the holiday calendar does not know year 2027; add it in the admin)"
        )

    def test_a_deadline_running_into_an_unknown_year_is_refused(self):
        assert workdays_after(D(2026, 12, 30), 1) == D(2026, 12, 31)
        with pytest.raises(UnknownCalendarYear, match="2027"):
            workdays_after(D(2026, 12, 30), 2)

    def test_years_before_the_package_are_refused(self):
        with pytest.raises(UnknownCalendarYear, match="2003"):
            is_workday(D(2003, 6, 2))

    def test_an_override_alone_does_not_make_a_year_known(self):
        calendar_override_set(day=D(2027, 1, 1), is_workday=False, name="元旦")
        with pytest.raises(UnknownCalendarYear):
            is_workday(D(2027, 1, 1))


class TestDeclaredYear:
    def test_declared_year_is_monday_to_friday_plus_overrides(self):
        calendar_year_set(year=2027, notice="国办发明电〔2026〕××号")
        assert 2027 in known_years()
        assert CalendarYear.objects.get(year=2027).notice == "国办发明电〔2026〕××号"
        # Friday 2027-01-01 is a working day until the administrator enters 元旦
        assert is_workday(D(2027, 1, 1)) is True
        assert is_workday(D(2027, 1, 2)) is False
        assert is_workday(D(2027, 1, 3)) is False
        assert is_workday(D(2027, 1, 4)) is True
        assert workdays_after(D(2026, 12, 31), 1) == D(2027, 1, 1)

        calendar_override_set(day=D(2027, 1, 1), is_workday=False, name="元旦")
        calendar_override_set(day=D(2027, 1, 9), is_workday=True, name="调休上班")
        assert workdays_after(D(2026, 12, 31), 1) == D(2027, 1, 4)
        # 1-4 … 1-8 are five, Saturday 1-9 is the sixth
        assert workdays_after(D(2026, 12, 31), 6) == D(2027, 1, 9)
        with pytest.raises(UnknownCalendarYear, match="2028"):
            workdays_after(D(2027, 12, 30), 5)

    def test_sql_lookup_refuses_to_cross_an_undeclared_year(self):
        calendar_year_set(year=2028, notice="国办发明电〔2027〕××号")
        assert 2027 not in known_years()
        calendar_table_refresh(years=[2026, 2028])
        with pytest.raises(UnknownCalendarYear):
            workdays_after(D(2026, 12, 30), 2)
        assert sql_workdays_after(D(2026, 12, 30), 1) == D(2026, 12, 31)
        assert sql_workdays_after(D(2026, 12, 30), 2) is None
        assert sql_workdays_after(D(2028, 1, 3), 1) == workdays_after(D(2028, 1, 3), 1)


class TestMaterialisedTable:
    def test_refresh_covers_every_known_day(self):
        rows = calendar_table_refresh()
        expected = (D(2026, 12, 31) - D(2004, 1, 1)).days + 1
        assert rows == expected == CalendarDay.objects.count()
        assert CalendarDay.objects.filter(is_workday=True).count() == sum(
            chinese_calendar.is_workday(d) for d in days_between(D(2004, 1, 1), D(2026, 12, 31))
        )

    def test_refresh_replaces_the_previous_table(self):
        calendar_table_refresh()
        assert calendar_table_refresh(years=[2025]) == 365
        assert CalendarDay.objects.count() == 365

    def test_refresh_refuses_an_unknown_year(self):
        with pytest.raises(UnknownCalendarYear):
            calendar_table_refresh(years=[2026, 2027])

    def test_seq_counts_working_days_up_to_and_including_the_day(self):
        calendar_table_refresh(years=[2025, 2026])
        row = {r.day: r for r in CalendarDay.objects.filter(day__range=(D(2025, 9, 26), D(2025, 10, 9)))}
        assert row[D(2025, 9, 26)].workday_seq + 1 == row[D(2025, 9, 28)].workday_seq
        assert row[D(2025, 9, 27)].workday_seq == row[D(2025, 9, 26)].workday_seq
        assert row[D(2025, 10, 8)].workday_seq == row[D(2025, 9, 30)].workday_seq
        assert row[D(2025, 10, 9)].workday_seq == row[D(2025, 9, 30)].workday_seq + 1

    def test_sql_lookup_equals_workdays_after(self):
        calendar_table_refresh(years=range(2024, 2027))

        @given(
            d=st.dates(min_value=D(2024, 1, 1), max_value=D(2026, 12, 31)),
            n=st.integers(min_value=1, max_value=40),
        )
        @settings(max_examples=300, deadline=None)
        def check(d, n):
            try:
                expected = workdays_after(d, n)
            except UnknownCalendarYear:
                expected = None
            assert sql_workdays_after(d, n) == expected

        check()


class TestAdmin:
    def test_adding_an_override_in_the_admin_reaches_the_service(self, admin_client):
        assert is_workday(D(2025, 10, 9)) is True
        calendar_table_refresh(years=[2025])
        response = admin_client.post(
            reverse("admin:core_calendaroverride_add"),
            {"day": "2025-10-09", "is_workday": "", "name": "临时休假"},
        )
        assert response.status_code == 302, response.content.decode()
        assert is_workday(D(2025, 10, 9)) is False
        assert CalendarDay.objects.get(day=D(2025, 10, 9)).is_workday is False

        override = CalendarOverride.objects.get(day=D(2025, 10, 9))
        response = admin_client.post(
            reverse("admin:core_calendaroverride_delete", args=[override.pk]), {"post": "yes"},
        )
        assert response.status_code == 302
        assert is_workday(D(2025, 10, 9)) is True

    def test_declaring_a_year_in_the_admin_makes_it_known(self, admin_client):
        response = admin_client.post(
            reverse("admin:core_calendaryear_add"),
            {"year": "2027", "notice": "国办发明电〔2026〕××号"},
        )
        assert response.status_code == 302, response.content.decode()
        assert is_workday(D(2027, 1, 4)) is True

    def test_a_years_whole_arrangement_is_entered_with_the_year(self, admin_client):
        """The notice lists holidays as ranges and make-up working days: pasted with the year,
        they become its overrides in one step (one rebuild), not thirty forms."""
        response = admin_client.post(reverse("admin:core_calendaryear_add"), {
            "year": "2027", "notice": "国办发明电〔2026〕××号",
            "days_off": "元旦 2027-01-01 至 2027-01-03\n春节：2027-02-06~2027-02-12\n\n",
            "workdays": "春节调休 2027-02-13\n2027-02-14 春节调休",
        })
        assert response.status_code == 302, response.content.decode()
        assert not is_workday(D(2027, 1, 1)) and not is_workday(D(2027, 2, 8))
        assert is_workday(D(2027, 2, 13)) and is_workday(D(2027, 2, 14))  # a Saturday and a Sunday
        names = dict(CalendarOverride.objects.values_list("day", "name"))
        assert names[D(2027, 2, 9)] == "春节" and names[D(2027, 2, 14)] == "春节调休"
        assert CalendarOverride.objects.filter(day__year=2027, is_workday=False).count() == 10
        # Friday 2027-02-05, then the festival: the 7th working day counts the make-up weekend.
        assert workdays_after(D(2027, 2, 5), 7) == D(2027, 2, 19)
        assert CalendarDay.objects.filter(day__year=2027).count() == 365

    @pytest.mark.parametrize("field, text, message", [
        ("days_off", "春节 2027-02-30", "第 1 行"),
        ("days_off", "元旦\n春节 2027-02-06 至 2027-02-01", "第 1 行"),
        ("days_off", "国庆 2027-10-01 至 2027-10-03 至 2027-10-05", "第 1 行"),
        ("workdays", "春节 2026-12-27", "不在 2027 年"),
        ("workdays", "调休 2027-02-06", "既是放假日又是上班日"),
    ])
    def test_a_bad_line_is_named_and_nothing_is_saved(self, admin_client, field, text, message):
        data = {"year": "2027", "notice": "通知", "days_off": "春节 2027-02-06 至 2027-02-12", "workdays": ""}
        data[field] = text
        response = admin_client.post(reverse("admin:core_calendaryear_add"), data)
        assert response.status_code == 200
        assert message in response.content.decode()
        assert not CalendarYear.objects.exists() and not CalendarOverride.objects.exists()

    def test_calendar_pages_render_and_days_are_read_only(self, admin_client):
        calendar_override_set(day=D(2025, 10, 18), is_workday=True, name="调休上班")
        for name in ("core_calendaroverride", "core_calendaryear", "core_calendarday"):
            assert admin_client.get(reverse(f"admin:{name}_changelist")).status_code == 200
        assert admin_client.get(reverse("admin:core_calendarday_add")).status_code == 403


class TestCoverage:
    """The State Council publishes next year's holidays late in the year; until someone adds
    them, deadlines that run into that year cannot be computed and rule runs fail. The calendar
    says so ahead of time."""

    def test_nothing_to_say_early_in_a_covered_year(self):
        assert calendar.calendar_missing_year(D(2026, 6, 30)) is None
        assert calendar.calendar_missing_year(D(2025, 12, 20)) is None  # 2026 is known

    def test_next_year_missing_late_in_the_year(self):
        assert calendar.calendar_missing_year(D(2026, 11, 1)) == 2027
        assert calendar.calendar_missing_year(D(2026, 12, 31)) == 2027

    def test_this_year_missing(self):
        assert calendar.calendar_missing_year(D(2027, 1, 2)) == 2027
        assert calendar.calendar_missing_year(D(2027, 8, 1)) == 2027

    def test_declaring_the_year_ends_it(self):
        calendar_year_set(year=2027, notice="国办发明电〔2026〕X号")
        assert calendar.calendar_missing_year(D(2026, 12, 31)) is None
        assert calendar.calendar_missing_year(D(2027, 11, 1)) == 2028
