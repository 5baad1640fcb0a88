"""Fixtures for the core app's tests."""

import pytest

from jiandu.core.calendar import calendar_cache_clear


@pytest.fixture(autouse=True)
def fresh_calendar_cache():
    # Each test's transaction is rolled back, but the per-process calendar cache is not.
    calendar_cache_clear()
    yield
    calendar_cache_clear()
