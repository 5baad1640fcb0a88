"""Staff pages of alerts: the list with counts, filters, bulk handling and export, one alert's page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiandu.accounts.access import SUPERVISION, require
from jiandu.accounts.choices import AuditAction
from jiandu.accounts.services import audit_record
from jiandu.core.modules import module_by_slug
from jiandu.core.views import export_list, is_partial, render_list
from jiandu.records.choices import PartyType

from . import selectors, services
from .forms import (
    AlertFilterForm,
    AssignForm,
    BulkForm,
    CommentForm,
    DismissForm,
    NoteForm,
    ReinstateForm,
)
from .models import Alert
from .workflow import TransitionError, can

# Who sees alerts is the navigation's monitoring entry; who handles them, the supervision bodies.
VIEWERS = tuple(module_by_slug("monitoring").roles)
HANDLERS = tuple(SUPERVISION)
RUN_VIEWERS = tuple(services.RUNS.roles)


@require(*VIEWERS)
def index(request):
    """/monitoring/ itself: the alert list (a typed or shortened address lands somewhere)."""
    return redirect("monitoring:alerts")


@require(*VIEWERS)
def alert_list(request):
    form = AlertFilterForm(request.GET or None, user=request.user)
    filters = form.filters()
    _remember_list(request)
    context = {"title": _("监督预警"), "can_handle": services.HANDLING.allows(request.user),
               "can_see_runs": services.RUNS.allows(request.user)}
    context["last_run"], failed = selectors.run_state()
    # Why the alerts are older than expected is for those who run the checks.
    context["failed_run"] = failed if context["can_see_runs"] else None
    context.update(selectors.rule_warnings(request.user, context["last_run"]))
    if context["can_handle"]:
        context["bulk_form"] = BulkForm()
    if not is_partial(request):
        # The counts cover the whole scope, not the filtered rows: each is a link that filters.
        context["by_rule"] = [r for r in selectors.alert_counts_by_rule(request.user) if r["total"]]
        context["by_agency"] = selectors.alert_counts_by_agency(request.user)
    return render_list(request, template="monitoring/list.html", table_template="monitoring/_table.html",
                       form=form, queryset=selectors.alerts_listed(request.user, filters),
                       key="id", descending=True, context=context)


@require(*VIEWERS)
def rule_list(request):
    return render(request, "monitoring/rules.html", {"title": _("监督规则"),
                                                     "families": selectors.rule_catalog(request.user)})


@require(*RUN_VIEWERS)
def run_list(request):
    return render_list(request, template="monitoring/runs.html", table_template="monitoring/_runs_table.html",
                       form=None, queryset=selectors.rule_runs(), key="id", descending=True,
                       context={"title": _("规则运行记录")})


@require(*RUN_VIEWERS)
def run_detail(request, pk: int):
    return render(request, "monitoring/run.html", {**selectors.rule_run_detail(request.user, pk),
                                                   "title": _("规则运行 #%(n)s") % {"n": pk}})


@require(*VIEWERS)
def alert_export(request):
    form = AlertFilterForm(request.GET or None, user=request.user)
    filters = form.filters()
    return export_list(request, title=_("监督预警"), object_type="monitoring.Alert", filters=filters,
                       headers=selectors.ALERT_EXPORT_HEADERS,
                       rows=selectors.alert_export_rows(selectors.alerts_for(request.user, filters)))


# The list a supervisor last looked at (its filters, in the session): an alert's "next" follows
# it and the way back returns to it. The session, not the address, carries it, so an alert's
# address stays its own whichever list it was opened from.
LIST_KEY = "monitoring.alert_list"
PAGING = ("after", "before")


def _remember_list(request) -> None:
    params = request.GET.copy()
    for name in PAGING:
        params.pop(name, None)
    query = params.urlencode()[:2000]
    if request.session.get(LIST_KEY, "") != query:
        request.session[LIST_KEY] = query


def _last_list(request) -> tuple[str, dict]:
    """The query of the list last looked at, and its filters (invalid ones dropped)."""
    query = request.session.get(LIST_KEY, "")
    if not query:
        return "", {}
    return query, AlertFilterForm(QueryDict(query), user=request.user).filters()


def _render_alert(request, pk: int, *, forms: dict | None = None):
    page = selectors.alert_page(request.user, pk)
    alert, record = page["alert"], page["record"]
    if record is not None and record.party_type == PartyType.PERSON:
        # A natural person's name and masked id are personal data: who read them is logged.
        audit_record(action=AuditAction.VIEW_PERSONAL, request=request, object_type="monitoring.alert",
                     object_id=str(alert.pk))
    handles = services.HANDLING.allows(request.user)
    list_query, filters = _last_list(request)
    forms = forms or {}
    # A step the service refused (wrong status, a reason missing) is said at the top of the
    # handling block: the form it came from may no longer be shown in the alert's status.
    refused = [e for form in forms.values() for e in form.non_field_errors()]
    context = {
        "refused": refused,
        **page,
        "can_handle": handles,
        "can_see_runs": services.RUNS.allows(request.user),
        "receipts": selectors.history_receipts(request.user, page["events"], page["comments"]),
        "next_waiting": selectors.next_waiting(request.user, pk, filters) if handles else None,
        "list_query": list_query,
        "can_acknowledge": handles and can(alert.status, "acknowledge"),
        "can_dismiss": handles and can(alert.status, "dismiss"),
        "can_assign": handles and can(alert.status, "assign"),
        "can_clue": handles and can(alert.status, "to_clue"),
        "can_reinstate": handles and services.alert_reinstatable(alert),
        "reinstate_form": forms.get("reinstate") or ReinstateForm(prefix="reinstate"),
        "acknowledge_form": forms.get("acknowledge") or NoteForm(prefix="acknowledge"),
        "dismiss_form": forms.get("dismiss") or DismissForm(),
        "assign_form": forms.get("assign") or AssignForm(initial={"assignee": alert.assignee_id}),
        "clue_form": forms.get("clue") or NoteForm(prefix="clue"),
        "comment_form": forms.get("comment") or CommentForm(),
    }
    return render(request, "monitoring/alert.html", context)


@require(*VIEWERS)
def alert_detail(request, pk: int):
    return _render_alert(request, pk)


def _handle(request, pk: int, *, key: str, form, act, done: str):
    """Validate ``form``, run ``act(cleaned_data)`` (one service call) and go back to the alert;
    a refused step (wrong status, missing reason) shows the page again with the error on the form
    (200, as Django's form views answer: the page is what was asked for, the error is on it)."""
    if form.is_valid():
        try:
            act(form.cleaned_data)
        except Alert.DoesNotExist as exc:
            raise Http404(str(exc)) from exc
        except (ValidationError, TransitionError) as exc:
            form.add_error(None, exc.messages[0] if isinstance(exc, ValidationError) else str(exc))
        else:
            messages.success(request, done)
            return redirect("monitoring:alert", pk=pk)
    return _render_alert(request, pk, forms={key: form})


@require(*HANDLERS)
@require_POST
def alert_acknowledge(request, pk: int):
    form = NoteForm(request.POST, prefix="acknowledge")
    return _handle(request, pk, key="acknowledge", form=form, done=_("预警已确认。"),
                   act=lambda d: services.alert_acknowledge(user=request.user, alert_id=pk, note=d["note"]))


@require(*HANDLERS)
@require_POST
def alert_dismiss(request, pk: int):
    form = DismissForm(request.POST)
    return _handle(request, pk, key="dismiss", form=form, done=_("预警已排除。"),
                   act=lambda d: services.alert_dismiss(user=request.user, alert_id=pk, reason=d["reason"]))


@require(*HANDLERS)
@require_POST
def alert_reinstate(request, pk: int):
    form = ReinstateForm(request.POST, prefix="reinstate")
    return _handle(request, pk, key="reinstate", form=form, done=_("已撤销排除，预警重新待处理。"),
                   act=lambda d: services.alert_reinstate(user=request.user, alert_id=pk, reason=d["reason"]))


@require(*HANDLERS)
@require_POST
def alert_assign(request, pk: int):
    form = AssignForm(request.POST)
    return _handle(request, pk, key="assign", form=form, done=_("承办人已更新。"),
                   act=lambda d: services.alert_assign(user=request.user, alert_id=pk,
                                                       assignee=d["assignee"]))


@require(*HANDLERS)
@require_POST
def alert_to_clue(request, pk: int):
    form = NoteForm(request.POST, prefix="clue")
    return _handle(request, pk, key="clue", form=form, done=_("预警已转为问题线索。"),
                   act=lambda d: services.alert_to_clue(user=request.user, alert_id=pk, note=d["note"]))


@require(*VIEWERS)
@require_POST
def alert_comment(request, pk: int):
    form = CommentForm(request.POST)
    return _handle(request, pk, key="comment", form=form, done=_("评论已发表。"),
                   act=lambda d: services.alert_comment(user=request.user, alert_id=pk, text=d["text"]))


BULK_SERVICES = {
    "acknowledge": lambda user, ids, d: services.alert_bulk_acknowledge(user=user, alert_ids=ids),
    "dismiss": lambda user, ids, d: services.alert_bulk_dismiss(user=user, alert_ids=ids,
                                                                reason=d["reason"]),
    "assign": lambda user, ids, d: services.alert_bulk_assign(user=user, alert_ids=ids,
                                                              assignee=d["assignee"]),
    "to_clue": lambda user, ids, d: services.alert_bulk_to_clue(user=user, alert_ids=ids),
}


@require(*HANDLERS)
@require_POST
def alert_bulk(request):
    back = request.POST.get("next", "")
    if not (back.startswith(reverse("monitoring:alerts"))
            and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})):
        back = reverse("monitoring:alerts")
    form = BulkForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}：{error}" if label else error)
        return redirect(back)
    data = form.cleaned_data
    try:
        done, skipped = BULK_SERVICES[data["action"]](request.user, data["ids"], data)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect(back)
    label = dict(BulkForm.base_fields["action"].choices)[data["action"]]
    text = _("批量%(action)s：已处理 %(done)s 条。") % {"action": label, "done": done}
    if skipped:
        text += _("另有 %(n)s 条因状态不允许或不在您的数据范围内而跳过。") % {"n": skipped}
    (messages.success if done else messages.warning)(request, text)
    return redirect(back)
