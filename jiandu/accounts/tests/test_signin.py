"""Sign-in, lockout per account and per address, sign-out, and the password-expiry gate."""

from datetime import timedelta

import pytest
from django.urls import reverse

from jiandu.accounts.choices import AuditAction, Role
from jiandu.accounts.models import AuditEvent
from jiandu.accounts.selectors import LOCK_ACCOUNT, LOCK_IP

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
LOCKED = "登录失败次数过多"
WRONG = "用户名或密码错误"


def _login(client, username, password, ip="10.0.0.1", **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra},
                       REMOTE_ADDR=ip)


def _signed_in(client):
    return "_auth_user_id" in client.session


def test_login_page_is_chinese_and_public(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    body = response.content.decode()
    assert "用户名" in body and "密码" in body and 'name="csrfmiddlewaretoken"' in body
    assert 'name="next"' not in body
    carried = client.get(LOGIN, {"next": "/records/"}).content.decode()
    assert '<input type="hidden" name="next" value="/records/">' in carried


def test_login_success_is_audited_and_follows_next(client, make_user):
    make_user("liu")
    response = _login(client, "liu", PASSWORD, next="/accounts/password/")
    assert response.status_code == 302 and response["Location"] == "/accounts/password/"
    assert _signed_in(client)
    event = AuditEvent.objects.get(action=AuditAction.LOGIN)
    assert event.username == "liu" and event.ip == "10.0.0.1"


def test_login_ignores_an_offsite_next(client, make_user):
    make_user("liu")
    response = _login(client, "liu", PASSWORD, next="https://evil.example/")
    assert response["Location"] == reverse("home")


def test_wrong_password_and_unknown_user_get_the_same_answer(client, make_user):
    make_user("liu")
    wrong = _login(client, "liu", "Wrong-Pass-000").content.decode()
    unknown = _login(client, "nobody", "Wrong-Pass-000").content.decode()
    assert WRONG in wrong and WRONG in unknown
    assert not _signed_in(client)
    failures = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED)
    assert sorted(failures.values_list("username", flat=True)) == ["liu", "nobody"]


def test_inactive_user_cannot_sign_in(client, make_user):
    make_user("gone", is_active=False)
    assert WRONG in _login(client, "gone", PASSWORD).content.decode()
    assert not _signed_in(client)


def test_account_lockout(client, make_user, clock):
    make_user("zhang")
    # A different address each time: only the account's own count is at work.
    for n in range(4):
        assert WRONG in _login(client, "zhang", "Wrong-Pass-000", ip=f"10.1.0.{n}").content.decode()
    assert LOCKED in _login(client, "zhang", "Wrong-Pass-000", ip="10.1.0.4").content.decode()
    clock.advance(minutes=1)
    refused = _login(client, "zhang", PASSWORD, ip="10.1.0.5")
    assert LOCKED in refused.content.decode() and not _signed_in(client)

    events = AuditEvent.objects.filter(username="zhang")
    assert events.filter(action=AuditAction.LOGIN_FAILED).count() == 6
    lock = events.get(action=AuditAction.LOCKED)
    assert (lock.object_type, lock.object_id, lock.ip) == (LOCK_ACCOUNT, "zhang", "10.1.0.4")
    assert not events.filter(action=AuditAction.LOGIN).exists()

    clock.advance(minutes=13, seconds=59)
    assert LOCKED in _login(client, "zhang", PASSWORD, ip="10.1.0.6").content.decode()
    clock.advance(seconds=1)  # 15 minutes after the lock
    assert _login(client, "zhang", PASSWORD, ip="10.1.0.7").status_code == 302
    assert _signed_in(client)


def test_an_unknown_account_locks_the_same_way(client, make_user):
    for _n in range(5):
        _login(client, "ghost", "Wrong-Pass-000", ip="10.2.0.9" if _n == 4 else f"10.2.0.{_n}")
    answer = _login(client, "ghost", "Wrong-Pass-000", ip="10.2.1.1").content.decode()
    assert LOCKED in answer
    assert AuditEvent.objects.filter(action=AuditAction.LOCKED, object_id="ghost").exists()


def test_ip_lockout(client, make_user, clock):
    make_user("victim")
    for n in range(5):
        _login(client, f"guess{n}", "Wrong-Pass-000", ip="10.9.9.9")
    lock = AuditEvent.objects.get(action=AuditAction.LOCKED)
    assert (lock.object_type, lock.object_id) == (LOCK_IP, "10.9.9.9")
    # The right password of an unlocked account, from the locked address: refused.
    assert LOCKED in _login(client, "victim", PASSWORD, ip="10.9.9.9").content.decode()
    assert not _signed_in(client)
    # From elsewhere the account is fine.
    assert _login(client, "victim", PASSWORD, ip="10.9.9.8").status_code == 302
    client.logout()
    clock.advance(minutes=15, seconds=1)
    assert _login(client, "victim", PASSWORD, ip="10.9.9.9").status_code == 302


def test_success_clears_the_account_count_but_not_the_address(client, make_user):
    make_user("chen")
    for n in range(4):
        _login(client, "chen", "Wrong-Pass-000", ip=f"10.3.0.{n}")
    assert _login(client, "chen", PASSWORD, ip="10.3.1.1").status_code == 302
    client.logout()
    for n in range(4):
        assert WRONG in _login(client, "chen", "Wrong-Pass-000", ip=f"10.3.2.{n}").content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.LOCKED).exists()

    # An attacker's own good account does not reset the count of guesses from their address.
    make_user("mallory")
    for n in range(4):
        _login(client, f"target{n}", "Wrong-Pass-000", ip="10.4.0.1")
    assert _login(client, "mallory", PASSWORD, ip="10.4.0.1").status_code == 302
    client.logout()
    assert LOCKED in _login(client, "target9", "Wrong-Pass-000", ip="10.4.0.1").content.decode()


def test_failures_older_than_the_window_do_not_count(client, make_user, clock):
    make_user("sun")
    for n in range(4):
        _login(client, "sun", "Wrong-Pass-000", ip=f"10.5.0.{n}")
    clock.advance(minutes=16)
    assert WRONG in _login(client, "sun", "Wrong-Pass-000", ip="10.5.1.1").content.decode()


def test_logout_requires_post_and_is_audited(client, make_user):
    user = make_user("zhou")
    client.force_login(user)
    logout = reverse("accounts:logout")
    assert client.get(logout).status_code == 405
    assert _signed_in(client)
    response = client.post(logout)
    assert response.status_code == 302 and response["Location"] == LOGIN
    assert not _signed_in(client)
    assert AuditEvent.objects.filter(action=AuditAction.LOGOUT, username="zhou").exists()


def test_anonymous_is_sent_to_login(client):
    for name in ("accounts:password_change", "accounts:two_factor", "accounts:two_factor_enrol"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith(LOGIN + "?next=")
    assert client.post(reverse("accounts:logout"))["Location"].startswith(LOGIN)


def test_expired_password_is_sent_to_the_change_page(client, make_user, clock):
    user = make_user("wu", password_changed_at=clock.now - timedelta(days=91))
    client.force_login(user)
    gated = reverse("accounts:two_factor")
    response = client.get(gated)
    change = reverse("accounts:password_change")
    assert response.status_code == 302 and response["Location"] == f"{change}?next=%2Faccounts%2Ftwo-factor%2F"
    page = client.get(response["Location"])
    assert page.status_code == 200 and "90 天" in page.content.decode()
    # Logging out stays possible.
    assert client.post(reverse("accounts:logout")).status_code == 302


def test_changing_the_password_lifts_the_gate(client, make_user, clock):
    user = make_user("wu", password_changed_at=None)
    client.force_login(user)
    change = reverse("accounts:password_change")
    page = client.get(change).content.decode()
    assert "临时密码" in page
    bad = client.post(change, {"old_password": PASSWORD, "new_password1": "alllowercase",
                               "new_password2": "alllowercase"})
    assert bad.status_code == 200 and "(use at least 3 of" in bad.content.decode()
    reused = client.post(change, {"old_password": PASSWORD, "new_password1": PASSWORD,
                                  "new_password2": PASSWORD})
    assert "不能使用最近 5 次用过的密码" in reused.content.decode()
    wrong_old = client.post(change, {"old_password": "nope", "new_password1": "New-Pass-2026",
                                     "new_password2": "New-Pass-2026"})
    assert "当前密码不正确" in wrong_old.content.decode()
    done = client.post(change + "?next=/accounts/two-factor/",
                       {"old_password": PASSWORD, "new_password1": "New-Pass-2026",
                        "new_password2": "New-Pass-2026"})
    assert done.status_code == 302 and done["Location"] == "/accounts/two-factor/"
    # Still signed in with the new password hash, and no longer held back.
    assert _signed_in(client)
    user.refresh_from_db()
    assert user.password_changed_at == clock.now and user.check_password("New-Pass-2026")
    assert client.get("/accounts/two-factor/")["Location"] == reverse("home")
    assert AuditEvent.objects.filter(action=AuditAction.PASSWORD, username="wu").count() == 1


def test_social_supervisors_passwords_do_not_expire(client, make_user, clock):
    user = make_user("citizen", role=Role.SOCIAL_SUPERVISOR,
                     password_changed_at=clock.now - timedelta(days=400))
    client.force_login(user)
    assert client.get(reverse("accounts:two_factor"))["Location"] == reverse("home")
