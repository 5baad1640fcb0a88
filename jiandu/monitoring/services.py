"""Writes of the monitoring app: rule runs and the handling of alerts, each one audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from jiandu.accounts.access import SUPERVISION, Access
from jiandu.accounts.choices import AuditAction, Role
from jiandu.accounts.selectors import scoped
from jiandu.accounts.services import audit_record
from jiandu.ledger.services import ledger_alert_comments_append, ledger_alert_events_append

from . import selectors
from .choices import AlertAction
from .engine import run_rules
from .models import Alert, AlertComment, AlertEvent, RuleRun
from .rules import Rule
from .workflow import TransitionError, can, next_status

OBJECT_TYPE = "monitoring.alert"


def rule_run_execute(*, as_of: dt.date, year: int, rules: Sequence[Rule] | None = None, user=None,
                     progress: Callable[[str], None] | None = None) -> RuleRun:
    """Run the rules and merge their findings into the alerts (see ``engine``)."""
    run = run_rules(as_of=as_of, year=year, rules=rules, progress=progress)
    total = sum(run.counts.values())
    audit_record(action=AuditAction.CREATE, user=user, username="" if user else "jiandu check",
                 object_type="monitoring.rulerun", object_id=str(run.pk),
                 detail=f"监督规则运行：基准日 {as_of}，年度 {year}，预警 {total} 条")
    return run


# Who handles alerts, and may be given one: active supervision staff (superusers always).
HANDLING = Access(public=False, roles=SUPERVISION)
# The rule runs' counts are the whole district's: for the supervision bodies and leaders, not for
# a department, whose own counts are the alert list's.
RUNS = Access(public=False, roles=SUPERVISION | {Role.LEADER})


def _handler(user) -> None:
    if not (user and HANDLING.allows(user)):
        raise PermissionDenied("只有监督机构人员可以处理预警 (only supervisors handle alerts)")


def _locked(user, ids: Iterable[int]) -> list[Alert]:
    """The alerts among ``ids`` that ``user`` may see, locked for this transaction."""
    qs = scoped(Alert.objects.all(), user).select_for_update(of=("self",))
    return list(qs.filter(pk__in=list(ids)).order_by("pk"))


def _one(user, alert_id: int) -> Alert:
    found = _locked(user, [alert_id])
    if not found:
        raise Alert.DoesNotExist(f"预警 {alert_id} 不存在或不在您的数据范围内")
    return found[0]


def _act(alert: Alert, *, user, action: str, note: str = "", audit: str, **changes) -> AlertEvent:
    """Move ``alert`` by ``action``, record the step in its history and the audit log; the
    caller logs the step in the ledger (``_logged``), a batch of them at once in bulk."""
    before = alert.status
    alert.status = next_status(before, action)
    now = timezone.now()
    for name, value in changes.items():
        setattr(alert, name, value)
    alert.updated_at = now
    alert.save(update_fields=["status", "updated_at", *changes])
    event = AlertEvent.objects.create(alert=alert, at=now, user=user, action=action, from_status=before,
                                      to_status=alert.status, note=note)
    audit_record(action=AuditAction.CHANGE, user=user, object_type=OBJECT_TYPE, object_id=str(alert.pk),
                 detail=f"{audit}：{alert.rule} {alert.record_id or alert.power_id}" + (f"；{note}" if note else ""))
    return event


def _logged(events: list[AlertEvent]) -> None:
    """The steps in the tamper-evident log, in the transaction that took them (DESIGN.md rule 2),
    as read back from their rows."""
    if events:
        ledger_alert_events_append(rows=selectors.alert_event_rows(ids=[e.pk for e in events]))


def _reason(text: str, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError(f"{what}不能为空 ({what} is required)")
    return text


# Each step once, for one alert and for many: the user and the input are checked before any
# alert is touched; the result moves one locked alert. ``audit`` names the step in the audit log.
Step = Callable[[Alert], AlertEvent]


def _acknowledging(user, note: str, audit: str) -> Step:
    _handler(user)
    note = note.strip()
    return lambda a: _act(a, user=user, action=AlertAction.ACKNOWLEDGE, note=note, audit=audit)


def _dismissing(user, reason: str, audit: str) -> Step:
    _handler(user)
    reason = _reason(reason, "排除理由")
    return lambda a: _act(a, user=user, action=AlertAction.DISMISS, note=reason, audit=audit,
                          dismiss_reason=reason)


def _assigning(user, assignee, audit: str) -> Step:
    _handler(user)
    if assignee is not None and not HANDLING.allows(assignee):
        raise ValidationError("承办人应为在职的监督机构人员 (the assignee must be an active supervisor)")
    note = f"承办人：{assignee if assignee else '（无）'}"
    return lambda a: _act(a, user=user, action=AlertAction.ASSIGN, note=note, audit=audit,
                          assignee=assignee)


def _to_clue(user, note: str, audit: str, clue_id: int | None = None) -> Step:
    _handler(user)
    note = note.strip()
    return lambda a: _act(a, user=user, action=AlertAction.TO_CLUE, note=note, audit=audit,
                          clue_id=clue_id)


def alert_reinstatable(alert: Alert) -> bool:
    """Whether a dismissal of ``alert`` can be taken back: only while the rule still finds it.
    A changed record that still breaks the rule is a new alert already waiting; a corrected one
    needs nothing taken back. (Only a current alert fires, at most once per rule and record, so
    no other alert can be waiting for the same record while this one is current.)"""
    return can(alert.status, AlertAction.REINSTATE) and alert.last_seen_run_id is None


def _reinstating(user, reason: str, audit: str) -> Step:
    _handler(user)
    reason = _reason(reason, "撤销理由")

    def step(alert: Alert) -> AlertEvent:
        next_status(alert.status, AlertAction.REINSTATE)  # only a dismissed one
        if not alert_reinstatable(alert):
            raise ValidationError("规则已不再发现此预警（数据已更正或已变化），无需撤销排除 "
                                  "(the rule no longer finds this alert: nothing to reinstate)")
        return _act(alert, user=user, action=AlertAction.REINSTATE, note=reason, audit=audit,
                    dismiss_reason="")

    return step


def _single(user, alert_id: int, step: Step) -> Alert:
    with transaction.atomic():
        alert = _one(user, alert_id)
        _logged([step(alert)])
    return alert


def _bulk(user, alert_ids: Iterable[int], step: Step) -> tuple[int, int]:
    """Apply ``step`` to every alert it allows, in one transaction; returns (done, skipped).
    Alerts outside the user's scope or in a status the action does not start from are skipped."""
    ids = list(dict.fromkeys(int(i) for i in alert_ids))
    events = []
    with transaction.atomic():
        for alert in _locked(user, ids):
            try:
                events.append(step(alert))
            except TransitionError:
                continue
        _logged(events)
    return len(events), len(ids) - len(events)


def alert_acknowledge(*, user, alert_id: int, note: str = "") -> Alert:
    return _single(user, alert_id, _acknowledging(user, note, "确认预警"))


def alert_dismiss(*, user, alert_id: int, reason: str) -> Alert:
    return _single(user, alert_id, _dismissing(user, reason, "排除预警"))


def alert_reinstate(*, user, alert_id: int, reason: str) -> Alert:
    """Take a dismissal back: the alert waits again (open), the reason and the dismissal stay in
    its history. Only while the rule still finds it."""
    return _single(user, alert_id, _reinstating(user, reason, "撤销排除预警"))


def alert_assign(*, user, alert_id: int, assignee) -> Alert:
    """Give the alert to ``assignee`` (a supervisor), or to nobody with None."""
    return _single(user, alert_id, _assigning(user, assignee, "指派预警"))


def alert_to_clue(*, user, alert_id: int, clue_id: int | None = None, note: str = "") -> Alert:
    """Turn the alert into a supervision clue; ``clue_id`` names the clue once the clue app exists."""
    return _single(user, alert_id, _to_clue(user, note, "预警转为线索", clue_id))


def alert_comment(*, user, alert_id: int, text: str) -> AlertComment:
    """Anyone who sees the alert may comment (a department explains itself here)."""
    if not (user and user.is_authenticated and user.is_active):
        raise PermissionDenied("请先登录 (sign in first)")
    text = _reason(text, "评论内容")
    with transaction.atomic():
        alert = _one(user, alert_id)
        next_status(alert.status, AlertAction.COMMENT)
        comment = AlertComment.objects.create(alert=alert, author=user, text=text)
        ledger_alert_comments_append(rows=selectors.alert_comment_rows(ids=[comment.pk]))
        Alert.objects.filter(pk=alert.pk).update(updated_at=timezone.now())
        audit_record(action=AuditAction.CREATE, user=user, object_type="monitoring.alertcomment",
                     object_id=str(comment.pk), detail=f"评论预警 {alert.pk}：{text[:200]}")
    return comment


def alert_bulk_acknowledge(*, user, alert_ids: Iterable[int], note: str = "") -> tuple[int, int]:
    return _bulk(user, alert_ids, _acknowledging(user, note, "批量确认预警"))


def alert_bulk_dismiss(*, user, alert_ids: Iterable[int], reason: str) -> tuple[int, int]:
    return _bulk(user, alert_ids, _dismissing(user, reason, "批量排除预警"))


def alert_bulk_assign(*, user, alert_ids: Iterable[int], assignee) -> tuple[int, int]:
    return _bulk(user, alert_ids, _assigning(user, assignee, "批量指派预警"))


def alert_bulk_to_clue(*, user, alert_ids: Iterable[int], note: str = "") -> tuple[int, int]:
    return _bulk(user, alert_ids, _to_clue(user, note, "批量转为线索"))
