"""Sign-in, sign-out, two-factor verification and enrolment, and password change pages."""

from __future__ import annotations

import segno
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from . import selectors, services
from .access import public, require
from .choices import Role
from .forms import LoginForm, PasswordChangeForm, TokenForm
from .middleware import GATE_ALWAYS, GATE_PASSWORD, GATE_TWO_FACTOR, gate_exempt

# Signing out, verifying and changing one's password are for every signed-in user, whatever
# the role (a social supervisor too).
ANY_ROLE = tuple(Role.values)


def _next_url(request, default: str | None = None) -> str:
    """Where to go after this step: a same-site ``next`` or the home page."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL) if default is None else default


def _with_next(to: str, next_url: str) -> str:
    return f"{resolve_url(to)}?{urlencode({'next': next_url})}"


@public
@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request):
    form = LoginForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        result = services.session_login(request=request, username=form.cleaned_data["username"],
                                        password=form.cleaned_data["password"])
        if result.user is not None:
            next_url = _next_url(request)
            if result.second_factor:
                return HttpResponseRedirect(_with_next("accounts:two_factor", next_url))
            return HttpResponseRedirect(next_url)
        error = result.error
    return render(request, "accounts/login.html",
                  {"form": form, "error": error, "next": _next_url(request, default="")})


@gate_exempt(GATE_ALWAYS)
@require(*ANY_ROLE)
@require_POST
def logout_view(request):
    services.session_logout(request=request)
    return redirect(settings.LOGOUT_REDIRECT_URL)


@gate_exempt(GATE_TWO_FACTOR)
@require(*ANY_ROLE)
@sensitive_post_parameters("token")
@never_cache
def two_factor_view(request):
    """The code of an enrolled authenticator; users without one are sent to enrolment."""
    next_url = _next_url(request)
    if not selectors.two_factor_required(request.user) or request.user.is_verified():
        return HttpResponseRedirect(next_url)
    if selectors.two_factor_device(request.user) is None:
        return HttpResponseRedirect(_with_next("accounts:two_factor_enrol", next_url))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = services.two_factor_verify(request=request, token=form.cleaned_data["token"])
        if result.signed_out:
            messages.error(request, result.error)
            return redirect(settings.LOGIN_URL)
        if not result.error:
            return HttpResponseRedirect(next_url)
        form.add_error("token", result.error)
    return render(request, "accounts/two_factor.html", {"form": form, "next": next_url})


@gate_exempt(GATE_TWO_FACTOR)
@require(*ANY_ROLE)
@sensitive_post_parameters("token")
@never_cache
def two_factor_enrol_view(request):
    """First sign-in of a user who needs a second factor: scan the QR code, confirm a code."""
    next_url = _next_url(request)
    if request.user.is_verified():
        return HttpResponseRedirect(next_url)
    if selectors.two_factor_device(request.user) is not None:
        return HttpResponseRedirect(_with_next("accounts:two_factor", next_url))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = services.two_factor_enrol(request=request, token=form.cleaned_data["token"])
        if not result.error:
            messages.success(request, _("动态口令设备已绑定，以后登录时请输入验证器上的 6 位数字。"))
            return HttpResponseRedirect(next_url)
        form.add_error("token", result.error)
    key = services.two_factor_enrolment_key(request=request)
    qr = segno.make(selectors.otp_config_url(user=request.user, key_hex=key), error="m")
    return render(request, "accounts/two_factor_enrol.html", {
        "form": form, "next": next_url, "key": selectors.otp_base32(key),
        "qr_svg": qr.svg_inline(scale=5, title=_("动态口令绑定二维码")),
    })


@gate_exempt(GATE_PASSWORD)
@require(*ANY_ROLE)
@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@csrf_protect
@never_cache
def password_change_view(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_password_set(user=request.user,
                                       raw_password=form.cleaned_data["new_password1"],
                                       request=request)
        except ValidationError as exc:
            form.add_error("new_password1", exc)
        else:
            messages.success(request, _("密码已修改。"))
            return HttpResponseRedirect(_next_url(request))
    return render(request, "accounts/password_change.html", {
        "form": form, "next": _next_url(request, default=""),
        "forced": selectors.password_change_required(request.user),
        "expired": request.user.password_changed_at is not None,
    })


@public
def admin_login_redirect(request, extra_context=None):
    """The admin signs in through the same page, lockout and second factor as everyone."""
    return HttpResponseRedirect(_with_next("accounts:login", _next_url(request, default="/admin/")))


@require(*ANY_ROLE)
def admin_password_change_redirect(request, extra_context=None):
    return HttpResponseRedirect(_with_next("accounts:password_change", "/admin/"))
