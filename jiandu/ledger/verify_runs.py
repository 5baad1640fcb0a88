"""The outcome of each `jiandu ledger verify` run, shown on the ledger page."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class VerifyRun(models.Model):
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("结束时间"))
    ok = models.BooleanField(_("通过"))
    entries = models.PositiveBigIntegerField(_("条目数"), default=0)
    records = models.PositiveBigIntegerField(_("执法行为数"), default=0)
    revisions = models.PositiveBigIntegerField(_("历史版本数"), default=0)
    problems_total = models.PositiveBigIntegerField(_("问题数"), default=0)
    problems = models.TextField(_("问题（前 200 条）"), blank=True)

    class Meta:
        app_label = "ledger"
        verbose_name = _("存证验证")
        verbose_name_plural = _("存证验证")
        ordering = ["-started_at"]
        constraints = [
            models.CheckConstraint(condition=Q(finished_at__gte=F("started_at")),
                                   name="ledger_verifyrun_finished_after_started"),
            models.CheckConstraint(condition=Q(ok=False) | Q(problems_total=0),
                                   name="ledger_verifyrun_ok_without_problems"),
        ]

    def __str__(self):
        return f"{self.finished_at:%Y-%m-%d %H:%M} {'通过' if self.ok else '未通过'}"
