from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "jiandu.ledger"
    verbose_name = "全过程记录存证"
