"""Kinds and statuses of agencies and officers (values are the interchange contract's)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AgencyType(models.TextChoices):
    ADMINISTRATIVE_ORGAN = "administrative_organ", _("行政机关")
    AUTHORIZED_ORG = "authorized_org", _("法律法规授权组织")
    ENTRUSTED_ORG = "entrusted_org", _("受委托组织")
    SUPERVISION_BODY = "supervision_body", _("行政执法监督机构")


class Level(models.TextChoices):
    DISTRICT = "district", _("区级")
    STREET = "street", _("街道（功能区）级")


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    DISTRICT = "district", _("区县")
    STREET = "street", _("街道（乡镇、功能区）")
    COMMUNITY = "community", _("社区（村）")


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("有效")
    SUSPENDED = "suspended", _("暂扣")
    REVOKED = "revoked", _("吊销")
    LOST = "lost", _("遗失")
