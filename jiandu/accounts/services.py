"""Writes of the accounts app: the audit log, sign-in with lockout and two-factor, passwords, accounts."""

from __future__ import annotations

import secrets
import tempfile
import time
from dataclasses import dataclass
from typing import IO

import django_otp
from django.conf import settings
from django.contrib import auth
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from jiandu.core.crypto import encrypt_text, keyed_hash

from . import selectors
from .choices import AuditAction, Role
from .models import AuditEvent, PasswordHistory, User
from .passwords import HISTORY_SIZE


def client_ip(request) -> str | None:
    """The client's address. Behind a proxy, set the proxy to overwrite REMOTE_ADDR; a client-sent
    X-Forwarded-For is never trusted here because it would let anyone dodge the IP lockout."""
    return request.META.get("REMOTE_ADDR") if request is not None else None


def audit_record(*, action: AuditAction | str, request=None, user=None, username: str = "",
                 object_type: str = "", object_id: str = "", detail: str = "") -> AuditEvent:
    """Append one event. Called inside the caller's transaction, so it stands or falls with the act."""
    if user is None and request is not None and getattr(request, "user", None) is not None \
            and request.user.is_authenticated:
        user = request.user
    return AuditEvent.objects.create(
        user=user, username=username or (user.get_username() if user is not None else ""),
        ip=client_ip(request), action=action, object_type=object_type, object_id=str(object_id),
        detail=detail[:4000],
    )


# ---------------------------------------------------------------------------------------------
# Sign-in, lockout, two-factor

def _locked_message() -> str:
    # The same words whether or not the account exists, and whichever of account or address
    # is locked, so that the lock tells a guesser nothing.
    return _("登录失败次数过多，已暂停登录，请 %(minutes)d 分钟后再试。") % {
        "minutes": int(selectors.LOCK_WINDOW.total_seconds() // 60)}


def _wrong_password_message() -> str:
    return _("用户名或密码错误。")


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in step: ``error`` is what to show when it was refused."""

    user: User | None = None
    error: str = ""
    second_factor: bool = False
    signed_out: bool = False


def _failure_record(*, request, username: str, user: User | None, detail: str) -> bool:
    """Audit one failed attempt; lock the account and/or the address once they reach the
    threshold. True when a lock is now in force."""
    ip = client_ip(request)
    now = timezone.now()
    audit_record(action=AuditAction.LOGIN_FAILED, request=request, user=user, username=username,
                 detail=detail)
    locked = False
    subjects = [(selectors.LOCK_ACCOUNT, username)] + ([(selectors.LOCK_IP, ip)] if ip else [])
    for kind, key in subjects:
        if selectors.login_failures(kind=kind, key=key, now=now) >= selectors.LOCK_THRESHOLD:
            locked = True
            if kind == selectors.LOCK_ACCOUNT:
                what = _("账户 %(username)s") % {"username": username}
            else:
                what = _("来源地址 %(ip)s") % {"ip": ip}
            audit_record(action=AuditAction.LOCKED, request=request, user=user, username=username,
                         object_type=kind, object_id=key,
                         detail=_("%(what)s 在 %(minutes)d 分钟内登录失败 %(n)d 次，锁定 %(minutes)d 分钟")
                         % {"what": what, "n": selectors.LOCK_THRESHOLD,
                            "minutes": int(selectors.LOCK_WINDOW.total_seconds() // 60)})
    return locked


def _refused_while_locked(*, request, username: str, user: User | None) -> None:
    audit_record(action=AuditAction.LOGIN_FAILED, request=request, user=user, username=username,
                 detail=_("账户或来源地址已锁定，拒绝登录，未校验密码"))


def session_login(*, request, username: str, password: str) -> SignIn:
    """Check a username and password and sign the session in, unless the account or the address
    is locked. A user who needs a second factor is signed in but not yet verified: the sign-in
    is audited as a LOGIN only once the code is accepted (`two_factor_verify`)."""
    with transaction.atomic():
        if selectors.login_locked(username=username, ip=client_ip(request)):
            # Not even the password is checked, so the right one does not get through either.
            _refused_while_locked(request=request, username=username, user=None)
            return SignIn(error=_locked_message())
        user = auth.authenticate(request, username=username, password=password)
        if user is None:
            locked = _failure_record(request=request, username=username, user=None,
                                     detail=_("用户名或密码错误"))
            return SignIn(error=_locked_message() if locked else _wrong_password_message())
        auth.login(request, user)
        if selectors.two_factor_required(user):
            return SignIn(user=user, second_factor=True)
        audit_record(action=AuditAction.LOGIN, request=request, user=user, detail=_("登录成功"))
        return SignIn(user=user)


def session_logout(*, request) -> None:
    with transaction.atomic():
        if request.user.is_authenticated:
            audit_record(action=AuditAction.LOGOUT, request=request, detail=_("退出登录"))
        auth.logout(request)


def _session_verified(*, request, device: TOTPDevice) -> None:
    # A new session key once the second factor is in: the pre-verification key may have leaked.
    request.session.cycle_key()
    django_otp.login(request, device)


def _token_digits(token: str) -> int | None:
    token = "".join(token.split())
    return int(token) if len(token) == 6 and token.isdecimal() else None


def two_factor_verify(*, request, token: str) -> SignIn:
    """Check the code from the user's authenticator. Wrong codes count towards the lockout like
    wrong passwords; once locked, the half-signed-in session is ended."""
    user = request.user
    username = user.get_username()
    with transaction.atomic():
        if selectors.login_locked(username=username, ip=client_ip(request)):
            _refused_while_locked(request=request, username=username, user=user)
            auth.logout(request)
            return SignIn(error=_locked_message(), signed_out=True)
        device = selectors.two_factor_device(user, for_update=True)
        if device is None:
            return SignIn(error=_("尚未绑定动态口令设备。"))
        allowed, _detail = device.verify_is_allowed()
        digits = _token_digits(token)
        if allowed and digits is not None and device.verify_token(digits):
            _session_verified(request=request, device=device)
            audit_record(action=AuditAction.LOGIN, request=request, user=user,
                         detail=_("登录成功（密码与动态口令）"))
            return SignIn(user=user)
        if digits is not None and not allowed:
            # django-otp's own back-off after repeated wrong codes on this device.
            return SignIn(user=user, error=_("动态口令尝试过于频繁，请稍候几秒再试。"))
        locked = _failure_record(request=request, username=username, user=user,
                                 detail=_("动态口令错误"))
        if locked:
            auth.logout(request)
            return SignIn(error=_locked_message(), signed_out=True)
        return SignIn(user=user, error=_("动态口令错误，请输入验证器上当前显示的 6 位数字。"))


OTP_KEY_SESSION = "accounts_otp_enrolment_key"


def two_factor_enrolment_key(*, request) -> str:
    """The hex key offered to the signed-in user for enrolment, kept in the session (not the
    database) until a code proves their authenticator holds it."""
    key = request.session.get(OTP_KEY_SESSION)
    if not key:
        key = request.session[OTP_KEY_SESSION] = random_hex(20)
    return key


def two_factor_enrol(*, request, token: str) -> SignIn:
    """Confirm the pending key with a code from the authenticator: the device is stored
    confirmed and the session is verified."""
    user = request.user
    key = request.session.get(OTP_KEY_SESSION)
    digits = _token_digits(token)
    if not key:
        return SignIn(user=user, error=_("绑定页面已过期，请重新扫描二维码。"))
    totp = TOTP(bytes.fromhex(key))
    totp.time = time.time()
    if digits is None or not totp.verify(digits, tolerance=1):
        return SignIn(user=user, error=_("动态口令不正确，请核对手机时间后输入验证器上当前显示的 6 位数字。"))
    with transaction.atomic():
        if selectors.two_factor_device(user) is not None:
            return SignIn(user=user, error=_("已绑定动态口令设备，请直接输入动态口令。"))
        device = TOTPDevice.objects.create(user=user, name=_("手机验证器"), key=key, confirmed=True,
                                           last_t=totp.t(), drift=totp.drift)
        del request.session[OTP_KEY_SESSION]
        _session_verified(request=request, device=device)
        audit_record(action=AuditAction.ACCOUNT, request=request, user=user,
                     object_type="accounts.user", object_id=user.pk, detail=_("绑定动态口令设备"))
        audit_record(action=AuditAction.LOGIN, request=request, user=user,
                     detail=_("登录成功（密码与首次绑定的动态口令）"))
    return SignIn(user=user)


# ---------------------------------------------------------------------------------------------
# Passwords

def _history_store(*, user: User) -> None:
    PasswordHistory.objects.create(user=user, password=user.password)
    # Old hashes are only a liability once they no longer block anything.
    keep = PasswordHistory.objects.filter(user=user).order_by("-created_at", "-id") \
        .values_list("pk", flat=True)[:HISTORY_SIZE]
    PasswordHistory.objects.filter(user=user).exclude(pk__in=list(keep)).delete()


def user_password_set(*, user: User, raw_password: str, request=None) -> User:
    """Set a password the user chose: checked against the policy (raises ValidationError),
    remembered against reuse, and good for another 90 days. A user changing their own password
    stays signed in."""
    validate_password(raw_password, user)
    with transaction.atomic():
        user.set_password(raw_password)
        user.password_changed_at = timezone.now()
        user.save(update_fields=["password", "password_changed_at"])
        _history_store(user=user)
        audit_record(action=AuditAction.PASSWORD, request=request, user=user,
                     object_type="accounts.user", object_id=user.pk, detail=_("修改密码"))
    if request is not None and request.user.is_authenticated and request.user.pk == user.pk:
        auth.update_session_auth_hash(request, user)
    return user


def temporary_password() -> str:
    """14 random characters with all four classes, without look-alikes (0/O, 1/l/I)."""
    classes = ["ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnpqrstuvwxyz", "23456789", "#%+=?@"]
    chars = [secrets.choice(c) for c in classes]
    chars += [secrets.choice("".join(classes)) for _n in range(14 - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def user_password_reset(*, user: User, request) -> str:
    """Give ``user`` a temporary password (returned, to be shown once) that must be changed at
    the next sign-in. Not remembered in the history: it was never the user's choice, and the
    current-password check already refuses it as the new one. The old sessions end with it."""
    password = temporary_password()
    with transaction.atomic():
        user.set_password(password)
        user.password_changed_at = None
        user.save(update_fields=["password", "password_changed_at"])
        _account_audit(request=request, user=user, detail=_("重置密码（临时密码，下次登录须修改）"))
    return password


# ---------------------------------------------------------------------------------------------
# Account lifecycle (by an administrator)

def _account_audit(*, request, user: User, detail: str) -> None:
    audit_record(action=AuditAction.ACCOUNT, request=request, object_type="accounts.user",
                 object_id=user.pk, detail=f"{user.get_username()}：{detail}")


def _phone_store(user: User, phone: str | None) -> None:
    """None leaves the number as it is; "" clears it."""
    if phone is None:
        return
    phone = phone.strip()
    user.phone_enc = encrypt_text(phone) if phone else ""
    user.phone_hash = keyed_hash(phone) if phone else ""


def user_create(*, user: User, phone: str | None, request) -> str:
    """Save a new account built by the admin form, with a temporary password (returned, to be
    shown once) that must be changed at the first sign-in."""
    password = temporary_password()
    with transaction.atomic():
        _phone_store(user, phone)
        user.set_password(password)
        user.password_changed_at = None
        user.save()
        _account_audit(request=request, user=user, detail=_("新建账户，角色：%(role)s")
                       % {"role": user.get_role_display()})
    return password


def user_update(*, user: User, phone: str | None, changed: list[str], request) -> User:
    """Save an account edited in the admin form; the audit names the changed fields (the phone
    number only as changed: it is personal data)."""
    with transaction.atomic():
        _phone_store(user, phone)
        user.save()
        labels = []
        for name in changed:
            if name in ("phone", "phone_clear"):
                labels.append(_("手机号"))
                continue
            field = user._meta.get_field(name)
            if field.many_to_many:
                # Saved after the account itself (save_related), so only named here.
                labels.append(str(field.verbose_name))
                continue
            value = getattr(user, name)
            if field.choices:
                value = getattr(user, f"get_{name}_display")()
            elif isinstance(value, bool):
                value = _("是") if value else _("否")
            labels.append(f"{field.verbose_name}={value if value not in (None, '') else '-'}")
        _account_audit(request=request, user=user,
                       detail=_("修改账户：%(fields)s") % {"fields": "；".join(labels) or "-"})
    return user


def user_active_set(*, user: User, active: bool, request) -> bool:
    """Enable or disable an account; False when it already was. A disabled user's sessions stop
    working at their next request (the auth backend refuses inactive users)."""
    if not active and request.user.pk == user.pk:
        raise ValidationError(_("不能停用自己的账户 (you cannot disable your own account)"))
    with transaction.atomic():
        if not User.objects.filter(pk=user.pk).exclude(is_active=active).update(is_active=active):
            return False
        user.is_active = active
        _account_audit(request=request, user=user, detail=_("启用账户") if active else _("停用账户"))
    return True


def user_two_factor_reset(*, user: User, request) -> int:
    """Remove the user's authenticators: at the next sign-in they enrol a new one. A session
    verified with a removed device is no longer verified."""
    with transaction.atomic():
        removed, _counts = TOTPDevice.objects.filter(user=user).delete()
        _account_audit(request=request, user=user,
                       detail=_("重置双因素认证，删除 %(n)d 个动态口令设备") % {"n": removed})
    return removed


# ---------------------------------------------------------------------------------------------
# Audit log export

AUDIT_EXPORT_HEADERS = ("时间", "账号", "IP 地址", "操作", "对象类型", "对象标识", "详情")
# One workbook stays openable in Excel and quick to write; past this, export by date range.
AUDIT_EXPORT_CAP = 100_000


def _text_cell(sheet, value):
    from openpyxl.cell import WriteOnlyCell

    # Usernames of failed sign-ins are whatever a stranger typed; "=…" must stay text and
    # not become a formula in the reader's Excel.
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


def audit_export(*, events: QuerySet, request) -> tuple[IO[bytes], int]:
    """The events, newest first, as an .xlsx workbook in a temporary file, and how many rows
    it holds (at most AUDIT_EXPORT_CAP); the export is itself audited."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("审计日志"))
    sheet.append(list(AUDIT_EXPORT_HEADERS))
    labels = dict(AuditAction.choices)
    count = 0
    rows = events.order_by("-at", "-id").values_list(
        "at", "username", "ip", "action", "object_type", "object_id", "detail")
    for at, *texts in rows[:AUDIT_EXPORT_CAP].iterator(chunk_size=2000):
        texts[1] = texts[1] or ""
        texts[2] = str(labels.get(texts[2], texts[2]))
        sheet.append([timezone.localtime(at).replace(tzinfo=None)]
                     + [_text_cell(sheet, v) for v in texts])
        count += 1
    if count == AUDIT_EXPORT_CAP:
        sheet.append([_("已达导出上限 %(cap)d 行，请缩小时间范围后分批导出") % {"cap": AUDIT_EXPORT_CAP}])
    spool = tempfile.TemporaryFile(suffix=".xlsx")
    book.save(spool)
    spool.seek(0)
    with transaction.atomic():
        audit_record(action=AuditAction.EXPORT, request=request, object_type="accounts.auditevent",
                     detail=_("导出审计日志 %(n)d 条") % {"n": count})
    return spool, count


# ---------------------------------------------------------------------------------------------
# Demo accounts

# Public on purpose: printed by `jiandu demo`. Four character classes, ≥ 10 characters.
DEMO_PASSWORD = "Jiandu@2026demo"
# RFC 6238's test key ("12345678901234567890"), base32 GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ: a
# newcomer can type it into any authenticator app, or ask `jiandu otp_code`.
DEMO_OTP_KEY = "3132333435363738393031323334353637383930"
DEMO_STREET_REGION = "370117001"


class DemoRefused(RuntimeError):
    pass


def _demo_accounts_plan() -> list[dict]:
    from jiandu.org.choices import AgencyType
    from jiandu.org.models import Agency

    bodies = Agency.objects.filter(type=AgencyType.SUPERVISION_BODY).order_by("code")
    justice = bodies.filter(name__contains="司法局").first() or bodies.first()
    organ = Agency.objects.filter(type=AgencyType.ADMINISTRATIVE_ORGAN).order_by("code").first()
    plan = [
        {"username": "admin", "name": "系统管理员", "role": Role.ADMIN, "superuser": True},
        {"username": "supervisor", "name": "区司法局监督员", "role": Role.SUPERVISOR,
         "agency": justice},
        {"username": "street", "name": "司法所监督员", "role": Role.STREET_SUPERVISOR,
         "region_code": DEMO_STREET_REGION},
        {"username": "leader", "name": "区政府领导", "role": Role.LEADER},
        {"username": "social", "name": "社会监督员", "role": Role.SOCIAL_SUPERVISOR},
    ]
    if organ is not None:
        # A liaison and an officer must belong to an agency: none before the district's agencies
        # are imported.
        plan[3:3] = [
            {"username": "liaison", "name": f"{organ.name}联络员", "role": Role.LIAISON,
             "agency": organ},
            {"username": "officer", "name": f"{organ.name}执法人员", "role": Role.OFFICER,
             "agency": organ},
        ]
    return plan


def demo_accounts_ensure() -> list[dict]:
    """Create, or reset to a known state, one demo account per role; returns for each its
    username, password, role label and how to pass the second factor."""
    if settings.PRODUCTION:
        raise DemoRefused(_("生产环境不能创建演示账户 (no demo accounts in production)"))
    accounts = []
    with transaction.atomic():
        for spec in _demo_accounts_plan():
            user, _created = User.objects.get_or_create(username=spec["username"])
            user.name = spec["name"]
            user.role = spec["role"]
            user.agency = spec.get("agency")
            user.region_code = spec.get("region_code", "")
            user.is_superuser = user.is_staff = spec.get("superuser", False)
            user.is_active = True
            user.save()
            # The demo password every run: its reuse is the point, so the history is cleared.
            PasswordHistory.objects.filter(user=user).delete()
            user.set_unusable_password()
            user_password_set(user=user, raw_password=DEMO_PASSWORD)
            TOTPDevice.objects.filter(user=user).delete()
            if selectors.two_factor_required(user):
                TOTPDevice.objects.create(user=user, name=_("演示动态口令"), key=DEMO_OTP_KEY,
                                          confirmed=True)
                note = _("登录后须输入 6 位动态口令：运行 jiandu otp_code %(username)s 获取，或在手机"
                         "验证器中添加密钥 %(key)s") % {"username": user.username,
                                                    "key": selectors.otp_base32(DEMO_OTP_KEY)}
            else:
                note = _("无需动态口令")
            audit_record(action=AuditAction.ACCOUNT, username=user.username, user=user,
                         object_type="accounts.user", object_id=user.pk,
                         detail=_("%(username)s：重置为演示账户") % {"username": user.username})
            accounts.append({"username": user.username, "password": DEMO_PASSWORD,
                             "role": str(user.get_role_display()), "two_factor": str(note)})
    return accounts
