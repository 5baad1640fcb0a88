"""Staff pages of the powers app."""

from django.urls import path

from . import views

app_name = "powers"

urlpatterns = [
    path("", views.power_list, name="list"),
    path("export/", views.power_export, name="export"),
    # Power codes are the issuing system's and may hold any character.
    path("item/<path:code>", views.power_detail, name="detail"),
]

