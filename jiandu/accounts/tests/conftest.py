"""Fixtures of the accounts tests: users with a known password, a clock that can be moved on."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jiandu.accounts.choices import Role
from jiandu.accounts.models import User
from jiandu.org.models import Agency

PASSWORD = "Correct-Horse-42"


class Clock:
    """Stands in for django.utils.timezone.now, which the audit log's timestamps also use."""

    def __init__(self):
        self.now = timezone.now()

    def __call__(self):
        return self.now

    def advance(self, **kwargs):
        self.now += timedelta(**kwargs)


@pytest.fixture
def clock(monkeypatch):
    frozen = Clock()
    monkeypatch.setattr("django.utils.timezone.now", frozen)
    return frozen


@pytest.fixture
def otp_clock(monkeypatch):
    """Pins django-otp's clock to the middle of the current 30-second step.

    A test that computes a code and has the server check it a moment later would otherwise
    fail now and then, when a step ends in between (a replayed code is then a new, valid one).
    Returns the pinned Unix time.
    """
    import time
    from types import SimpleNamespace

    pinned = int(time.time()) // 30 * 30 + 15
    monkeypatch.setattr("django_otp.oath.time", lambda: pinned)
    monkeypatch.setattr("django_otp.plugins.otp_totp.models.time", SimpleNamespace(time=lambda: pinned))
    return pinned


@pytest.fixture
def make_user(db):
    def make(username, role=Role.LEADER, password=PASSWORD, **fields):
        user = User(username=username, role=role, **fields)
        user.set_password(password)
        user.password_changed_at = fields.pop("password_changed_at", timezone.now())
        user.save()
        return user

    return make


@pytest.fixture
def agency(db):
    return Agency.objects.create(code="91370117MB1234567X", name="钢城区市场监督管理局",
                                 type="administrative_organ", level="district",
                                 region_code="370117", content_hash="x")
