"""Every handling step and comment of an alert is a ledger entry: receipts for them, and
`jiandu ledger verify` finds a step, a comment or an alert's status changed behind the application."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from jiandu.ledger.models import EntryKey
from jiandu.ledger.receipt import verify_receipt
from jiandu.ledger.services import (
    ALERT_COMMENT,
    ALERT_EVENT,
    RULE_RUN,
    ledger_backfill,
    ledger_verify,
    log_verifier_key,
)
from jiandu.ledger.storage import entries_for
from jiandu.monitoring import services
from jiandu.monitoring.engine import run_rules
from jiandu.monitoring.models import Alert, AlertComment, AlertEvent
from tests.conftest import staff_client_fixture  # noqa: F401

from .test_verify import _verify_command

pytestmark = pytest.mark.django_db
AS_OF, YEAR = dt.date(2026, 7, 15), 2025


def _sql(query: str, params=()) -> None:
    with connection.cursor() as cur:
        cur.execute(query, params)


def _problems(result) -> dict[str, str]:
    return {p.key: p.zh for p in result.problems}


def test_each_step_and_comment_is_one_entry_with_what_it_did(handled):
    events = list(AlertEvent.objects.order_by("id"))
    assert len(events) == 4
    for event in events:
        (entry,) = entries_for(ALERT_EVENT, str(event.pk))
        content = json.loads(entry.content)
        assert content == {
            "alert": event.alert_id, "rule": event.alert.rule, "record": event.alert.record_id,
            "power": event.alert.power_id, "fingerprint": event.alert.fingerprint, "event": event.pk,
            "action": event.action, "from": event.from_status, "to": event.to_status, "note": event.note,
            "user": handled["sup"].pk, "run": None,
            "at": event.at.astimezone(dt.UTC).isoformat(), "version": 1}
    assert [json.loads(entries_for(ALERT_EVENT, str(e.pk))[0].content)["action"] for e in events] == \
        ["acknowledge", "dismiss", "assign", "assign"]
    comment = AlertComment.objects.get()
    (entry,) = entries_for(ALERT_COMMENT, str(comment.pk))
    assert json.loads(entry.content)["text"] == "请部门说明情况"


def test_a_refused_step_logs_nothing(handled):
    logged = EntryKey.objects.filter(kind=ALERT_EVENT)
    assert logged.count() == AlertEvent.objects.count() == 4
    with pytest.raises(ValueError):  # a dismissed alert cannot be acknowledged
        services.alert_acknowledge(user=handled["sup"], alert_id=handled["dismissed"].pk)
    done, skipped = services.alert_bulk_acknowledge(user=handled["sup"], alert_ids=[handled["dismissed"].pk])
    assert (done, skipped) == (0, 1)
    assert logged.count() == AlertEvent.objects.count() == 4


def test_the_engines_steps_are_logged_too(handled):
    """A re-run on a later as-of date that no longer finds an assigned alert resolves it: the
    step names the run and is in the log like a person's."""
    alert = handled["assigned"][0]
    _sql("UPDATE records_record SET decided_on = NULL, filed_on = NULL, action_on = NULL WHERE ext_id = %s",
         [alert.record_id])
    run = run_rules(as_of=AS_OF, year=YEAR, rules=None)
    resolved = AlertEvent.objects.filter(run=run)
    assert resolved.exists()
    for event in resolved:
        (entry,) = entries_for(ALERT_EVENT, str(event.pk))
        content = json.loads(entry.content)
        assert (content["action"], content["user"], content["run"]) == (event.action, None, run.pk)


def test_untouched_handling_verifies(handled):
    result = ledger_verify()
    assert result.ok, result.problems[:5]
    assert result.alert_steps == AlertEvent.objects.count() + AlertComment.objects.count() == 5


def test_a_step_edited_deleted_or_a_status_flipped_by_sql_is_reported(handled):
    dismissal = AlertEvent.objects.get(action="dismiss")
    comment = AlertComment.objects.get()
    assigned = handled["assigned"][0]
    _sql("UPDATE monitoring_alertevent SET note = %s WHERE id = %s", ["误报", dismissal.pk])
    _sql("DELETE FROM monitoring_alertcomment WHERE id = %s", [comment.pk])
    # An open alert dismissed by SQL, with no step: the history still says it is open.
    _sql("UPDATE monitoring_alert SET status = 'dismissed', dismiss_reason = %s WHERE id = %s",
         ["无需处理", assigned.pk])
    result = ledger_verify()
    problems = _problems(result)
    assert not result.ok
    assert "数据被改动" in problems[f"预警处理记录 {dismissal.pk}"]
    assert "被删除" in problems[f"预警评论 {comment.pk}"]
    assert "排除理由" in problems[f"预警 {handled['dismissed'].pk}"]
    assert "状态为“已排除”，而处理记录为“待处理”" in problems[f"预警 {assigned.pk}"]
    assert len(problems) == 4


def test_steps_taken_before_the_ledger_logged_them_are_backfilled(handled):
    """A step stored without an entry (taken before steps were logged) is named by verify until
    `jiandu ledger backfill` logs it; a step that has an entry is never logged again."""
    alert = handled["commented"]
    earlier = AlertEvent.objects.create(alert=alert, at=timezone.now(), user=handled["sup"],
                                        action="acknowledge", from_status="open",
                                        to_status="acknowledged", note="")
    Alert.objects.filter(pk=alert.pk).update(status="acknowledged")
    result = ledger_verify()
    assert "没有条目" in _problems(result)[f"预警处理记录 {earlier.pk}"] and result.unlogged == 1
    ok, out = _verify_command()
    assert not ok and "jiandu ledger backfill" in out
    assert ledger_backfill() == {ALERT_EVENT: 1}
    assert ledger_verify().ok
    assert ledger_backfill() == {}


def test_receipts_of_steps_from_the_alert_page(handled, staff_client):
    client = staff_client("supervisor")
    alert = handled["dismissed"]
    page = client.get(reverse("monitoring:alert", args=[alert.pk]))
    html = page.content.decode()
    links = [e.receipt_pk for e in page.context["events"]]
    assert len(links) == 2 and all(links) and html.count("下载收据") == 2
    response = client.get(reverse("ledger:receipt", args=[links[1]]))
    assert response.status_code == 200
    report = verify_receipt(response.content, [log_verifier_key()])
    assert report.ok and report.kind == ALERT_EVENT
    assert report.content["note"] == "证件已补录" and report.content["alert"] == alert.pk

    commented = client.get(reverse("monitoring:alert", args=[handled["commented"].pk])).content.decode()
    assert commented.count("下载收据") == 1

    # A department sees its alerts and their history, but not the ledger and its receipts.
    liaison = staff_client("liaison", agency=alert.agency_id)
    assert "下载收据" not in liaison.get(reverse("monitoring:alert", args=[alert.pk])).content.decode()
    assert liaison.get(reverse("ledger:receipt", args=[links[1]])).status_code == 403


def test_an_alerts_steps_and_comments_are_found_on_the_ledger_page(handled, staff_client):
    client = staff_client("leader")
    alert = handled["dismissed"]
    page = client.get(reverse("ledger:index"), {"kind": "alert", "q": str(alert.pk)})
    entries = page.context["found"]["entries"]
    assert [e.kind for e in entries] == [ALERT_EVENT, ALERT_EVENT]
    assert [json.loads(e.content)["action"] for e in entries] == ["acknowledge", "dismiss"]
    html = page.content.decode()
    assert "预警处理记录" in html and "· 排除" in html and len(re.findall(r'href="/ledger/receipt/\d+/"', html)) == 2 and "<svg" in html
    commented = client.get(reverse("ledger:index"), {"kind": "alert", "q": str(handled["commented"].pk)})
    assert [e.kind for e in commented.context["found"]["entries"]] == [ALERT_COMMENT]
    untouched = Alert.objects.filter(events__isnull=True, comments__isnull=True).first()
    page = client.get(reverse("ledger:index"), {"kind": "alert", "q": str(untouched.pk)})
    assert page.context["found"]["entries"] == [] and "尚无处理记录或评论" in page.content.decode()
    for missing in ("999999", "abc"):
        page = client.get(reverse("ledger:index"), {"kind": "alert", "q": missing})
        assert page.context["found"]["entries"] is None


def test_each_finished_rule_run_is_an_entry_and_a_changed_count_is_reported(handled):
    from jiandu.monitoring.models import RuleRun

    (run,) = RuleRun.objects.all()
    (entry,) = entries_for(RULE_RUN, str(run.pk))
    content = json.loads(entry.content)
    assert (content["as_of"], content["year"], content["counts"]) == ("2026-07-15", 2025, run.counts)
    assert content["merge"]["new"] == sum(run.counts.values()) == Alert.objects.count()
    # A failed run changed nothing and is not logged.
    RuleRun.objects.create(as_of=AS_OF, year=YEAR, started_at=timezone.now(), finished_at=timezone.now(),
                           status="failed", error="x")
    assert ledger_verify().ok
    _sql("UPDATE monitoring_rulerun SET counts = %s WHERE id = %s", ['{"legal_review": 0}', run.pk])
    assert "数据被改动" in _problems(ledger_verify())[f"规则运行 {run.pk}"]


def test_a_rule_runs_page_offers_its_receipt_to_the_ledgers_roles(handled, staff_client):
    from jiandu.monitoring.models import RuleRun

    run = RuleRun.objects.get()
    page = staff_client("leader").get(reverse("monitoring:run", args=[run.pk]))
    (entry,) = entries_for(RULE_RUN, str(run.pk))
    assert page.context["receipt_pk"] == entry.pk and 'id="run-receipt"' in page.content.decode()
    # A street's supervisor sees runs, not the ledger.
    street = staff_client("street_supervisor", region_code="370117001").get(reverse("monitoring:run", args=[run.pk]))
    assert street.status_code == 200 and 'id="run-receipt"' not in street.content.decode()
