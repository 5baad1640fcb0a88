"""The one working-day calendar: is a day a working day, deadlines in working or calendar days."""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from bisect import bisect_right
from collections.abc import Collection, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache

import chinese_calendar
from django.db import transaction

from jiandu.core.models import CalendarDay, CalendarOverride, CalendarYear

# Another process (a second web worker) learns of an administrator's change within this
# many seconds; the process that made the change learns of it at once.
CACHE_SECONDS = 60.0

# Working days are counted per contiguous run of known years; a run after an unknown year
# starts this far on, so a set-based seq(D) + N lookup across the unknown year finds no
# row, just as workdays_after refuses to guess.
_SEQ_GAP = 1_000_000


class UnknownCalendarYear(ValueError):
    def __init__(self, year: int):
        self.year = year
        super().__init__(
            f"日历未收录 {year} 年的节假日安排，无法计算期限 "
            f"(the holiday calendar does not know year {year}; add it in the admin)"
        )


@cache
def package_years() -> frozenset[int]:
    """Years the chinesecalendar package has holiday data for (it raises outside them)."""
    years = set()
    for year in range(1900, 2101):
        try:
            chinese_calendar.is_workday(dt.date(year, 1, 1))
        except NotImplementedError:
            continue
        years.add(year)
    return frozenset(years)


@dataclass
class _Snapshot:
    loaded_at: float
    declared_years: frozenset[int]
    overrides: dict[dt.date, bool]
    # year -> sorted ordinals of its working days, filled on first use
    workdays: dict[int, tuple[int, ...]] = field(default_factory=dict)

    @property
    def years(self) -> frozenset[int]:
        return package_years() | self.declared_years

    def year_workdays(self, year: int) -> tuple[int, ...]:
        cached = self.workdays.get(year)
        if cached is not None:
            return cached
        if year not in self.years:
            raise UnknownCalendarYear(year)
        ordinals = set(_base_workdays(year, from_package=year in package_years()))
        for day, working in self.overrides.items():
            if day.year == year and working:
                ordinals.add(day.toordinal())
            elif day.year == year:
                ordinals.discard(day.toordinal())
        result = tuple(sorted(ordinals))
        self.workdays[year] = result
        return result


@cache
def _base_workdays(year: int, *, from_package: bool) -> frozenset[int]:
    """Working days before overrides: the package's, or Monday–Friday for a declared year."""
    first = dt.date(year, 1, 1).toordinal()
    days = (dt.date.fromordinal(o) for o in range(first, dt.date(year + 1, 1, 1).toordinal()))
    if from_package:
        return frozenset(d.toordinal() for d in days if chinese_calendar.is_workday(d))
    return frozenset(d.toordinal() for d in days if d.weekday() < 5)


_lock = threading.Lock()
_snapshot: _Snapshot | None = None


def _load() -> _Snapshot:
    global _snapshot
    snap = _snapshot
    if snap is not None and time.monotonic() - snap.loaded_at < CACHE_SECONDS:
        return snap
    with _lock:
        snap = _Snapshot(
            loaded_at=time.monotonic(),
            declared_years=frozenset(CalendarYear.objects.values_list("year", flat=True)),
            overrides=dict(CalendarOverride.objects.values_list("day", "is_workday")),
        )
        _snapshot = snap
    return snap


def calendar_cache_clear() -> None:
    """Forget this process's copy of overrides and declared years (tests call it between cases)."""
    global _snapshot
    with _lock:
        _snapshot = None


def _check_date(d: object) -> dt.date:
    # A datetime is a date too, but its day depends on the time zone it is in; callers
    # convert with timezone.localdate() so a deadline never starts from the UTC day.
    if isinstance(d, dt.datetime) or not isinstance(d, dt.date):
        raise TypeError(f"需要 date 而不是 {type(d).__name__} (expected a date)")
    return d


def known_years() -> set[int]:
    """Years for which working days can be computed: the package's and the declared ones."""
    return set(_load().years)


# From this day of a year on, next year's holidays are expected (the State Council publishes
# them in October or November) and their absence is worth saying.
NEXT_YEAR_FROM = (11, 1)


def calendar_missing_year(today: dt.date) -> int | None:
    """The year whose holidays the calendar lacks and soon needs, else None: ``today``'s own
    year, or from 1 November the next one. Deadlines that run into a year the calendar lacks
    cannot be computed (rule runs fail rather than guess), so the pages ask for it early."""
    late = (today.month, today.day) >= NEXT_YEAR_FROM
    needed = [today.year, today.year + 1] if late else [today.year]
    lacking = [year for year in needed if year not in package_years()]
    if not lacking:
        return None
    # One query, and only where the package lacks a year (late in the package's last year).
    declared = set(CalendarYear.objects.filter(year__in=lacking).values_list("year", flat=True))
    return next((year for year in lacking if year not in declared), None)


def is_workday(d: dt.date) -> bool:
    d = _check_date(d)
    ordinals = _load().year_workdays(d.year)
    i = bisect_right(ordinals, d.toordinal())
    return i > 0 and ordinals[i - 1] == d.toordinal()


def workdays_after(d: dt.date, n: int) -> dt.date:
    """The n-th working day after d (d itself never counts), for 行政处罚法 Art 85 style periods."""
    d = _check_date(d)
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"工作日数应为正整数 (n must be a positive integer): {n!r}")
    snap = _load()
    year = d.year
    ordinals = snap.year_workdays(year)
    start = bisect_right(ordinals, d.toordinal())
    while True:
        remaining = len(ordinals) - start
        if n <= remaining:
            return dt.date.fromordinal(ordinals[start + n - 1])
        n -= remaining
        year += 1
        ordinals = snap.year_workdays(year)
        start = 0


def calendar_days_after(d: dt.date, n: int) -> dt.date:
    """The day n calendar days after d (d itself never counts), e.g. 行政处罚法 Art 60's 90 days."""
    d = _check_date(d)
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"天数应为非负整数 (n must be a non-negative integer): {n!r}")
    return d + dt.timedelta(days=n)


def _table_rows(years: Iterable[int]):
    snap = _load()
    seq = 0
    previous = None
    for year in sorted(set(years)):
        ordinals = set(snap.year_workdays(year))
        if previous is not None and year != previous + 1:
            seq += _SEQ_GAP
        previous = year
        day = dt.date(year, 1, 1)
        while day.year == year:
            working = day.toordinal() in ordinals
            seq += working
            yield CalendarDay(day=day, is_workday=working, workday_seq=seq)
            day += dt.timedelta(days=1)


def calendar_table_refresh(*, years: Iterable[int] | None = None) -> int:
    """Rebuild the CalendarDay table for the given (default: all known) years; returns its rows."""
    with transaction.atomic():
        # Read inside the transaction so a rebuild sees the override being saved with it.
        calendar_cache_clear()
        known = known_years()
        wanted = known if years is None else set(years)
        unknown = wanted - known
        if unknown:
            raise UnknownCalendarYear(min(unknown))
        CalendarDay.objects.all().delete()
        rows = CalendarDay.objects.bulk_create(_table_rows(wanted), batch_size=2000)
    return len(rows)


@contextmanager
def _calendar_change():
    """Run one administrator's change and rebuild the materialised table in the same transaction."""
    try:
        with transaction.atomic():
            yield
            calendar_table_refresh()
            # Another thread may reload the pre-change rows before this commits.
            transaction.on_commit(calendar_cache_clear)
    except BaseException:
        # What was read inside the failed transaction must not outlive it.
        calendar_cache_clear()
        raise


def calendar_override_set(*, day: dt.date, is_workday: bool, name: str):
    """Declare one day a working day or a day off; rebuilds the materialised table."""
    day = _check_date(day)
    with _calendar_change():
        override, _created = CalendarOverride.objects.update_or_create(
            day=day, defaults={"is_workday": bool(is_workday), "name": name.strip()},
        )
    return override


def calendar_override_delete(*, days: Collection[dt.date]) -> int:
    """Remove overrides so that those days follow the package (or Monday–Friday) again."""
    with _calendar_change():
        deleted, _ = CalendarOverride.objects.filter(day__in=list(days)).delete()
    return deleted


def calendar_year_set(*, year: int, notice: str):
    """Declare a year the package does not know, citing the State Council notice it follows."""
    with _calendar_change():
        declared, _created = CalendarYear.objects.update_or_create(
            year=year, defaults={"notice": notice.strip()},
        )
    return declared


def arrangement_clash(days_off: Iterable[tuple[dt.date, str]],
                      workdays: Iterable[tuple[dt.date, str]]) -> str | None:
    """Why a notice's days cannot stand together (the first day listed both off and working,
    in Chinese with the English beside), else None."""
    both = sorted({d for d, _ in days_off} & {d for d, _ in workdays})
    return f"{both[0]} 既是放假日又是上班日 ({both[0]} is both a day off and a working day)" if both else None


def calendar_year_declare(*, year: int, notice: str, days_off: Iterable[tuple[dt.date, str]] = (),
                          workdays: Iterable[tuple[dt.date, str]] = ()):
    """Declare a year with its whole 放假安排 (the days off and the make-up working days of the
    notice, each with its name) in one change and one rebuild of the table."""
    days_off, workdays = list(days_off), list(workdays)
    clash = arrangement_clash(days_off, workdays)
    if clash:
        raise ValueError(clash)
    with _calendar_change():
        declared, _created = CalendarYear.objects.update_or_create(year=year, defaults={"notice": notice.strip()})
        for days, working in ((days_off, False), (workdays, True)):
            for day, name in days:
                CalendarOverride.objects.update_or_create(
                    day=_check_date(day), defaults={"is_workday": working, "name": name.strip()})
    return declared


_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_JOINERS = re.compile(r"[至到~～—–－:：,，、]")
_NAME_MAX = CalendarOverride._meta.get_field("name").max_length


def parse_arrangement(text: str, *, year: int, default_name: str) -> list[tuple[dt.date, str]]:
    """The days of a holiday notice as pasted, a line each: a name and one date or a range
    ("春节 2027-02-06 至 2027-02-12", "2027-02-14 春节调休"), both ends included; blank lines
    are skipped. ValueError names the first bad line (Chinese, English beside)."""
    days: list[tuple[dt.date, str]] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            dates = [dt.date(int(y), int(m), int(d)) for y, m, d in _DATE.findall(line)]
        except ValueError:
            raise ValueError(f"第 {n} 行：日期无效 (line {n}: not a valid date): {line.strip()}") from None
        if not 1 <= len(dates) <= 2:
            raise ValueError(f"第 {n} 行：应写一个日期，或“起 至 止”两个日期 (line {n}: one date or a range of "
                             f"two): {line.strip()}")
        start, end = dates[0], dates[-1]
        if end < start:
            raise ValueError(f"第 {n} 行：结束日期早于开始日期 (line {n}: the range ends before it starts)")
        for day in (start, end):
            if day.year != year:
                raise ValueError(f"第 {n} 行：{day} 不在 {year} 年 (line {n}: {day} is not in {year})")
        name = " ".join(_JOINERS.sub(" ", _DATE.sub(" ", line)).split())[:_NAME_MAX] or default_name
        days.extend((dt.date.fromordinal(o), name) for o in range(start.toordinal(), end.toordinal() + 1))
    return days


def calendar_year_delete(*, years: Collection[int]) -> int:
    with _calendar_change():
        deleted, _ = CalendarYear.objects.filter(year__in=list(years)).delete()
    return deleted
