from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "jiandu.monitoring"
    verbose_name = "监督规则与预警"
