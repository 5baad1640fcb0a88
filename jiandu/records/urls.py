"""Staff pages of the records app."""

from django.urls import path

from . import views

app_name = "records"

urlpatterns = [
    path("", views.record_list, name="list"),
    path("export/", views.record_export, name="export"),
    path("import/", views.import_page, name="import"),
    path("import/<int:pk>/", views.import_run, name="import_run"),
    path("import/<int:pk>/rejected/", views.import_errors, name="import_errors"),
    # Record ids are the sending system's and may hold any character, "/" included.
    path("item/<path:ext_id>", views.record_detail, name="detail"),
]
