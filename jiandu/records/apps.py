from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "jiandu.records"
    verbose_name = "执法行为"
