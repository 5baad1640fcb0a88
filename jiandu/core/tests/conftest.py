"""Fixtures for the core app's tests."""

import pytest

from jiandu.core.calendar import calendar_cache_clear


@pytest.fixture(autouse=True)
def fresh_calendar_cache():
    # Each test's transaction is rolled back, but the per-process calendar cache is not.
    calendar_cache_clear()
    yield
    calendar_cache_clear()


@pytest.fixture
def admin_client(client, admin_user):
    """pytest-django's admin client, past the sign-in gate (fresh password, verified 2FA)."""
    from jiandu.accounts.testing import sign_in

    sign_in(client, admin_user)
    return client
