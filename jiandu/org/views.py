"""Staff pages of agencies and officers: lists with filters and export, detail pages."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from jiandu.accounts.access import ALL_STAFF, require
from jiandu.accounts.choices import AuditAction
from jiandu.accounts.services import audit_record
from jiandu.core.views import export_list, render_list

from . import selectors
from .forms import AgencyFilterForm, OfficerFilterForm


@require(*ALL_STAFF)
def index(request):
    """/org/ itself: the agencies (a typed or shortened address lands somewhere)."""
    return redirect("org:agencies")


@require(*ALL_STAFF)
def agency_list(request):
    form = AgencyFilterForm(request.GET or None)
    return render_list(request, template="org/agency_list.html", table_template="org/_agency_table.html",
                       form=form, queryset=selectors.agencies_filtered(request.user, form.filters()),
                       key="code", context={"title": _("执法主体")})


@require(*ALL_STAFF)
def agency_export(request):
    form = AgencyFilterForm(request.GET or None)
    filters = form.filters()
    return export_list(request, title=_("执法主体"), object_type="org.Agency", filters=filters,
                       headers=selectors.AGENCY_EXPORT_HEADERS,
                       rows=selectors.agency_export_rows(selectors.agencies_filtered(request.user, filters)))


@require(*ALL_STAFF)
def agency_detail(request, code: str):
    agency = selectors.agency_or_404(request.user, code)
    return render(request, "org/agency_detail.html",
                  {"agency": agency, "summary": selectors.agency_summary(agency, request.user)})


@require(*ALL_STAFF)
def officer_list(request):
    form = OfficerFilterForm(request.GET or None, user=request.user)
    return render_list(request, template="org/officer_list.html", table_template="org/_officer_table.html",
                       form=form, queryset=selectors.officers_filtered(request.user, form.filters()),
                       key="certificate", context={"title": _("执法人员")})


@require(*ALL_STAFF)
def officer_export(request):
    form = OfficerFilterForm(request.GET or None, user=request.user)
    filters = form.filters()
    return export_list(request, title=_("执法人员"), object_type="org.Officer", filters=filters,
                       headers=selectors.OFFICER_EXPORT_HEADERS,
                       rows=selectors.officer_export_rows(selectors.officers_filtered(request.user, filters)))


@require(*ALL_STAFF)
def officer_detail(request, certificate: str):
    officer = selectors.officer_or_404(request.user, certificate)
    audit_record(action=AuditAction.VIEW_PERSONAL, request=request, object_type="org.Officer",
                 object_id=officer.certificate)
    return render(request, "org/officer_detail.html",
                  {"officer": officer, "detail": selectors.officer_detail(officer, request.user)})
