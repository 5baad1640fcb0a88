"""Staff pages of the monitoring app: the alert list, its export and bulk handling, one alert."""

from django.urls import path

from . import views

app_name = "monitoring"

urlpatterns = [
    path("", views.index, name="index"),
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/export/", views.alert_export, name="export"),
    path("alerts/bulk/", views.alert_bulk, name="bulk"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert"),
    path("alerts/<int:pk>/acknowledge/", views.alert_acknowledge, name="acknowledge"),
    path("alerts/<int:pk>/dismiss/", views.alert_dismiss, name="dismiss"),
    path("alerts/<int:pk>/assign/", views.alert_assign, name="assign"),
    path("alerts/<int:pk>/reinstate/", views.alert_reinstate, name="reinstate"),
    path("alerts/<int:pk>/clue/", views.alert_to_clue, name="clue"),
    path("alerts/<int:pk>/comment/", views.alert_comment, name="comment"),
    path("rules/", views.rule_list, name="rules"),
    path("runs/", views.run_list, name="runs"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
]
