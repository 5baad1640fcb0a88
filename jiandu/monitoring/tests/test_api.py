"""The alerts API: list with filters and keyset pages, counts, detail, handling, bulk, scope."""

from __future__ import annotations

import json

import pytest

from jiandu.accounts.choices import Role
from jiandu.accounts.models import User
from jiandu.accounts.tokens import api_token_create
from jiandu.core.crypto import mask_id_number
from jiandu.monitoring.models import Alert, AlertComment

from .test_views import STREET, D, check, world_fixture  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


class Api:
    """A test client that sends a user's Bearer token."""

    def __init__(self, client, role: str, *, agency=None, region_code: str = ""):
        n = User.objects.count()
        self.user = User.objects.create_user(f"api-{role}-{n}", password="Pw-0123456789", role=role,
                                             agency=agency, region_code=region_code, name=f"接口{n}")
        self.client = client
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=self.user, name='t')[1]}"}

    def get(self, path: str, **params):
        return self.client.get(f"/api/v1{path}", params, **self.headers)

    def post(self, path: str, body: dict):
        return self.client.post(f"/api/v1{path}", json.dumps(body), content_type="application/json",
                                **self.headers)


@pytest.fixture
def api(client):
    def make(role: str = Role.SUPERVISOR, **kwargs) -> Api:
        return Api(client, role, **kwargs)

    return make


def error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()["error"]
    assert body["code"] == code and "(" in body["message"]
    return body


def walk(api: Api, limit: int, **params) -> list[dict]:
    items, after = [], None
    while True:
        page = api.get("/alerts", limit=limit, **params, **({"after": after} if after else {})).json()
        items += page["items"]
        after = page["next"]
        if after is None:
            return items


def test_list_pages_by_keyset_newest_first(api, world, django_assert_max_num_queries):
    sup = api()
    with django_assert_max_num_queries(4):
        response = sup.get("/alerts", limit=4)
    page = response.json()
    assert len(page["items"]) == 4 and page["next"] == str(page["items"][-1]["id"])
    items = walk(sup, 4)
    assert [i["id"] for i in items] == sorted(Alert.objects.values_list("id", flat=True), reverse=True)
    one = next(i for i in items if i["record"] == "B1")
    assert one["rule"] == "legal_review" and one["rule_name"] == "重大执法决定未经法制审核"
    assert one["status"] == "open" and one["status_label"] == "待处理" and one["current"] is True
    assert one["agency"] == world.b.code and one["agency_name"] == world.b.name


def test_list_query_count_is_flat(api, world, django_assert_max_num_queries):
    from .test_views import D

    for n in range(40):
        world.record(f"X{n}", agency=world.b, major=True, decided_on=D(2025, 7, 1))
    check()
    sup = api()
    with django_assert_max_num_queries(4):
        assert len(sup.get("/alerts", limit=500).json()["items"]) == 46


@pytest.mark.parametrize("params, expected", [
    ({"rule": "hearing_notice"}, {"B2"}),
    ({"region": STREET}, {"S1"}),
    ({"status": "open", "rule": "legal_review"}, {"A1", "A2", "A3", "B1", "S1"}),
    ({"status": "dismissed"}, set()),
])
def test_list_filters(api, world, params, expected):
    assert {i["record"] for i in walk(api(), 500, **params)} == expected


def test_list_filters_by_agency_and_party(api, world):
    sup = api()
    assert {i["record"] for i in walk(sup, 500, agency=world.a.code)} == {"A1", "A2", "A3"}
    assert {i["record"] for i in walk(sup, 500, party=world.person_id[1])} == {"A1", "A2"}


def test_list_filters_by_assignee_or_unassigned(api, world):
    from jiandu.monitoring import services

    sup = api()
    services.alert_assign(user=sup.user, alert_id=Alert.objects.get(rule="hearing_notice").pk,
                          assignee=sup.user)
    assert {i["record"] for i in walk(sup, 500, assignee=sup.user.username)} == {"B2"}
    assert {i["record"] for i in walk(sup, 500, unassigned="true")} == {"A1", "A2", "A3", "B1", "S1"}
    assert walk(sup, 500, assignee="nobody-by-this-name") == []
    assert walk(sup, 500, assignee=sup.user.username, unassigned="true") == []


def test_bad_filters_are_422(api, world):
    sup = api()
    error(sup.get("/alerts", status="closed"), 422, "validation_error")
    error(sup.get("/alerts", date_from="2025/01/01"), 422, "validation_error")
    error(sup.get("/alerts", agency="nope"), 422, "validation_error")


def test_counts(api, world):
    counts = api().get("/alerts/counts").json()
    by_rule = {r["rule"]: (r["total"], r["active"]) for r in counts["by_rule"]}
    assert by_rule["legal_review"] == (5, 5) and by_rule["hearing_notice"] == (1, 1)
    assert by_rule["two_officers"] == (0, 0)
    assert {r["agency"]: r["total"] for r in counts["by_agency"]} == {
        world.a.code: 3, world.b.code: 2, world.street.code: 1}


def test_detail_has_rule_facts_party_and_history(api, world):
    alert = world.alerts["A1"]
    body = api().get(f"/alerts/{alert.pk}").json()
    assert body["rule_info"]["basis"].startswith("《中华人民共和国行政处罚法》")
    assert {"label": "决定日期", "value": "2025-06-02", "record": None} in body["facts_shown"]
    assert body["party"] == mask_id_number(world.person_id[1])
    assert world.person_id[1] not in json.dumps(body)
    assert [r["id"] for r in body["party_records"]] == ["A2"]
    assert body["party_alerts"] == [world.alerts["A2"].pk]


def test_liaison_sees_its_own_alerts_and_404_for_others(api, world):
    liaison = api(Role.LIAISON, agency=world.a)
    assert {i["agency"] for i in walk(liaison, 500)} == {world.a.code}
    assert walk(liaison, 500, agency=world.b.code) == []
    other = world.alerts["B1"].pk
    error(liaison.get(f"/alerts/{other}"), 404, "not_found")
    error(liaison.post(f"/alerts/{other}/comments", {"text": "看看"}), 404, "not_found")
    # A department explains itself but does not handle.
    own = world.alerts["A1"].pk
    assert liaison.post(f"/alerts/{own}/comments", {"text": "已补录"}).status_code == 200
    error(liaison.post(f"/alerts/{own}/dismiss", {"reason": "不服"}), 403, "forbidden")
    error(liaison.post("/alerts/bulk/acknowledge", {"ids": [own]}), 403, "forbidden")
    assert AlertComment.objects.filter(alert_id=own).count() == 1


def test_officers_may_not_read_alerts(api, world):
    error(api(Role.OFFICER, agency=world.a).get("/alerts"), 403, "forbidden")


def test_anonymous_is_401(client, world):
    assert client.get("/api/v1/alerts").status_code == 401
    assert client.post(f"/api/v1/alerts/{world.alerts['A1'].pk}/dismiss", {"reason": "x"},
                       content_type="application/json").status_code == 401


def test_dismiss_needs_a_reason_then_stays_dismissed(api, world):
    sup = api()
    pk = world.alerts["A1"].pk
    error(sup.post(f"/alerts/{pk}/dismiss", {"reason": "  "}), 422, "validation_error")
    error(sup.post(f"/alerts/{pk}/dismiss", {}), 422, "validation_error")
    body = sup.post(f"/alerts/{pk}/dismiss", {"reason": "已补正"}).json()
    assert (body["status"], body["dismiss_reason"]) == ("dismissed", "已补正")
    assert [e["action"] for e in body["events"]] == ["dismiss"]
    check()
    assert sup.get(f"/alerts/{pk}").json()["status"] == "dismissed"
    conflict = error(sup.post(f"/alerts/{pk}/acknowledge", {}), 409, "transition_not_allowed")
    assert conflict["details"] == [{"status": "dismissed", "action": "acknowledge"}]


def test_reinstate_a_dismissed_alert(api, world):
    sup = api()
    pk = world.alerts["A1"].pk
    error(sup.post(f"/alerts/{pk}/reinstate", {"reason": "复查"}), 409, "transition_not_allowed")
    sup.post(f"/alerts/{pk}/dismiss", {"reason": "误报"})
    error(sup.post(f"/alerts/{pk}/reinstate", {"reason": " "}), 422, "validation_error")
    body = sup.post(f"/alerts/{pk}/reinstate", {"reason": "排除理由不成立"}).json()
    assert (body["status"], body["dismiss_reason"]) == ("open", "")
    assert [(e["action"], e["note"]) for e in body["events"]] == [("dismiss", "误报"),
                                                                  ("reinstate", "排除理由不成立")]
    error(api(Role.LIAISON, agency=world.a).post(f"/alerts/{pk}/reinstate", {"reason": "x"}), 403, "forbidden")


def test_acknowledge_assign_and_to_clue(api, world):
    sup, other = api(), api()
    pk = world.alerts["B1"].pk
    assert sup.post(f"/alerts/{pk}/acknowledge", {"note": "已核实"}).json()["status"] == "acknowledged"
    assert sup.post(f"/alerts/{pk}/assign", {"assignee": other.user.username}).json()["assignee"] == \
        other.user.username
    liaison = api(Role.LIAISON, agency=world.a)
    error(sup.post(f"/alerts/{pk}/assign", {"assignee": liaison.user.username}), 404, "not_found")
    assert sup.post(f"/alerts/{pk}/assign", {"assignee": None}).json()["assignee"] is None
    assert sup.post(f"/alerts/{pk}/to-clue", {}).json()["status"] == "clue"
    error(sup.get("/alerts/999999"), 404, "not_found")


def test_bulk(api, world):
    street = api(Role.STREET_SUPERVISOR, region_code=STREET)
    pks = [world.alerts[k].pk for k in ("S1", "A1")]
    error(street.post("/alerts/bulk/dismiss", {"ids": pks}), 422, "validation_error")
    error(street.post("/alerts/bulk/dismiss", {"ids": pks, "reason": " "}), 422, "validation_error")
    assert street.post("/alerts/bulk/dismiss", {"ids": pks, "reason": "统一排除"}).json() == \
        {"done": 1, "skipped": 1}
    assert dict(Alert.objects.filter(pk__in=pks).values_list("record_id", "status")) == \
        {"S1": "dismissed", "A1": "open"}
    sup, other = api(), api()
    assert sup.post("/alerts/bulk/acknowledge", {"ids": pks}).json() == {"done": 1, "skipped": 1}
    assert sup.post("/alerts/bulk/assign", {"ids": pks, "assignee": other.user.username}).json() == \
        {"done": 1, "skipped": 1}
    assert Alert.objects.get(pk=pks[1]).assignee == other.user
    error(sup.post("/alerts/bulk/assign", {"ids": pks, "assignee": "nobody"}), 404, "not_found")
    assert sup.post("/alerts/bulk/to-clue", {"ids": pks}).json() == {"done": 1, "skipped": 1}
    assert Alert.objects.get(pk=pks[1]).status == "clue"
    error(sup.post("/alerts/bulk/acknowledge", {"ids": []}), 422, "validation_error")
    error(sup.post("/alerts/bulk/delete", {"ids": pks}), 404, "not_found")


def test_a_body_that_does_not_parse_is_400(api, world):
    sup = api()
    response = sup.client.post(f"/api/v1/alerts/{world.alerts['A1'].pk}/dismiss", "\x00",
                               content_type="application/json", **sup.headers)
    error(response, 400, "bad_request")


def test_resolved_alerts_are_listed_when_asked(api, world):
    from jiandu.monitoring import services
    from jiandu.records.models import Record

    sup = api()
    services.alert_acknowledge(user=sup.user, alert_id=world.alerts["A1"].pk)
    Record.objects.filter(ext_id="A1").update(legal_review_on="2025-06-01")
    check()
    assert "A1" not in {i["record"] for i in walk(sup, 500)}
    resolved = walk(sup, 500, status="resolved")
    assert [(i["record"], i["current"]) for i in resolved] == [("A1", False)]
    assert "A1" in {i["record"] for i in walk(sup, 500, current="false")}


def test_rule_runs_newest_first_with_counts_and_merge(api, world):
    from jiandu.monitoring.models import RuleRun

    world.record("A4", agency=world.a, major=True, decided_on=D(2025, 6, 8))
    check()
    first, second = RuleRun.objects.order_by("id")
    sup = api()
    page = sup.get("/alerts/runs", limit=1).json()
    assert [r["id"] for r in page["items"]] == [second.pk] and page["next"] == str(second.pk)
    run = page["items"][0]
    assert run["status"] == "done" and run["as_of"] == "2026-07-15" and run["year"] == 2025
    assert run["counts"] == {"legal_review": 6, "hearing_notice": 1}
    assert list(run["rule_seconds"]) == ["legal_review", "hearing_notice"]
    assert run["rule_seconds"] == second.rule_seconds and all(v >= 0 for v in run["rule_seconds"].values())
    assert run["merge"] == {"new": 1, "seen": 6, "reopened": 0, "resolved": 0, "deleted": 0}
    rest = sup.get("/alerts/runs", after=page["next"]).json()
    assert [r["id"] for r in rest["items"]] == [first.pk] and rest["next"] is None
    assert api(Role.LEADER).get("/alerts/runs").status_code == 200
    error(api(Role.LIAISON, agency=world.a).get("/alerts/runs"), 403, "forbidden")


def test_rules_catalogue(api, world):
    from jiandu.monitoring.rules import all_rules

    rules = api().get("/alerts/rules").json()
    assert sorted(r["code"] for r in rules) == sorted(r.code for r in all_rules())
    legal = next(r for r in rules if r["code"] == "legal_review")
    assert legal["family"] == "penalties" and legal["family_label"] == "行政处罚"
    assert (legal["total"], legal["active"]) == (5, 5) and "第五十八条" in legal["basis"]
    scoped = {r["code"]: r["total"] for r in api(Role.LIAISON, agency=world.a).get("/alerts/rules").json()}
    assert scoped["legal_review"] == 3


def test_the_list_filters_by_whether_an_alert_has_comments(api, world):
    from jiandu.monitoring import services

    supervisor = api()
    services.alert_comment(user=supervisor.user, alert_id=world.alerts["B1"].pk, text="请说明")
    items = supervisor.get("/alerts", commented="true").json()["items"]
    assert [a["record"] for a in items] == ["B1"]
    items = supervisor.get("/alerts", commented="false").json()["items"]
    assert "B1" not in {a["record"] for a in items} and len(items) == 5
