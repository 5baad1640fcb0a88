"""Staff pages of the 权责清单: the list with filters and export, a power's page."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _

from jiandu.accounts.access import ALL_STAFF, require
from jiandu.core.views import export_list, render_list

from . import selectors
from .forms import PowerFilterForm


@require(*ALL_STAFF)
def power_list(request):
    form = PowerFilterForm(request.GET or None, user=request.user)
    return render_list(request, template="powers/list.html", table_template="powers/_table.html",
                       form=form, queryset=selectors.powers_filtered(request.user, form.filters()),
                       key="code", context={"title": _("权责清单")})


@require(*ALL_STAFF)
def power_export(request):
    form = PowerFilterForm(request.GET or None, user=request.user)
    filters = form.filters()
    return export_list(request, title=_("权责清单"), object_type="powers.Power", filters=filters,
                       headers=selectors.POWER_EXPORT_HEADERS,
                       rows=selectors.power_export_rows(selectors.powers_filtered(request.user, filters)))


@require(*ALL_STAFF)
def power_detail(request, code: str):
    power = selectors.power_or_404(request.user, code)
    return render(request, "powers/detail.html",
                  {"power": power, "detail": selectors.power_detail(power)})
