"""权责清单 items with their 裁量基准 tiers, and the 四张清单 items that apply to them."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from jiandu.core.models import ImportedRow
from jiandu.core.money import MoneyField

from .choices import DiscretionLevel, FourList, MaxHarm, PowerKind


class Power(ImportedRow):
    code = models.CharField(_("事项编码"), max_length=64, unique=True)
    name = models.CharField(_("事项名称"), max_length=300)
    kind = models.CharField(_("事项类型"), max_length=16, choices=PowerKind.choices, db_index=True)
    agency = models.ForeignKey(
        "org.Agency", verbose_name=_("实施主体"), to_field="code", db_column="agency_code",
        on_delete=models.PROTECT, related_name="powers",
    )
    legal_basis = models.TextField(_("设定依据"))
    annual_inspection_cap = models.PositiveIntegerField(_("年度检查次数上限"), null=True, blank=True)
    limitation_years = models.PositiveSmallIntegerField(_("追责时效（年）"), null=True, blank=True)

    class Meta:
        verbose_name = _("权责清单事项")
        verbose_name_plural = _("权责清单事项")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class DiscretionTier(models.Model):
    power = models.ForeignKey(Power, on_delete=models.CASCADE, related_name="tiers",
                              verbose_name=_("事项"))
    level = models.CharField(_("裁量档次"), max_length=16, choices=DiscretionLevel.choices)
    min_amount = MoneyField(_("下限（元）"))
    max_amount = MoneyField(_("上限（元）"))

    class Meta:
        verbose_name = _("裁量基准")
        verbose_name_plural = _("裁量基准")
        ordering = ["power", "min_amount"]
        constraints = [
            models.UniqueConstraint(fields=["power", "level"], name="powers_discretiontier_one_per_level"),
            models.CheckConstraint(condition=Q(min_amount__gte=0) & Q(max_amount__gte=F("min_amount")),
                                   name="powers_discretiontier_range_ordered"),
        ]

    def __str__(self):
        return f"{self.get_level_display()} {self.min_amount}–{self.max_amount}"


class FourListItem(ImportedRow):
    code = models.CharField(_("清单编码"), max_length=64, unique=True)
    list = models.CharField(_("清单类型"), max_length=16, choices=FourList.choices, db_index=True)
    power = models.ForeignKey(Power, verbose_name=_("适用事项"), to_field="code",
                              db_column="power_code", on_delete=models.PROTECT,
                              related_name="four_list_items")
    description = models.TextField(_("违法行为及适用条件"))
    max_harm = models.CharField(_("危害后果上限"), max_length=8, choices=MaxHarm.choices)
    requires_corrected = models.BooleanField(_("须及时改正"), default=True)
    first_offense_window_days = models.PositiveIntegerField(_("首违认定期间（日）"), null=True, blank=True)

    class Meta:
        verbose_name = _("四张清单事项")
        verbose_name_plural = _("四张清单事项")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code}（{self.get_list_display()}）"
