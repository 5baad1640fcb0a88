"""Staff pages of the org app."""

from django.urls import path

from . import views

app_name = "org"

urlpatterns = [
    path("", views.index, name="index"),
    path("agencies/", views.agency_list, name="agencies"),
    path("agencies/export/", views.agency_export, name="agencies_export"),
    path("agencies/<str:code>/", views.agency_detail, name="agency"),
    path("officers/", views.officer_list, name="officers"),
    path("officers/export/", views.officer_export, name="officers_export"),
    # Certificate numbers are the issuing system's and may hold any character.
    path("officers/item/<path:certificate>", views.officer_detail, name="officer"),
]
