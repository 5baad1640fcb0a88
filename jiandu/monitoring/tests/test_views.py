"""Alert pages: list with counts and filters, one alert, handling by form and in bulk, export, scope."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse
from openpyxl import load_workbook

from jiandu.accounts.choices import AuditAction, Role
from jiandu.accounts.models import AuditEvent
from jiandu.core.crypto import mask_id_number
from jiandu.monitoring.engine import run_rules
from jiandu.monitoring.models import Alert, AlertComment, AlertEvent
from jiandu.monitoring.rules import get_rule
from jiandu.org.models import Agency
from tests.conftest import staff_client_fixture  # noqa: F401

from .factories import uscc

pytestmark = pytest.mark.django_db
D = dt.date
RULES = [get_rule("legal_review"), get_rule("hearing_notice")]
STREET = "370117001"


def check():
    """`jiandu check` as the engine runs it."""
    return run_rules(as_of=D(2026, 7, 15), year=2025, rules=RULES)


@pytest.fixture(name="world")
def world_fixture(district):
    """Alerts of two rules in three agencies (one of them a street's), one about a person."""
    street = Agency.objects.create(code=uscc("11370117"), name="艾山街道办事处", type="administrative_organ",
                                   level="street", region_code=STREET, content_hash="x")
    district.street = street
    district.person_id = district.person()
    district.record("A1", agency=district.a, major=True, decided_on=D(2025, 6, 2), party=district.person_id)
    district.record("A2", agency=district.a, major=True, decided_on=D(2025, 6, 3), party=district.person_id)
    district.record("A3", agency=district.a, major=True, decided_on=D(2025, 6, 4))
    district.record("B1", agency=district.b, major=True, decided_on=D(2025, 6, 5))
    district.record("S1", agency=street, major=True, decided_on=D(2025, 6, 6))
    # A fine above the hearing threshold without notice: a second rule on the same record.
    district.record("B2", agency=district.b, decided_on=D(2025, 6, 7), penalties=["fine"], fine=200000,
                    party=district.org())
    check()
    district.alerts = {a.record_id: a for a in Alert.objects.filter(rule="legal_review")}
    return district


def ids(response) -> set[str]:
    return {a.record_id for a in response.context["page"].items}


# ---------------------------------------------------------------- access

@pytest.mark.parametrize("name, args", [("monitoring:alerts", []), ("monitoring:export", []),
                                        ("monitoring:alert", [1])])
def test_anonymous_is_sent_to_login(client, name, args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))


def test_anonymous_cannot_dismiss(client, world):
    alert = world.alerts["A1"]
    response = client.post(reverse("monitoring:dismiss", args=[alert.pk]), {"reason": "x"})
    assert response.status_code == 302
    assert Alert.objects.get(pk=alert.pk).status == "open"


def test_officers_and_social_supervisors_do_not_see_alerts(staff_client, world):
    assert staff_client(Role.OFFICER, world.a.code).get(reverse("monitoring:alerts")).status_code == 403
    assert staff_client(Role.SOCIAL_SUPERVISOR).get(reverse("monitoring:alerts")).status_code == 403


def test_liaison_sees_its_own_alerts_only_and_404_for_anothers(staff_client, world):
    client = staff_client(Role.LIAISON, world.a.code)
    response = client.get(reverse("monitoring:alerts"))
    assert response.status_code == 200
    assert ids(response) == {"A1", "A2", "A3"}
    assert [a["agency_id"] for a in response.context["by_agency"]] == [world.a.code]
    other = world.alerts["B1"]
    assert client.get(reverse("monitoring:alert", args=[other.pk])).status_code == 404
    assert client.post(reverse("monitoring:comment", args=[other.pk]), {"text": "看看"}).status_code == 404
    assert client.get(reverse("monitoring:alert", args=[world.alerts["A1"].pk])).status_code == 200
    # Filtering by another agency by editing the URL finds nothing of theirs.
    response = client.get(reverse("monitoring:alerts"), {"agency": world.b.code})
    assert ids(response) <= {"A1", "A2", "A3"} and response.context["form"].errors


def test_liaison_may_comment_but_not_handle(staff_client, world):
    client = staff_client(Role.LIAISON, world.a.code)
    alert = world.alerts["A1"]
    page = client.get(reverse("monitoring:alert", args=[alert.pk])).content.decode()
    assert 'id="dismiss-form"' not in page and 'id="comment-form"' in page
    assert client.post(reverse("monitoring:dismiss", args=[alert.pk]), {"reason": "不服"}).status_code == 403
    assert client.post(reverse("monitoring:bulk"), {"action": "acknowledge", "ids": [alert.pk]}).status_code == 403
    response = client.post(reverse("monitoring:comment", args=[alert.pk]), {"text": "已补录法制审核意见"})
    assert response.status_code == 302
    assert AlertComment.objects.get(alert=alert).text == "已补录法制审核意见"
    assert Alert.objects.get(pk=alert.pk).status == "open"


def test_street_supervisor_sees_its_streets_alerts(staff_client, world):
    client = staff_client(Role.STREET_SUPERVISOR, region_code=STREET)
    assert ids(client.get(reverse("monitoring:alerts"))) == {"S1"}
    assert client.get(reverse("monitoring:alert", args=[world.alerts["A1"].pk])).status_code == 404


# ---------------------------------------------------------------- list, counts, filters

def test_list_shows_counts_by_rule_and_agency_with_filter_links(staff_client, world,
                                                                 django_assert_max_num_queries):
    client = staff_client(Role.SUPERVISOR)
    # The supervisors are listed twice (the assignee filter, the bulk form), a query each, and
    # the last rule run is one more; one more where the holiday package lacks this or (from
    # November) next year: whether it was declared instead.
    with django_assert_max_num_queries(17):
        response = client.get(reverse("monitoring:alerts"))
    assert response.status_code == 200
    assert ids(response) == {"A1", "A2", "A3", "B1", "S1", "B2"}
    by_rule = {r["rule"]: r["total"] for r in response.context["by_rule"]}
    assert by_rule == {"legal_review": 5, "hearing_notice": 1}
    by_agency = {r["agency_id"]: r["total"] for r in response.context["by_agency"]}
    assert by_agency == {world.a.code: 3, world.b.code: 2, world.street.code: 1}
    page = response.content.decode()
    assert 'href="/monitoring/alerts/?rule=legal_review"' in page
    assert f'href="/monitoring/alerts/?agency={world.b.code}"' in page
    assert "重大执法决定未经法制审核" in page and "待处理" in page
    # Every filter is a named field of the filter form.
    for name in ("rule", "agency", "region", "status", "assignee", "date_from", "date_to", "party"):
        assert f'name="{name}"' in page
    assert 'id="bulk-form"' in page and 'id="select-all"' in page


def test_the_list_says_which_alerts_have_comments(staff_client, world):
    """A department answers an alert by commenting: the list shows which alerts have comments."""
    from jiandu.monitoring import services

    liaison = staff_client(Role.LIAISON, world.a.code)
    for text in ("法制审核意见已补录，附件已上传", "请核对"):
        services.alert_comment(user=liaison.user, alert_id=world.alerts["A1"].pk, text=text)
    response = staff_client(Role.SUPERVISOR).get(reverse("monitoring:alerts"))
    counts = {a.record_id: a.comments_n for a in response.context["page"].items}
    assert counts == {"A1": 2, "A2": 0, "A3": 0, "B1": 0, "S1": 0, "B2": 0}
    row = response.content.decode().split(f'id="alert-row-{world.alerts["A1"].pk}"')[1].split("</tr>")[0]
    assert "评论 2 条" in row
    other = response.content.decode().split(f'id="alert-row-{world.alerts["A2"].pk}"')[1].split("</tr>")[0]
    assert "评论" not in other
    supervisor = staff_client(Role.SUPERVISOR)
    assert ids(supervisor.get(reverse("monitoring:alerts"), {"commented": "yes"})) == {"A1"}
    assert ids(supervisor.get(reverse("monitoring:alerts"), {"commented": "no"})) == {"A2", "A3", "B1", "S1", "B2"}
    assert len(ids(supervisor.get(reverse("monitoring:alerts"), {"commented": "bogus"}))) == 6


def test_a_departments_home_page_counts_its_waiting_alerts_without_an_explanation(staff_client, world):
    from jiandu.monitoring import services

    liaison = staff_client(Role.LIAISON, world.a.code)
    data = _alerts_data(liaison.get(reverse("home")).content.decode())
    assert data["unanswered"] == 3  # A1, A2, A3
    services.alert_comment(user=liaison.user, alert_id=world.alerts["A1"].pk, text="已补录法制审核意见")
    page = liaison.get(reverse("home")).content.decode()
    assert _alerts_data(page)["unanswered"] == 2
    assert 'id="stat-alerts-unanswered"' in page and "?status=active&amp;commented=no" in page
    # A supervisor's home page has its own to-do instead.
    supervisor = staff_client(Role.SUPERVISOR).get(reverse("home")).content.decode()
    assert _alerts_data(supervisor)["unanswered"] is None and 'id="stat-alerts-unanswered"' not in supervisor


def test_list_query_count_does_not_grow_with_rows(staff_client, world, django_assert_max_num_queries):
    client = staff_client(Role.SUPERVISOR)
    for n in range(30):
        world.record(f"X{n}", agency=world.b, major=True, decided_on=D(2025, 7, 1))
    check()
    with django_assert_max_num_queries(17):
        response = client.get(reverse("monitoring:alerts"))
    assert len(response.context["page"].items) == 36


@pytest.mark.parametrize("params, expected", [
    ({"rule": "hearing_notice"}, {"B2"}),
    ({"rule": "legal_review", "agency": "b"}, {"B1"}),
    ({"region": STREET}, {"S1"}),
    ({"status": "dismissed"}, {"A3"}),
    ({"status": "active"}, {"A1", "A2", "B1", "S1", "B2"}),
    ({"status": "open", "agency": "a"}, {"A1", "A2"}),
    ({"party": "person"}, {"A1", "A2"}),
])
def test_filters_narrow_the_list(staff_client, world, params, expected):
    from jiandu.monitoring import services

    client = staff_client(Role.SUPERVISOR)
    services.alert_dismiss(user=client.user, alert_id=world.alerts["A3"].pk, reason="误报")
    query = dict(params)
    if query.get("agency"):
        query["agency"] = getattr(world, query["agency"]).code
    if query.get("party"):
        query["party"] = world.person_id[1]
    response = client.get(reverse("monitoring:alerts"), query)
    assert not response.context["form"].errors
    assert ids(response) == expected


def test_date_filter_and_a_bad_party_number(staff_client, world):
    client = staff_client(Role.SUPERVISOR)
    today = dt.date.today()
    url = reverse("monitoring:alerts")
    assert len(ids(client.get(url, {"date_from": today.isoformat()}))) == 6
    assert ids(client.get(url, {"date_to": (today - dt.timedelta(days=2)).isoformat()})) == set()
    response = client.get(url, {"party": "12345"})
    assert response.context["form"].errors["party"] and "18 位" in response.content.decode()


def test_assignee_filter_mine_unassigned_and_by_supervisor(staff_client, world):
    from jiandu.monitoring import services

    client = staff_client(Role.SUPERVISOR)
    other = staff_client(Role.SUPERVISOR)
    services.alert_assign(user=client.user, alert_id=world.alerts["A1"].pk, assignee=client.user)
    services.alert_assign(user=client.user, alert_id=world.alerts["B1"].pk, assignee=other.user)
    url = reverse("monitoring:alerts")
    assert ids(client.get(url, {"assignee": "me"})) == {"A1"}
    assert ids(other.get(url, {"assignee": "me"})) == {"B1"}
    assert ids(client.get(url, {"assignee": str(other.user.pk)})) == {"B1"}
    assert ids(client.get(url, {"assignee": "none"})) == {"A2", "A3", "S1", "B2"}
    # Combined with the other filters, and offered by name in the form.
    assert ids(client.get(url, {"assignee": "none", "agency": world.a.code})) == {"A2", "A3"}
    page = client.get(url).content.decode()
    assert "我承办的" in page and "未指派" in page and f"（{other.user.username}）" in page
    # An edited URL with someone who cannot take alerts is reported, and the list stays whole.
    response = client.get(url, {"assignee": "999999"})
    assert response.context["form"].errors["assignee"] and len(ids(response)) == 6


def test_a_department_may_filter_by_assignee_but_has_no_alerts_of_its_own(staff_client, world):
    from jiandu.monitoring import services

    supervisor = staff_client(Role.SUPERVISOR)
    services.alert_assign(user=supervisor.user, alert_id=world.alerts["A1"].pk, assignee=supervisor.user)
    liaison = staff_client(Role.LIAISON, world.a.code)
    url = reverse("monitoring:alerts")
    form = liaison.get(url).context["form"]
    assert "me" not in dict(form.fields["assignee"].choices)
    assert ids(liaison.get(url, {"assignee": str(supervisor.user.pk)})) == {"A1"}
    assert ids(liaison.get(url, {"assignee": "none"})) == {"A2", "A3"}


def test_htmx_request_gets_the_results_only(staff_client, world):
    client = staff_client(Role.SUPERVISOR)
    response = client.get(reverse("monitoring:alerts"), {"rule": "hearing_notice"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert 'id="alerts-table"' in page and "<html" not in page and 'id="counts-by-rule"' not in page


# ---------------------------------------------------------------- one alert

def test_next_waiting_alert_follows_the_list_order_and_skips_handled_ones(staff_client, world):
    from jiandu.monitoring import services

    client = staff_client(Role.SUPERVISOR)
    order = sorted(Alert.objects.values_list("pk", flat=True), reverse=True)  # the list: newest first
    services.alert_dismiss(user=client.user, alert_id=order[1], reason="误报")

    def after(pk):
        return client.get(reverse("monitoring:alert", args=[pk])).context["next_waiting"]

    assert after(order[0]) == order[2]  # the dismissed one is skipped
    assert after(order[-1]) == order[0]  # past the oldest, back to the newest
    page = client.get(reverse("monitoring:alert", args=[order[0]])).content.decode()
    assert f'href="{reverse("monitoring:alert", args=[order[2]])}"' in page and "下一条待处理" in page
    # None left but this one: no link. A liaison, who handles none, never gets one.
    for pk in order[2:]:
        services.alert_acknowledge(user=client.user, alert_id=pk)
    assert after(order[0]) is None
    liaison = staff_client(Role.LIAISON, world.a.code)
    assert liaison.get(reverse("monitoring:alert", args=[world.alerts["A1"].pk])).context["next_waiting"] is None


def test_an_alert_follows_the_list_last_looked_at(staff_client, world):
    client = staff_client(Role.SUPERVISOR)
    url = reverse("monitoring:alerts")
    a1, a2, a3 = (world.alerts[k].pk for k in ("A1", "A2", "A3"))
    query = f"rule=legal_review&agency={world.a.code}"
    # The list with a page position (keyset: ids below it) that still shows all three.
    page = client.get(url, {"rule": "legal_review", "agency": world.a.code, "after": str(a3 + 1)})
    # The rows link to the alerts' own addresses, whichever list they are on.
    assert f'href="{reverse("monitoring:alert", args=[a3])}"' in page.content.decode()
    opened = client.get(reverse("monitoring:alert", args=[a3]))
    # "Next" stays within agency a's legal_review alerts; the way back is that list (its page
    # position left out).
    assert opened.context["next_waiting"] == a2
    assert f'href="{url}?{query.replace("&", "&amp;")}" id="back-to-list"' in opened.content.decode()
    # Handling keeps following it.
    response = client.post(reverse("monitoring:acknowledge", args=[a2]), {"acknowledge-note": ""})
    assert response.status_code == 302
    assert client.get(response["Location"]).context["next_waiting"] == a1
    # Back at the whole list, the next one may be of another agency or rule.
    client.get(url)
    assert client.get(reverse("monitoring:alert", args=[a1])).context["next_waiting"] not in {a1, a2, a3}
    # A list query that filters nothing valid (an edited address) is ignored, not an error.
    client.get(url, {"agency": "nope", "rule": "%%"})
    assert client.get(reverse("monitoring:alert", args=[a1])).status_code == 200


def test_alert_page_shows_rule_basis_facts_record_and_party_history(staff_client, world):
    client = staff_client(Role.SUPERVISOR)
    alert = world.alerts["A1"]
    response = client.get(reverse("monitoring:alert", args=[alert.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    rule = get_rule("legal_review")
    assert rule.name in page and rule.basis in page and rule.explanation in page
    # The facts as a labelled table in Chinese.
    assert "决定日期" in page and "2025-06-02" in page and "法制审核日期" in page
    assert reverse("records:detail", args=["A1"]) in page
    # The person's number is masked; their other record and alert are listed.
    assert mask_id_number(world.person_id[1]) in page and world.person_id[1] not in page
    assert reverse("records:detail", args=["A2"]) in page
    assert reverse("monitoring:alert", args=[world.alerts["A2"].pk]) in page
    assert AuditEvent.objects.filter(action=AuditAction.VIEW_PERSONAL, object_id=str(alert.pk)).exists()
    assert 'name="reason"' in page and ">排除</button>" in page and 'id="alert-status"' in page


def test_dismiss_needs_a_reason_shown_as_a_form_error(staff_client, world):
    client = staff_client(Role.SUPERVISOR)
    alert = world.alerts["A1"]
    response = client.post(reverse("monitoring:dismiss", args=[alert.pk]), {"reason": "   "})
    # The page again (not a redirect), with the error on the form.
    assert response.status_code == 200
    assert "请填写排除理由" in response.content.decode()
    assert Alert.objects.get(pk=alert.pk).status == "open"


def test_dismissed_with_a_reason_stays_dismissed_after_the_next_check(staff_client, world):
    client = staff_client(Role.SUPERVISOR)
    alert = world.alerts["A1"]
    response = client.post(reverse("monitoring:dismiss", args=[alert.pk]), {"reason": "已线下补正"}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "预警已排除。" in page and "已排除" in page and "已线下补正" in page
    check()
    alert.refresh_from_db()
    assert (alert.status, alert.dismiss_reason, alert.last_seen_run_id) == ("dismissed", "已线下补正", None)
    assert Alert.objects.filter(rule="legal_review", record_id="A1").count() == 1
    assert "已排除" in client.get(reverse("monitoring:alert", args=[alert.pk])).content.decode()


def test_a_dismissal_is_taken_back_on_the_alert_page(staff_client, world):
    from jiandu.records.models import Record

    client = staff_client(Role.SUPERVISOR)
    alert, other = world.alerts["A1"], world.alerts["A2"]
    url = reverse("monitoring:alert", args=[alert.pk])
    assert 'id="reinstate-form"' not in client.get(url).content.decode()  # open: nothing to take back
    client.post(reverse("monitoring:dismiss", args=[alert.pk]), {"reason": "误报"})
    page = client.get(url).content.decode()
    assert 'id="reinstate-form"' in page and "误报" in page
    # The reason is required, said on the form.
    response = client.post(reverse("monitoring:reinstate", args=[alert.pk]), {"reinstate-reason": " "})
    assert response.status_code == 200 and "请填写撤销排除的理由" in response.content.decode()
    response = client.post(reverse("monitoring:reinstate", args=[alert.pk]),
                           {"reinstate-reason": "理由不成立"}, follow=True)
    page = response.content.decode()
    assert "已撤销排除" in page and "撤销排除" in page and "理由不成立" in page
    assert Alert.objects.get(pk=alert.pk).status == "open"
    # A department cannot, and one the rule no longer finds offers nothing to take back.
    liaison = staff_client(Role.LIAISON, world.a.code)
    assert liaison.post(reverse("monitoring:reinstate", args=[alert.pk]),
                        {"reinstate-reason": "x"}).status_code == 403
    client.post(reverse("monitoring:dismiss", args=[other.pk]), {"reason": "误报"})
    Record.objects.filter(ext_id="A2").update(legal_review_on=D(2025, 6, 1))
    check()
    page = client.get(reverse("monitoring:alert", args=[other.pk])).content.decode()
    assert 'id="reinstate-form"' not in page and "不再需要处理" in page
    response = client.post(reverse("monitoring:reinstate", args=[other.pk]), {"reinstate-reason": "复查"})
    assert "不再发现" in response.content.decode() and Alert.objects.get(pk=other.pk).status == "dismissed"


def test_acknowledge_then_a_refused_step_is_a_chinese_form_error(staff_client, world):
    client = staff_client(Role.SUPERVISOR)
    alert = world.alerts["A1"]
    assert client.post(reverse("monitoring:acknowledge", args=[alert.pk]),
                       {"acknowledge-note": "已核实"}).status_code == 302
    assert Alert.objects.get(pk=alert.pk).status == "acknowledged"
    client.post(reverse("monitoring:clue", args=[alert.pk]), {"clue-note": "移交"})
    assert Alert.objects.get(pk=alert.pk).status == "clue"
    response = client.post(reverse("monitoring:dismiss", args=[alert.pk]), {"reason": "误报"})
    # The page again (not a redirect), with the error on the form.
    assert response.status_code == 200
    assert "不能“排除”" in response.content.decode()
    steps = list(AlertEvent.objects.filter(alert=alert).values_list("action", flat=True))
    assert steps == ["acknowledge", "to_clue"]


def test_assign_to_a_supervisor_and_not_to_a_department(staff_client, world):
    client = staff_client(Role.SUPERVISOR)
    other = staff_client(Role.SUPERVISOR).user
    liaison = staff_client(Role.LIAISON, world.a.code).user
    alert = world.alerts["B1"]
    assert client.post(reverse("monitoring:assign", args=[alert.pk]), {"assignee": other.pk}).status_code == 302
    assert Alert.objects.get(pk=alert.pk).assignee == other
    response = client.post(reverse("monitoring:assign", args=[alert.pk]), {"assignee": liaison.pk})
    assert response.status_code == 200 and "选择一个有效的选项" in response.content.decode()
    assert Alert.objects.get(pk=alert.pk).assignee == other
    assert client.post(reverse("monitoring:assign", args=[alert.pk]), {"assignee": ""}).status_code == 302
    assert Alert.objects.get(pk=alert.pk).assignee is None


def test_comment_needs_text(staff_client, world):
    client = staff_client(Role.SUPERVISOR)
    alert = world.alerts["B1"]
    response = client.post(reverse("monitoring:comment", args=[alert.pk]), {"text": " "})
    assert response.status_code == 200 and "请填写评论内容" in response.content.decode()
    assert not AlertComment.objects.filter(alert=alert).exists()
    client.post(reverse("monitoring:comment", args=[alert.pk]), {"text": "请说明情况"})
    page = client.get(reverse("monitoring:alert", args=[alert.pk])).content.decode()
    assert "请说明情况" in page


def test_actions_are_post_only(staff_client, world):
    client = staff_client(Role.SUPERVISOR)
    assert client.get(reverse("monitoring:dismiss", args=[world.alerts["A1"].pk])).status_code == 405


# ---------------------------------------------------------------- bulk

def test_bulk_dismiss_needs_a_reason(staff_client, world):
    client = staff_client(Role.SUPERVISOR)
    pks = [world.alerts[k].pk for k in ("A1", "A2")]
    response = client.post(reverse("monitoring:bulk"), {"action": "dismiss", "ids": pks, "reason": ""},
                           follow=True)
    assert "批量排除须填写排除理由" in response.content.decode()
    assert set(Alert.objects.filter(pk__in=pks).values_list("status", flat=True)) == {"open"}


def test_bulk_dismiss_skips_what_is_out_of_scope_or_status(staff_client, world):
    from jiandu.monitoring import services

    client = staff_client(Role.STREET_SUPERVISOR, region_code=STREET)
    services.alert_dismiss(user=staff_client(Role.SUPERVISOR).user, alert_id=world.alerts["A3"].pk,
                           reason="误报")
    pks = [world.alerts[k].pk for k in ("S1", "A1", "A3")]
    back = reverse("monitoring:alerts") + "?status=open"
    response = client.post(reverse("monitoring:bulk"),
                           {"action": "dismiss", "ids": pks, "reason": "统一排除", "next": back})
    assert response.status_code == 302 and response["Location"] == back
    statuses = dict(Alert.objects.filter(pk__in=pks).values_list("record_id", "status"))
    assert statuses == {"S1": "dismissed", "A1": "open", "A3": "dismissed"}
    page = client.get(back).content.decode()
    assert "已处理 1 条" in page and "另有 2 条" in page


def test_bulk_acknowledge_and_assign(staff_client, world):
    client = staff_client(Role.SUPERVISOR)
    other = staff_client(Role.SUPERVISOR).user
    pks = [world.alerts[k].pk for k in ("A1", "A2", "B1")]
    client.post(reverse("monitoring:bulk"), {"action": "acknowledge", "ids": pks})
    assert set(Alert.objects.filter(pk__in=pks).values_list("status", flat=True)) == {"acknowledged"}
    client.post(reverse("monitoring:bulk"), {"action": "assign", "ids": pks, "assignee": other.pk})
    assert set(Alert.objects.filter(pk__in=pks).values_list("assignee", flat=True)) == {other.pk}
    client.post(reverse("monitoring:bulk"), {"action": "to_clue", "ids": pks[:1]})
    assert Alert.objects.get(pk=pks[0]).status == "clue"
    # A foreign address in "next" is not followed.
    response = client.post(reverse("monitoring:bulk"), {"action": "acknowledge", "ids": pks,
                                                        "next": "https://evil.example/"})
    assert response["Location"] == reverse("monitoring:alerts")


def test_bulk_without_ticks_says_so(staff_client, world):
    client = staff_client(Role.SUPERVISOR)
    response = client.post(reverse("monitoring:bulk"), {"action": "acknowledge"}, follow=True)
    assert "请至少勾选一条预警" in response.content.decode()


# ---------------------------------------------------------------- export

def test_export_is_the_filtered_list_in_excel_and_audited(staff_client, world):
    client = staff_client(Role.SUPERVISOR)
    response = client.get(reverse("monitoring:export"), {"rule": "legal_review"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:4] == ("预警编号", "规则代码", "规则名称", "状态")
    assert sorted(r[6] for r in rows[1:]) == ["A1", "A2", "A3", "B1", "S1"]
    assert {r[3] for r in rows[1:]} == {"待处理"}
    assert world.person_id[1] not in str(rows)
    event = AuditEvent.objects.filter(action=AuditAction.EXPORT, object_type="monitoring.Alert").get()
    assert "legal_review" in event.detail


def test_export_of_my_alerts(staff_client, world):
    from jiandu.monitoring import services

    client = staff_client(Role.SUPERVISOR)
    services.alert_assign(user=client.user, alert_id=world.alerts["B1"].pk, assignee=client.user)
    response = client.get(reverse("monitoring:export"), {"assignee": "me"})
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
                .active.iter_rows(values_only=True))
    assert [(r[6], r[9]) for r in rows[1:]] == [("B1", client.user.username)]


def test_liaison_export_holds_its_agency_only(staff_client, world):
    client = staff_client(Role.LIAISON, world.b.code)
    response = client.get(reverse("monitoring:export"))
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
                .active.iter_rows(values_only=True))
    assert {r[4] for r in rows[1:]} == {world.b.code}


# ---------------------------------------------------------------- home dashboard

def _alerts_data(body: str) -> dict:
    import json
    import re

    found = re.search(r'<script id="alerts-data" type="application/json">(.*?)</script>', body, re.S)
    return json.loads(found.group(1))


def test_home_shows_alert_counts_newest_alerts_and_chart_data(staff_client, world,
                                                               django_assert_max_num_queries):
    from jiandu.monitoring import services

    client = staff_client(Role.SUPERVISOR)
    services.alert_dismiss(user=client.user, alert_id=world.alerts["A3"].pk, reason="误报")
    # 18: the dashboard's counts, the newest alerts, whether the rules still run (the last run),
    # and, where the holiday package lacks this or (from November) next year, whether it was
    # declared instead.
    with django_assert_max_num_queries(18):
        response = client.get(reverse("home"))
    body = response.content.decode()
    data = _alerts_data(body)
    assert data["total"] == 6 and data["active"] == 5
    assert {s["status"]: s["n"] for s in data["statuses"]}["dismissed"] == 1
    assert {r["rule"]: (r["total"], r["active"]) for r in data["rules"]} == {
        "legal_review": (5, 4), "hearing_notice": (1, 1)}
    assert data["agencies"][0] == {"agency": world.a.code, "name": world.a.name, "total": 3, "active": 2}
    assert 'id="chart-alert-rule"' in body and "monitoring/dashboard.js" in body
    # Each rule's newest waiting alert links to its page, under the rule's name; older ones and
    # the dismissed one are not listed.
    hearing = Alert.objects.get(rule="hearing_notice")
    listed = body.split('id="latest-alerts"')[1].split("</ul>")[0]
    assert reverse("monitoring:alert", args=[world.alerts["S1"].pk]) in listed
    assert reverse("monitoring:alert", args=[hearing.pk]) in listed
    assert listed.count("<li>") == 2 and "未告知听证权利" in listed
    assert reverse("monitoring:alert", args=[world.alerts["A3"].pk]) not in body
    # Nothing assigned yet: the supervisor's own to-do is zero, and links to the filtered list.
    assert data["mine"] == 0 and "/monitoring/alerts/?assignee=me&amp;status=active" in body


def test_home_counts_the_supervisors_own_waiting_alerts(staff_client, world):
    from jiandu.monitoring import services

    client = staff_client(Role.SUPERVISOR)
    for record in ("A1", "A2", "B1"):
        services.alert_assign(user=client.user, alert_id=world.alerts[record].pk, assignee=client.user)
    services.alert_dismiss(user=client.user, alert_id=world.alerts["B1"].pk, reason="误报")
    other = staff_client(Role.SUPERVISOR)
    services.alert_assign(user=other.user, alert_id=world.alerts["S1"].pk, assignee=other.user)
    assert _alerts_data(client.get(reverse("home")).content.decode())["mine"] == 2
    assert _alerts_data(other.get(reverse("home")).content.decode())["mine"] == 1
    # A department's liaison takes no alerts: no such count on their page.
    liaison = staff_client(Role.LIAISON, world.a.code).get(reverse("home")).content.decode()
    assert _alerts_data(liaison)["mine"] is None and 'id="stat-alerts-mine"' not in liaison


def test_home_alerts_follow_the_users_scope(staff_client, world):
    body = staff_client(Role.LIAISON, world.b.code).get(reverse("home")).content.decode()
    data = _alerts_data(body)
    assert data["total"] == 2 and [a["agency"] for a in data["agencies"]] == [world.b.code]
    # One agency needs no ranking chart.
    assert 'id="chart-alert-agency"' not in body
    assert reverse("monitoring:alert", args=[world.alerts["A1"].pk]) not in body
    officer = staff_client(Role.OFFICER, world.b.code).get(reverse("home")).content.decode()
    assert "alerts-data" not in officer and 'id="dashboard-alerts"' not in officer


def test_alerts_that_stopped_firing_are_shown_when_asked(staff_client, world):
    from jiandu.monitoring import services
    from jiandu.records.models import Record

    client = staff_client(Role.SUPERVISOR)
    services.alert_acknowledge(user=client.user, alert_id=world.alerts["A1"].pk)
    # The department corrects the record: the next run no longer finds A1 and resolves it.
    Record.objects.filter(ext_id="A1").update(legal_review_on=D(2025, 6, 1))
    check()
    assert Alert.objects.get(pk=world.alerts["A1"].pk).status == "resolved"
    url = reverse("monitoring:alerts")
    assert "A1" not in ids(client.get(url))
    assert ids(client.get(url, {"status": "resolved"})) == {"A1"}
    assert ids(client.get(url, {"history": "on", "agency": world.a.code})) == {"A1", "A2", "A3"}
    page = client.get(url, {"status": "resolved"}).content.decode()
    assert "已消除" in page and 'name="history"' in page
    # The engine's step names the run that took it, linked for those who see the runs.
    from jiandu.monitoring.models import RuleRun

    run = RuleRun.objects.order_by("-id").first()
    alert_url = reverse("monitoring:alert", args=[world.alerts["A1"].pk])
    assert f'href="{reverse("monitoring:run", args=[run.pk])}">规则运行 #{run.pk}' in client.get(alert_url).content.decode()
    liaison = staff_client(Role.LIAISON, world.a.code).get(alert_url).content.decode()
    assert f"规则运行 #{run.pk}" in liaison and reverse("monitoring:run", args=[run.pk]) not in liaison


def test_facts_in_chinese_with_money_in_yuan_and_the_first_penalty_linked(staff_client, world):
    from jiandu.monitoring.selectors import facts_shown

    shown = facts_shown({"decided_on": "2025-06-02", "fine": 3440000, "first": "GC-1", "corrected": True,
                         "harm": "minor", "penalties": ["warning", "fine"], "new_key": 7,
                         "officers": [{"certificate": "C1", "problems": ["expired"]}]})
    assert [(f["label"], f["value"], f["record"]) for f in shown] == [
        ("决定日期", "2025-06-02", None), ("罚款金额", "34400 元", None),
        ("首次处罚的记录", "GC-1", "GC-1"), ("及时改正", "是", None), ("危害后果", "轻微", None),
        ("处罚种类", "警告、罚款", None), ("new_key", "7", None),
        ("执法人员", "C1（行为日期晚于有效期限）", None)]


def test_leaders_read_everything_but_do_not_handle(staff_client, world):
    client = staff_client(Role.LEADER)
    response = client.get(reverse("monitoring:alerts"))
    assert len(ids(response)) == 6 and 'id="bulk-form"' not in response.content.decode()
    alert = world.alerts["B1"]
    assert 'id="dismiss-form"' not in client.get(reverse("monitoring:alert", args=[alert.pk])).content.decode()
    assert client.post(reverse("monitoring:dismiss", args=[alert.pk]), {"reason": "x"}).status_code == 403
    assert client.get(reverse("monitoring:export")).status_code == 200


# ---------------------------------------------------------------- rule runs

def test_the_list_says_when_the_rules_last_ran_and_links_the_runs(staff_client, world):
    from jiandu.monitoring.models import RuleRun

    run = RuleRun.objects.get()
    page = staff_client(Role.SUPERVISOR).get(reverse("monitoring:alerts")).content.decode()
    assert "最近一次规则运行" in page and "核查基准日 2026-07-15" in page and "未履职核查年度 2025" in page
    assert reverse("monitoring:runs") in page and 'id="failed-run"' not in page
    # A department sees when, but not the district's run records.
    liaison = staff_client(Role.LIAISON, world.a.code)
    page = liaison.get(reverse("monitoring:alerts")).content.decode()
    assert "最近一次规则运行" in page and reverse("monitoring:runs") not in page
    assert liaison.get(reverse("monitoring:runs")).status_code == 403
    assert liaison.get(reverse("monitoring:run", args=[run.pk])).status_code == 403


def test_runs_page_lists_each_run_with_its_counts_and_one_run_by_rule(staff_client, world):
    from jiandu.monitoring.models import RuleRun

    world.record("A4", agency=world.a, major=True, decided_on=D(2025, 6, 8))
    check()
    first, second = RuleRun.objects.order_by("id")
    client = staff_client(Role.LEADER)
    response = client.get(reverse("monitoring:runs"))
    assert [r.pk for r in response.context["page"].items] == [second.pk, first.pk]
    page = response.content.decode()
    assert f'id="run-row-{second.pk}"' in page and "已完成" in page
    assert second.found == 7 and second.merge["new"] == 1 and second.merge["seen"] == 6
    response = client.get(reverse("monitoring:run", args=[second.pk]))
    rules = {r["rule"]: r["n"] for r in response.context["rules"]}
    assert rules["legal_review"] == 6 and rules["hearing_notice"] == 1
    # Rules this run did not run are said so, not shown as zero.
    assert rules["two_officers"] is None and "未运行" in response.content.decode()
    seconds = {r["rule"]: r["seconds"] for r in response.context["rules"]}
    assert seconds["legal_review"] == second.rule_seconds["legal_review"] and seconds["two_officers"] is None
    assert "用时（秒）" in response.content.decode()
    # A run from before timings were kept shows a dash, not a zero.
    RuleRun.objects.filter(pk=second.pk).update(rule_seconds={})
    response = client.get(reverse("monitoring:run", args=[second.pk]))
    assert all(r["seconds"] is None for r in response.context["rules"])
    assert response.context["total"] == 7
    assert client.get(reverse("monitoring:run", args=[999_999])).status_code == 404


def test_a_failed_run_is_shown_with_its_error_above_the_alerts_it_left_alone(staff_client, world):
    from jiandu.monitoring.models import RuleRun

    failed = RuleRun.objects.create(as_of=D(2026, 7, 16), year=2025, started_at=dt.datetime.now(dt.UTC),
                                    finished_at=dt.datetime.now(dt.UTC), status="failed",
                                    error="没有 2027 年的工作日历 (no calendar for 2027)")
    client = staff_client(Role.SUPERVISOR)
    response = client.get(reverse("monitoring:alerts"))
    page = response.content.decode()
    assert 'id="failed-run"' in page and reverse("monitoring:run", args=[failed.pk]) in page
    assert len(ids(response)) == 6
    page = client.get(reverse("monitoring:run", args=[failed.pk])).content.decode()
    assert "失败" in page and "没有 2027 年的工作日历" in page and 'id="run-rules"' not in page
    # A later run that finishes clears the notice.
    check()
    assert 'id="failed-run"' not in client.get(reverse("monitoring:alerts")).content.decode()


def test_rules_that_stopped_running_are_said_so_to_supervisors_and_on_their_home_page(staff_client, world,
                                                                                     settings):
    """`jiandu check` runs from a timer; when it stops (the timer broken, the server moved),
    new data goes unchecked without a sign: past JIANDU_RULES_OVERDUE_HOURS the list and the home
    page say since when."""
    from jiandu.monitoring.models import RuleRun

    settings.JIANDU_RULES_OVERDUE_HOURS = 48
    supervisor = staff_client(Role.SUPERVISOR)
    for path in ("monitoring:alerts", "home"):
        assert 'id="rules-overdue"' not in supervisor.get(reverse(path)).content.decode()
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=49)
    RuleRun.objects.update(started_at=long_ago, finished_at=long_ago)
    for path in ("monitoring:alerts", "home"):
        page = supervisor.get(reverse(path)).content.decode()
        assert 'id="rules-overdue"' in page and "监督规则已 2 天未运行" in page, path
    # A department cannot mend the timer: its pages say nothing of it.
    liaison = staff_client(Role.LIAISON, world.a.code)
    assert 'id="rules-overdue"' not in liaison.get(reverse("monitoring:alerts")).content.decode()
    # A failed run does not count as a run.
    RuleRun.objects.create(as_of=D(2026, 7, 16), year=2025, started_at=dt.datetime.now(dt.UTC),
                           finished_at=dt.datetime.now(dt.UTC), status="failed", error="x")
    assert 'id="rules-overdue"' in supervisor.get(reverse("monitoring:alerts")).content.decode()
    check()
    assert 'id="rules-overdue"' not in supervisor.get(reverse("monitoring:alerts")).content.decode()
    settings.JIANDU_RULES_OVERDUE_HOURS = 0  # off
    RuleRun.objects.update(started_at=long_ago, finished_at=long_ago)
    assert 'id="rules-overdue"' not in supervisor.get(reverse("monitoring:alerts")).content.decode()


def test_a_calendar_year_still_missing_is_asked_for_ahead_of_time(staff_client, world, monkeypatch):
    """From November, next year's holidays are expected; until an administrator adds them, the
    supervisors' alert list and home page say that deadlines running into it cannot be judged."""
    from django.utils import timezone

    from jiandu.core.calendar import calendar_year_set, known_years

    assert 2027 not in known_years()
    supervisor = staff_client(Role.SUPERVISOR)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: D(2026, 6, 1))
    assert 'id="calendar-missing"' not in supervisor.get(reverse("monitoring:alerts")).content.decode()
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: D(2026, 11, 20))
    for path in ("monitoring:alerts", "home"):
        page = supervisor.get(reverse(path)).content.decode()
        assert 'id="calendar-missing"' in page and "尚未收录 2027 年" in page, path
    admin = staff_client(Role.ADMIN, superuser=True).get(reverse("monitoring:alerts")).content.decode()
    assert reverse("admin:core_calendaryear_changelist") in admin
    liaison = staff_client(Role.LIAISON, world.a.code)
    assert 'id="calendar-missing"' not in liaison.get(reverse("monitoring:alerts")).content.decode()
    calendar_year_set(year=2027, notice="国务院办公厅关于2027年部分节假日安排的通知")
    assert 'id="calendar-missing"' not in supervisor.get(reverse("monitoring:alerts")).content.decode()


def test_no_run_yet(staff_client, district):
    page = staff_client(Role.SUPERVISOR).get(reverse("monitoring:alerts")).content.decode()
    assert "监督规则尚未运行" in page
    page = staff_client(Role.SUPERVISOR).get(reverse("monitoring:runs")).content.decode()
    assert "尚未运行过监督规则" in page


# ---------------------------------------------------------------- the record's page

def test_a_records_page_lists_its_alerts_for_those_who_see_alerts(staff_client, world):
    from jiandu.monitoring import services

    client = staff_client(Role.SUPERVISOR)
    alert = world.alerts["A1"]
    services.alert_dismiss(user=client.user, alert_id=alert.pk, reason="误报")
    response = client.get(reverse("records:detail", args=["B2"]))
    assert {a.rule for a in response.context["alerts"]} == {"hearing_notice"}
    body = client.get(reverse("records:detail", args=["A1"])).content.decode()
    assert 'id="record-alerts"' in body and reverse("monitoring:alert", args=[alert.pk]) in body
    assert "重大执法决定未经法制审核" in body and "已排除" in body
    # A department sees its own record's alerts; an officer, who sees no alerts, gets no card.
    liaison = staff_client(Role.LIAISON, world.a.code)
    assert [a.pk for a in liaison.get(reverse("records:detail", args=["A1"])).context["alerts"]] == [alert.pk]
    officer = staff_client(Role.OFFICER, world.a.code).get(reverse("records:detail", args=["A1"]))
    assert officer.status_code == 200 and "alerts" not in officer.context
    assert 'id="record-alerts"' not in officer.content.decode()


def test_rule_catalogue_lists_every_rule_with_its_basis_and_scoped_counts(staff_client, world):
    from jiandu.monitoring.rules import FAMILIES, all_rules

    client = staff_client(Role.SUPERVISOR)
    response = client.get(reverse("monitoring:rules"))
    families = response.context["families"]
    assert {f["family"] for f in families} == set(FAMILIES)
    listed = [r["rule"].code for f in families for r in f["rules"]]
    assert sorted(listed) == sorted(r.code for r in all_rules()) and len(listed) == 17
    counts = {r["rule"].code: (r["active"], r["total"]) for f in families for r in f["rules"]}
    assert counts["legal_review"] == (5, 5) and counts["hearing_notice"] == (1, 1)
    page = response.content.decode()
    assert all(r.basis in page for r in all_rules())
    assert f'{reverse("monitoring:alerts")}?rule=legal_review&amp;status=active' in page
    assert reverse("monitoring:rules") in client.get(reverse("monitoring:alerts")).content.decode()
    # A department sees every rule, with its own alerts counted.
    liaison = staff_client(Role.LIAISON, world.a.code).get(reverse("monitoring:rules"))
    counts = {r["rule"].code: r["total"] for f in liaison.context["families"] for r in f["rules"]}
    assert counts["legal_review"] == 3 and counts["hearing_notice"] == 0
    assert staff_client(Role.OFFICER, world.a.code).get(reverse("monitoring:rules")).status_code == 403
