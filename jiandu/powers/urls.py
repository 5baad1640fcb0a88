"""Staff pages of the powers app."""

app_name = "powers"

urlpatterns = []
