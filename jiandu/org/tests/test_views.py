"""Staff pages of agencies and officers: access, scope, filters, masking, audit, export, query budgets."""

from __future__ import annotations

import io
import json

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from jiandu.accounts.choices import AuditAction, Role
from jiandu.accounts.models import AuditEvent
from jiandu.core.crypto import mask_id_number
from jiandu.org.models import Agency, Officer
from tests.conftest import district_files_fixture, district_fixture, staff_client_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

LIST_BUDGET = 9  # see records/tests/test_views.py: per-request queries, the menu, the page


def officer_rows(district):
    with open(district.path / "officers.jsonl", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def workbook_rows(response):
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return list(book.worksheets[0].iter_rows(values_only=True))


@pytest.mark.parametrize("name", ["org:agencies", "org:officers", "org:agencies_export", "org:officers_export"])
def test_anonymous_is_sent_to_login(client, name):
    assert client.get(reverse(name)).status_code == 302


def test_anonymous_cannot_open_details(client, district):
    officer = Officer.objects.first()
    assert client.get(reverse("org:agency", args=[district.agency])).status_code == 302
    assert client.get(reverse("org:officer", args=[officer.certificate])).status_code == 302


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SUPERVISOR, Role.LEADER, Role.LIAISON, Role.OFFICER])
def test_staff_open_every_page(staff_client, district, role):
    client = staff_client(role, district.agency if role in (Role.LIAISON, Role.OFFICER) else None)
    officer = Officer.objects.filter(agency_id=district.agency).first()
    for url in (reverse("org:agencies"), reverse("org:officers"), reverse("org:agencies_export"),
                reverse("org:officers_export"), reverse("org:agency", args=[district.agency]),
                reverse("org:officer", args=[officer.certificate])):
        assert client.get(url).status_code == 200, url


def test_social_supervisor_is_refused(staff_client, district):
    client = staff_client(Role.SOCIAL_SUPERVISOR)
    assert client.get(reverse("org:agencies")).status_code == 403
    assert client.get(reverse("org:officers")).status_code == 403


def test_liaison_gets_404_for_another_agencys_officer_and_agency(staff_client, district):
    client = staff_client(Role.LIAISON, district.agency)
    own = Officer.objects.filter(agency_id=district.agency).first()
    other = Officer.objects.filter(agency_id=district.other_agency).first()
    assert client.get(reverse("org:officer", args=[own.certificate])).status_code == 200
    assert client.get(reverse("org:officer", args=[other.certificate])).status_code == 404
    assert client.get(reverse("org:agency", args=[district.other_agency])).status_code == 404
    listing = client.get(reverse("org:officers"))
    assert {o.agency_id for o in listing.context["page"].items} == {district.agency}
    agencies = client.get(reverse("org:agencies"))
    assert [a.code for a in agencies.context["page"].items] == [district.agency]


def test_officer_id_numbers_are_masked_and_viewing_is_audited(staff_client, district):
    client = staff_client(Role.SUPERVISOR)
    row = officer_rows(district)[0]
    listing = client.get(reverse("org:officers"), {"q": row["certificate"]}).content.decode()
    detail = client.get(reverse("org:officer", args=[row["certificate"]])).content.decode()
    for body in (listing, detail):
        assert row["id_number"] not in body
        assert mask_id_number(row["id_number"]) in body
    event = AuditEvent.objects.get(action=AuditAction.VIEW_PERSONAL, object_type="org.Officer")
    assert (event.object_id, event.username) == (row["certificate"], client.user.username)
    assert not AuditEvent.objects.filter(action=AuditAction.VIEW_PERSONAL, object_id="").exists()


def test_officer_search_by_full_id_number(staff_client, district):
    client = staff_client(Role.SUPERVISOR)
    row = officer_rows(district)[3]
    found = client.get(reverse("org:officers"), {"q": row["id_number"]}).context["page"].items
    assert [o.certificate for o in found] == [row["certificate"]]
    # Part of a number cannot be matched through the keyed hash and finds nobody.
    partial = client.get(reverse("org:officers"), {"q": row["id_number"][:10]}).context["page"].items
    assert partial == []


def test_officer_filters_narrow(staff_client, district):
    client = staff_client(Role.SUPERVISOR)
    url = reverse("org:officers")
    today = timezone.localdate()

    def certs(params):
        seen, cursor = [], None
        while True:
            page = client.get(url, {**params, **({"after": cursor} if cursor else {})}).context["page"]
            seen += [o.certificate for o in page.items]
            if not page.has_next:
                return seen
            cursor = page.next_cursor

    everyone = certs({})
    assert len(everyone) == Officer.objects.count()
    suspended = certs({"status": "suspended"})
    assert set(suspended) == set(Officer.objects.filter(status="suspended").values_list("certificate", flat=True))
    expired = certs({"validity": "expired"})
    assert set(expired) == set(Officer.objects.filter(expires_on__lt=today).values_list("certificate", flat=True))
    no_oath = certs({"oath": "no"})
    assert no_oath and set(no_oath) == set(Officer.objects.filter(oath_on__isnull=True).values_list("certificate", flat=True))
    lawyers = certs({"legal": "yes", "agency": district.agency})
    assert set(lawyers) == set(Officer.objects.filter(legal_qualification=True, agency_id=district.agency)
                               .values_list("certificate", flat=True))
    assert len(everyone) > len(no_oath)


def test_agency_filters_and_detail(staff_client, district):
    client = staff_client(Role.SUPERVISOR)
    organs = client.get(reverse("org:agencies"), {"type": "administrative_organ"}).context["page"].items
    assert organs and {a.type for a in organs} == {"administrative_organ"}
    streets = client.get(reverse("org:agencies"), {"level": "street"}).context["page"].items
    assert {a.level for a in streets} == {"street"}
    named = client.get(reverse("org:agencies"), {"q": "市场监督"}).context["page"].items
    assert named and all("市场监督" in a.name for a in named)
    response = client.get(reverse("org:agency", args=[district.agency]))
    summary = response.context["summary"]
    assert summary["officers"] == Officer.objects.filter(agency_id=district.agency).count()
    assert summary["records"] > 0
    assert "执法行为记录" in response.content.decode()


def test_exports_hold_the_filtered_rows(staff_client, district):
    client = staff_client(Role.SUPERVISOR)
    rows = workbook_rows(client.get(reverse("org:officers_export"), {"agency": district.agency}))
    assert rows[0][0] == "执法证号"
    assert {r[0] for r in rows[1:]} == set(Officer.objects.filter(agency_id=district.agency)
                                          .values_list("certificate", flat=True))
    ids = {r["id_number"] for r in officer_rows(district)}
    assert not ids & {r[2] for r in rows[1:]}
    agencies = workbook_rows(client.get(reverse("org:agencies_export"), {"type": "administrative_organ"}))
    assert len(agencies) - 1 == Agency.objects.filter(type="administrative_organ").count()
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT, username=client.user.username).count() == 2


@pytest.mark.parametrize("name", ["org:agencies", "org:officers"])
def test_list_query_budget(staff_client, district, django_assert_max_num_queries, name):
    client = staff_client(Role.SUPERVISOR)
    with django_assert_max_num_queries(LIST_BUDGET):
        response = client.get(reverse(name))
    assert response.context["page"].items
    if response.context["page"].has_next:
        with django_assert_max_num_queries(LIST_BUDGET):
            client.get(reverse(name), {"after": response.context["page"].next_cursor})


def test_officer_pages_are_disjoint(staff_client, district):
    client = staff_client(Role.SUPERVISOR)
    first = client.get(reverse("org:officers")).context["page"]
    second = client.get(reverse("org:officers"), {"after": first.next_cursor}).context["page"]
    a, b = [o.certificate for o in first.items], [o.certificate for o in second.items]
    assert len(a) == 50 and b and not set(a) & set(b) and max(a) < min(b)
