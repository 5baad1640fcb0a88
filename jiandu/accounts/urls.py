"""URLs of sign-in, two-factor enrolment, password change and account administration."""

from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("two-factor/", views.two_factor_view, name="two_factor"),
    path("two-factor/enrol/", views.two_factor_enrol_view, name="two_factor_enrol"),
    path("password/", views.password_change_view, name="password_change"),
]
