from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "jiandu.accounts"
    verbose_name = "账户与权限"
