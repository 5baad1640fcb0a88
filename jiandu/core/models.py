"""Shared models: the working-day calendar tables and the base of every imported row."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CalendarYear(models.Model):
    """A year whose 放假安排 an administrator has entered because the holiday package lacks it."""

    year = models.PositiveSmallIntegerField(_("年份"))
    notice = models.CharField(
        _("放假安排通知文号"), max_length=100,
        help_text=_("例如 国办发明电〔2026〕××号；该年的节假日和调休上班日填在下方，或逐日录入“日历调整”"),
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("日历年度")
        verbose_name_plural = _("日历年度")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["year"], name="core_calendaryear_year_unique"),
            models.CheckConstraint(condition=Q(year__gte=2000, year__lte=2100),
                                   name="core_calendaryear_year_range"),
            models.CheckConstraint(condition=~Q(notice=""), name="core_calendaryear_notice_not_blank"),
        ]

    def __str__(self):
        return f"{self.year}年（{self.notice}）"


class CalendarOverride(models.Model):
    """An administrator's ruling on one day; it wins over the holiday package."""

    day = models.DateField(_("日期"))
    is_workday = models.BooleanField(_("是否工作日"))
    name = models.CharField(_("名称"), max_length=50, help_text=_("例如 春节、调休上班"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("日历调整")
        verbose_name_plural = _("日历调整")
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["day"], name="core_calendaroverride_day_unique"),
            models.CheckConstraint(condition=~Q(name=""), name="core_calendaroverride_name_not_blank"),
        ]

    def __str__(self):
        kind = _("工作日") if self.is_workday else _("休息日")
        return f"{self.day:%Y-%m-%d} {self.name}（{kind}）"


class CalendarDay(models.Model):
    """One materialised day, so that set-based SQL can find "the N-th working day after D".

    ``workday_seq`` counts working days from a fixed origin up to and including ``day``; the
    N-th working day after D is the working day whose seq is seq(D) + N.
    """

    day = models.DateField(_("日期"), primary_key=True)
    is_workday = models.BooleanField(_("是否工作日"))
    workday_seq = models.PositiveIntegerField(_("工作日序号"))

    class Meta:
        verbose_name = _("日历（物化）")
        verbose_name_plural = _("日历（物化）")
        ordering = ["day"]
        indexes = [models.Index(fields=["workday_seq"], name="core_calendarday_seq_idx")]
        constraints = [
            # Exactly one working day per seq value, so seq(D) + N names a single day.
            models.UniqueConstraint(fields=["workday_seq"], condition=Q(is_workday=True),
                                    name="core_calendarday_seq_unique_workday"),
        ]

    def __str__(self):
        kind = _("工作日") if self.is_workday else _("休息日")
        return f"{self.day:%Y-%m-%d}（{kind}，#{self.workday_seq}）"


class ImportedRow(models.Model):
    """Fields every row imported through the interchange contract carries: the keyed hash of its
    canonical content (to tell a changed row from a repeat), its version and the sending system."""

    content_hash = models.CharField(_("内容摘要"), max_length=64, editable=False)
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)
    source = models.CharField(_("来源系统"), max_length=100, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True

