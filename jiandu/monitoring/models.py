"""Alerts raised by the supervision rules, their handling history, and the rule runs."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .choices import ACTIVE_STATUSES, AlertAction, AlertStatus, RunStatus

# PostgreSQL's operator class that orders varchar by bytes (see Alert.Meta.indexes).
BYTES = "varchar_pattern_ops"


class RuleRun(models.Model):
    """One `jiandu check`: the date it judged as "today", the year for unexercised powers."""

    as_of = models.DateField(_("核查基准日"))
    year = models.PositiveSmallIntegerField(_("未履职核查年度"))
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=8, choices=RunStatus.choices,
                              default=RunStatus.RUNNING)
    counts = models.JSONField(_("各规则预警数"), default=dict, blank=True)
    merge = models.JSONField(_("与已有预警合并"), default=dict, blank=True,
                             help_text=_("新增、仍存在、重新打开、已消除、删除未处理的预警数"))
    rule_seconds = models.JSONField(_("各规则用时（秒）"), default=dict, blank=True,
                                    help_text=_("每条规则查询和生成预警所用的秒数；下次运行据此先排耗时长的规则"))
    error = models.TextField(_("错误"), blank=True)

    class Meta:
        verbose_name = _("规则运行")
        verbose_name_plural = _("规则运行")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=RunStatus.values),
                                   name="monitoring_rulerun_status_valid"),
            models.CheckConstraint(condition=Q(finished_at__isnull=True) | Q(finished_at__gte=F("started_at")),
                                   name="monitoring_rulerun_finished_after_start"),
        ]

    def __str__(self):
        return f"{self.as_of:%Y-%m-%d} #{self.pk}"

    @property
    def seconds(self) -> float | None:
        """How long the run took, once it ended."""
        return (self.finished_at - self.started_at).total_seconds() if self.finished_at else None

    @property
    def found(self) -> int:
        """The findings of every rule it ran (the alerts current after it, when it finished)."""
        return sum((self.counts or {}).values())


class Alert(models.Model):
    """One finding of one rule about one record (or, for unexercised powers, one power).

    ``fingerprint`` hashes the rule, the record or power and the stored facts that made it fire,
    so a re-run over unchanged data finds the same alert again (and a dismissed one stays so).
    The current findings are the alerts with no ``last_seen_run``, whatever their status.
    The references are by contract code without a database constraint: a re-imported record
    is replaced row for row, and its alerts must outlive that.
    """

    rule = models.CharField(_("规则"), max_length=32)
    record = models.ForeignKey(
        "records.Record", verbose_name=_("执法行为"), to_field="ext_id", db_column="record_ext_id",
        null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="alerts",
        # Declared in Meta instead: PostgreSQL would add a second, varchar_pattern_ops index for
        # LIKE lookups, which nothing does on this column.
        db_index=False,
    )
    power = models.ForeignKey(
        "powers.Power", verbose_name=_("执法事项"), to_field="code", db_column="power_code",
        null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="alerts",
        # Few alerts name a power; the partial unique constraint below finds them.
        db_index=False,
    )
    party_key = models.CharField(_("相对人标识"), max_length=64, null=True, blank=True)
    agency = models.ForeignKey(
        "org.Agency", verbose_name=_("执法主体"), to_field="code", db_column="agency_code",
        null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="alerts",
        db_index=False,  # the (agency, status) index serves
    )
    detail = models.TextField(_("预警内容"))
    facts = models.JSONField(_("触发事实"), default=dict, blank=True)
    fingerprint = models.CharField(_("指纹"), max_length=32, editable=False)
    status = models.CharField(_("状态"), max_length=16, choices=AlertStatus.choices,
                              default=AlertStatus.OPEN)
    dismiss_reason = models.TextField(_("排除理由"), blank=True, default="")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("承办人"), null=True,
                                 blank=True, on_delete=models.SET_NULL, related_name="assigned_alerts",
                                 db_index=False)
    # The clue app arrives with a later issue; until then the clue is referred to by its id.
    clue_id = models.BigIntegerField(_("线索编号"), null=True, blank=True)
    # The two run references have no database constraint: only the engine writes them, in its
    # set-based merge, with the id of the run it is executing or of an earlier finished one, and
    # runs are never deleted (PROTECT still refuses through the ORM). On PostgreSQL a constraint
    # costs a trigger call per inserted alert, a second or more at commit on a first run at a
    # million records, to re-prove what the merge's own statements guarantee.
    first_seen_run = models.ForeignKey(RuleRun, verbose_name=_("首次发现"), on_delete=models.PROTECT,
                                       related_name="+", db_index=False, db_constraint=False)
    # Empty while the alert still fires: a re-run over unchanged data then writes nothing. Once
    # it stops firing, the last run that found it.
    last_seen_run = models.ForeignKey(RuleRun, verbose_name=_("最近发现"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+", db_index=False,
                                      db_constraint=False,
                                      help_text=_("仍在触发时为空；不再触发后为最后一次发现它的规则运行"))
    created_at = models.DateTimeField(_("创建时间"))
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        verbose_name = _("预警")
        verbose_name_plural = _("预警")
        ordering = ["-id"]
        # Every index is rewritten for each new alert (hundreds of thousands in a first run), so
        # only the list filters' leading columns get one; the rest narrow within these. Every
        # lookup through the text ones is by equality (or a prefix), never a sort by their
        # text: on PostgreSQL they compare bytes (the pattern operator classes, which ignore
        # the database's collation; other databases ignore ``opclasses``), which equality
        # decides the same way and which an index build sorts by much faster: building the
        # six of a first run at a million records took 1.9 s instead of 2.6.
        indexes = [
            models.Index(fields=["rule", "status"], name="monitoring_alert_rule_status",
                         opclasses=[BYTES, BYTES]),
            models.Index(fields=["agency", "status"], name="monitoring_alert_agency_status",
                         opclasses=[BYTES, BYTES]),
            models.Index(fields=["party_key"], name="monitoring_alert_party", opclasses=[BYTES]),
            models.Index(fields=["record"], name="monitoring_alert_record", opclasses=[BYTES]),
            models.Index(fields=["assignee"], condition=Q(assignee__isnull=False),
                         name="monitoring_alert_assignee"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["fingerprint"], name="monitoring_alert_fingerprint_unique",
                                    opclasses=[BYTES]),
            models.UniqueConstraint(fields=["rule", "record"], condition=Q(status__in=ACTIVE_STATUSES),
                                    name="monitoring_alert_one_active_per_record", opclasses=[BYTES, BYTES]),
            models.UniqueConstraint(fields=["rule", "power"],
                                    condition=Q(status__in=ACTIVE_STATUSES, record__isnull=True),
                                    name="monitoring_alert_one_active_per_power"),
            models.CheckConstraint(condition=Q(record__isnull=False) | Q(power__isnull=False),
                                   name="monitoring_alert_record_or_power"),
            models.CheckConstraint(condition=Q(status__in=AlertStatus.values),
                                   name="monitoring_alert_status_valid"),
            models.CheckConstraint(condition=~Q(status=AlertStatus.DISMISSED) | ~Q(dismiss_reason=""),
                                   name="monitoring_alert_dismissed_has_reason"),
            models.CheckConstraint(condition=Q(last_seen_run__isnull=True)
                                   | Q(last_seen_run__gte=F("first_seen_run")),
                                   name="monitoring_alert_seen_ordered"),
        ]

    def __str__(self):
        return f"{self.rule} {self.record_id or self.power_id}"


class AlertEvent(models.Model):
    """One step of an alert's history: who did what, from which status to which."""

    alert = models.ForeignKey(Alert, verbose_name=_("预警"), on_delete=models.CASCADE,
                              related_name="events")
    at = models.DateTimeField(_("时间"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(_("操作"), max_length=16, choices=AlertAction.choices)
    from_status = models.CharField(_("原状态"), max_length=16, choices=AlertStatus.choices)
    to_status = models.CharField(_("新状态"), max_length=16, choices=AlertStatus.choices)
    note = models.TextField(_("说明"), blank=True)
    run = models.ForeignKey(RuleRun, verbose_name=_("规则运行"), null=True, blank=True,
                            on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("预警处理记录")
        verbose_name_plural = _("预警处理记录")
        ordering = ["alert", "at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(action__in=AlertAction.values),
                                   name="monitoring_alertevent_action_valid"),
            # A person acts through a service; only the engine (with its run) acts without one.
            models.CheckConstraint(condition=Q(user__isnull=False) | Q(run__isnull=False),
                                   name="monitoring_alertevent_has_actor"),
        ]

    def __str__(self):
        return f"{self.alert_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class AlertComment(models.Model):
    alert = models.ForeignKey(Alert, verbose_name=_("预警"), on_delete=models.CASCADE,
                              related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("评论人"),
                               on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("内容"))
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("预警评论")
        verbose_name_plural = _("预警评论")
        ordering = ["alert", "created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="monitoring_alertcomment_text_not_empty"),
        ]

    def __str__(self):
        return f"{self.alert_id} {self.created_at:%Y-%m-%d %H:%M}"
