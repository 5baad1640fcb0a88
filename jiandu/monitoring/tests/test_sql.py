"""The dialect layer gives the same answers on SQLite and PostgreSQL (the suite runs on both)."""

import datetime as dt

import pytest
from django.db import connection

from jiandu.monitoring.rules.sql import as_date, dialect_for

pytestmark = pytest.mark.django_db
D = dt.date


def one(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.fetchone()[0]


@pytest.fixture
def sq():
    return dialect_for(connection)


@pytest.mark.parametrize(("later", "earlier", "days"), [
    (D(2025, 3, 1), D(2025, 2, 28), 1),
    (D(2024, 3, 1), D(2024, 2, 28), 2),
    (D(2025, 2, 28), D(2025, 3, 1), -1),
    (D(2026, 1, 1), D(2025, 1, 1), 365),
    (D(2025, 6, 3), D(2025, 3, 5), 90),
])
def test_days_between(sq, later, earlier, days):
    assert one(f"SELECT {sq.days('%s', '%s')}", [sq.param(later), sq.param(earlier)]) == days


@pytest.mark.parametrize(("day", "years", "expected"), [
    (D(2024, 2, 29), 1, D(2025, 2, 28)),
    (D(2024, 2, 29), 2, D(2026, 2, 28)),
    (D(2024, 2, 29), 4, D(2028, 2, 29)),
    (D(2024, 2, 28), 1, D(2025, 2, 28)),
    (D(2023, 3, 15), 2, D(2025, 3, 15)),
    (D(2023, 12, 31), 1, D(2024, 12, 31)),
    (D(2023, 3, 1), 1, D(2024, 3, 1)),
])
def test_add_years_keeps_month_and_day_and_29_february_becomes_28(sq, day, years, expected):
    sql = f"SELECT {sq.add_years('t.d', 't.n')} FROM (SELECT %s AS d, %s AS n) t"
    assert as_date(one(sql, [sq.param(day), years])) == expected


@pytest.mark.parametrize(("day", "n", "expected"), [
    (D(2025, 2, 28), 1, D(2025, 3, 1)), (D(2024, 3, 1), -1, D(2024, 2, 29)), (D(2025, 1, 31), 30, D(2025, 3, 2)),
])
def test_add_days(sq, day, n, expected):
    assert as_date(one(f"SELECT {sq.add_days('%s', n)}", [sq.param(day)])) == expected


def test_year_and_day_number(sq):
    assert one(f"SELECT {sq.year('%s')}", [sq.param(D(2025, 12, 31))]) == 2025
    first = one(f"SELECT {sq.day_number('%s')}", [sq.param(D(2024, 2, 28))])
    second = one(f"SELECT {sq.day_number('%s')}", [sq.param(D(2024, 3, 1))])
    assert second - first == 2


def test_binary_order_is_by_code_point(sq):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT v FROM (SELECT 'X-a' AS v UNION ALL SELECT 'X-B' UNION ALL SELECT 'x-b' "
            f"UNION ALL SELECT 'X-10' UNION ALL SELECT 'X-9') t ORDER BY {sq.binary('v')}")
        assert [r[0] for r in cursor.fetchall()] == sorted(["X-a", "X-B", "x-b", "X-10", "X-9"])


def test_window_frames_in_days(sq):
    """RANGE frames over a day number, as repeat_inspection uses them, on both databases."""
    days = [D(2025, 1, 1), D(2025, 1, 31), D(2025, 2, 1), D(2025, 3, 5)]
    union = " UNION ALL ".join("SELECT %s AS d" for _ in days)
    sql = (f"SELECT d, count(*) OVER (ORDER BY {sq.day_number('d')} RANGE BETWEEN 30 PRECEDING "
           f"AND 30 FOLLOWING) FROM ({union}) t ORDER BY d")
    with connection.cursor() as cursor:
        cursor.execute(sql, [sq.param(d) for d in days])
        assert [n for _, n in cursor.fetchall()] == [2, 3, 2, 1]


def test_scan_keeps_the_value(sq):
    assert one(f"SELECT {sq.scan('%s')}", ["penalty"]) == "penalty"


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL only")
def test_the_alert_text_columns_get_no_planner_statistics():
    rows = dict(_rows(
        "SELECT attname, attstattarget FROM pg_attribute WHERE attrelid = 'monitoring_alert'::regclass "
        "AND attname IN ('detail', 'facts', 'rule', 'fingerprint')"))
    assert rows == {"detail": 0, "facts": 0, "rule": -1, "fingerprint": -1}


def _rows(sql):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()
