"""Personal API tokens: create (the secret is shown once), revoke, and authenticate a Bearer secret."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from jiandu.core.crypto import keyed_digest

from .choices import AuditAction
from .models import ApiToken, User
from .services import audit_record

SECRET_PREFIX = "jd_"
# Shown in lists so a user can tell tokens apart; far too short to use.
SHOWN_PREFIX_LENGTH = 10
# Writing last_used_at on every request would turn each read into a write.
LAST_USED_GRANULARITY = timedelta(minutes=1)


def _digest(secret: str) -> str:
    # Keyed, so a leaked table of digests cannot be checked against guessed secrets offline.
    return keyed_digest(secret.encode())


def api_token_create(*, user: User, name: str, expires_at: datetime | None = None,
                     request=None) -> tuple[ApiToken, str]:
    """A new token for ``user`` and its secret, which is stored only as a keyed digest."""
    name = name.strip()
    if not name:
        raise ValueError("令牌用途不能为空 (name is required)")
    if expires_at is not None and expires_at <= timezone.now():
        raise ValueError("有效期应晚于当前时间 (expires_at must be in the future)")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name, prefix=secret[:SHOWN_PREFIX_LENGTH],
                                        key_hash=_digest(secret), expires_at=expires_at)
        until = f"，有效期至 {timezone.localtime(expires_at):%Y-%m-%d %H:%M}" if expires_at else "，长期有效"
        audit_record(action=AuditAction.ACCOUNT, request=request, user=user,
                     object_type="accounts.apitoken", object_id=token.pk,
                     detail=f"创建 API 令牌“{name}”（{token.prefix}…）{until}")
    return token, secret


def api_token_revoke(*, token: ApiToken, by: User, request=None) -> ApiToken:
    """Revoke ``token`` at once; revoking a revoked token changes nothing and logs nothing."""
    now = timezone.now()
    with transaction.atomic():
        changed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
        if changed:
            audit_record(action=AuditAction.ACCOUNT, request=request, user=by,
                         object_type="accounts.apitoken", object_id=token.pk,
                         detail=f"吊销 {token.user.get_username()} 的 API 令牌“{token.name}”（{token.prefix}…）")
    token.refresh_from_db(fields=["revoked_at"])
    return token


def api_token_authenticate(secret: str) -> User | None:
    """The active user a Bearer secret belongs to; None for an unknown, revoked or expired token."""
    if not secret.startswith(SECRET_PREFIX) or len(secret) > 100:
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=_digest(secret)).first()
    now = timezone.now()
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_GRANULARITY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
