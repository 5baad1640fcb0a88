"""Staff pages of the ledger app."""

from django.urls import path

from . import views

app_name = "ledger"

urlpatterns = [
    path("", views.index, name="index"),
    path("receipt/<int:pk>/", views.receipt_download, name="receipt"),
    path("receipt/verify/", views.receipt_verify, name="verify"),
]
