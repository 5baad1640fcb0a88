"""The sign-in gate: a signed-in user finishes two-factor verification and any due password change first."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils.http import urlencode

from .selectors import STEP_PASSWORD, STEP_TWO_FACTOR, sign_in_step_owed

# Marks on view functions (``view.sign_in_gate``) that a half-signed-in user may still use.
GATE_TWO_FACTOR = STEP_TWO_FACTOR
GATE_PASSWORD = STEP_PASSWORD
GATE_ALWAYS = "always"
_STEP_PAGES = {STEP_TWO_FACTOR: "accounts:two_factor", STEP_PASSWORD: "accounts:password_change"}


def gate_exempt(step: str):
    """Let users who still owe ``step`` (or, with GATE_ALWAYS, anything) use the view."""

    def mark(view):
        view.sign_in_gate = step
        return view

    return mark


class SignInGateMiddleware:
    """Runs after OTPMiddleware (``request.user.is_verified``). Works in process_view, so that
    it knows the view and its marks; public views (login, QR pages) are never held back."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.static_prefix = "/" + settings.STATIC_URL.lstrip("/")

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or request.path_info.startswith(self.static_prefix):
            return None
        access = getattr(view_func, "access", None)
        if access is not None and access.public:
            return None
        mark = getattr(view_func, "sign_in_gate", None)
        if mark == GATE_ALWAYS:
            return None
        owed = sign_in_step_owed(user)
        if owed is None or mark == owed:
            return None
        return self._send(request, _STEP_PAGES[owed])

    @staticmethod
    def _send(request, to: str):
        url = resolve_url(to)
        if request.method == "GET":
            url += "?" + urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(url)
