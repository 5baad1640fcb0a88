"""Fixtures shared by the whole suite: signed-in staff clients and a small generated district.

Tests outside ``tests/`` use them by importing the fixture functions, e.g.
``from tests.conftest import district_files_fixture, district_fixture, staff_client_fixture  # noqa: F401``;
the fixtures are registered under their short names (``staff_client``, ``district``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import pytest

from jiandu.records.generator import generate

DISTRICT_RECORDS = 400
_serial = itertools.count(1)


@pytest.fixture(name="staff_client")
def staff_client_fixture(db):
    """``staff_client(role, agency=None, region_code="", superuser=False)``: a test client signed
    in as a new user of that role, with a current password and, for the roles that need it, a
    verified second factor, so the sign-in gate lets it straight through. ``client.user`` is the user.
    """
    from django.test import Client
    from django.utils import timezone
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from jiandu.accounts.choices import TWO_FACTOR_ROLES
    from jiandu.accounts.models import User

    def make(role: str, agency: str | None = None, *, region_code: str = "",
             superuser: bool = False) -> Client:
        n = next(_serial)
        user = User.objects.create_user(
            username=f"{role}-{n}", password="Jiandu-test-2026!", role=role, agency_id=agency,
            region_code=region_code, name=f"测试用户{n}", is_superuser=superuser,
            is_staff=superuser, password_changed_at=timezone.now())
        client = Client()
        client.force_login(user)
        if superuser or role in TWO_FACTOR_ROLES:
            device = TOTPDevice.objects.create(user=user, name="测试", confirmed=True)
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
        client.user = user
        return client

    return make


@dataclass
class District:
    """What a test needs to know of the generated district it runs against."""

    path: Path
    agency: str  # an agency with many records
    other_agency: str  # another agency with records of its own


@pytest.fixture(name="district_files", scope="session")
def district_files_fixture(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("district")
    generate(path, records=DISTRICT_RECORDS, seed=11)
    return path


@pytest.fixture(name="district")
def district_fixture(db, district_files) -> District:
    """The generated district imported through the contract import, as production data arrives."""
    from django.db.models import Count

    from jiandu.records.models import Record
    from jiandu.records.services import interchange_import

    for kind in ("agencies", "officers", "powers", "four_lists", "records"):
        report = interchange_import(kind=kind, path=district_files / f"{kind}.jsonl", source="测试")
        assert report.counts.rejected == 0, report.problems[:3]
    busiest = list(Record.objects.values("agency_id").annotate(n=Count("id"))
                   .order_by("-n", "agency_id")[:2])
    return District(district_files, busiest[0]["agency_id"], busiest[1]["agency_id"])
