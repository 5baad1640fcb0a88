"""Handling alerts, one by one and in bulk, audited, within the user's data scope."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from jiandu.accounts.models import AuditEvent, User
from jiandu.monitoring import selectors, services
from jiandu.monitoring.engine import run_rules
from jiandu.monitoring.models import Alert, AlertEvent
from jiandu.monitoring.rules import get_rule
from jiandu.monitoring.workflow import TransitionError

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def alerts(district):
    for ext_id, agency in (("A1", district.a), ("A2", district.a), ("B1", district.b)):
        district.record(ext_id, agency=agency, major=True, decided_on=D(2025, 6, 2))
    run_rules(as_of=D(2026, 7, 15), year=2025, rules=[get_rule("legal_review")])
    return {a.record_id: a for a in Alert.objects.all()}


@pytest.fixture
def users(district):
    return {
        "sup": User.objects.create_user("sup", password="x" * 12, role="supervisor", name="张监督"),
        "sup2": User.objects.create_user("sup2", password="x" * 12, role="supervisor"),
        "liaison_a": User.objects.create_user("la", password="x" * 12, role="liaison", agency=district.a),
        "leader": User.objects.create_user("lead", password="x" * 12, role="leader"),
    }


def test_acknowledge_then_dismiss_with_history_and_audit(alerts, users):
    sup, alert = users["sup"], alerts["A1"]
    services.alert_acknowledge(user=sup, alert_id=alert.pk, note="已核实")
    services.alert_dismiss(user=sup, alert_id=alert.pk, reason="  法制审核意见已补录  ")
    alert.refresh_from_db()
    assert alert.status == "dismissed" and alert.dismiss_reason == "法制审核意见已补录"
    steps = list(AlertEvent.objects.filter(alert=alert).values_list("action", "from_status", "to_status", "user"))
    assert steps == [("acknowledge", "open", "acknowledged", sup.pk), ("dismiss", "acknowledged", "dismissed", sup.pk)]
    audits = AuditEvent.objects.filter(object_type="monitoring.alert", object_id=str(alert.pk))
    assert audits.count() == 2 and all(a.user_id == sup.pk for a in audits)


def test_dismiss_needs_a_reason(alerts, users):
    with pytest.raises(ValidationError):
        services.alert_dismiss(user=users["sup"], alert_id=alerts["A1"].pk, reason="   ")
    assert Alert.objects.get(pk=alerts["A1"].pk).status == "open"


def test_no_way_back_from_dismissed(alerts, users):
    services.alert_dismiss(user=users["sup"], alert_id=alerts["A1"].pk, reason="误报")
    with pytest.raises(TransitionError):
        services.alert_acknowledge(user=users["sup"], alert_id=alerts["A1"].pk)
    with pytest.raises(TransitionError):
        services.alert_to_clue(user=users["sup"], alert_id=alerts["A1"].pk)


def test_a_dismissal_is_taken_back_with_a_reason_and_stays_in_the_history(alerts, users):
    sup, alert = users["sup"], alerts["A1"]
    services.alert_dismiss(user=sup, alert_id=alert.pk, reason="误报")
    with pytest.raises(ValidationError):
        services.alert_reinstate(user=sup, alert_id=alert.pk, reason="  ")
    with pytest.raises(PermissionDenied):
        services.alert_reinstate(user=users["liaison_a"], alert_id=alert.pk, reason="部门要求")
    services.alert_reinstate(user=users["sup2"], alert_id=alert.pk, reason="排除理由不成立，法制审核确未进行")
    alert.refresh_from_db()
    assert alert.status == "open" and alert.dismiss_reason == ""
    steps = list(AlertEvent.objects.filter(alert=alert).values_list("action", "to_status", "note"))
    assert steps == [("dismiss", "dismissed", "误报"),
                     ("reinstate", "open", "排除理由不成立，法制审核确未进行")]
    assert AuditEvent.objects.filter(object_id=str(alert.pk), detail__startswith="撤销排除预警").exists()
    # Only a dismissed alert is taken back.
    with pytest.raises(TransitionError):
        services.alert_reinstate(user=sup, alert_id=alert.pk, reason="再来一次")
    # The next run finds it again and leaves it waiting.
    run_rules(as_of=D(2026, 7, 15), year=2025, rules=[get_rule("legal_review")])
    assert Alert.objects.get(pk=alert.pk).status == "open"


def test_no_reinstating_what_the_rule_no_longer_finds_or_what_a_newer_alert_replaced(alerts, users, district):
    from jiandu.records.models import Record

    sup = users["sup"]
    a1, a2 = alerts["A1"], alerts["A2"]
    services.alert_dismiss(user=sup, alert_id=a1.pk, reason="误报")
    services.alert_dismiss(user=sup, alert_id=a2.pk, reason="误报")
    # A1's record is corrected: the rule no longer finds it.
    Record.objects.filter(ext_id="A1").update(legal_review_on=D(2025, 6, 1))
    # A2's record changes but still breaks the rule: a new alert waits for it.
    Record.objects.filter(ext_id="A2").update(decided_on=D(2025, 6, 9))
    run_rules(as_of=D(2026, 7, 15), year=2025, rules=[get_rule("legal_review")])
    newer = Alert.objects.get(record_id="A2", status="open")
    with pytest.raises(ValidationError, match="不再发现"):
        services.alert_reinstate(user=sup, alert_id=a1.pk, reason="复查")
    with pytest.raises(ValidationError, match="不再发现"):
        services.alert_reinstate(user=sup, alert_id=a2.pk, reason="复查")
    assert newer.pk != a2.pk
    assert set(Alert.objects.filter(pk__in=[a1.pk, a2.pk]).values_list("status", flat=True)) == {"dismissed"}


def test_assign_to_a_supervisor_only(alerts, users):
    services.alert_assign(user=users["sup"], alert_id=alerts["A1"].pk, assignee=users["sup2"])
    assert Alert.objects.get(pk=alerts["A1"].pk).assignee == users["sup2"]
    with pytest.raises(ValidationError):
        services.alert_assign(user=users["sup"], alert_id=alerts["A1"].pk, assignee=users["liaison_a"])
    services.alert_assign(user=users["sup"], alert_id=alerts["A1"].pk, assignee=None)
    assert Alert.objects.get(pk=alerts["A1"].pk).assignee is None


def test_to_clue_keeps_a_reference(alerts, users):
    services.alert_to_clue(user=users["sup"], alert_id=alerts["A1"].pk, clue_id=77, note="移交线索")
    alert = Alert.objects.get(pk=alerts["A1"].pk)
    assert (alert.status, alert.clue_id) == ("clue", 77)


def test_departments_see_their_own_alerts_and_may_only_comment(alerts, users):
    liaison = users["liaison_a"]
    assert {a.record_id for a in selectors.alerts_for(liaison)} == {"A1", "A2"}
    with pytest.raises(PermissionDenied):
        services.alert_dismiss(user=liaison, alert_id=alerts["A1"].pk, reason="不是问题")
    comment = services.alert_comment(user=liaison, alert_id=alerts["A1"].pk, text="已补充法制审核材料")
    assert comment.author == liaison
    with pytest.raises(Alert.DoesNotExist):
        services.alert_comment(user=liaison, alert_id=alerts["B1"].pk, text="看不到的预警")
    with pytest.raises(PermissionDenied):
        services.alert_acknowledge(user=users["leader"], alert_id=alerts["A1"].pk)


def test_bulk_actions_skip_what_they_cannot_do(alerts, users):
    sup = users["sup"]
    services.alert_dismiss(user=sup, alert_id=alerts["A1"].pk, reason="误报")
    ids = [a.pk for a in alerts.values()] + [999_999]
    assert services.alert_bulk_acknowledge(user=sup, alert_ids=ids) == (2, 2)
    assert services.alert_bulk_assign(user=sup, alert_ids=ids, assignee=users["sup2"]) == (2, 2)
    assert services.alert_bulk_dismiss(user=sup, alert_ids=ids, reason="批量核实为录入错误") == (2, 2)
    assert set(Alert.objects.values_list("status", flat=True)) == {"dismissed"}
    with pytest.raises(ValidationError):
        services.alert_bulk_dismiss(user=sup, alert_ids=ids, reason="")
    assert services.alert_bulk_to_clue(user=sup, alert_ids=ids) == (0, 4)
    assert AuditEvent.objects.filter(object_type="monitoring.alert").count() == 7


def test_bulk_stays_in_scope(alerts, district):
    street = User.objects.create_user("st", password="x" * 12, role="street_supervisor", region_code="370117999")
    assert services.alert_bulk_acknowledge(user=street, alert_ids=[a.pk for a in alerts.values()]) == (0, 3)


def test_selectors_counts_latest_and_detail(alerts, users, district):
    sup = users["sup"]
    by_rule = {r["rule"]: r for r in selectors.alert_counts_by_rule(sup)}
    assert by_rule["legal_review"] == {"rule": "legal_review", "name": "重大执法决定未经法制审核", "total": 3,
                                       "active": 3}
    assert by_rule["double_fine"]["total"] == 0
    by_agency = {r["agency_id"]: r["total"] for r in selectors.alert_counts_by_agency(sup)}
    assert by_agency == {district.a.code: 2, district.b.code: 1}
    assert [r["total"] for r in selectors.alert_counts_by_agency(users["liaison_a"])] == [2]
    services.alert_dismiss(user=sup, alert_id=alerts["A2"].pk, reason="误报")
    assert [a.record_id for a in selectors.alerts_latest(sup, selectors.alert_dashboard(sup)["newest"], 5)] == ["B1"]  # the rule's newest waiting one
    detail = selectors.alert_detail(sup, alerts["A1"].pk)
    assert detail["rule"].basis.startswith("《中华人民共和国行政处罚法》第五十八条")
    assert detail["record"].ext_id == "A1" and detail["party"] == detail["record"].party_id_plain
    assert detail["facts"] == {"decided_on": "2025-06-02", "legal_review_on": None}


def test_alert_detail_shows_the_partys_other_records_in_scope(district, users):
    party = district.person()
    district.record("P1", party=party, major=True, decided_on=D(2025, 6, 2))
    district.record("P2", party=party, decided_on=D(2025, 1, 2))
    district.record("P3", party=party, agency=district.b, decided_on=D(2025, 2, 2))
    run_rules(as_of=D(2026, 7, 15), year=2025, rules=[get_rule("legal_review")])
    alert = Alert.objects.get()
    detail = selectors.alert_detail(users["sup"], alert.pk)
    assert [r.ext_id for r in detail["party_records"]] == ["P3", "P2"]
    assert "*" in detail["party"] and len(detail["party"]) == 18
    assert [r.ext_id for r in selectors.alert_detail(users["liaison_a"], alert.pk)["party_records"]] == ["P2"]


def test_alert_filters(alerts, users, district):
    sup = users["sup"]
    services.alert_acknowledge(user=sup, alert_id=alerts["A1"].pk)
    assert {a.record_id for a in selectors.alerts_for(sup, {"status": "acknowledged"})} == {"A1"}
    assert {a.record_id for a in selectors.alerts_for(sup, {"agency": district.b.code})} == {"B1"}
    assert {a.record_id for a in selectors.alerts_for(sup, {"region": "370117"})} == {"A1", "A2", "B1"}
    assert {a.record_id for a in selectors.alerts_for(sup, {"rule": "double_fine"})} == set()
    party = Alert.objects.get(pk=alerts["B1"].pk).party_key
    assert {a.record_id for a in selectors.alerts_for(sup, {"party": party})} == {"B1"}
    assert not selectors.alerts_for(sup, {"party": "not an id"}).exists()
    today = timezone.localdate(alerts["A1"].created_at)
    assert selectors.alerts_for(sup, {"date_from": today, "date_to": today}).count() == 3
    assert selectors.alerts_for(sup, {"date_from": today + dt.timedelta(days=1)}).count() == 0


def test_the_newest_alerts_are_each_rules_newest(district, users):
    """A run numbers its new alerts rule by rule, so the newest ten of a run would all be the last
    rule's: the home page's panel shows the newest waiting alert of each rule, newest first, and
    names its rule with the facts after the rule's explanation."""
    for n in range(4):
        district.record(f"M{n}", major=True, decided_on=D(2025, 6, 2 + n))
        district.record(f"H{n}", decided_on=D(2025, 6, 2 + n), penalties=["fine"], fine=200000,
                        party=district.org())
    run_rules(as_of=D(2026, 7, 15), year=2025, rules=[get_rule("legal_review"), get_rule("hearing_notice")])
    sup = users["sup"]
    latest = selectors.alerts_latest(sup, selectors.alert_dashboard(sup)["newest"], 5)
    assert [(a.rule, a.record_id) for a in latest] == [("legal_review", "M3"), ("hearing_notice", "H3")]
    assert latest[0].rule_name == "重大执法决定未经法制审核"
    assert latest[0].facts_text == latest[0].detail.split("：", 1)[1] and latest[0].facts_text
    assert [a.pk for a in selectors.alerts_latest(sup, selectors.alert_dashboard(sup)["newest"], 1)] == [latest[0].pk]
    # Handled ones leave the panel; the dashboard's own counts find the same.
    services.alert_dismiss(user=sup, alert_id=latest[0].pk, reason="已补录")
    assert [a.record_id for a in selectors.alerts_latest(sup, selectors.alert_dashboard(sup)["newest"])] == ["M2", "H3"]
    newest = selectors.alert_dashboard(sup)["newest"]
    assert [a.record_id for a in selectors.alerts_latest(sup, newest, 10)] == ["M2", "H3"]
    assert [a.record_id for a in selectors.alerts_latest(users["liaison_a"], selectors.alert_dashboard(users["liaison_a"])["newest"], 10)] == ["M2", "H3"]
