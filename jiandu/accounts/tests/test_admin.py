"""Account lifecycle in the admin, the read-only audit log and its export, API token revocation."""

import io

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from openpyxl import load_workbook

from jiandu.accounts.choices import AuditAction, Role
from jiandu.accounts.models import ApiToken, AuditEvent, User
from jiandu.accounts.services import audit_record
from jiandu.accounts.testing import sign_in
from jiandu.core.crypto import decrypt_text, keyed_hash

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:accounts_user_changelist")


@pytest.fixture
def admin_client(client, make_user):
    root = make_user("root", role=Role.ADMIN, is_superuser=True, is_staff=True)
    sign_in(client, root)
    client.root = root
    return client


def _action(client, url, action, objects):
    return client.post(url, {"action": action, "_selected_action": [o.pk for o in objects]})


def _account_events(target):
    return AuditEvent.objects.filter(action=AuditAction.ACCOUNT, object_type="accounts.user",
                                     object_id=str(target.pk))


def test_admin_pages_are_chinese(admin_client):
    body = admin_client.get(CHANGELIST).content.decode()
    assert "停用所选账户" in body and "重置密码" in body and "重置双因素认证" in body
    assert "角色" in body and "所属单位" in body


def test_create_account_with_temporary_password_and_encrypted_phone(admin_client, agency):
    response = admin_client.post(reverse("admin:accounts_user_add"), {
        "username": "liaison1", "name": "李联络", "role": Role.LIAISON, "agency": agency.code,
        "region_code": "", "phone": "138 0013 5678"})
    assert response.status_code == 200, response.content.decode()[:2000]
    body = response.content.decode()
    assert "临时密码" in body and "no-store" in response["Cache-Control"]
    user = User.objects.get(username="liaison1")
    password = response.context["issued"][0][1]
    assert password in body and user.check_password(password)
    assert user.password_changed_at is None  # must change it at the first sign-in
    assert user.phone_enc.startswith("sm4gcm:") and "13800135678" not in user.phone_enc
    assert decrypt_text(user.phone_enc) == "13800135678"
    assert user.phone_hash == keyed_hash("13800135678")
    assert _account_events(user).get().user == admin_client.root

    listing = admin_client.get(CHANGELIST).content.decode()
    assert "138****5678" in listing and "13800135678" not in listing
    found = admin_client.get(CHANGELIST, {"q": "13800135678"})
    assert list(found.context["cl"].result_list) == [user]


def test_create_refuses_a_liaison_without_agency(admin_client):
    response = admin_client.post(reverse("admin:accounts_user_add"), {
        "username": "nobody", "name": "x", "role": Role.LIAISON, "region_code": ""})
    assert response.status_code == 200
    assert "必须选择所属单位" in response.content.decode()
    assert not User.objects.filter(username="nobody").exists()


def test_change_account_is_audited_without_the_phone_number(admin_client, make_user, agency):
    user = make_user("officer1", role=Role.OFFICER, agency=agency)
    url = reverse("admin:accounts_user_change", args=[user.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    response = admin_client.post(url, {
        "username": "officer1", "name": "王执法", "role": Role.OFFICER, "agency": agency.code,
        "region_code": "", "phone": "13912345678"})
    assert response.status_code == 302, response.content.decode()[:3000]
    user.refresh_from_db()
    assert user.name == "王执法" and decrypt_text(user.phone_enc) == "13912345678"
    detail = _account_events(user).get().detail
    assert "姓名=王执法" in detail and "手机号" in detail and "13912345678" not in detail
    assert "139****5678" in admin_client.get(url).content.decode()


def test_disable_enable_reset_password_and_two_factor_are_audited(admin_client, make_user):
    user = make_user("sup", role=Role.SUPERVISOR)
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)

    _action(admin_client, CHANGELIST, "disable_accounts", [user])
    user.refresh_from_db()
    assert not user.is_active
    _action(admin_client, CHANGELIST, "enable_accounts", [user])
    user.refresh_from_db()
    assert user.is_active

    response = _action(admin_client, CHANGELIST, "reset_passwords", [user])
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    temporary = response.context["issued"][0][1]
    user.refresh_from_db()
    assert user.check_password(temporary) and user.password_changed_at is None

    _action(admin_client, CHANGELIST, "reset_two_factor", [user])
    assert not TOTPDevice.objects.filter(user=user).exists()

    details = list(_account_events(user).order_by("id").values_list("detail", flat=True))
    assert [d.split("：", 1)[1][:4] for d in details] == ["停用账户", "启用账户", "重置密码", "重置双因"]
    assert all(e.username == "root" for e in _account_events(user))


def test_an_administrator_cannot_disable_themselves(admin_client):
    response = _action(admin_client, CHANGELIST, "disable_accounts", [admin_client.root])
    assert response.status_code == 302
    admin_client.root.refresh_from_db()
    assert admin_client.root.is_active
    assert not _account_events(admin_client.root).exists()


def test_accounts_cannot_be_deleted(admin_client, make_user):
    user = make_user("keep")
    assert admin_client.get(reverse("admin:accounts_user_delete", args=[user.pk])).status_code == 403
    assert User.objects.filter(pk=user.pk).exists()


def test_the_audit_log_is_read_only_in_the_admin(admin_client):
    event = audit_record(action=AuditAction.LOGIN, username="someone", detail="原文")
    change = reverse("admin:accounts_auditevent_change", args=[event.pk])
    view = admin_client.get(change)
    assert view.status_code == 200 and 'name="_save"' not in view.content.decode()
    assert admin_client.post(change, {"detail": "改过"}).status_code == 403
    delete = reverse("admin:accounts_auditevent_delete", args=[event.pk])
    assert admin_client.get(delete).status_code == 403
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert admin_client.get(reverse("admin:accounts_auditevent_add")).status_code == 403
    listing = admin_client.get(reverse("admin:accounts_auditevent_changelist"))
    assert "delete_selected" not in listing.content.decode()
    assert AuditEvent.objects.get(pk=event.pk).detail == "原文"


def test_audit_log_search_and_export(admin_client):
    audit_record(action=AuditAction.LOGIN_FAILED, username="=HYPERLINK(\"http://x\")",
                 detail="用户名或密码错误")
    from_there = AuditEvent.objects.create(action=AuditAction.LOGIN, username="a", ip="10.7.7.7")
    url = reverse("admin:accounts_auditevent_changelist")
    found = admin_client.get(url, {"q": "10.7.7.7"})
    assert list(found.context["cl"].result_list) == [from_there]
    by_name = admin_client.get(url, {"q": "HYPERLINK"})
    assert [e.detail for e in by_name.context["cl"].result_list] == ["用户名或密码错误"]
    events = list(AuditEvent.objects.all())
    response = _action(admin_client, url, "export_xlsx", events)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.values)
    assert rows[0][:4] == ("时间", "账号", "IP 地址", "操作")
    assert len(rows) == 1 + len(events)
    assert ("=HYPERLINK(\"http://x\")", "登录失败") in [(r[1], r[3]) for r in rows]
    cells = [c for row in sheet.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)  # stored as text, never as a formula
    export = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert export.username == "root" and str(len(events)) in export.detail


def test_api_tokens_are_revoked_from_the_admin(admin_client, make_user):
    owner = make_user("owner")
    token = ApiToken.objects.create(user=owner, name="对接", prefix="jd_abc", key_hash="h" * 64)
    url = reverse("admin:accounts_apitoken_changelist")
    assert admin_client.get(url).status_code == 200
    assert admin_client.post(reverse("admin:accounts_apitoken_change", args=[token.pk]),
                             {"name": "x"}).status_code == 403
    _action(admin_client, url, "revoke", [token])
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(action=AuditAction.ACCOUNT, object_type="accounts.apitoken",
                                     object_id=str(token.pk)).exists()


def test_admin_sign_in_goes_through_the_site_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    to_login = client.get(response["Location"])
    assert to_login["Location"].startswith(reverse("accounts:login") + "?next=")
    assert client.get(reverse("admin:login"))["Location"].startswith(reverse("accounts:login"))
