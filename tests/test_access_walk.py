"""Every URL pattern declares who may use it, and anonymous users are refused wherever it says so.

Staff views carry ``view.access`` (accounts/access.py); the admin has its own staff check; each
API operation has auth unless it is in ``jiandu.api.PUBLIC_OPERATIONS``. A view added without a
declaration makes this module fail, as ``test_an_undeclared_view_fails_the_walk`` shows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, path, resolve
from ninja import NinjaAPI

from jiandu.accounts.access import Access, require
from jiandu.api import PUBLIC_OPERATIONS, JianduAPI, operation_name

pytestmark = pytest.mark.django_db

_ROUTE_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
_REGEX_GROUP = re.compile(r"\(\?P<\w+>([^)]*)\)")
_DUMMIES = {"int": "1", "uuid": "00000000-0000-0000-0000-000000000001"}


@dataclass
class Pattern:
    route: str             # the route as written, prefixes joined
    path: str              # a concrete path that resolves to it
    namespaces: tuple[str, ...]
    pattern: URLPattern

    @property
    def view(self):
        return self.pattern.callback


def _sample(route_part: str, is_regex: bool) -> str:
    """A concrete piece of path matching one pattern's text, with a dummy for each argument."""
    if not is_regex:
        return _ROUTE_PARAM.sub(lambda m: _DUMMIES.get(m["converter"] or "str", "x"), route_part)
    text = route_part.removeprefix("^").removesuffix("$").replace("\\", "")
    # A group of alternatives (the admin's app labels) takes the first; any other group "x".
    text = _REGEX_GROUP.sub(lambda m: m[1].split("|")[0] if re.fullmatch(r"[\w|-]+", m[1]) else "x", text)
    return text.replace(".*", "x")


def url_patterns(resolver: URLResolver | None = None, route: str = "", sample: str = "",
                 namespaces: tuple[str, ...] = ()):
    """Every endpoint of the URLconf, recursively, with a concrete path for each."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        is_regex = not hasattr(entry.pattern, "converters")
        text = str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from url_patterns(entry, route + text, sample + _sample(text, is_regex),
                                    namespaces + ((entry.namespace,) if entry.namespace else ()))
        else:
            yield Pattern(route + text, "/" + sample + _sample(text, is_regex), namespaces, entry)


def _is_admin(p: Pattern) -> bool:
    return "admin" in p.namespaces


def _is_operation(p: Pattern) -> bool:
    return hasattr(p.view, "ninja_operations")


def declaration_problems() -> list[str]:
    """Patterns that do not say who may use them."""
    problems = []
    for p in url_patterns():
        if _is_admin(p):
            continue
        if _is_operation(p):
            problems += [f"{p.route} {method}: API operation {operation_name(op)} has no auth and is "
                         f"not in jiandu.api.PUBLIC_OPERATIONS"
                         for op in p.view.ninja_operations for method in op.methods
                         if not op.auth_callbacks and operation_name(op) not in PUBLIC_OPERATIONS]
        elif not isinstance(getattr(p.view, "access", None), Access):
            problems.append(f"{p.route}: view {getattr(p.view, '__qualname__', p.view)} declares no "
                            f"access (decorate it with accounts.access.require(...) or public)")
    return problems


def anonymous_problems() -> list[str]:
    """Patterns that do not refuse an anonymous user although they are not public: a staff page
    must redirect to the login page, the API must answer 401."""
    client, problems, seen = Client(), [], set()
    login = resolve_url(settings.LOGIN_URL)
    for p in url_patterns():
        if _is_admin(p):
            continue
        found = resolve(p.path).func
        # ninja adds one pattern per operation of a path (for reverse()); the first one serves them all.
        same_path = _is_operation(p) and getattr(found, "ninja_operations", None) is p.view.ninja_operations
        if found is not p.view and not same_path:
            problems.append(f"{p.route}: the sample path {p.path} resolves elsewhere")
            continue
        if _is_operation(p):
            if id(p.view.ninja_operations) in seen:
                continue
            seen.add(id(p.view.ninja_operations))
            for op in p.view.ninja_operations:
                public = operation_name(op) in PUBLIC_OPERATIONS
                for method in op.methods:
                    status = getattr(client, method.lower())(p.path).status_code
                    if public and status >= 400 or not public and status != 401:
                        problems.append(f"{method} {p.path}: anonymous got {status}")
            continue
        access = getattr(p.view, "access", None)
        if access is None or access.public:
            continue
        response = client.get(p.path)
        location = response.get("Location", "")
        redirected = response.status_code == 302 and location.startswith(login + "?")
        refused_json = p.path.startswith("/api/") and response.status_code == 401
        if not (redirected or refused_json):
            problems.append(f"GET {p.path}: anonymous got {response.status_code} {location}")
    return problems


def test_every_pattern_declares_its_access():
    patterns = list(url_patterns())
    assert len(patterns) > 30 and any(_is_operation(p) for p in patterns)
    assert declaration_problems() == []


def test_anonymous_users_are_refused_except_on_public_pages():
    assert anonymous_problems() == []


def test_the_admin_sends_anonymous_users_to_its_login():
    client = Client()
    login = resolve_url("admin:login")
    admin = [p for p in url_patterns() if _is_admin(p)]
    assert len(admin) > 20
    for p in admin:
        if p.pattern.name in ("login", "logout"):
            continue
        response = client.get(p.path)
        assert response.status_code == 302 and response["Location"].startswith(login + "?"), p.path


def test_public_operations_are_few_and_named():
    assert PUBLIC_OPERATIONS == {"jiandu.api.health"}


# The walk itself is tested: a forgotten declaration must make it fail.

def undeclared(request):
    return HttpResponse("ok")


@require()
def declared(request):
    return HttpResponse("ok")


def leaky(request):
    """Declares an access it does not enforce."""
    return HttpResponse("ok")


leaky.access = declared.access

throwaway_api = JianduAPI(urls_namespace="throwaway-api", docs_url=None, openapi_url=None)


@throwaway_api.get("/open", auth=None)
def open_operation(request):
    return {}


plain_ninja = NinjaAPI(urls_namespace="plain-ninja", docs_url=None, openapi_url=None)


@plain_ninja.get("/open")
def plain_operation(request):
    return {}


urlpatterns = [
    *get_resolver("jiandu.urls").url_patterns,
    path("throwaway/undeclared/", undeclared),
    path("throwaway/declared/", declared),
    path("throwaway/leaky/", leaky),
    path("throwaway-api/", throwaway_api.urls),
    path("plain-ninja/", plain_ninja.urls),
]


@override_settings(ROOT_URLCONF=__name__)
def test_an_undeclared_view_fails_the_walk():
    problems = declaration_problems()
    assert any(p.startswith("throwaway/undeclared/: view undeclared declares no access") for p in problems)
    assert any(p.startswith("throwaway-api/open GET: API operation") and "open_operation" in p
               for p in problems)
    # An API built without JianduAPI has neither per-operation checks nor declarations.
    assert any(p.startswith("plain-ninja/open: view") for p in problems)
    assert any(p.startswith("plain-ninja/: view") for p in problems)
    assert len(problems) == 4


@override_settings(ROOT_URLCONF=__name__)
def test_a_view_that_does_not_enforce_its_declaration_fails_the_walk():
    problems = anonymous_problems()
    assert any(p.startswith("GET /throwaway/leaky/: anonymous got") for p in problems)
    assert "GET /throwaway-api/open: anonymous got 200" in problems
    assert not any("/throwaway/declared/" in p for p in problems)
