"""The admin of regions, agencies and officers: pages in Chinese, 身份证号 never shown in full."""

import json
from pathlib import Path

import pytest
from django.urls import reverse

from jiandu.core.crypto import mask_id_number
from jiandu.org.models import Agency, CertificateStatusChange, Officer, Region
from jiandu.org.services import region_bundled_path, region_load
from jiandu.records.services import interchange_import

SAMPLES = Path(__file__).resolve().parents[3].parent / "shared" / "samples"

pytestmark = pytest.mark.django_db


def _officer_rows():
    lines = (SAMPLES / "officers.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture
def data():
    if not SAMPLES.exists():
        pytest.skip(f"shared samples not found at {SAMPLES}")
    region_load(path=region_bundled_path())
    for kind in ("agencies", "officers"):
        assert interchange_import(kind=kind, path=SAMPLES / f"{kind}.jsonl", source="样例").ok


@pytest.fixture
def staff(client, django_user_model):
    user = django_user_model.objects.create_superuser("chief", "chief@example.com", "Chief@2026xyz")
    from jiandu.accounts.testing import sign_in

    sign_in(client, user)
    return client


def _get(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, url
    page = response.content.decode()
    # The search box and the filter links echo what the user typed; the rest must stay masked.
    if params.get("q"):
        for echo in ('value="{}"', "q={}", "q%3D{}"):
            page = page.replace(echo.format(params["q"]), "")
    for row in _officer_rows():
        assert row["id_number"] not in page, f"plain 身份证号 on {url}"
    assert "sm4gcm:" not in page and "aesgcm:" not in page, f"ciphertext on {url}"
    return page


def test_every_page_answers_in_chinese(staff, data):
    officer = Officer.objects.filter(status_changes__isnull=False).first()
    pages = {
        reverse("admin:index"): ["组织机构与执法人员", "行政区划", "执法主体", "执法人员"],
        reverse("admin:org_region_changelist"): ["行政区划", "区划代码", "钢城区", "层级"],
        reverse("admin:org_region_change", args=[Region.objects.get(code="370117").pk]):
            ["上级区划", "济南市"],
        reverse("admin:org_agency_changelist"): ["统一社会信用代码", "主体类型", "执法人员数", "钢城区司法局"],
        reverse("admin:org_agency_change", args=[Agency.objects.first().pk]):
            ["来源与版本", "内容摘要", "版本", "来源系统", "样例"],
        reverse("admin:org_officer_changelist"): ["执法证号", "身份证号", "证件状态", "有效期至"],
        reverse("admin:org_officer_change", args=[officer.pk]):
            ["身份证号", "证件状态变更", "生效日期", "内容摘要", "来源与版本"],
    }
    for url, labels in pages.items():
        page = _get(staff, url)
        for label in labels:
            assert label in page, f"{label} missing on {url}"


def test_officer_number_is_shown_masked(staff, data):
    row = _officer_rows()[0]
    officer = Officer.objects.get(certificate=row["certificate"])
    masked = mask_id_number(row["id_number"])
    assert "*" * 10 in masked
    assert masked in _get(staff, reverse("admin:org_officer_change", args=[officer.pk]))
    assert masked in _get(staff, reverse("admin:org_officer_changelist"), q=row["certificate"])


def test_officer_found_by_exact_id_number_name_or_certificate(staff, data):
    rows = _officer_rows()
    target, other = rows[0], rows[1]
    url = reverse("admin:org_officer_changelist")
    for term in (target["id_number"], target["id_number"].lower(), target["certificate"]):
        page = _get(staff, url, q=term)
        assert target["certificate"] in page and other["certificate"] not in page
    assert target["certificate"] in _get(staff, url, q=target["name"])
    # A partial number cannot go through the keyed hash, so it finds nobody.
    assert target["certificate"] not in _get(staff, url, q=target["id_number"][:10])


def test_agency_officer_count(staff, data):
    agency = Agency.objects.get(code=_officer_rows()[0]["agency"])
    expected = Officer.objects.filter(agency=agency).count()
    page = _get(staff, reverse("admin:org_agency_changelist"), q=agency.code)
    assert f'<td class="field-officer_count">{expected}</td>' in page


def test_imported_data_is_read_only_but_regions_are_editable(staff, data):
    officer = Officer.objects.first()
    assert staff.get(reverse("admin:org_officer_add")).status_code == 403
    assert staff.get(reverse("admin:org_agency_add")).status_code == 403
    response = staff.post(reverse("admin:org_officer_change", args=[officer.pk]), {"name": "改名"})
    assert response.status_code == 403
    officer.refresh_from_db()
    assert officer.name != "改名"
    assert staff.get(reverse("admin:org_region_add")).status_code == 200
    assert CertificateStatusChange.objects.exists()
