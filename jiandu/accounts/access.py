"""Who may use a view: every staff view declares it with `require(...)` or `public`.

The declaration is kept on the view function (``view.access``) so that a test can walk every
URL pattern and prove that none was forgotten.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from .choices import Role

ALL_STAFF = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.STREET_SUPERVISOR, Role.LIAISON,
                       Role.OFFICER, Role.LEADER})
SUPERVISION = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.STREET_SUPERVISOR})


@dataclass(frozen=True)
class Access:
    public: bool
    roles: frozenset[str]

    def allows(self, user) -> bool:
        if self.public:
            return True
        if not (user.is_authenticated and user.is_active):
            return False
        return user.is_superuser or user.role in self.roles


def require(*roles: str):
    """Only signed-in users with one of ``roles`` (superusers always) may use the view."""
    access = Access(public=False, roles=frozenset(roles) or ALL_STAFF)

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not access.allows(request.user):
                raise PermissionDenied("无权访问此页面 (you may not use this page)")
            return view(request, *args, **kwargs)

        wrapper.access = access
        return wrapper

    return decorate


def public(view):
    """Anyone, without signing in (QR pages, login, published decisions)."""
    view.access = Access(public=True, roles=frozenset())
    return view
