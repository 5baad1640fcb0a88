from django.apps import AppConfig


class PowersConfig(AppConfig):
    name = "jiandu.powers"
    verbose_name = "权责清单"
