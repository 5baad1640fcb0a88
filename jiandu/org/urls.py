"""Staff pages of the org app."""

app_name = "org"

urlpatterns = []
