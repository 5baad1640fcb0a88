"""API sign-in: Bearer tokens (create, revoke, expire, last use), 2FA-verified sessions, CSRF, roles."""

from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from jiandu.accounts.choices import AuditAction, Role
from jiandu.accounts.models import ApiToken, AuditEvent
from jiandu.accounts.testing import gate_passed, sign_in
from jiandu.accounts.tokens import api_token_authenticate, api_token_create, api_token_revoke
from jiandu.core.crypto import keyed_digest

pytest_plugins = ["tests.api_fixtures"]
pytestmark = pytest.mark.django_db

ME = "/api/v1/me"


def bearer(secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_token_is_stored_only_as_a_keyed_digest(supervisor):
    token, secret = api_token_create(user=supervisor, name="案件系统对接")
    assert secret.startswith("jd_") and len(secret) > 40
    assert token.prefix == secret[:10]
    assert token.key_hash == keyed_digest(secret.encode())
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert all(secret not in str(value) for value in stored.values())


def test_create_and_revoke_are_audited(supervisor):
    token, _ = api_token_create(user=supervisor, name="对接")
    api_token_revoke(token=token, by=supervisor)
    api_token_revoke(token=token, by=supervisor)
    events = AuditEvent.objects.filter(object_type="accounts.apitoken", object_id=str(token.pk))
    assert events.count() == 2
    assert {e.action for e in events} == {AuditAction.ACCOUNT}
    assert all(e.username == "supervisor" for e in events)


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer ", "Bearer nonsense", "Bearer jd_" + "x" * 43,
                                    "Basic c3VwZXJ2aXNvcjpwdw=="])
def test_missing_or_invalid_token_is_401_in_the_error_shape(client, supervisor, header, assert_error):
    extra = {} if header is None else {"HTTP_AUTHORIZATION": header}
    response = client.get(ME, **extra)
    assert_error(response, 401, "unauthorized")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_valid_token_signs_in(client, supervisor_token):
    response = client.get(ME, **bearer(supervisor_token))
    assert response.status_code == 200
    assert response.json()["username"] == "supervisor"
    assert response.json()["sees_everything"] is True


def test_revoked_token_is_refused(client, supervisor, make_token, assert_error):
    secret = make_token(supervisor)
    assert client.get(ME, **bearer(secret)).status_code == 200
    api_token_revoke(token=ApiToken.objects.get(user=supervisor), by=supervisor)
    assert_error(client.get(ME, **bearer(secret)), 401, "unauthorized")


def test_expired_token_is_refused(client, supervisor, make_token, assert_error):
    secret = make_token(supervisor, expires_at=timezone.now() + timedelta(days=1))
    assert client.get(ME, **bearer(secret)).status_code == 200
    ApiToken.objects.filter(user=supervisor).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert_error(client.get(ME, **bearer(secret)), 401, "unauthorized")


def test_token_cannot_be_created_already_expired(supervisor):
    with pytest.raises(ValueError):
        api_token_create(user=supervisor, name="x", expires_at=timezone.now() - timedelta(days=1))


def test_inactive_user_token_is_refused(client, supervisor, supervisor_token, assert_error):
    supervisor.is_active = False
    supervisor.save(update_fields=["is_active"])
    assert_error(client.get(ME, **bearer(supervisor_token)), 401, "unauthorized")


def test_role_outside_staff_is_forbidden(client, make_user, make_token, assert_error):
    citizen = make_user(Role.SOCIAL_SUPERVISOR)
    assert_error(client.get(ME, **bearer(make_token(citizen))), 403, "forbidden")


def test_last_use_is_written_at_most_once_a_minute(supervisor, supervisor_token, django_assert_num_queries):
    with django_assert_num_queries(2):
        assert api_token_authenticate(supervisor_token) == supervisor
    first = ApiToken.objects.get(user=supervisor).last_used_at
    assert first is not None
    with django_assert_num_queries(1):
        api_token_authenticate(supervisor_token)
    assert ApiToken.objects.get(user=supervisor).last_used_at == first
    ApiToken.objects.filter(user=supervisor).update(last_used_at=first - timedelta(minutes=2))
    api_token_authenticate(supervisor_token)
    assert ApiToken.objects.get(user=supervisor).last_used_at > first - timedelta(minutes=2)


# Sessions: the browser's sign-in, for the docs page.

def test_session_of_a_role_without_2fa_signs_in(client, make_user):
    sign_in(client, make_user(Role.LEADER))
    assert client.get(ME).json()["role"] == "leader"


def test_unverified_session_of_a_2fa_role_is_refused_not_redirected(client, supervisor, assert_error):
    gate_passed(supervisor)
    client.force_login(supervisor)
    error = assert_error(client.get(ME), 401, "unauthorized")
    assert "双因素" in error["message"]


def test_unverified_superuser_session_is_refused(client, make_user, assert_error):
    user = make_user(Role.LEADER, is_superuser=True)
    gate_passed(user)
    client.force_login(user)
    assert_error(client.get(ME), 401, "unauthorized")


def test_session_that_owes_a_password_change_is_refused_not_redirected(client, make_user, assert_error):
    client.force_login(make_user(Role.LEADER))
    error = assert_error(client.get(ME), 401, "unauthorized")
    assert "修改密码" in error["message"]


def test_verified_session_of_a_2fa_role_signs_in(client, supervisor):
    sign_in(client, supervisor)
    assert client.get(ME).json()["username"] == "supervisor"


# Token self-service.

def test_session_creates_a_token_once_shown(make_user):
    user = make_user(Role.LEADER)
    client = Client(enforce_csrf_checks=True)
    sign_in(client, user)
    client.get("/api/v1/docs")  # sets the CSRF cookie, as the docs page does
    csrf = client.cookies["csrftoken"].value
    response = client.post("/api/v1/tokens", {"name": "报表系统", "expires_in_days": 30},
                           content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["token"]["name"] == "报表系统" and body["token"]["active"] is True
    expires = datetime.fromisoformat(body["token"]["expires_at"])
    assert timedelta(days=29) < expires - timezone.now() <= timedelta(days=30)
    assert Client().get(ME, **bearer(body["secret"])).json()["username"] == user.username
    listed = Client().get("/api/v1/tokens", **bearer(body["secret"])).json()
    assert [t["prefix"] for t in listed] == [body["token"]["prefix"]]
    assert "secret" not in listed[0]


def test_session_write_without_csrf_token_is_refused(make_user, assert_error):
    client = Client(enforce_csrf_checks=True)
    sign_in(client, make_user(Role.LEADER))
    response = client.post("/api/v1/tokens", {"name": "x"}, content_type="application/json")
    assert_error(response, 403, "forbidden")


def test_token_cannot_create_or_revoke_tokens(client, supervisor, supervisor_token, assert_error):
    response = client.post("/api/v1/tokens", {"name": "x"}, content_type="application/json",
                           **bearer(supervisor_token))
    assert_error(response, 401, "unauthorized")
    token = ApiToken.objects.get(user=supervisor)
    assert_error(client.post(f"/api/v1/tokens/{token.pk}/revoke", **bearer(supervisor_token)),
                 401, "unauthorized")


def test_token_name_is_validated(make_user, assert_error):
    client = Client()
    sign_in(client, make_user(Role.LEADER))
    for payload in ({"name": "   "}, {"name": "x", "expires_in_days": 0},
                    {"name": "x", "expires_in_days": 366}, {"name": "a\x00b"}, {}):
        error = assert_error(client.post("/api/v1/tokens", payload, content_type="application/json"),
                             422, "validation_error")
        assert error["details"] and all("field" in d for d in error["details"])


def test_user_revokes_own_token_but_not_anothers(make_user, assert_error):
    owner, other = make_user(Role.LEADER), make_user(Role.LEADER)
    token, secret = api_token_create(user=owner, name="x")
    client = Client()
    sign_in(client, other)
    assert_error(client.post(f"/api/v1/tokens/{token.pk}/revoke"), 404, "not_found")
    assert client.get("/api/v1/tokens").json() == []
    sign_in(client, owner)
    response = client.post(f"/api/v1/tokens/{token.pk}/revoke")
    assert response.status_code == 200
    assert response.json()["active"] is False and response.json()["revoked_at"]
    assert api_token_authenticate(secret) is None
