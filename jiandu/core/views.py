"""The home dashboard, the pages of modules still being built, and helpers of the list pages."""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _lazy

from jiandu.accounts.access import public, require
from jiandu.accounts.choices import AuditAction
from jiandu.accounts.middleware import GATE_ALWAYS, gate_exempt
from jiandu.accounts.services import audit_record
from jiandu.core.excel import xlsx_export
from jiandu.core.modules import EVERYONE, module_by_slug
from jiandu.core.pagination import keyset_page
from jiandu.core.selectors import dashboard


@public
@gate_exempt(GATE_ALWAYS)
def favicon(request):
    # Browsers ask for /favicon.ico on their own, the admin's pages included.
    return HttpResponsePermanentRedirect(static("core/favicon.svg"))


@require(*EVERYONE)
def home(request):
    context = {"dashboard": dashboard(request.user)}
    monitoring = module_by_slug("monitoring")
    # Alerts only for the roles whose navigation has them (an officer's department answers
    # them through its liaison).
    if monitoring is not None and monitoring.allows(request.user):
        from jiandu.monitoring.selectors import alert_dashboard, alerts_latest, rule_warnings

        context["alerts"] = alert_dashboard(request.user)
        context.update(rule_warnings(request.user))
        context["latest_alerts"] = alerts_latest(request.user, context["alerts"]["newest"])
    return render(request, "core/home.html", context)


@require(*EVERYONE)
def module(request, slug: str):
    entry = module_by_slug(slug)
    if entry is None or entry.children:
        raise Http404("没有这个模块 (no such module)")
    if not entry.allows(request.user):
        raise PermissionDenied("无权访问此模块 (you may not use this module)")
    return render(request, "core/module.html", {"module": entry, "built_url": entry.built_url(request.user)})


def is_partial(request) -> bool:
    """An htmx request for the results only (not a history restore, which wants the page)."""
    return (request.headers.get("HX-Request") == "true"
            and request.headers.get("HX-History-Restore-Request") != "true")


def render_list(request, *, template: str, table_template: str, form, queryset, key: str,
                descending: bool = False, context: dict | None = None):
    """A filtered list page cut by keyset; an htmx request gets the results block alone."""
    page = keyset_page(queryset, key=key, descending=descending,
                       after=request.GET.get("after"), before=request.GET.get("before"))
    ctx = {"form": form, "page": page, "table_template": table_template, **(context or {})}
    response = render(request, table_template if is_partial(request) else template, ctx)
    # The same URL answers with a fragment or a page: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


def export_list(request, *, title: str, object_type: str, filters: dict, headers, rows):
    """The filtered rows as an Excel download, with an audit event naming the filters."""
    export = xlsx_export(title=title, headers=headers, rows=rows)
    detail = json.dumps({"filters": filters, "rows": export.rows, "truncated": export.truncated},
                        ensure_ascii=False, default=str)
    audit_record(action=AuditAction.EXPORT, request=request, object_type=object_type, detail=detail)
    return export.response


# ------------------------------------------------------------------ error pages
# Django's own error pages are English and unstyled; these are the platform's, one template in
# its frame. The 500 page is rendered without the request: whatever failed (the database, the
# session) must not fail the error page too, so it shows the frame without a signed-in user.

_PAGES = {  # what went wrong: (status, title, text)
    "bad_request": (400, _lazy("请求无效"), _lazy("浏览器发来的请求不完整或格式不对。请返回上一页重新操作。")),
    "forbidden": (403, _lazy("无权访问"), _lazy(
        "您的账号没有使用此页面或此项数据的权限。如确需使用，请联系本单位管理员或区司法局开通。")),
    # Almost always a form left open past the sign-in's lifetime, or cookies turned off.
    "csrf": (403, _lazy("页面已过期"), _lazy(
        "表单提交未通过安全校验：页面打开时间过长、已在别处退出登录，或浏览器禁用了 Cookie。"
        "请返回上一页，刷新后重新提交。")),
    "not_found": (404, _lazy("页面不存在"), _lazy(
        "您访问的页面不存在，或所查的数据已被删除。请核对网址，或从首页重新进入。")),
    "server_error": (500, _lazy("系统暂时无法处理您的请求"), _lazy(
        "服务器处理时出错，您刚才的操作可能没有保存。请稍后重试；已保存的数据不受影响。"
        "问题已记入系统日志。")),
}


def _error_page(request, page: str, reason: str = ""):
    status, title, text = _PAGES[page]
    context = {"status": status, "title": title, "text": text, "reason": reason}
    return HttpResponse(loader.render_to_string("_error.html", context, request), status=status)


def bad_request(request, exception=None):
    return _error_page(request, "bad_request")


def permission_denied(request, exception=None):
    # The message a view gives ("只有监督机构人员可以处理预警 …") says why.
    return _error_page(request, "forbidden", str(exception or ""))


def page_not_found(request, exception=None):
    return _error_page(request, "not_found")


def server_error(request):
    return _error_page(None, "server_error")


def csrf_failure(request, reason=""):
    return _error_page(request, "csrf")
