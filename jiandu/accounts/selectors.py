"""Reads of the accounts app: data scope (every scoped read goes through `scoped`), sign-in state."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from urllib.parse import quote, urlencode

from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from .choices import DISTRICT_ROLES, TWO_FACTOR_ROLES, AuditAction, Role
from .models import AuditEvent


def sees_everything(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active
                and (user.is_superuser or user.role in DISTRICT_ROLES))


def agency_condition(user, agency_field: str = "agency") -> Q | None:
    """The condition on ``agency_field`` (a FK to Agency) that limits rows to the user's scope;
    None when the user sees everything. A user outside every scope gets a condition matching nothing.

    - district supervisors, administrators and leaders: everything;
    - a 司法所 (street supervisor): agencies located in its street's region;
    - a department's liaison or officer: its agency and the organisations it entrusts.
    """
    if sees_everything(user):
        return None
    if not (user and user.is_authenticated and user.is_active):
        return Q(pk__in=[])
    if user.role == Role.STREET_SUPERVISOR and user.region_code:
        return Q(**{f"{agency_field}__region_code__startswith": user.region_code})
    if user.role in (Role.LIAISON, Role.OFFICER) and user.agency_id:
        return Q(**{f"{agency_field}_id": user.agency_id}) | Q(**{f"{agency_field}__parent_id": user.agency_id})
    return Q(pk__in=[])


def scoped(qs: QuerySet, user, *, agency_field: str = "agency") -> QuerySet:
    """``qs`` narrowed to what ``user`` may see (DESIGN.md rule 3)."""
    condition = agency_condition(user, agency_field)
    return qs if condition is None else qs.filter(condition)


# Five failed sign-ins within this window lock the account (and, separately, the address)
# for as long again (GB/T 22239 level 3: 登录失败处理).
LOCK_THRESHOLD = 5
LOCK_WINDOW = timedelta(minutes=15)
# Staff change their password at least this often.
PASSWORD_MAX_AGE = timedelta(days=90)
# object_type of a LOCKED event: which kind of subject was locked (object_id names it).
LOCK_ACCOUNT = "account"
LOCK_IP = "ip"


def two_factor_required(user) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.role in TWO_FACTOR_ROLES))


# The steps a signed-in user may still owe, in the order they must be done.
STEP_TWO_FACTOR = "two_factor"
STEP_PASSWORD = "password"


def sign_in_step_owed(user) -> str | None:
    """The step ``user`` must finish before anything else (two-factor verification, then a due
    password change), or None. ``is_verified`` is set by OTPMiddleware."""
    is_verified = getattr(user, "is_verified", None)
    if two_factor_required(user) and not (is_verified and is_verified()):
        return STEP_TWO_FACTOR
    if password_change_required(user):
        return STEP_PASSWORD
    return None


def two_factor_device(user, *, for_update: bool = False) -> TOTPDevice | None:
    """The user's confirmed authenticator, if they have enrolled one; ``for_update`` locks it
    (a code is checked against its throttle and counter, which the check then writes)."""
    qs = TOTPDevice.objects.select_for_update() if for_update else TOTPDevice.objects.all()
    return qs.filter(user=user, confirmed=True).order_by("id").first()


def password_change_required(user, *, now: datetime | None = None) -> bool:
    """A temporary or never-changed password must be changed; a staff password also once it is
    older than PASSWORD_MAX_AGE. Social supervisors are citizens, not staff: no periodic change."""
    if not user.is_authenticated:
        return False
    if user.password_changed_at is None:
        return True
    if user.role == Role.SOCIAL_SUPERVISOR and not user.is_superuser:
        return False
    return user.password_changed_at <= (now or timezone.now()) - PASSWORD_MAX_AGE


def _lock_events(kind: str, key: str) -> QuerySet:
    events = AuditEvent.objects.filter(action=AuditAction.LOCKED, object_type=kind, object_id=key)
    # The indexed column narrows the scan; object_id alone has no index.
    return events.filter(ip=key) if kind == LOCK_IP else events.filter(username=key)


def login_locked(*, username: str, ip: str | None, now: datetime | None = None) -> bool:
    """Whether sign-in is refused now for ``username`` or from ``ip`` because of a recent lock."""
    since = (now or timezone.now()) - LOCK_WINDOW
    if _lock_events(LOCK_ACCOUNT, username).filter(at__gt=since).exists():
        return True
    return ip is not None and _lock_events(LOCK_IP, ip).filter(at__gt=since).exists()


def login_failures(*, kind: str, key: str, now: datetime | None = None) -> int:
    """Failed sign-ins counted towards a lock of one account or one address: those since the
    latest of the window's start and the last lock of it; for an account also its last
    successful sign-in. A success does not clear an address, or one attacker account would
    reset the counter for guesses at the others."""
    since = (now or timezone.now()) - LOCK_WINDOW
    field = "ip" if kind == LOCK_IP else "username"
    if kind == LOCK_ACCOUNT:
        resets = AuditEvent.objects.filter(
            Q(action=AuditAction.LOGIN)
            | Q(action=AuditAction.LOCKED, object_type=LOCK_ACCOUNT, object_id=key),
            username=key)
    else:
        resets = _lock_events(LOCK_IP, key)
    last_reset = resets.filter(at__gt=since).aggregate(last=Max("at"))["last"]
    return AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, at__gt=last_reset or since,
                                     **{field: key}).count()


# The name an authenticator app shows above the code; ASCII, which every app displays.
OTP_ISSUER = "Jiandu"


def otp_base32(key_hex: str) -> str:
    """The key as authenticator apps take it when typed in."""
    return base64.b32encode(bytes.fromhex(key_hex)).decode()


def otp_config_url(*, user, key_hex: str) -> str:
    """The otpauth:// URL that the enrolment QR code carries."""
    label = quote(f"{OTP_ISSUER}:{user.get_username()}")
    params = urlencode({"secret": otp_base32(key_hex), "issuer": OTP_ISSUER,
                        "algorithm": "SHA1", "digits": 6, "period": 30})
    return f"otpauth://totp/{label}?{params}"


def otp_code(user) -> str:
    """The code the user's authenticator shows now (for the demo's `jiandu otp_code`).

    Of this machine's clock, as a phone's would be: not shifted by the drift the server has
    learned for the device (a code typed just after a step ends sets it to -1), which would
    print the step already used, refused as a replay."""
    device = two_factor_device(user)
    if device is None:
        raise LookupError(f"{user.get_username()} 没有已绑定的动态口令设备 (no confirmed device)")
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    return f"{totp.token():0{device.digits}d}"


def api_tokens_of(user):
    """The user's own API tokens, newest first."""
    from .models import ApiToken

    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")


def api_token_of(user, pk: int):
    """One of the user's own tokens; None for another user's token or an unknown id."""
    return api_tokens_of(user).filter(pk=pk).first()
