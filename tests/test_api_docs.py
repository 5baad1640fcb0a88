"""The API's OpenAPI schema and docs page, and its uniform error shape outside the operations."""

import re

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.shortcuts import resolve_url

from jiandu.accounts.choices import Role
from jiandu.accounts.testing import sign_in
from jiandu.api import PUBLIC_OPERATIONS, api, operation_name

pytest_plugins = ["tests.api_fixtures"]
pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")
DOCS_ASSETS = ("ninja/swagger-ui.css", "ninja/swagger-ui-bundle.js", "ninja/swagger-ui-init.js",
               "ninja/favicon.png")


@pytest.fixture
def schema(api_client, supervisor_token):
    return api_client.json("/api/v1/openapi.json", supervisor_token)


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_every_operation_documents_its_errors_with_the_error_shape(schema):
    error_ref = "#/components/schemas/Error"
    assert set(schema["components"]["schemas"]["Error"]["properties"]) == {"error"}
    for path, method, operation in _operations(schema):
        if path == "/api/v1/health":
            continue
        for status in ("401", "403", "404", "422"):
            content = operation["responses"][status]["content"]["application/json"]
            assert content["schema"]["$ref"] == error_ref, (method, path, status)
        assert operation.get("security"), (method, path)


def test_operations_have_chinese_tags_and_summaries(schema):
    assert CJK.search(schema["info"]["title"])
    for path, method, operation in _operations(schema):
        assert operation["tags"] and all(CJK.search(tag) for tag in operation["tags"]), (method, path)
        assert CJK.search(operation["summary"]), (method, path)
    assert {t["name"] for t in schema["tags"]} >= {tag for *_, op in _operations(schema) for tag in op["tags"]}


def test_the_read_and_import_endpoints_are_all_there(schema):
    assert {(method, path) for path, method, _ in _operations(schema)} == {
        ("get", "/api/v1/health"), ("get", "/api/v1/me"), ("get", "/api/v1/tokens"),
        ("post", "/api/v1/tokens"), ("post", "/api/v1/tokens/{token_id}/revoke"),
        ("get", "/api/v1/agencies"), ("get", "/api/v1/agencies/{code}"),
        ("get", "/api/v1/officers"), ("get", "/api/v1/officers/{certificate}"),
        ("get", "/api/v1/powers"), ("get", "/api/v1/powers/{code}"), ("get", "/api/v1/four-lists"),
        ("get", "/api/v1/records"), ("get", "/api/v1/records/{record_id}"),
        ("get", "/api/v1/records/{record_id}/versions"), ("post", "/api/v1/imports/{kind}"),
        ("get", "/api/v1/alerts"), ("get", "/api/v1/alerts/counts"), ("get", "/api/v1/alerts/runs"),
        ("get", "/api/v1/alerts/rules"),
        ("get", "/api/v1/alerts/{alert_id}"),
        ("post", "/api/v1/alerts/{alert_id}/acknowledge"), ("post", "/api/v1/alerts/{alert_id}/dismiss"),
        ("post", "/api/v1/alerts/{alert_id}/assign"), ("post", "/api/v1/alerts/{alert_id}/reinstate"), ("post", "/api/v1/alerts/{alert_id}/to-clue"),
        ("post", "/api/v1/alerts/{alert_id}/comments"), ("post", "/api/v1/alerts/bulk/acknowledge"),
        ("post", "/api/v1/alerts/bulk/dismiss"), ("post", "/api/v1/alerts/bulk/assign"),
        ("post", "/api/v1/alerts/bulk/to-clue"),
        ("get", "/api/v1/ledger/logs"), ("get", "/api/v1/ledger/receipt"),
    }


def test_public_operations_are_exactly_the_declared_ones():
    unauthenticated = {operation_name(op) for bound in api._get_bound_routers()
                       for view in bound.path_operations.values() for op in view.operations
                       if not op.auth_callbacks}
    assert unauthenticated == PUBLIC_OPERATIONS == {"jiandu.api.health"}


def test_schema_needs_sign_in(client, assert_error, make_user, make_token):
    assert_error(client.get("/api/v1/openapi.json"), 401, "unauthorized")
    assert_error(client.get("/api/v1/openapi.json", HTTP_AUTHORIZATION="Bearer jd_wrong"), 401, "unauthorized")
    citizen = make_token(make_user(Role.SOCIAL_SUPERVISOR))
    assert_error(client.get("/api/v1/openapi.json", HTTP_AUTHORIZATION=f"Bearer {citizen}"), 403, "forbidden")


def test_docs_page_redirects_anonymous_users_to_sign_in(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 302
    assert response["Location"].startswith(resolve_url(settings.LOGIN_URL) + "?next=")


def test_docs_page_is_local_and_fits_the_csp(client, make_user):
    sign_in(client, make_user(Role.LEADER))
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "钢城区行政执法监督平台" in html
    assert not re.search(r"(src|href)=\"(https?:)?//", html), "no external URL"
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    for attrs, body in scripts:
        # Only our own files run; the settings are a JSON data block, which CSP does not execute.
        assert 'src="/static/' in attrs or ('type="application/json"' in attrs and not body.count("<")), attrs
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "unsafe-inline" not in response["Content-Security-Policy"].split("script-src")[1].split(";")[0]


def test_unverified_supervisor_is_sent_to_two_factor_by_the_docs_page(client, supervisor):
    from jiandu.accounts.testing import gate_passed

    gate_passed(supervisor)
    client.force_login(supervisor)
    response = client.get("/api/v1/docs")
    assert response.status_code == 302 and "/api/" not in response["Location"]


def test_docs_assets_are_served_from_ninjas_own_files():
    missing = [name for name in DOCS_ASSETS if finders.find(name) is None]
    assert not missing, ("the docs page needs ninja's static files: add \"ninja\" to INSTALLED_APPS "
                         f"(jiandu/settings.py); not found: {missing}")


@pytest.mark.parametrize("method, path, status, code", [
    ("get", "/api/v1/no-such-thing", 404, "not_found"),
    ("get", "/api/v1/", 404, "not_found"),
    ("get", "/api/v1/records/a/b/c", 404, "not_found"),
    ("get", "/api/v1/records/a%0Ab", 404, "not_found"),
    ("post", "/api/v1/no-such-thing", 404, "not_found"),
    ("post", "/api/v1/records", 405, "method_not_allowed"),
    ("delete", "/api/v1/me", 405, "method_not_allowed"),
])
def test_errors_outside_operations_have_the_shape(client, supervisor_token, assert_error,
                                                  method, path, status, code):
    response = getattr(client, method)(path, HTTP_AUTHORIZATION=f"Bearer {supervisor_token}")
    assert_error(response, status, code)
    if status == 405:
        assert response["Allow"]


def test_unexpected_error_is_500_in_the_shape_and_logged(api_client, supervisor_token, assert_error,
                                                         monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("jiandu.records.api.records_page", broken)
    error = assert_error(api_client.get("/api/v1/records", supervisor_token), 500, "internal_error")
    assert "boom" not in str(error)
    assert any("boom" in str(r.exc_info) for r in caplog.records if r.exc_info)


def test_health_needs_no_sign_in(client):
    assert client.get("/api/v1/health").json() == {"status": "ok"}
