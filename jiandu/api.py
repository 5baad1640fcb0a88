"""The JSON API under /api/v1/ (django-ninja): one NinjaAPI, each app adds its router."""

from ninja import NinjaAPI

api = NinjaAPI(
    title="钢城区行政执法监督平台 API",
    version="1.0.0",
    urls_namespace="api",
    description="行政执法监督平台的数据接口 (Jiandu supervision platform API)",
)
