"""TOTP two-factor: enrolment by QR code, verification, the gate, lockout by wrong codes, demo codes."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from jiandu.accounts.choices import AuditAction, Role
from jiandu.accounts.models import AuditEvent
from jiandu.accounts.selectors import otp_base32
from jiandu.accounts.services import OTP_KEY_SESSION

from .conftest import PASSWORD

# otp_clock: codes are made and checked within one 30-second step (see the fixture).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("otp_clock")]

LOGIN = reverse("accounts:login")
VERIFY = reverse("accounts:two_factor")
ENROL = reverse("accounts:two_factor_enrol")


@pytest.fixture(autouse=True)
def no_otp_backoff(settings):
    # django-otp waits 1 s, 2 s, 4 s… after a wrong code; the tests type the right one at once.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def _code(key_hex: str) -> str:
    return f"{totp(bytes.fromhex(key_hex)):06d}"


def _password_step(client, username, ip="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": PASSWORD, "next": "/admin/"},
                       REMOTE_ADDR=ip)


def test_first_login_enrols_by_qr_code(client, make_user):
    make_user("sup", role=Role.SUPERVISOR)
    step = _password_step(client, "sup")
    assert step["Location"] == f"{VERIFY}?next=%2Fadmin%2F"
    # No LOGIN yet: the sign-in is complete only with the second factor.
    assert not AuditEvent.objects.filter(action=AuditAction.LOGIN).exists()
    to_enrol = client.get(step["Location"])
    assert to_enrol["Location"] == f"{ENROL}?next=%2Fadmin%2F"
    page = client.get(to_enrol["Location"])
    body = page.content.decode()
    key = client.session[OTP_KEY_SESSION]
    # The QR code is drawn inline (nothing fetched) and the key is there to type in by hand.
    assert "<svg" in body and "<img" not in body and "绑定动态口令" in body
    assert otp_base32(key) in body
    # The key waits in the session, the same on a reload; nothing is stored until a code
    # proves the phone holds it.
    assert otp_base32(key) in client.get(ENROL).content.decode()
    assert not TOTPDevice.objects.exists()

    wrong = client.post(ENROL, {"token": "000000" if _code(key) != "000000" else "111111",
                                "next": "/admin/"})
    assert wrong.status_code == 200 and "动态口令不正确" in wrong.content.decode()
    done = client.post(ENROL, {"token": _code(key), "next": "/accounts/password/"})
    assert done.status_code == 302 and done["Location"] == "/accounts/password/"
    device = TOTPDevice.objects.get(user__username="sup")
    assert device.confirmed and device.key == key
    assert client.get("/accounts/password/").status_code == 200  # verified: the gate lets through
    assert AuditEvent.objects.filter(action=AuditAction.ACCOUNT, detail="绑定动态口令设备").exists()
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN, username="sup").count() == 1


def test_later_logins_ask_for_the_code(client, make_user):
    user = make_user("adm", role=Role.ADMIN, is_staff=True)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    step = _password_step(client, "adm")
    assert step["Location"] == f"{VERIFY}?next=%2Fadmin%2F"
    page = client.get(step["Location"])
    assert page.status_code == 200 and "动态口令验证" in page.content.decode()

    # Until verified, every other page sends them back here; signing out still works.
    for path in ("/admin/", "/accounts/password/", ENROL):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith(VERIFY), path

    wrong = client.post(VERIFY, {"token": "12345x", "next": "/admin/"})
    assert "动态口令错误" in wrong.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, detail="动态口令错误").exists()
    done = client.post(VERIFY, {"token": _code(device.key), "next": "/accounts/password/"})
    assert done["Location"] == "/accounts/password/"
    assert client.get("/accounts/password/").status_code == 200
    login = AuditEvent.objects.get(action=AuditAction.LOGIN)
    assert login.username == "adm" and login.ip == "127.0.0.1"
    # The same code cannot be used twice.
    client.post(reverse("accounts:logout"))
    _password_step(client, "adm")
    again = client.post(VERIFY, {"token": _code(device.key)})
    assert again.status_code == 200 and "动态口令错误" in again.content.decode()


def test_superusers_need_the_second_factor_whatever_their_role(client, make_user):
    make_user("root", role=Role.LEADER, is_superuser=True, is_staff=True)
    assert _password_step(client, "root")["Location"].startswith(VERIFY)
    assert client.get("/admin/")["Location"].startswith(VERIFY)


def test_other_roles_need_no_second_factor(client, make_user):
    make_user("lead", role=Role.LEADER)
    assert _password_step(client, "lead")["Location"] == "/admin/"
    assert client.get(VERIFY)["Location"] == reverse("home")


def test_wrong_codes_lock_like_wrong_passwords(client, make_user, clock):
    user = make_user("adm", role=Role.ADMIN)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    _password_step(client, "adm")
    for _n in range(4):
        assert "动态口令错误" in client.post(VERIFY, {"token": "999999x"}).content.decode()
    locked = client.post(VERIFY, {"token": "999999x"})
    assert locked.status_code == 302 and locked["Location"] == LOGIN
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action=AuditAction.LOCKED, object_id="adm").exists()
    # Locked: the password is refused, and a half-signed-in session cannot use a right code.
    assert "登录失败次数过多" in _password_step(client, "adm", ip="10.0.0.2").content.decode()
    clock.advance(minutes=15, seconds=1)
    assert _password_step(client, "adm", ip="10.0.0.3")["Location"].startswith(VERIFY)
    assert client.post(VERIFY, {"token": _code(device.key)})["Location"] == reverse("home")


def test_lock_during_the_second_step_ends_the_session(client, make_user):
    user = make_user("adm", role=Role.ADMIN)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    _password_step(client, "adm")
    # Someone else exhausts the account meanwhile.
    other = client.__class__()
    for n in range(5):
        other.post(LOGIN, {"username": "adm", "password": "Wrong-Pass-000"}, REMOTE_ADDR=f"10.8.0.{n}")
    refused = client.post(VERIFY, {"token": _code(device.key)})
    assert refused["Location"] == LOGIN and "_auth_user_id" not in client.session


def test_otp_code_command_prints_the_current_code(make_user, capsys, settings):
    user = make_user("adm", role=Role.ADMIN)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    call_command("otp_code", "adm")
    assert capsys.readouterr().out.strip() == _code(device.key)
    with pytest.raises(CommandError):
        call_command("otp_code", "nobody")
    make_user("lead")
    with pytest.raises(CommandError):
        call_command("otp_code", "lead")
    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        call_command("otp_code", "adm")


def test_the_demo_code_is_the_clock_s_after_the_server_learned_a_drift(make_user, client, otp_clock):
    # A code typed just after a 30-second step ends matches the step before, and django-otp
    # then keeps a drift of -1 for the device. `jiandu otp_code` stands in for a phone whose
    # clock is this machine's: it must print the current step's code, which the server
    # accepts, not the drifted one, which is the step already used and so refused as a replay.
    from jiandu.accounts.selectors import otp_code

    user = make_user("adm", role=Role.ADMIN)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    now = otp_clock // device.step
    device.drift, device.last_t = -1, now - 1
    device.save()
    assert otp_code(user) == _code(device.key)
    client.post(LOGIN, {"username": "adm", "password": PASSWORD})
    done = client.post(VERIFY, {"token": otp_code(user)})
    assert done.status_code == 302 and done["Location"] != VERIFY
