"""The home dashboard, the pages of modules still being built, and helpers of the list pages."""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.cache import patch_vary_headers

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
        from jiandu.monitoring.selectors import alert_dashboard, alerts_latest

        context["alerts"] = alert_dashboard(request.user)
        context["latest_alerts"] = alerts_latest(request.user, 10)
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
