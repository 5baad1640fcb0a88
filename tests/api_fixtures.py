"""Fixtures of the API tests (a plugin: ``pytest_plugins = ["tests.api_fixtures"]``): the shared
samples loaded once per module, users of each role, their tokens, a client that sends them."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import transaction

from jiandu.accounts.choices import Role
from jiandu.accounts.models import User
from jiandu.accounts.tokens import api_token_create
from jiandu.records.services import interchange_import

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
ORDER = ("agencies", "officers", "powers", "four_lists", "records")

# Agencies of the samples that tests compare: two departments and a street office.
MARKET = "113701172157368164"       # 钢城区市场监督管理局 (district)
ECOLOGY = "113701179303642657"      # 济南市生态环境局钢城分局 (district)
AISHAN = "11370117137585847R"       # 钢城区艾山街道办事处 (street 370117001)
AISHAN_REGION = "370117001"


@pytest.fixture(scope="module")
def sample_data(django_db_setup, django_db_blocker):
    """The shared samples imported once for the module inside a transaction rolled back after it,
    so each test's own transaction nests inside and other modules never see the rows."""
    if not SAMPLES.exists():
        pytest.skip(f"shared samples not found at {SAMPLES}")
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            for kind in ORDER:
                interchange_import(kind=kind, path=SAMPLES / f"{kind}.jsonl", source="samples")
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield SimpleNamespace(path=SAMPLES, market=MARKET, ecology=ECOLOGY, aishan=AISHAN,
                          aishan_region=AISHAN_REGION)
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def make_user(db):
    def make(role: str = Role.SUPERVISOR, *, agency: str | None = None, region_code: str = "",
             username: str | None = None, **extra) -> User:
        username = username or f"{role}-{agency or region_code or 'x'}-{User.objects.count()}"
        return User.objects.create_user(username=username, password="Pw-0123456789", role=role,
                                        agency_id=agency, region_code=region_code, name=username, **extra)

    return make


@pytest.fixture
def make_token(db):
    def make(user: User, **kwargs) -> str:
        return api_token_create(user=user, name=kwargs.pop("name", "test"), **kwargs)[1]

    return make


@pytest.fixture
def supervisor(make_user) -> User:
    return make_user(Role.SUPERVISOR, username="supervisor")


@pytest.fixture
def supervisor_token(make_token, supervisor) -> str:
    return make_token(supervisor)


@pytest.fixture
def market_liaison(make_user) -> User:
    return make_user(Role.LIAISON, agency=MARKET, username="market-liaison")


@pytest.fixture
def market_token(make_token, market_liaison) -> str:
    return make_token(market_liaison)


class ApiClient:
    """Django's test client that sends a Bearer token and returns parsed JSON where asked."""

    def __init__(self, client):
        self.client = client

    @staticmethod
    def headers(token: str | None) -> dict:
        return {} if token is None else {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def get(self, path: str, token: str | None = None, **params):
        return self.client.get(path, params, **self.headers(token))

    def post(self, path: str, token: str | None = None, **kwargs):
        return self.client.post(path, **kwargs, **self.headers(token))

    def json(self, path: str, token: str, **params):
        response = self.get(path, token, **params)
        assert response.status_code == 200, response.content
        return response.json()


@pytest.fixture
def api_client(client) -> ApiClient:
    return ApiClient(client)


def _assert_error(response, status: int, code: str) -> dict:
    """The response is ``status`` in the API's error shape with ``code``; returns its error."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert "(" in body["error"]["message"]  # Chinese, then English in brackets
    return body["error"]


@pytest.fixture
def assert_error():
    return _assert_error
