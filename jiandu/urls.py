"""URL configuration."""

from django.contrib import admin
from django.urls import path

from jiandu.core import views as core_views

admin.site.site_header = "钢城区行政执法监督平台"
admin.site.site_title = "行政执法监督平台"
admin.site.index_title = "数据管理"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("admin/", admin.site.urls),
]
