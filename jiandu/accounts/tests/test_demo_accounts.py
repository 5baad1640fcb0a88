"""Demo accounts: one per role, policy-compliant, resettable, with a known second factor for two."""

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from jiandu.accounts.choices import Role
from jiandu.accounts.models import User
from jiandu.accounts.selectors import otp_code, password_change_required
from jiandu.accounts.services import DEMO_OTP_KEY, DemoRefused, demo_accounts_ensure
from jiandu.org.models import Agency

pytestmark = pytest.mark.django_db


@pytest.fixture
def district(db):
    def make(code, name, type_):
        return Agency.objects.create(code=code, name=name, type=type_, level="district",
                                     region_code="370117", content_hash="x")

    return {"justice": make("11370117MB0000001A", "钢城区司法局", "supervision_body"),
            "market": make("11370117MB0000002B", "钢城区市场监督管理局", "administrative_organ"),
            "zoning": make("11370117MB0000003C", "钢城区自然资源局", "administrative_organ")}


def test_demo_accounts(district, client, otp_clock):
    accounts = demo_accounts_ensure()
    assert [a["username"] for a in accounts] == ["admin", "supervisor", "street", "liaison", "officer",
                                                 "leader", "social"]
    users = {u.username: u for u in User.objects.all()}
    assert users["admin"].is_superuser and users["admin"].role == Role.ADMIN
    assert users["supervisor"].agency == district["justice"]
    assert users["street"].region_code == "370117001"
    assert users["liaison"].agency.code == "11370117MB0000002B"  # the first administrative organ
    assert users["officer"].agency == users["liaison"].agency and users["officer"].role == Role.OFFICER
    assert users["social"].role == Role.SOCIAL_SUPERVISOR and users["social"].agency is None
    for account in accounts:
        user = authenticate(username=account["username"], password=account["password"])
        assert user is not None and not password_change_required(user)
        assert account["role"] == user.get_role_display()
        with pytest.raises(ValidationError):  # it is in the history now
            validate_password(account["password"], user)
    two_factor = {a["username"]: a["two_factor"] for a in accounts}
    assert "jiandu otp_code admin" in two_factor["admin"] and "GEZDGNBVGY3TQOJQ" in two_factor["admin"]
    assert two_factor["leader"] == "无需动态口令"
    assert set(TOTPDevice.objects.values_list("user__username", flat=True)) == {"admin", "supervisor"}
    assert otp_code(users["admin"]) == f"{totp(bytes.fromhex(DEMO_OTP_KEY)):06d}"

    # A newcomer gets in with what was printed.
    response = client.post(reverse("accounts:login"),
                           {"username": "supervisor", "password": accounts[1]["password"]})
    assert response["Location"].startswith(reverse("accounts:two_factor"))
    done = client.post(reverse("accounts:two_factor"), {"token": otp_code(users["supervisor"])})
    assert done["Location"] == reverse("home")


def test_demo_accounts_reset_again(district):
    demo_accounts_ensure()
    admin = User.objects.get(username="admin")
    admin.set_password("Something-Else-1")
    admin.is_active = admin.is_superuser = False
    admin.save()
    TOTPDevice.objects.filter(user=admin).delete()
    accounts = demo_accounts_ensure()
    admin.refresh_from_db()
    assert admin.is_active and admin.is_superuser
    assert authenticate(username="admin", password=accounts[0]["password"]) is not None
    assert TOTPDevice.objects.get(user=admin).key == DEMO_OTP_KEY
    assert User.objects.count() == 7


def test_demo_accounts_without_agencies_skip_liaison_and_officer(db):
    assert [a["username"] for a in demo_accounts_ensure()] == ["admin", "supervisor", "street", "leader",
                                                              "social"]


def test_demo_accounts_refused_in_production(settings, db):
    settings.PRODUCTION = True
    with pytest.raises(DemoRefused):
        demo_accounts_ensure()
    assert not User.objects.exists()
