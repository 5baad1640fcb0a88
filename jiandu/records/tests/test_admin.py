"""The admin of records, import runs, history and powers: Chinese, read-only, masked, few queries."""

import json

import pytest
from django.urls import reverse

from jiandu.core.crypto import mask_id_number
from jiandu.powers.models import FourListItem, Power
from jiandu.records.models import ImportRun, Record, Revision
from jiandu.records.services import interchange_import

pytestmark = pytest.mark.django_db


def _lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture
def data(load_samples, samples, tmp_path):
    load_samples()
    # One replaced version of a person's record and of an officer, so the history has personal ids.
    person = next(r for r in _lines(samples / "records.jsonl") if r["party"]["type"] == "person")
    officer = _lines(samples / "officers.jsonl")[0]
    for kind, row, change in (("records", person, {"closed_on": "2026-12-30"}),
                              ("officers", officer, {"name": officer["name"] + "（更正）"})):
        path = tmp_path / f"{kind}.jsonl"
        path.write_text(json.dumps({**row, **change}, ensure_ascii=False) + "\n", encoding="utf-8")
        assert interchange_import(kind=kind, path=path, source="更正").counts.replaced == 1
    return {"person": person, "officer": officer}


@pytest.fixture
def staff(client, django_user_model):
    user = django_user_model.objects.create_superuser("chief", "chief@example.com", "Chief@2026xyz")
    from jiandu.accounts.testing import sign_in

    sign_in(client, user)
    return client


@pytest.fixture
def plain_ids(samples):
    ids = {r["party"]["id"] for r in _lines(samples / "records.jsonl") if r["party"]["type"] == "person"}
    return ids | {r["id_number"] for r in _lines(samples / "officers.jsonl")}


def _get(client, url, plain_ids, **params):
    response = client.get(url, params)
    assert response.status_code == 200, url
    page = response.content.decode()
    # The search box and the filter links echo what the user typed; the rest must stay masked.
    if params.get("q"):
        for echo in ('value="{}"', "q={}", "q%3D{}"):
            page = page.replace(echo.format(params["q"]), "")
    leaked = [number for number in plain_ids if number in page]
    assert not leaked, f"plain 身份证号 on {url}: {leaked}"
    assert "sm4gcm:" not in page and "aesgcm:" not in page, f"ciphertext on {url}"
    return page


def test_every_page_answers_in_chinese(staff, data, plain_ids):
    person = Record.objects.get(ext_id=data["person"]["id"])
    organisation = Record.objects.filter(party_type="organization").first()
    power = Power.objects.filter(tiers__isnull=False).first()
    pages = {
        reverse("admin:index"): ["执法行为", "导入批次", "历史版本", "权责清单事项", "四张清单事项"],
        reverse("admin:records_record_changelist"):
            ["记录编号", "执法类别", "执法主体", "相对人名称", "行为日期", "决定日期", "罚款金额（元）",
             "程序", "重大执法决定"],
        reverse("admin:records_record_change", args=[person.pk]):
            ["行政相对人", "相对人证件号码", "处罚种类", "来源与版本", "内容摘要", "序号",
             "姓名及所属执法主体", "自然人"],
        reverse("admin:records_record_change", args=[organisation.pk]):
            [organisation.party_id_plain, "法人或其他组织"],
        reverse("admin:records_importrun_changelist"): ["数据类别", "执法人员", "总行数", "拒收", "更正"],
        reverse("admin:records_importrun_change", args=[ImportRun.objects.first().pk]):
            ["文件名", "错误摘要"],
        reverse("admin:records_revision_changelist"): ["被替换时间", "执法行为", "执法人员"],
        reverse("admin:powers_power_changelist"): ["事项编码", "事项类型", "实施主体", "行政处罚"],
        reverse("admin:powers_power_change", args=[power.pk]):
            ["裁量基准", "裁量档次", "下限（元）", "设定依据", "来源与版本"],
        reverse("admin:powers_fourlistitem_changelist"): ["清单编码", "清单类型", "不予处罚", "适用事项"],
        reverse("admin:powers_fourlistitem_change", args=[FourListItem.objects.first().pk]):
            ["违法行为及适用条件", "危害后果上限", "内容摘要"],
    }
    for revision in Revision.objects.all():
        pages[reverse("admin:records_revision_change", args=[revision.pk])] = ["内容", "替换它的导入批次"]
    for url, labels in pages.items():
        page = _get(staff, url, plain_ids)
        for label in labels:
            assert label in page, f"{label} missing on {url}"


def test_person_ids_are_masked_in_records_and_history(staff, data, plain_ids):
    number = data["person"]["party"]["id"]
    record = Record.objects.get(ext_id=data["person"]["id"])
    assert mask_id_number(number) in _get(staff, reverse("admin:records_record_change", args=[record.pk]),
                                          plain_ids)
    history = {r.kind: r for r in Revision.objects.all()}
    assert mask_id_number(number) in _get(
        staff, reverse("admin:records_revision_change", args=[history["records"].pk]), plain_ids)
    assert mask_id_number(data["officer"]["id_number"]) in _get(
        staff, reverse("admin:records_revision_change", args=[history["officers"].pk]), plain_ids)


def test_penalties_shown_as_chinese_labels(staff, data, plain_ids):
    record = Record.objects.get(ext_id="GC-5-0000195")  # fine and confiscation
    page = _get(staff, reverse("admin:records_record_change", args=[record.pk]), plain_ids)
    assert "罚款、没收违法所得、没收非法财物" in page


def test_records_found_by_party_id(staff, data, plain_ids):
    url = reverse("admin:records_record_changelist")
    person = data["person"]
    page = _get(staff, url, plain_ids, q=person["party"]["id"])
    expected = Record.objects.filter(party_key=Record.objects.get(ext_id=person["id"]).party_key)
    assert person["id"] in page
    assert f"{expected.count()} 条结果" in page
    organisation = Record.objects.filter(party_type="organization").first()
    assert organisation.ext_id in _get(staff, url, plain_ids, q=organisation.party_id_plain)
    assert organisation.ext_id in _get(staff, url, plain_ids, q=organisation.ext_id)


def test_records_list_query_count_stays_flat(staff, data, plain_ids, django_assert_max_num_queries):
    """The list costs the same few queries for one row or a full page, whatever the filters.

    The bound leaves room for the middleware (session, user, second factor); the list itself
    needs the agency filter's choices, one COUNT and one page query with its agencies joined.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("admin:records_record_changelist")
    record = Record.objects.first()
    counts = []
    for params in ({}, {"q": record.ext_id}, {"kind__exact": "penalty", "major__exact": "1"},
                   {"agency__code__exact": record.agency_id, "procedure__exact": "general"},
                   {"p": "2"}):
        with django_assert_max_num_queries(12), CaptureQueriesContext(connection) as seen:
            _get(staff, url, plain_ids, **params)
        counts.append(len(seen.captured_queries))
    assert len(set(counts)) == 1, counts


def test_imported_data_cannot_be_changed_here(staff, data):
    record = Record.objects.first()
    for url in (reverse("admin:records_record_add"), reverse("admin:powers_power_add"),
                reverse("admin:records_record_delete", args=[record.pk])):
        assert staff.get(url).status_code == 403, url
    response = staff.post(reverse("admin:records_record_change", args=[record.pk]),
                          {"party_name": "改名"})
    assert response.status_code == 403
    record.refresh_from_db()
    assert record.party_name != "改名"
