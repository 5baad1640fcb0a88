"""Staff pages of the records app."""

app_name = "records"

urlpatterns = []
