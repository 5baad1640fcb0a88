"""Enumerations of enforcement records (values are the interchange contract's)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PartyType(models.TextChoices):
    PERSON = "person", _("自然人")
    ORGANIZATION = "organization", _("法人或其他组织")


class Procedure(models.TextChoices):
    GENERAL = "general", _("普通程序")
    SUMMARY = "summary", _("简易程序")


class Harm(models.TextChoices):
    NONE = "none", _("无危害后果")
    MINOR = "minor", _("轻微")
    SERIOUS = "serious", _("严重")


class Measure(models.TextChoices):
    SEAL = "seal", _("查封")
    SEIZE = "seize", _("扣押")
    FREEZE = "freeze", _("冻结")
    OTHER = "other", _("其他")


class Penalty(models.TextChoices):
    """In rising order of severity (统计年报: a combined penalty counts under its most severe)."""

    WARNING = "warning", _("警告")
    CRITICISM = "criticism", _("通报批评")
    FINE = "fine", _("罚款")
    CONFISCATION = "confiscation", _("没收违法所得、没收非法财物")
    SUSPEND_LICENSE = "suspend_license", _("暂扣许可证件")
    LOWER_QUALIFICATION = "lower_qualification", _("降低资质等级")
    RESTRICT_BUSINESS = "restrict_business", _("限制开展生产经营活动")
    SUSPEND_BUSINESS = "suspend_business", _("责令停产停业")
    CLOSE = "close", _("责令关闭、限制从业")
    REVOKE_LICENSE = "revoke_license", _("吊销许可证件")
    DETENTION = "detention", _("行政拘留")
    OTHER = "other", _("其他行政处罚")


# One bit per penalty, in severity order, so SQL can test sets with `&` on both databases.
PENALTY_BITS = {value: 1 << i for i, value in enumerate(Penalty.values)}


def penalties_to_mask(values) -> int:
    mask = 0
    for v in values:
        mask |= PENALTY_BITS[v]
    return mask


def mask_to_penalties(mask: int | None) -> list[str] | None:
    if mask is None:
        return None
    return [v for v, bit in PENALTY_BITS.items() if mask & bit]


class ImportStatus(models.TextChoices):
    RUNNING = "running", _("进行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")
