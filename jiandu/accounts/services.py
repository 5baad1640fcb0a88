"""Writes of the accounts app: the audit log (append-only) and, later, account lifecycle."""

from __future__ import annotations

from .choices import AuditAction
from .models import AuditEvent


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
