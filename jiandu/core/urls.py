"""Staff pages of the core app: the pages of modules still being built."""

from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("<slug:slug>/", views.module, name="module"),
]
