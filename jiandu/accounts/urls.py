"""URLs of sign-in, two-factor enrolment, password change and account administration."""

app_name = "accounts"

urlpatterns = []
