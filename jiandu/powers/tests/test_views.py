"""Staff pages of the 权责清单: access, scope, filters, detail with tiers, export, query budget."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from jiandu.accounts.choices import Role
from jiandu.powers.models import Power
from tests.conftest import district_files_fixture, district_fixture, staff_client_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

LIST_BUDGET = 10  # per-request queries, the agency menu, the page and its tiers (one prefetch)


@pytest.mark.parametrize("name", ["powers:list", "powers:export"])
def test_anonymous_is_sent_to_login(client, name):
    assert client.get(reverse(name)).status_code == 302


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SUPERVISOR, Role.LEADER, Role.LIAISON, Role.OFFICER])
def test_staff_open_list_detail_export(staff_client, district, role):
    client = staff_client(role, district.agency if role in (Role.LIAISON, Role.OFFICER) else None)
    power = Power.objects.filter(agency_id=district.agency).first()
    assert client.get(reverse("powers:list")).status_code == 200
    assert client.get(reverse("powers:detail", args=[power.code])).status_code == 200
    assert client.get(reverse("powers:export")).status_code == 200


def test_social_supervisor_is_refused(staff_client, district):
    assert staff_client(Role.SOCIAL_SUPERVISOR).get(reverse("powers:list")).status_code == 403


def test_liaison_gets_404_for_another_agencys_power(staff_client, district):
    client = staff_client(Role.LIAISON, district.agency)
    other = Power.objects.filter(agency_id=district.other_agency).first()
    assert client.get(reverse("powers:detail", args=[other.code])).status_code == 404
    items = client.get(reverse("powers:list")).context["page"].items
    assert items and {p.agency_id for p in items} == {district.agency}


def test_filters_and_detail(staff_client, district):
    client = staff_client(Role.SUPERVISOR)
    penalties = client.get(reverse("powers:list"), {"kind": "penalty"}).context["page"].items
    assert penalties and {p.kind for p in penalties} == {"penalty"}
    own = client.get(reverse("powers:list"), {"agency": district.agency}).context["page"].items
    assert {p.agency_id for p in own} == {district.agency}
    power = Power.objects.filter(tiers__isnull=False).distinct().first()
    assert [p.code for p in client.get(reverse("powers:list"), {"q": power.code}).context["page"].items] == [power.code]
    response = client.get(reverse("powers:detail", args=[power.code]))
    body = response.content.decode()
    assert response.context["detail"]["tiers"] and "裁量基准" in body and power.legal_basis[:10] in body
    assert reverse("records:list") + "?power=" in body


def test_export_holds_the_filtered_rows(staff_client, district):
    client = staff_client(Role.SUPERVISOR)
    response = client.get(reverse("powers:export"), {"kind": "penalty"})
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
                .worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "事项编码"
    assert {r[0] for r in rows[1:]} == set(Power.objects.filter(kind="penalty").values_list("code", flat=True))


def test_list_query_budget(staff_client, district, django_assert_max_num_queries):
    client = staff_client(Role.SUPERVISOR)
    with django_assert_max_num_queries(LIST_BUDGET):
        response = client.get(reverse("powers:list"))
    page = response.context["page"]
    assert len(page.items) == 50 and page.has_next
    with django_assert_max_num_queries(LIST_BUDGET):
        second = client.get(reverse("powers:list"), {"after": page.next_cursor}).context["page"]
    assert not {p.code for p in page.items} & {p.code for p in second.items}
