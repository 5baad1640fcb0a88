"""Enumerations of the ledger: the hash algorithms a log may be built with."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class HashAlgorithm(models.TextChoices):
    SM3 = "sm3", _("SM3（国密）")
    SHA256 = "sha256", _("SHA-256")


class BundleCompression(models.TextChoices):
    """How a bundle's contents are stored: as they are (bundles written before compression)
    or as one Zstandard frame of them."""

    NONE = "", _("不压缩")
    ZSTD = "zstd", _("Zstandard")


class EntryKind(models.TextChoices):
    """What an entry is about (its ``kind``), as receipts and the page name it."""

    RECORD = "record", _("执法行为")
    IMPORT_RUN = "import_run", _("数据导入批次")
    AGENCY = "agency", _("执法主体")
    OFFICER = "officer", _("执法人员")
    POWER = "power", _("权责清单事项")
    FOUR_LIST = "four_list", _("四张清单事项")
    ALERT_EVENT = "alert_event", _("预警处理记录")
    ALERT_COMMENT = "alert_comment", _("预警评论")
    RULE_RUN = "rule_run", _("规则运行")
