"""URL configuration: staff pages per app, the JSON API, the admin."""

from django.contrib import admin
from django.urls import include, path

from jiandu.api import api
from jiandu.core import views as core_views

# Registered here rather than at start-up (SimpleAdminConfig in settings): only the site needs them.
admin.autodiscover()
admin.site.site_header = "钢城区行政执法监督平台"
admin.site.site_title = "行政执法监督平台"
admin.site.index_title = "数据管理"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("modules/", include("jiandu.core.urls")),
    path("accounts/", include("jiandu.accounts.urls")),
    path("records/", include("jiandu.records.urls")),
    path("org/", include("jiandu.org.urls")),
    path("powers/", include("jiandu.powers.urls")),
    path("monitoring/", include("jiandu.monitoring.urls")),
    path("ledger/", include("jiandu.ledger.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

# The platform's own error pages (Django's are English and unstyled).
handler400 = "jiandu.core.views.bad_request"
handler403 = "jiandu.core.views.permission_denied"
handler404 = "jiandu.core.views.page_not_found"
handler500 = "jiandu.core.views.server_error"
