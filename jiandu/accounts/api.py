"""The API's sign-in (Bearer token or a 2FA-verified session), `/me` and the self-service of API tokens."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from ninja import Field, Path, Router, Schema, Status
from ninja.security import HttpBearer, SessionAuth

from jiandu.core.api import ERRORS, ApiError, found

from .access import ALL_STAFF, Access
from .selectors import (
    STEP_PASSWORD,
    STEP_TWO_FACTOR,
    api_token_of,
    api_tokens_of,
    sees_everything,
    sign_in_step_owed,
)
from .tokens import api_token_authenticate, api_token_create, api_token_revoke

API_ACCESS = Access(public=False, roles=ALL_STAFF)
_STEP_MESSAGES = {STEP_TWO_FACTOR: "请先完成双因素认证 (two-factor verification required)",
                  STEP_PASSWORD: "请先修改密码 (password change required)"}


def admit(user):
    """``user`` if their role may use the data API (staff, not social supervisors)."""
    if not API_ACCESS.allows(user):
        raise ApiError(403, "您的角色不能使用数据接口 (your role may not use the API)")
    return user


class BearerToken(HttpBearer):
    """``Authorization: Bearer <secret>`` with a personal token (see /api/v1/tokens)."""

    def authenticate(self, request, token):
        user = api_token_authenticate(token)
        if user is None:
            raise ApiError(401, "API 令牌无效、已吊销或已过期 (token invalid, revoked or expired)")
        return admit(user)


class VerifiedSession(SessionAuth):
    """The browser's signed-in session, for the docs page; CSRF-checked on writes. The sign-in
    gate lets API requests through (they answer 401, not a redirect), so its checks are here."""

    def __call__(self, request):
        # No signed-in session means nothing to forge: answer 401, not the CSRF check's 403.
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)

    def authenticate(self, request, key):
        user = request.user
        if not user.is_active:
            return None
        owed = sign_in_step_owed(user)
        if owed is not None:
            raise ApiError(401, _STEP_MESSAGES[owed])
        return admit(user)


bearer = BearerToken()
session = VerifiedSession()

router = Router(tags=["账户与令牌"])


class MeOut(Schema):
    username: str
    name: str
    role: str = Field(..., description="角色代码")
    role_label: str = Field(..., description="角色名称")
    agency: str | None = Field(None, description="所属单位代码（部门用户）")
    region_code: str = Field("", description="所属区划代码（司法所）")
    is_superuser: bool
    sees_everything: bool = Field(..., description="数据范围为全区")


class TokenOut(Schema):
    id: int
    name: str = Field(..., description="用途")
    prefix: str = Field(..., description="令牌开头几位，便于识别")
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    active: bool = Field(..., description="未吊销且未过期")

    @staticmethod
    def resolve_active(obj) -> bool:
        return obj.revoked_at is None and (obj.expires_at is None or obj.expires_at > timezone.now())


class TokenIn(Schema):
    name: str = Field(..., min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$",
                      description="用途，如“案件系统对接”")
    expires_in_days: int = Field(90, ge=1, le=365, description="有效天数，1–365，默认 90")


class TokenCreated(Schema):
    token: TokenOut
    secret: str = Field(..., description="令牌本身：只在此时显示一次，请妥善保存")


@router.get("/me", response={200: MeOut, **ERRORS}, summary="当前用户",
            description="调用者的账号、角色和数据范围。")
def me(request):
    user = request.auth
    return {"username": user.get_username(), "name": str(user), "role": user.role,
            "role_label": str(user.get_role_display()), "agency": user.agency_id,
            "region_code": user.region_code, "is_superuser": user.is_superuser,
            "sees_everything": sees_everything(user)}


@router.get("/tokens", response={200: list[TokenOut], **ERRORS}, summary="我的 API 令牌",
            description="本人的全部令牌（含已吊销、已过期的），新的在前。令牌本身不可再次查看。")
def list_tokens(request):
    return api_tokens_of(request.auth)


@router.post("/tokens", auth=[session], response={201: TokenCreated, **ERRORS},
             summary="创建 API 令牌",
             description="只能在已登录（需双因素认证的角色须已验证）的浏览器会话中创建，"
                         "令牌不能用来创建令牌。返回的 secret 只显示这一次。")
def create_token(request, payload: TokenIn):
    try:
        token, secret = api_token_create(
            user=request.auth, name=payload.name, request=request,
            expires_at=timezone.now() + timedelta(days=payload.expires_in_days))
    except ValueError as exc:
        raise ApiError(422, str(exc)) from exc
    return Status(201, {"token": token, "secret": secret})


@router.post("/tokens/{token_id}/revoke", auth=[session], response={200: TokenOut, **ERRORS},
             summary="吊销 API 令牌",
             description="立即失效；只能吊销本人的令牌，且须在浏览器会话中操作。重复吊销不改变什么。")
def revoke_token(request, token_id: int = Path(..., ge=1, le=2**63 - 1)):
    token = found(api_token_of(request.auth, token_id))
    return api_token_revoke(token=token, by=request.auth, request=request)
