"""The JSON API under /api/v1/ (django-ninja): one NinjaAPI, its sign-in, error shape and docs page."""

from __future__ import annotations

import json
import logging
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.template import engines
from django.urls import URLPattern, path, re_path
from django.utils.safestring import mark_safe
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.docs import DocsBase
from ninja.openapi.urls import get_openapi_urls
from ninja.openapi.views import openapi_view
from ninja.renderers import JSONRenderer

from jiandu.accounts.access import ALL_STAFF, Access, public
from jiandu.accounts.api import bearer, session
from jiandu.accounts.api import router as accounts_router
from jiandu.accounts.middleware import GATE_ALWAYS, gate_exempt
from jiandu.core.api import ApiError, error_body
from jiandu.ledger.api import router as ledger_router
from jiandu.monitoring.api import router as monitoring_router
from jiandu.org.api import router as org_router
from jiandu.powers.api import router as powers_router
from jiandu.records.api import router as records_router

logger = logging.getLogger(__name__)

# Operations anyone may call without signing in, by handler (module.function). Everything else
# needs a token or a verified session; tests/test_access_walk.py holds every operation to this.
PUBLIC_OPERATIONS = frozenset({"jiandu.api.health"})


def operation_name(operation) -> str:
    return f"{operation.view_func.__module__}.{operation.view_func.__qualname__}"


def _error_response(status: int, **kwargs) -> JsonResponse:
    response = JsonResponse(error_body(status, **kwargs), status=status,
                            json_dumps_params={"ensure_ascii": False})
    if status == 401:
        # RFC 6750: tell the client which scheme to use.
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


@public
def unknown_path(request, *args, **kwargs):
    """Whatever is not an operation is 404 in the API's own shape, never Django's HTML page."""
    return _error_response(404)


# A POST to an unknown path is a 404 like any other, not Django's CSRF failure page.
unknown_path.csrf_exempt = True


def _api_view(view, operations):
    """An operation pattern's view, with what ninja leaves out of the API's promises."""

    # The sign-in gate would redirect a half-signed-in session; the API answers 401 instead.
    @gate_exempt(GATE_ALWAYS)
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        # No parameter of this API is a list, and ninja would silently keep the last of repeats.
        repeated = sorted(key for key, values in request.GET.lists() if len(values) > 1)
        if repeated:
            return _error_response(422, details=[
                {"field": f"query.{key}", "type": "repeated", "message": "参数重复 (parameter repeated)"}
                for key in repeated])
        response = view(request, *args, **kwargs)
        # ninja answers a method the path lacks with a plain-text 405; the API promises its shape.
        if isinstance(response, HttpResponseNotAllowed):
            uniform = _error_response(405)
            uniform["Allow"] = response["Allow"]
            return uniform
        return response

    wrapper.ninja_operations = operations
    return wrapper


class JianduAPI(NinjaAPI):
    def _get_urls(self):
        # As NinjaAPI builds them, but each operation pattern carries its operations (for the
        # access walk) and keeps the error shape (`_api_view`); the root and any unknown path
        # answer 404 in it too.
        urls = get_openapi_urls(self)
        for bound in self._get_bound_routers():
            patterns = iter(bound.urls_paths(bound.prefix))
            for path_view in bound.path_operations.values():
                for _ in path_view.operations:
                    pattern = next(patterns)
                    urls.append(URLPattern(pattern.pattern, _api_view(pattern.callback, path_view.operations),
                                           pattern.default_args, pattern.name))
        urls.append(path("", unknown_path, name="api-root"))
        # [\s\S], not ".": a path may hold an encoded newline.
        urls.append(re_path(r"^[\s\S]*$", unknown_path, name="unknown-path"))
        return urls


_DOCS_PAGE = """{% load static %}<!DOCTYPE html>
<html lang="zh-Hans">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} · 接口文档</title>
<link rel="stylesheet" href="{% static 'ninja/swagger-ui.css' %}">
<link rel="icon" href="{% static 'ninja/favicon.png' %}" type="image/png">
</head>
<body data-csrf-token="{{ csrf_token }}" data-api-csrf="true">
<script type="application/json" id="swagger-settings">{{ settings_json }}</script>
<div id="swagger-ui"></div>
<script src="{% static 'ninja/swagger-ui-bundle.js' %}"></script>
<script src="{% static 'ninja/swagger-ui-init.js' %}"></script>
</body>
</html>
"""


class ReadableJSON(JSONRenderer):
    # Chinese stays readable in the body; it is UTF-8 either way.
    json_dumps_params = {"ensure_ascii": False}


class LocalSwagger(DocsBase):
    """Swagger UI from the files ninja bundles (never its CDN variant), with no inline script, so the
    page runs under our CSP; the settings travel as a JSON data block that ninja's init script reads."""

    settings = {"layout": "BaseLayout", "deepLinking": True, "validatorUrl": None,
                "docExpansion": "list", "defaultModelsExpandDepth": 0}

    def render_page(self, request, api, **kwargs):
        settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        # "<" escaped so that no value can close the <script> data block.
        settings_json = mark_safe(json.dumps(settings, ensure_ascii=False).replace("<", "\\u003c"))
        template = engines["django"].from_string(_DOCS_PAGE)
        return HttpResponse(template.render({"title": api.title, "settings_json": settings_json}, request))


def docs_access(view):
    """The schema and the docs page need the same sign-in as the operations they describe."""

    is_page = getattr(view, "func", None) is openapi_view

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            user = bearer(request) or session(request)
        except ApiError as exc:
            if exc.status != 401:
                if is_page:
                    raise PermissionDenied(exc.message) from exc
                return _error_response(exc.status, message=exc.message)
            user = None
        if user is None:
            return redirect_to_login(request.get_full_path()) if is_page else _error_response(401)
        return view(request, *args, **kwargs)

    wrapper.access = Access(public=False, roles=ALL_STAFF)
    if not is_page:
        # The schema answers 401 like the operations; the page is left to the sign-in gate.
        gate_exempt(GATE_ALWAYS)(wrapper)
    return wrapper


api = JianduAPI(
    title="钢城区行政执法监督平台 API",
    version="1.0.0",
    urls_namespace="api",
    description=(
        "行政执法监督平台的数据接口 (Jiandu supervision platform API)。\n\n"
        "**认证**：请求头 `Authorization: Bearer <令牌>`，令牌在已登录的浏览器会话中通过 "
        "`POST /api/v1/tokens` 创建；在本页面中也可直接使用已登录（需双因素认证的角色须已验证）的会话。\n\n"
        "**数据范围**：与网页相同——区级监督人员看全区，司法所看本街道，执法部门看本单位及其受委托组织；"
        "不在范围内的编号返回 404。\n\n"
        "**错误**：所有 4xx/5xx 响应均为 `{\"error\": {\"code\", \"message\", \"details\"}}`。\n\n"
        "**分页**：列表按主键排序，传回上一页的 `next` 作为 `after` 取下一页。"
    ),
    auth=[bearer, session],
    renderer=ReadableJSON(),
    docs=LocalSwagger(),
    docs_decorator=docs_access,
    openapi_extra={"tags": [
        {"name": "执法行为", "description": "各部门报送的执法行为及其历史版本"},
        {"name": "数据导入", "description": "按交换格式导入数据文件"},
        {"name": "执法主体与执法人员", "description": "执法主体、监督机构和执法人员"},
        {"name": "权责清单", "description": "权责清单、裁量基准和四张清单"},
        {"name": "监督预警", "description": "监督规则发现的预警：查询、统计、确认、排除、指派、转线索和评论"},
        {"name": "全过程记录存证", "description": "存证日志的签名检查点和任一对象的存证收据（可离线核验）"},
        {"name": "账户与令牌", "description": "当前用户和个人 API 令牌"},
        {"name": "系统", "description": "运行状态"},
    ]},
)


@api.exception_handler(ApiError)
def _on_api_error(request, exc: ApiError):
    return _error_response(exc.status, message=exc.message, code=exc.code, details=exc.details)


@api.exception_handler(ValidationError)
def _on_validation_error(request, exc: ValidationError):
    details = [{"field": ".".join(str(part) for part in e.get("loc", ())), "type": e.get("type", ""),
                "message": e.get("msg", "")} for e in exc.errors]
    return _error_response(422, details=details)


@api.exception_handler(AuthenticationError)
def _on_no_credentials(request, exc):
    return _error_response(401)


@api.exception_handler(HttpError)
def _on_http_error(request, exc: HttpError):
    # ninja's own errors (auth, CSRF, malformed bodies) carry English text: kept as a detail.
    return _error_response(exc.status_code, details=[{"reason": str(exc)}])


@api.exception_handler(Http404)
def _on_not_found(request, exc):
    return _error_response(404)


@api.exception_handler(PermissionDenied)
def _on_permission_denied(request, exc):
    return _error_response(403)


@api.exception_handler(Exception)
def _on_unexpected(request, exc):
    logger.exception("API error on %s %s", request.method, request.path, exc_info=exc)
    return _error_response(500)


class Health(Schema):
    status: str


@api.get("/health", auth=None, response={200: Health}, tags=["系统"], summary="健康检查",
         description="负载均衡探测用，无需认证，不读数据库。")
def health(request):
    return {"status": "ok"}


api.add_router("", accounts_router)
api.add_router("", org_router)
api.add_router("", powers_router)
api.add_router("", records_router)
api.add_router("", monitoring_router)
api.add_router("", ledger_router)
