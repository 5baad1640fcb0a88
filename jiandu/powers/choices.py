"""Kinds of powers, discretion tiers and four-list kinds (values are the interchange contract's)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PowerKind(models.TextChoices):
    PENALTY = "penalty", _("行政处罚")
    LICENSING = "licensing", _("行政许可")
    COMPULSORY = "compulsory", _("行政强制")
    INSPECTION = "inspection", _("行政检查")
    LEVY = "levy", _("行政征收")
    REQUISITION = "requisition", _("行政征用")
    PAYMENT = "payment", _("行政给付")
    ADJUDICATION = "adjudication", _("行政裁决")
    CONFIRMATION = "confirmation", _("行政确认")
    REWARD = "reward", _("行政奖励")
    OTHER = "other", _("其他行政权力")


class DiscretionLevel(models.TextChoices):
    LIGHTER = "lighter", _("从轻")
    GENERAL = "general", _("一般")
    HEAVIER = "heavier", _("从重")
    MITIGATED = "mitigated", _("减轻")


class FourList(models.TextChoices):
    NO_PENALTY = "no_penalty", _("不予处罚")
    MITIGATED = "mitigated", _("减轻处罚")
    LIGHTER = "lighter", _("从轻处罚")
    NO_COMPULSION = "no_compulsion", _("免予行政强制")


class MaxHarm(models.TextChoices):
    NONE = "none", _("无危害后果")
    MINOR = "minor", _("危害后果轻微")
