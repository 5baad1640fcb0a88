from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "jiandu.org"
    verbose_name = "组织机构与执法人员"
