"""The API's endpoints on the shared samples: shapes, data scope, keyset pagination, query budgets."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiandu.accounts.choices import AuditAction, Role
from jiandu.accounts.models import AuditEvent
from jiandu.org.models import Agency, Officer
from jiandu.powers.models import FourListItem, Power
from jiandu.records.models import Record, Revision

pytest_plugins = ["tests.api_fixtures"]
pytestmark = pytest.mark.django_db

MASKED_ID = re.compile(r"^\d{4}\*{10}[\dX]{4}$")
CONTRACT_RECORD_FIELDS = [
    "id", "kind", "agency", "power", "party", "business", "procedure", "officers", "violation_on",
    "action_on", "filed_on", "decided_on", "decision_no", "penalties", "fine", "discretion", "harm",
    "corrected", "major", "legal_review_on", "hearing_notified", "extended", "served_on",
    "disclosed_on", "measure", "measure_end_on", "measure_extended", "closed_on",
]


def walk(api_client, path: str, token: str, limit: int, **params) -> list[dict]:
    """Every item of a keyset-paginated list, page by page."""
    items, after = [], None
    while True:
        query = {**params, "limit": limit, **({"after": after} if after else {})}
        page = api_client.json(path, token, **query)
        assert len(page["items"]) <= limit
        items += page["items"]
        after = page["next"]
        if after is None:
            return items
        assert after == page["items"][-1][next(iter(page["items"][-1]))]


@pytest.fixture
def liaison_of(make_user, make_token):
    def make(agency: str, role: str = Role.LIAISON) -> str:
        return make_token(make_user(role, agency=agency))

    return make


# Records.

def test_records_are_in_the_contracts_shape_with_person_ids_masked(sample_data, api_client, supervisor_token):
    items = walk(api_client, "/api/v1/records", supervisor_token, 500)
    assert len(items) == Record.objects.count() == 306
    assert all(list(item) == CONTRACT_RECORD_FIELDS for item in items)
    people = [i for i in items if i["party"]["type"] == "person"]
    assert people and all(MASKED_ID.match(p["party"]["id"]) for p in people)
    plain = {json.loads(line)["party"]["id"] for line in (sample_data.path / "records.jsonl").open()}
    body = json.dumps(items)
    assert not any(p["party"]["id"] in plain for p in people)
    assert "sm4gcm:" not in body and "aesgcm:" not in body
    assert all(i["fine"] is None or re.match(r"^\d+(\.\d{1,2})?$", i["fine"]) for i in items)


def test_record_detail_matches_the_sample_line(sample_data, api_client, supervisor_token):
    line = json.loads((sample_data.path / "records.jsonl").open().readline())
    record = api_client.json(f"/api/v1/records/{line['id']}", supervisor_token)
    for key in CONTRACT_RECORD_FIELDS:
        if key == "fine":
            assert record["fine"] == (None if line["fine"] is None else str(line["fine"]))
        elif key == "party" and line["party"]["type"] == "person":
            assert MASKED_ID.match(record["party"]["id"])
        elif key in ("officers", "penalties"):
            assert record[key] == (line.get(key) or ([] if key == "officers" else None)) or \
                sorted(record[key]) == sorted(line[key])
        else:
            assert record[key] == line.get(key), key


def test_liaison_sees_only_its_agencys_records(sample_data, api_client, liaison_of, assert_error):
    token = liaison_of(sample_data.market)
    items = walk(api_client, "/api/v1/records", token, 7)
    assert {i["agency"] for i in items} == {sample_data.market}
    assert len(items) == Record.objects.filter(agency_id=sample_data.market).count() == 15
    # Asking for another agency's records finds nothing rather than them.
    page = api_client.json("/api/v1/records", token, agency=sample_data.ecology)
    assert page == {"items": [], "next": None}
    other = Record.objects.filter(agency_id=sample_data.ecology).first().ext_id
    assert_error(api_client.get(f"/api/v1/records/{other}", token), 404, "not_found")
    assert_error(api_client.get(f"/api/v1/records/{other}/versions", token), 404, "not_found")
    own = items[0]["id"]
    assert api_client.json(f"/api/v1/records/{own}", token)["id"] == own


def test_officer_of_a_department_sees_its_agencys_records(sample_data, api_client, liaison_of):
    items = walk(api_client, "/api/v1/records", liaison_of(sample_data.ecology, Role.OFFICER), 500)
    assert {i["agency"] for i in items} == {sample_data.ecology}


def test_street_supervisor_sees_its_streets_records(sample_data, api_client, make_user, make_token):
    token = make_token(make_user(Role.STREET_SUPERVISOR, region_code=sample_data.aishan_region))
    items = walk(api_client, "/api/v1/records", token, 500)
    assert {i["agency"] for i in items} == {sample_data.aishan}
    assert len(items) == 31


def test_unknown_record_is_404(sample_data, api_client, supervisor_token, assert_error):
    assert_error(api_client.get("/api/v1/records/NO-SUCH-ID", supervisor_token), 404, "not_found")


@pytest.mark.parametrize("params, condition", [
    ({"kind": "inspection"}, {"kind": "inspection"}),
    ({"agency": "11370117562241543D"}, {"agency_id": "11370117562241543D"}),
    ({"act_on_from": "2025-03-01", "act_on_to": "2025-06-30"},
     {"act_on__gte": "2025-03-01", "act_on__lte": "2025-06-30"}),
    ({"decided": "true"}, {"decided_on__isnull": False}),
    ({"decided": "false", "kind": "penalty"}, {"decided_on__isnull": True, "kind": "penalty"}),
])
def test_record_filters(sample_data, api_client, supervisor_token, params, condition):
    items = walk(api_client, "/api/v1/records", supervisor_token, 500, **params)
    expected = list(Record.objects.filter(**condition).order_by("ext_id").values_list("ext_id", flat=True))
    assert expected and [i["id"] for i in items] == expected


def test_keyset_pagination_visits_every_record_once_in_order(sample_data, api_client, supervisor_token):
    ids = [i["id"] for i in walk(api_client, "/api/v1/records", supervisor_token, 40)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids) == 306
    first = api_client.json("/api/v1/records", supervisor_token, limit=40)
    assert first["next"] == ids[39]
    second = api_client.json("/api/v1/records", supervisor_token, limit=40, after=first["next"])
    assert [i["id"] for i in second["items"]] == ids[40:80]
    last = api_client.json("/api/v1/records", supervisor_token, limit=6, after=ids[-7])
    assert [i["id"] for i in last["items"]] == ids[-6:] and last["next"] is None
    assert api_client.json("/api/v1/records", supervisor_token, after=ids[-1]) == {"items": [], "next": None}


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 501}, {"limit": "x"}, {"kind": "nonsense"},
                                    {"agency": "not-a-code"}, {"act_on_from": "2025-02-30"},
                                    {"decided": "maybe"}, {"after": "a\x00b"}])
def test_bad_filters_are_422_with_details(sample_data, api_client, supervisor_token, assert_error, params):
    error = assert_error(api_client.get("/api/v1/records", supervisor_token, **params), 422, "validation_error")
    assert [d["field"] for d in error["details"]] == [f"query.{next(iter(params))}"]


def test_record_ids_may_hold_a_slash(sample_data, api_client, supervisor_token, tmp_path):
    from jiandu.records.services import interchange_import

    line = json.loads((sample_data.path / "records.jsonl").open().readline())
    path = tmp_path / "slash.jsonl"
    path.write_text(json.dumps({**line, "id": "GC/2025/1"}, ensure_ascii=False))
    interchange_import(kind="records", path=path, source="slash")
    assert api_client.json("/api/v1/records/GC/2025/1", supervisor_token)["id"] == "GC/2025/1"
    assert api_client.json("/api/v1/records/GC%2F2025%2F1", supervisor_token)["id"] == "GC/2025/1"
    versions = api_client.json("/api/v1/records/GC/2025/1/versions", supervisor_token)
    assert [v["record"]["id"] for v in versions] == ["GC/2025/1"]
    ids = [i["id"] for i in walk(api_client, "/api/v1/records", supervisor_token, 500)]
    before = ids[ids.index("GC/2025/1") - 1]
    page = api_client.json("/api/v1/records", supervisor_token, after=before, limit=1)
    assert page["items"][0]["id"] == "GC/2025/1"


def test_record_versions_keep_every_replaced_version(sample_data, api_client, supervisor_token, tmp_path):
    from jiandu.records.services import interchange_import

    line = json.loads((sample_data.path / "records.jsonl").open().readline())
    path = tmp_path / "update.jsonl"
    for n, name in enumerate(["改名一", "改名二"], start=2):
        path.write_text(json.dumps({**line, "party": {**line["party"], "name": name}}, ensure_ascii=False))
        interchange_import(kind="records", path=path, source=f"v{n}")
    versions = api_client.json(f"/api/v1/records/{line['id']}/versions", supervisor_token)
    assert [(v["version"], v["current"], v["source"]) for v in versions] == [
        (1, False, "samples"), (2, False, "v2"), (3, True, "v3")]
    assert [v["record"]["party"]["name"] for v in versions] == [line["party"]["name"], "改名一", "改名二"]
    assert versions[0]["superseded_at"] and versions[-1]["superseded_at"] is None
    assert all(list(v["record"]) == CONTRACT_RECORD_FIELDS for v in versions)
    assert Revision.objects.filter(key=line["id"]).count() == 2


def test_person_records_and_officers_read_are_audited(sample_data, api_client, supervisor_token):
    person = Record.objects.filter(party_type="person").first().ext_id
    company = Record.objects.filter(party_type="organization").first().ext_id
    api_client.json(f"/api/v1/records/{person}", supervisor_token)
    api_client.json(f"/api/v1/records/{company}", supervisor_token)
    api_client.json(f"/api/v1/records/{person}/versions", supervisor_token)
    certificate = Officer.objects.first().certificate
    api_client.json(f"/api/v1/officers/{certificate}", supervisor_token)
    events = AuditEvent.objects.filter(action=AuditAction.VIEW_PERSONAL, username="supervisor")
    assert sorted(events.values_list("object_type", "object_id")) == sorted(
        [("records.Record", person), ("records.Record", person), ("org.Officer", certificate)])


# Reference data.

def test_agencies(sample_data, api_client, supervisor_token, liaison_of, assert_error):
    items = walk(api_client, "/api/v1/agencies", supervisor_token, 5)
    assert [i["code"] for i in items] == sorted(Agency.objects.values_list("code", flat=True))
    assert list(items[0]) == ["code", "name", "type", "level", "region", "parent"]
    streets = api_client.json("/api/v1/agencies", supervisor_token, level="street")["items"]
    assert len(streets) == 5 and {a["level"] for a in streets} == {"street"}
    detail = api_client.json(f"/api/v1/agencies/{sample_data.market}", supervisor_token)
    assert detail["name"] == "钢城区市场监督管理局"
    token = liaison_of(sample_data.market)
    assert [a["code"] for a in api_client.json("/api/v1/agencies", token)["items"]] == [sample_data.market]
    assert_error(api_client.get(f"/api/v1/agencies/{sample_data.ecology}", token), 404, "not_found")
    assert_error(api_client.get("/api/v1/agencies/91370117087830778X", supervisor_token), 404, "not_found")


def test_officers_are_scoped_and_masked(sample_data, api_client, supervisor_token, liaison_of, assert_error):
    items = walk(api_client, "/api/v1/officers", supervisor_token, 50)
    assert len(items) == Officer.objects.count() == 137
    assert all(MASKED_ID.match(o["id_number"]) for o in items)
    plain = {json.loads(line)["id_number"] for line in (sample_data.path / "officers.jsonl").open()}
    assert not plain & {o["id_number"] for o in items}
    token = liaison_of(sample_data.market)
    own = walk(api_client, "/api/v1/officers", token, 500)
    assert own and {o["agency"] for o in own} == {sample_data.market}
    other = Officer.objects.filter(agency_id=sample_data.ecology).first().certificate
    assert_error(api_client.get(f"/api/v1/officers/{other}", token), 404, "not_found")
    detail = api_client.json(f"/api/v1/officers/{own[0]['certificate']}", token)
    assert detail == own[0]
    valid = api_client.json("/api/v1/officers", supervisor_token, status="valid", limit=500)["items"]
    assert valid and {o["status"] for o in valid} == {"valid"}


def test_powers_with_tiers(sample_data, api_client, supervisor_token, liaison_of, assert_error):
    items = walk(api_client, "/api/v1/powers", supervisor_token, 30)
    assert len(items) == Power.objects.count()
    tiered = [p for p in items if p["discretion"]]
    assert tiered and all(set(t) == {"level", "min", "max"} for p in tiered for t in p["discretion"])
    sample = {json.loads(line)["code"]: json.loads(line) for line in (sample_data.path / "powers.jsonl").open()}
    for power in tiered[:5]:
        expected = sorted(sample[power["code"]]["discretion"], key=lambda t: (t["min"], t["max"]))
        assert [(t["level"], t["min"], t["max"]) for t in power["discretion"]] == \
            [(t["level"], str(t["min"]), str(t["max"])) for t in expected]
    code = tiered[0]["code"]
    assert api_client.json(f"/api/v1/powers/{code}", supervisor_token) == tiered[0]
    penalty = api_client.json("/api/v1/powers", supervisor_token, kind="penalty", limit=500)["items"]
    assert penalty and {p["kind"] for p in penalty} == {"penalty"}
    token = liaison_of(sample_data.market)
    own = walk(api_client, "/api/v1/powers", token, 500)
    assert own and {p["agency"] for p in own} == {sample_data.market}
    other = Power.objects.filter(agency_id=sample_data.ecology).first().code
    assert_error(api_client.get(f"/api/v1/powers/{other}", token), 404, "not_found")


def test_four_lists(sample_data, api_client, supervisor_token, liaison_of):
    items = walk(api_client, "/api/v1/four-lists", supervisor_token, 20)
    assert len(items) == FourListItem.objects.count() == 51
    assert list(items[0]) == ["code", "list", "power", "description", "max_harm", "requires_corrected",
                              "first_offense_window_days"]
    no_penalty = api_client.json("/api/v1/four-lists", supervisor_token, list="no_penalty", limit=500)
    assert {i["list"] for i in no_penalty["items"]} == {"no_penalty"}
    own = walk(api_client, "/api/v1/four-lists", liaison_of(sample_data.market), 500)
    market_powers = set(Power.objects.filter(agency_id=sample_data.market).values_list("code", flat=True))
    assert own and {i["power"] for i in own} <= market_powers


# Query budgets: a page costs the same few queries whatever its size.

@pytest.mark.parametrize("path, queries", [
    ("/api/v1/records", 2), ("/api/v1/agencies", 2), ("/api/v1/officers", 2),
    ("/api/v1/powers", 3), ("/api/v1/four-lists", 2), ("/api/v1/tokens", 2),
])
def test_list_query_budget(sample_data, api_client, supervisor_token, path, queries):
    api_client.json(path, supervisor_token, limit=1)  # the token's last use is written once a minute
    for limit in (1, 500):
        with CaptureQueriesContext(connection) as ctx:
            api_client.json(path, supervisor_token, limit=limit)
        assert len(ctx.captured_queries) == queries, [q["sql"] for q in ctx.captured_queries]


# Imports.

def _upload(path, name=None):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name or path.name, path.read_bytes())


def test_supervisor_imports_reference_data(sample_data, api_client, supervisor_token):
    response = api_client.post("/api/v1/imports/agencies", supervisor_token,
                               data={"file": _upload(sample_data.path / "agencies.jsonl"), "source": "接口"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["kind"] == "agencies"
    assert body["counts"] == {"rows": 16, "created": 0, "replaced": 0, "unchanged": 16, "rejected": 0}
    assert body["problems"] == [] and body["problems_total"] == 0
    event = AuditEvent.objects.get(action=AuditAction.IMPORT, object_id=str(body["run"]))
    assert event.username == "supervisor" and '"via": "api"' in event.detail


def test_import_reports_each_rejected_row(sample_data, api_client, supervisor_token):
    response = api_client.post("/api/v1/imports/records", supervisor_token,
                               data={"file": _upload(sample_data.path / "bad_records.jsonl")})
    body = response.json()
    assert body["counts"]["rejected"] == body["problems_total"] == 8
    assert [p["line"] for p in body["problems"]] == list(range(1, 9))
    assert all(p["field"] and "(" in p["reason"] for p in body["problems"])


def test_liaison_imports_only_its_own_records(sample_data, api_client, liaison_of, tmp_path, assert_error):
    token = liaison_of(sample_data.market)
    assert_error(api_client.post("/api/v1/imports/agencies", token,
                                 data={"file": _upload(sample_data.path / "agencies.jsonl")}),
                 403, "forbidden")
    lines = (sample_data.path / "records.jsonl").read_text().splitlines()
    own = [line for line in lines if json.loads(line)["agency"] == sample_data.market][:2]
    other = [line for line in lines if json.loads(line)["agency"] == sample_data.ecology][:1]
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(own + other) + "\n")
    body = api_client.post("/api/v1/imports/records", token, data={"file": _upload(path)}).json()
    assert body["counts"]["unchanged"] == 2 and body["counts"]["rejected"] == 1
    assert body["problems"][0]["field"] == "agency" and body["problems"][0]["line"] == 3


@pytest.mark.parametrize("role", [Role.OFFICER, Role.LEADER, Role.STREET_SUPERVISOR])
def test_roles_that_do_not_import(sample_data, api_client, make_user, make_token, assert_error, role):
    user = make_user(role, agency=sample_data.market if role == Role.OFFICER else None,
                     region_code=sample_data.aishan_region if role == Role.STREET_SUPERVISOR else "")
    response = api_client.post("/api/v1/imports/records", make_token(user),
                               data={"file": _upload(sample_data.path / "records.jsonl")})
    assert_error(response, 403, "forbidden")


def test_unreadable_file_is_422(sample_data, api_client, supervisor_token, tmp_path, assert_error):
    path = tmp_path / "records.txt"
    path.write_text("hello")
    error = assert_error(api_client.post("/api/v1/imports/records", supervisor_token,
                                         data={"file": _upload(path)}), 422, "invalid_file")
    assert ".txt" in error["message"]
    assert_error(api_client.post("/api/v1/imports/records", supervisor_token, data={}),
                 422, "validation_error")
    assert_error(api_client.post("/api/v1/imports/nonsense", supervisor_token,
                                 data={"file": _upload(path)}), 422, "validation_error")


def test_oversized_upload_is_413(sample_data, api_client, supervisor_token, assert_error, monkeypatch):
    monkeypatch.setattr("jiandu.records.api.MAX_UPLOAD_BYTES", 100)
    response = api_client.post("/api/v1/imports/agencies", supervisor_token,
                               data={"file": _upload(sample_data.path / "agencies.jsonl")})
    assert_error(response, 413, "too_large")
