"""Staff pages of the ledger app."""

app_name = "ledger"

urlpatterns = []
