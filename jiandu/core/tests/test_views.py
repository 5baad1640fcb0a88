"""The staff shell: home dashboard per role, navigation, module pages, layout, pagination, Excel."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
from django.conf import settings
from django.db import connection
from django.shortcuts import resolve_url
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from jiandu.accounts.choices import Role
from jiandu.core.excel import xlsx_export
from jiandu.core.modules import MODULES, module_by_slug
from jiandu.core.pagination import keyset_page
from jiandu.core.views import server_error
from jiandu.records.models import ImportRun, Record
from jiandu.records.selectors import records_by_month
from tests.conftest import district_files_fixture, district_fixture, staff_client_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

STAFF_ROLES = [Role.ADMIN, Role.SUPERVISOR, Role.LEADER, Role.LIAISON, Role.OFFICER]


def client_for(staff_client, district, role):
    agency = district.agency if role in (Role.LIAISON, Role.OFFICER) else None
    region = "370117001" if role == Role.STREET_SUPERVISOR else ""
    return staff_client(role, agency, region_code=region)


def nav_titles(response) -> list[str]:
    nav = re.search(r'<nav id="sidenav".*?</nav>', response.content.decode(), re.S).group(0)
    return re.findall(r">([^<>]+)</(?:a|span)>", nav)


# ---------------------------------------------------------------- home

def test_home_sends_anonymous_users_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))


@pytest.mark.parametrize("role", [*STAFF_ROLES, Role.STREET_SUPERVISOR, Role.SOCIAL_SUPERVISOR])
def test_home_opens_for_every_role(staff_client, district, role):
    response = client_for(staff_client, district, role).get(reverse("home"))
    assert response.status_code == 200
    assert "钢城区行政执法监督平台" in response.content.decode()


def test_home_counts_and_charts_are_scoped(staff_client, district):
    liaison = client_for(staff_client, district, Role.LIAISON).get(reverse("home")).context["dashboard"]
    everyone = client_for(staff_client, district, Role.SUPERVISOR).get(reverse("home")).context["dashboard"]
    own = Record.objects.filter(agency_id=district.agency).count()
    assert liaison["counts"]["records"] == own
    assert everyone["counts"]["records"] == Record.objects.count()
    assert liaison["counts"]["agencies"] == 1
    assert sum(k["n"] for k in liaison["charts"]["kinds"]) == own
    assert [a["agency"] for a in liaison["charts"]["agencies"]] == [district.agency]
    assert len(everyone["charts"]["agencies"]) == 15
    counts = [a["n"] for a in everyone["charts"]["agencies"]]
    assert counts == sorted(counts, reverse=True)
    assert len(everyone["charts"]["months"]) == 24


def test_home_embeds_chart_data_and_loads_scripts_with_the_nonce(staff_client, district):
    response = client_for(staff_client, district, Role.SUPERVISOR).get(reverse("home"))
    body = response.content.decode()
    data = json.loads(re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', body, re.S).group(1))
    assert {"kinds", "agencies", "months", "labels"} <= set(data)
    assert "行政检查" in {k["label"] for k in data["kinds"]}
    scripts = re.findall(r"<script[^>]*src=\"([^\"]+)\"[^>]*>", body)
    assert any("echarts" in s for s in scripts) and any("dashboard.js" in s for s in scripts)
    assert all(s.startswith(settings.STATIC_URL) or s.startswith("/" + settings.STATIC_URL) for s in scripts)
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    for tag in re.findall(r"<script[^>]*>", body):
        assert f'nonce="{nonce}"' in tag or 'type="application/json"' in tag
    assert "onclick" not in body and "javascript:" not in body


def test_social_supervisor_home_has_no_enforcement_data(staff_client, district):
    response = client_for(staff_client, district, Role.SOCIAL_SUPERVISOR).get(reverse("home"))
    assert response.context["dashboard"]["data"] is False
    body = response.content.decode()
    assert "dashboard-data" not in body and "问题线索" in body


def test_home_query_budget(staff_client, district, django_assert_max_num_queries):
    client = client_for(staff_client, district, Role.SUPERVISOR)
    # per-request queries, the last finished import (the kept counts' key), four counts, three
    # chart aggregates, and where the holiday package lacks this or (from November) next year,
    # whether it was declared instead
    with django_assert_max_num_queries(17):
        assert client.get(reverse("home")).status_code == 200
    # Then kept: not one query on the records, counts or charts.
    with CaptureQueriesContext(connection) as again:
        assert client.get(reverse("home")).status_code == 200
    assert len(again) <= 17 - 7
    assert not [q for q in again.captured_queries if "records_record" in q["sql"]]


def test_home_counts_are_kept_per_scope_until_an_import_finishes(staff_client, district, tmp_path):
    supervisor = client_for(staff_client, district, Role.SUPERVISOR)
    liaison = client_for(staff_client, district, Role.LIAISON)
    everyone = supervisor.get(reverse("home")).context["dashboard"]["counts"]["records"]
    own = liaison.get(reverse("home")).context["dashboard"]["counts"]["records"]
    assert own < everyone  # one kept entry per data scope, not one for all
    Record.objects.filter(pk=Record.objects.order_by("pk").values("pk")[:1]).delete()
    kept = supervisor.get(reverse("home")).context["dashboard"]
    assert kept["counts"]["records"] == everyone and kept["as_of"] is not None
    # A finished import starts afresh.
    ImportRun.objects.create(kind="records", file_name="x.jsonl", finished_at=timezone.now())
    assert supervisor.get(reverse("home")).context["dashboard"]["counts"]["records"] == everyone - 1


def test_records_by_month_fills_empty_months():
    months = records_by_month(Record.objects.none(), months=24, today=dt.date(2026, 1, 10))
    assert len(months) == 24 and months[0]["month"] == "2024-02" and months[-1]["month"] == "2026-01"
    assert all(m["n"] == 0 for m in months)


# ---------------------------------------------------------------- layout and navigation

def test_base_layout_is_mobile_ready(staff_client, district):
    body = client_for(staff_client, district, Role.LIAISON).get(reverse("home")).content.decode()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in body
    assert 'class="nav-toggle"' in body and 'aria-controls="sidenav"' in body
    assert "core/ui.js" in body and "core/ui.css" in body
    assert 'lang="zh-Hans"' in body


def test_header_shows_name_role_unit_and_a_logout_form(staff_client, district):
    client = client_for(staff_client, district, Role.LIAISON)
    body = client.get(reverse("home")).content.decode()
    assert client.user.name in body and "执法部门联络员" in body
    assert client.user.agency.name in body
    assert f'<form method="post" action="{reverse("accounts:logout")}"' in body
    assert "csrfmiddlewaretoken" in body


def test_navigation_follows_the_role(staff_client, district):
    admin = nav_titles(client_for(staff_client, district, Role.ADMIN).get(reverse("home")))
    for title in ("首页", "执法数据", "执法行为", "执法主体", "执法人员", "权责清单", "数据导入", "监督预警",
                  "问题线索", "监督案件", "行政检查", "码上监督", "案卷评查", "评议考核", "全过程记录存证",
                  "社会监督员", "系统管理"):
        assert title in admin, title
    liaison = nav_titles(client_for(staff_client, district, Role.LIAISON).get(reverse("home")))
    assert "数据导入" in liaison and "系统管理" not in liaison and "全过程记录存证" not in liaison
    officer = nav_titles(client_for(staff_client, district, Role.OFFICER).get(reverse("home")))
    assert "数据导入" not in officer and "执法行为" in officer
    social = nav_titles(client_for(staff_client, district, Role.SOCIAL_SUPERVISOR).get(reverse("home")))
    assert "执法数据" not in social and "问题线索" in social and "社会监督员" in social


def test_current_page_is_marked_in_the_navigation(staff_client, district):
    client = client_for(staff_client, district, Role.SUPERVISOR)
    body = client.get(reverse("records:import")).content.decode()
    assert f'href="{reverse("records:import")}" class="active" aria-current="page">数据导入' in body
    assert body.count('aria-current="page"') == 1
    # A page of an app no entry names lights up that app's entry.
    body = client.get(reverse("monitoring:runs")).content.decode()
    assert f'href="{reverse("monitoring:alerts")}" class="active" aria-current="page">监督预警' in body
    assert body.count('aria-current="page"') == 1


@pytest.mark.parametrize("role", [*STAFF_ROLES, Role.STREET_SUPERVISOR, Role.SOCIAL_SUPERVISOR])
def test_every_navigation_entry_opens(staff_client, district, role):
    client = client_for(staff_client, district, role)
    body = client.get(reverse("home")).content.decode()
    nav = re.search(r'<nav id="sidenav".*?</nav>', body, re.S).group(0)
    links = re.findall(r'href="([^"]+)"', nav)
    assert links
    for link in links:
        response = client.get(link)
        assert response.status_code == 200, (role, link, response.status_code)


def test_module_page_says_what_is_being_built(staff_client, district):
    client = client_for(staff_client, district, Role.SUPERVISOR)
    response = client.get(reverse("core:module", args=["cases"]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "监督案件" in body and "建设中" in body and "通知书" in body


def test_module_page_refuses_other_roles_and_unknown_modules(staff_client, district, client):
    officer = client_for(staff_client, district, Role.OFFICER)
    assert officer.get(reverse("core:module", args=["ledger"])).status_code == 403
    assert officer.get(reverse("core:module", args=["no-such"])).status_code == 404
    assert officer.get(reverse("core:module", args=["data"])).status_code == 404
    assert client.get(reverse("core:module", args=["cases"])).status_code == 302


def test_every_module_has_a_chinese_title_and_placeholder_text():
    def walk(modules):
        for m in modules:
            yield m
            yield from walk(m.children)

    for module in walk(MODULES):
        assert re.search(r"[\u4e00-\u9fff]", str(module.title))
        if (not module.url_name or module.needs_staff) and not module.children:
            assert module.summary and module.features
    assert module_by_slug("monitoring").issue == 4


# ---------------------------------------------------------------- pagination and Excel

def test_keyset_page_walks_both_ways(district):
    qs = Record.objects.all()
    first = keyset_page(qs, key="id", descending=True, size=7)
    second = keyset_page(qs, key="id", descending=True, after=first.next_cursor, size=7)
    assert [r.pk for r in first.items] == sorted((r.pk for r in first.items), reverse=True)
    assert first.items[-1].pk > second.items[0].pk
    back = keyset_page(qs, key="id", descending=True, before=second.prev_cursor, size=7)
    assert [r.pk for r in back.items] == [r.pk for r in first.items]
    assert not first.has_prev and second.has_prev
    last = keyset_page(qs, key="id", descending=True, after=str(Record.objects.order_by("id")[0].pk), size=7)
    assert last.items == [] and last.has_prev and not last.has_next


def test_excel_export_caps_and_says_so():
    export = xlsx_export(title="测试", headers=["编号", "名称"],
                         rows=([i, f"=HYPERLINK(\"x\",{i})"] for i in range(5)), cap=3)
    assert (export.rows, export.truncated) == (3, True)
    book = load_workbook(io.BytesIO(b"".join(export.response.streaming_content)))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0] == ("编号", "名称") and len(rows) == 5
    assert "上限" in rows[-1][0]
    # Text that looks like a formula stays text.
    assert book.worksheets[0]["B2"].data_type == "s"


def test_favicon_is_public_and_points_at_the_vendored_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("core/favicon.svg")


# ---------------------------------------------------------------- error pages

def test_not_found_is_the_platforms_page_in_chinese(staff_client, district, client):
    officer = client_for(staff_client, district, Role.OFFICER)
    response = officer.get("/no-such-page/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in body and "错误代码 404" in body and "返回首页" in body
    assert 'id="sidenav"' in body  # in the staff frame, with the navigation
    assert "Not Found" not in body and "The requested resource" not in body
    anonymous = client.get("/accounts/no-such-page/")
    assert anonymous.status_code == 404 and "页面不存在" in anonymous.content.decode()


def test_forbidden_is_the_platforms_page_and_says_why(staff_client, district):
    officer = client_for(staff_client, district, Role.OFFICER)
    response = officer.get(reverse("core:module", args=["ledger"]))
    body = response.content.decode()
    assert response.status_code == 403
    assert "无权访问" in body and "错误代码 403" in body and "Forbidden" not in body


def test_server_error_page_renders_without_the_request(rf):
    response = server_error(rf.get("/"))
    body = response.content.decode()
    assert response.status_code == 500
    assert "系统暂时无法处理您的请求" in body and "错误代码 500" in body
    assert "core/ui.css" in body  # styled, from the vendored stylesheet


def test_a_refused_form_explains_itself_in_chinese(staff_client, district):
    officer = client_for(staff_client, district, Role.OFFICER)
    officer.handler.enforce_csrf_checks = True
    response = officer.post(reverse("accounts:logout"))
    body = response.content.decode()
    assert response.status_code == 403
    assert "页面已过期" in body and "刷新后重新提交" in body and "CSRF" not in body


def test_bad_request_is_the_platforms_page(client):
    # A host name outside ALLOWED_HOSTS fails before most middleware has run.
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400 and "请求无效" in response.content.decode()


def test_app_roots_lead_to_their_main_page(staff_client, district):
    supervisor = client_for(staff_client, district, Role.SUPERVISOR)
    for root, page in (("/monitoring/", "monitoring:alerts"), ("/org/", "org:agencies")):
        response = supervisor.get(root)
        assert response.status_code == 302 and response["Location"] == reverse(page), root
    social = client_for(staff_client, district, Role.SOCIAL_SUPERVISOR)
    assert social.get("/monitoring/").status_code == 403  # as the alert list itself
