"""Staff pages of records: access by role, scope, filters, keyset pages, Excel export, the import page."""

from __future__ import annotations

import io
import json
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.shortcuts import resolve_url
from django.urls import reverse
from openpyxl import load_workbook

from jiandu.accounts.choices import AuditAction, Role
from jiandu.accounts.models import AuditEvent
from jiandu.core.crypto import mask_id_number
from jiandu.records.models import ImportRun, Record
from tests.conftest import district_files_fixture, district_fixture, staff_client_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


def contract_rows(district, *, agency=None):
    with open(district.path / "records.jsonl", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    return [r for r in rows if agency is None or r["agency"] == agency]


def ids_on_page(response) -> list[str]:
    return [r.ext_id for r in response.context["page"].items]


# ---------------------------------------------------------------- access

@pytest.mark.parametrize("name", ["records:list", "records:export", "records:import"])
def test_anonymous_is_sent_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))


def test_anonymous_cannot_open_a_record(client, district):
    ext_id = Record.objects.filter(agency_id=district.agency).values_list("ext_id", flat=True)[0]
    response = client.get(reverse("records:detail", args=[ext_id]))
    assert response.status_code == 302


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SUPERVISOR, Role.LEADER, Role.LIAISON, Role.OFFICER])
def test_staff_roles_open_list_detail_and_export(staff_client, district, role):
    agency = district.agency if role in (Role.LIAISON, Role.OFFICER) else None
    client = staff_client(role, agency)
    ext_id = Record.objects.filter(agency_id=district.agency).values_list("ext_id", flat=True)[0]
    assert client.get(reverse("records:list")).status_code == 200
    assert client.get(reverse("records:detail", args=[ext_id])).status_code == 200
    assert client.get(reverse("records:export")).status_code == 200


def test_street_supervisor_sees_its_street_only(staff_client, district):
    from jiandu.org.models import Agency

    street = Agency.objects.filter(region_code__startswith="370117001").values_list("code", flat=True)
    client = staff_client(Role.STREET_SUPERVISOR, region_code="370117001")
    response = client.get(reverse("records:list"))
    assert response.status_code == 200
    assert {r.agency_id for r in response.context["page"].items} <= set(street)


def test_social_supervisor_may_not_read_records(staff_client, district):
    client = staff_client(Role.SOCIAL_SUPERVISOR)
    assert client.get(reverse("records:list")).status_code == 403
    assert client.get(reverse("records:export")).status_code == 403


@pytest.mark.parametrize("role", [Role.OFFICER, Role.LEADER, Role.STREET_SUPERVISOR, Role.SOCIAL_SUPERVISOR])
def test_import_is_for_liaisons_supervisors_and_admins(staff_client, district, role):
    client = staff_client(role, district.agency if role == Role.OFFICER else None,
                          region_code="370117001" if role == Role.STREET_SUPERVISOR else "")
    assert client.get(reverse("records:import")).status_code == 403


def test_liaison_gets_404_for_another_agencys_record(staff_client, district):
    client = staff_client(Role.LIAISON, district.agency)
    own = Record.objects.filter(agency_id=district.agency).values_list("ext_id", flat=True)[0]
    other = Record.objects.filter(agency_id=district.other_agency).values_list("ext_id", flat=True)[0]
    assert client.get(reverse("records:detail", args=[own])).status_code == 200
    assert client.get(reverse("records:detail", args=[other])).status_code == 404
    assert client.get(reverse("records:detail", args=["no-such-record"])).status_code == 404


def test_liaison_list_and_agency_choices_hold_only_its_scope(staff_client, district):
    client = staff_client(Role.LIAISON, district.agency)
    response = client.get(reverse("records:list"))
    assert {r.agency_id for r in response.context["page"].items} == {district.agency}
    choices = [code for code, _ in response.context["form"].fields["agency"].choices if code]
    assert choices == [district.agency]
    # Asking for another agency's records by editing the URL gives nothing of theirs.
    response = client.get(reverse("records:list"), {"agency": district.other_agency})
    assert all(r.agency_id == district.agency for r in response.context["page"].items)
    assert response.context["form"].errors


# ---------------------------------------------------------------- filters and pages

def test_filters_narrow_the_list(staff_client, district):
    client = staff_client(Role.SUPERVISOR)
    url = reverse("records:list")
    everything = ids_on_page(client.get(url))
    assert len(everything) == 50

    kind = ids_on_page(client.get(url, {"kind": "inspection"}))
    assert kind and set(Record.objects.filter(ext_id__in=kind).values_list("kind", flat=True)) == {"inspection"}

    by_agency = ids_on_page(client.get(url, {"agency": district.other_agency}))
    assert set(Record.objects.filter(ext_id__in=by_agency).values_list("agency_id", flat=True)) == {district.other_agency}

    decided = ids_on_page(client.get(url, {"decided": "yes", "kind": "penalty"}))
    assert decided and not Record.objects.filter(ext_id__in=decided, decided_on__isnull=True).exists()
    undecided = ids_on_page(client.get(url, {"decided": "no"}))
    assert undecided and not Record.objects.filter(ext_id__in=undecided, decided_on__isnull=False).exists()

    dated = client.get(url, {"date_from": "2025-03-01", "date_to": "2025-03-31"})
    expected = set(Record.objects.filter(act_on__range=("2025-03-01", "2025-03-31")).values_list("ext_id", flat=True))
    assert set(ids_on_page(dated)) == expected

    procedure = ids_on_page(client.get(url, {"procedure": "summary"}))
    assert set(Record.objects.filter(ext_id__in=procedure).values_list("procedure", flat=True)) <= {"summary"}


def test_search_by_id_decision_number_party_name_and_full_id(staff_client, district):
    client = staff_client(Role.SUPERVISOR)
    url = reverse("records:list")
    rows = contract_rows(district)
    one = rows[0]
    assert ids_on_page(client.get(url, {"q": one["id"]})) == [one["id"]]

    decided = next(r for r in rows if r["decision_no"])
    assert decided["id"] in ids_on_page(client.get(url, {"q": decided["decision_no"]}))

    person = next(r for r in rows if r["party"]["type"] == "person")
    by_number = ids_on_page(client.get(url, {"q": person["party"]["id"]}))
    assert person["id"] in by_number
    assert all(r["party"]["id"] == person["party"]["id"] for r in rows if r["id"] in by_number)

    by_name = client.get(url, {"q": person["party"]["name"]})
    assert person["id"] in ids_on_page(by_name) or by_name.context["page"].has_next


def test_keyset_pages_are_disjoint_and_go_back(staff_client, district):
    client = staff_client(Role.SUPERVISOR)
    url = reverse("records:list")
    first = client.get(url).context["page"]
    second = client.get(url, {"after": first.next_cursor}).context["page"]
    third = client.get(url, {"after": second.next_cursor}).context["page"]
    ids = [[r.ext_id for r in p.items] for p in (first, second, third)]
    assert all(len(i) == 50 for i in ids)
    assert not set(ids[0]) & set(ids[1]) and not set(ids[1]) & set(ids[2])
    back = client.get(url, {"before": second.prev_cursor}).context["page"]
    assert [r.ext_id for r in back.items] == ids[0]
    assert not back.has_prev and back.has_next

    seen, cursor = [], None
    while True:
        page = client.get(url, {"kind": "penalty", **({"after": cursor} if cursor else {})}).context["page"]
        seen += [r.ext_id for r in page.items]
        if not page.has_next:
            break
        cursor = page.next_cursor
    assert len(seen) == len(set(seen)) == Record.objects.filter(kind="penalty").count()


def test_an_unreadable_cursor_gives_the_first_page(staff_client, district):
    client = staff_client(Role.SUPERVISOR)
    response = client.get(reverse("records:list"), {"after": "not-a-number"})
    assert response.status_code == 200
    assert not response.context["page"].has_prev


def test_htmx_request_gets_the_results_only(staff_client, district):
    client = staff_client(Role.SUPERVISOR)
    response = client.get(reverse("records:list"), {"kind": "penalty"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and "<table" in body
    assert "HX-Request" in response["Vary"]
    full = client.get(reverse("records:list"), {"kind": "penalty"}).content.decode()
    assert "<html" in full and 'hx-get="/records/"' in full


# Every request: the session (read, and a save of three statements: SESSION_SAVE_EVERY_REQUEST),
# the user, the second factor's device for the roles that have one, the header's unit.
REQUEST_QUERIES = 7
LIST_BUDGET = REQUEST_QUERIES + 2  # the agency menu and the page itself: nothing per row


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.LIAISON])
def test_list_query_budget(staff_client, district, django_assert_max_num_queries, role):
    client = staff_client(role, district.agency if role == Role.LIAISON else None)
    url = reverse("records:list")
    with django_assert_max_num_queries(LIST_BUDGET):
        response = client.get(url, {"kind": "penalty"})
    assert len(response.context["page"].items) > 10
    with django_assert_max_num_queries(LIST_BUDGET):
        client.get(url, {"kind": "penalty", "after": response.context["page"].next_cursor or ""})
    with django_assert_max_num_queries(LIST_BUDGET):
        client.get(url, {"kind": "penalty"}, headers={"HX-Request": "true"})


def test_person_party_is_masked_in_list_and_detail(staff_client, district):
    client = staff_client(Role.SUPERVISOR)
    person = next(r for r in contract_rows(district) if r["party"]["type"] == "person")
    listing = client.get(reverse("records:list"), {"q": person["id"]}).content.decode()
    detail = client.get(reverse("records:detail", args=[person["id"]])).content.decode()
    for body in (listing, detail):
        assert person["party"]["id"] not in body
        assert mask_id_number(person["party"]["id"]) in body
    event = AuditEvent.objects.filter(action=AuditAction.VIEW_PERSONAL, object_id=person["id"]).get()
    assert event.username == client.user.username


def test_record_detail_shows_fields_officers_and_history(staff_client, district, tmp_path):
    from jiandu.records.services import interchange_import

    client = staff_client(Role.SUPERVISOR)
    row = next(r for r in contract_rows(district) if r["kind"] == "penalty" and r["officers"])
    changed = dict(row, decision_no="钢测罚〔2026〕99号")
    path = tmp_path / "change.jsonl"
    path.write_text(json.dumps(changed, ensure_ascii=False) + "\n", encoding="utf-8")
    interchange_import(kind="records", path=path, source="更正")

    response = client.get(reverse("records:detail", args=[row["id"]]))
    body = response.content.decode()
    assert "钢测罚〔2026〕99号" in body
    assert "执法主体" in body and "处理决定" in body and "历史版本" in body
    assert "第 1 版" in body
    assert [r["version"] for r in response.context["revisions"]] == [1]
    known = [o for o in response.context["officers"] if o["officer"] is not None]
    assert known and reverse("org:officer", args=[known[0]["certificate"]]) in body


# ---------------------------------------------------------------- export

def test_export_is_a_workbook_of_the_filtered_rows_and_is_audited(staff_client, district):
    client = staff_client(Role.SUPERVISOR)
    response = client.get(reverse("records:export"), {"kind": "penalty", "agency": district.agency})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "记录编号"
    expected = set(Record.objects.filter(kind="penalty", agency_id=district.agency).values_list("ext_id", flat=True))
    assert {r[0] for r in rows[1:]} == expected and len(rows) - 1 == len(expected)
    assert {r[1] for r in rows[1:]} == {"行政处罚"}
    event = AuditEvent.objects.get(action=AuditAction.EXPORT, username=client.user.username)
    detail = json.loads(event.detail)
    assert detail["filters"] == {"kind": "penalty", "agency": district.agency}
    assert detail["rows"] == len(expected)


def test_liaison_export_holds_only_its_agency(staff_client, district):
    client = staff_client(Role.LIAISON, district.agency)
    response = client.get(reverse("records:export"))
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))[1:]
    assert len(rows) == Record.objects.filter(agency_id=district.agency).count()
    person_ids = {r["party"]["id"] for r in contract_rows(district) if r["party"]["type"] == "person"}
    assert not person_ids & {r[7] for r in rows}


# ---------------------------------------------------------------- import

def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def jsonl(rows) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()


def test_liaison_imports_own_records_and_sees_rejected_rows(staff_client, district):
    client = staff_client(Role.LIAISON, district.agency)
    own = contract_rows(district, agency=district.agency)[:2]
    other = contract_rows(district, agency=district.other_agency)[0]
    good = [dict(r, id=f"UI-{i}") for i, r in enumerate(own)]
    foreign = dict(other, id="UI-FOREIGN")
    broken = dict(own[0], id="UI-BAD", decided_on="2026-02-30")
    response = client.post(reverse("records:import"), {
        "kind": "records", "source": "本单位办案系统",
        "file": upload("本周数据.jsonl", jsonl([*good, foreign, broken]))})
    assert response.status_code == 302
    run = ImportRun.objects.get(user=client.user)
    assert response["Location"] == reverse("records:import_run", args=[run.pk])
    assert (run.rows, run.created, run.rejected) == (4, 2, 2)
    assert Record.objects.filter(ext_id__in=["UI-0", "UI-1"]).count() == 2
    assert not Record.objects.filter(ext_id="UI-FOREIGN").exists()
    assert (settings.MEDIA_ROOT / "imports").is_dir()

    page = client.get(response["Location"])
    problems = {p["key"]: p for p in page.context["problems"]}
    assert set(problems) == {"UI-FOREIGN", "UI-BAD"}
    assert problems["UI-FOREIGN"]["field"] == "agency"
    assert "不在您的数据范围内" in problems["UI-FOREIGN"]["reason"]
    assert int(problems["UI-BAD"]["line"]) == 4
    body = page.content.decode()
    assert "拒收的行" in body and "下载拒收报告" in body

    report = client.get(reverse("records:import_errors", args=[run.pk]))
    assert report.status_code == 200
    lines = [json.loads(x) for x in b"".join(report.streaming_content).decode().splitlines()]
    assert [x["id"] for x in lines] == ["UI-FOREIGN", "UI-BAD"]
    assert all({"_line", "_field", "_reason"} <= set(x) for x in lines)
    # The report, once corrected, goes straight back in: its three extra columns are ignored.
    fixed = [dict(lines[1], decided_on=own[0]["decided_on"] or "2026-01-05")]
    again = client.post(reverse("records:import"), {"kind": "records", "file": upload("fixed.jsonl", jsonl(fixed))})
    assert again.status_code == 302 and Record.objects.filter(ext_id="UI-BAD").exists()

    event = AuditEvent.objects.filter(action=AuditAction.IMPORT, username=client.user.username).earliest("id")
    assert event.object_id == str(run.pk) and json.loads(event.detail)["rejected"] == 2

    listing = client.get(reverse("records:import"))
    assert [r.pk for r in listing.context["runs"]][-1] == run.pk and len(listing.context["runs"]) == 2


def test_import_accepts_csv_and_reports_a_bad_row(staff_client, district):
    from jiandu.records.interchange.formats import RowWriter
    from jiandu.records.interchange.schema import KINDS

    client = staff_client(Role.SUPERVISOR)
    rows = [dict(r, id=f"CSV-{i}") for i, r in enumerate(contract_rows(district)[:3])]
    rows[1]["fine"] = "-5"
    path = settings.MEDIA_ROOT.parent / "up.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with RowWriter(path, KINDS["records"]) as out:
        for r in rows:
            out.write(r)
    response = client.post(reverse("records:import"), {
        "kind": "records", "file": upload("records.csv", path.read_bytes())})
    assert response.status_code == 302
    run = ImportRun.objects.get(user=client.user)
    assert (run.created, run.rejected) == (2, 1)
    page = client.get(response["Location"])
    assert [(p["key"], p["field"]) for p in page.context["problems"]] == [("CSV-1", "fine")]
    report = client.get(reverse("records:import_errors", args=[run.pk]))
    assert report["Content-Disposition"].endswith('.csv"') or ".csv" in report["Content-Disposition"]


def test_liaison_may_import_records_only(staff_client, district):
    client = staff_client(Role.LIAISON, district.agency)
    page = client.get(reverse("records:import"))
    assert [k for k, _ in page.context["form"].fields["kind"].choices] == ["records"]
    response = client.post(reverse("records:import"), {
        "kind": "agencies", "file": upload("a.jsonl", b'{"code": "x"}\n')})
    assert response.status_code == 200
    assert "kind" in response.context["form"].errors
    assert not ImportRun.objects.filter(user=client.user).exists()


def test_import_rejects_a_file_it_cannot_read(staff_client, district):
    client = staff_client(Role.SUPERVISOR)
    response = client.post(reverse("records:import"), {
        "kind": "records", "file": upload("records.txt", b"hello")})
    assert response.status_code == 200 and "file" in response.context["form"].errors
    response = client.post(reverse("records:import"), {
        "kind": "records", "file": upload("records.csv", b"name,kind\nx,penalty\n")})
    assert response.status_code == 200
    assert "表头缺少主键列" in str(response.context["form"].errors["file"])


def test_import_runs_of_others_are_404(staff_client, district, tmp_path):
    owner = staff_client(Role.LIAISON, district.agency)
    row = dict(contract_rows(district, agency=district.agency)[0], id="UI-OWN")
    owner.post(reverse("records:import"), {"kind": "records", "file": upload("a.jsonl", jsonl([row]))})
    run = ImportRun.objects.get(user=owner.user)
    other = staff_client(Role.LIAISON, district.other_agency)
    assert other.get(reverse("records:import_run", args=[run.pk])).status_code == 404
    assert other.get(reverse("records:import_errors", args=[run.pk])).status_code == 404
    assert staff_client(Role.ADMIN).get(reverse("records:import_run", args=[run.pk])).status_code == 200


def test_import_page_query_budget(staff_client, district, django_assert_max_num_queries):
    client = staff_client(Role.LIAISON, district.agency)
    with django_assert_max_num_queries(REQUEST_QUERIES + 1):
        assert client.get(reverse("records:import")).status_code == 200


def test_power_link_filters_records(staff_client, district):
    client = staff_client(Role.SUPERVISOR)
    power = Record.objects.values_list("power_id", flat=True)[0]
    response = client.get(reverse("records:list") + "?" + urlencode({"power": power}))
    assert {r.power_id for r in response.context["page"].items} == {power}
