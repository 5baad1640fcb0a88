"""Staff pages of enforcement records: the list with filters and export, a record, the import page."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from jiandu.accounts.access import ALL_STAFF, require
from jiandu.accounts.choices import AuditAction, Role
from jiandu.accounts.services import audit_record
from jiandu.core.modules import IMPORTERS
from jiandu.core.views import export_list, render_list

from . import selectors
from .choices import PartyType
from .forms import ImportForm, RecordFilterForm
from .interchange.formats import FormatError
from .services import interchange_import


@require(*ALL_STAFF)
def record_list(request):
    form = RecordFilterForm(request.GET or None, user=request.user)
    filters = form.filters()
    return render_list(request, template="records/list.html", table_template="records/_table.html",
                       form=form, queryset=selectors.records_filtered(request.user, filters),
                       key="id", descending=True, context={"title": _("执法行为")})


@require(*ALL_STAFF)
def record_export(request):
    form = RecordFilterForm(request.GET or None, user=request.user)
    filters = form.filters()
    return export_list(request, title=_("执法行为"), object_type="records.Record", filters=filters,
                       headers=selectors.RECORD_EXPORT_HEADERS,
                       rows=selectors.record_export_rows(selectors.records_filtered(request.user, filters)))


@require(*ALL_STAFF)
def record_detail(request, ext_id: str):
    record = selectors.record_or_404(request.user, ext_id)
    if record.party_type == PartyType.PERSON:
        # A natural person's name (and masked id) is personal data: who read it is logged.
        audit_record(action=AuditAction.VIEW_PERSONAL, request=request,
                     object_type="records.Record", object_id=record.ext_id)
    return render(request, "records/detail.html", {
        "record": record,
        "officers": selectors.record_officers(record, request.user),
        "revisions": selectors.record_revisions(record),
        **_record_elsewhere(request.user, record),
    })


def _record_elsewhere(user, record) -> dict:
    """What the monitoring and ledger apps hold about the record, for those who may open them:
    its alerts (handled and no longer firing ones too) and its ledger entries with receipts."""
    from jiandu.core.modules import module_by_slug

    found = {}
    if module_by_slug("monitoring").allows(user):
        from jiandu.monitoring.selectors import record_alerts

        found["alerts"] = record_alerts(user, record.ext_id)
    if module_by_slug("ledger").allows(user):
        from jiandu.ledger.selectors import record_entries

        found["ledger_entries"] = record_entries(user, record.ext_id)
    return found


@require(*IMPORTERS)
def import_page(request):
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        path = form.save_upload()
        kind = form.cleaned_data["kind"]
        # Runs within the request for now: files of a department's usual size take seconds.
        # Large files move to the background task interface of DESIGN.md (with progress) when
        # the issue that builds it lands; until then they go through `jiandu import`.
        try:
            report = interchange_import(
                kind=kind, path=path, source=form.cleaned_data["source"], user=request.user,
                errors_path=selectors.import_errors_file(path),
                allowed_agencies=(selectors.allowed_import_agencies(request.user)
                                  if kind == "records" else None))
        except FormatError as exc:
            form.add_error("file", str(exc))
        else:
            counts = report.counts
            audit_record(action=AuditAction.IMPORT, request=request, object_type="records.ImportRun",
                         object_id=str(report.run.pk), detail=json.dumps(
                             {"kind": kind, "file": path.name, "rows": counts.rows,
                              "created": counts.created, "replaced": counts.replaced,
                              "unchanged": counts.unchanged, "rejected": counts.rejected},
                             ensure_ascii=False))
            if counts.rejected:
                messages.warning(request, _("导入完成，%(n)s 行被拒收，请查看原因并修改后重新导入。")
                                 % {"n": counts.rejected})
            else:
                messages.success(request, _("导入完成，全部 %(n)s 行已接收。") % {"n": counts.rows})
            return redirect("records:import_run", pk=report.run.pk)
    return render(request, "records/import.html", {
        "form": form, "runs": selectors.import_runs_recent(request.user, 20),
        "liaison": request.user.role == Role.LIAISON and not request.user.is_superuser,
    })


@require(*IMPORTERS)
def import_run(request, pk: int):
    run = selectors.import_run_for(request.user, pk)
    return render(request, "records/import_run.html", {
        "run": run, "problems": selectors.import_run_problems(run, 500),
        "has_report": selectors.import_errors_path(run) is not None,
    })


@require(*IMPORTERS)
def import_errors(request, pk: int):
    run = selectors.import_run_for(request.user, pk)
    path = selectors.import_errors_path(run)
    if path is None:
        raise Http404(_("该批次没有拒收报告"))
    return FileResponse(open(path, "rb"), as_attachment=True,
                        filename=f"拒收报告-{run.pk}{path.suffix}")
