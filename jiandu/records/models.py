"""Enforcement records (执法行为) reported by departments, their officers, versions and import runs.

A record's key is the sending system's ``id`` (``ext_id`` here). The stored row always holds
the latest version; each replaced version is kept in ``RecordVersion``. Columns mirror the
interchange contract so that rules can run as SQL on both databases.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jiandu.core.money import MoneyField
from jiandu.powers.choices import DiscretionLevel, PowerKind

from .choices import Harm, ImportStatus, Measure, PartyType, Procedure


class Record(models.Model):
    ext_id = models.CharField(_("记录编号"), max_length=100, unique=True)
    kind = models.CharField(_("执法类别"), max_length=16, choices=PowerKind.choices)
    agency = models.ForeignKey(
        "org.Agency", verbose_name=_("执法主体"), to_field="code", db_column="agency_code",
        on_delete=models.PROTECT, related_name="records",
    )
    power = models.ForeignKey(
        "powers.Power", verbose_name=_("执法事项"), to_field="code", db_column="power_code",
        on_delete=models.PROTECT, related_name="records",
    )
    party_type = models.CharField(_("相对人类型"), max_length=16, choices=PartyType.choices)
    # Organisations: the USCC itself. Persons: a keyed hash of the 身份证号, so the same
    # person matches across records without the number being readable.
    party_key = models.CharField(_("相对人标识"), max_length=64)
    party_id_plain = models.CharField(_("统一社会信用代码"), max_length=18, null=True, blank=True)
    party_id_enc = models.TextField(_("身份证号（密文）"), null=True, blank=True, editable=False)
    party_name = models.CharField(_("相对人名称"), max_length=200)
    business = models.BooleanField(_("涉企"), default=False)
    procedure = models.CharField(_("程序"), max_length=8, choices=Procedure.choices, null=True, blank=True)
    officers = models.TextField(_("执法人员证号"), blank=True,
                                help_text=_("以分号分隔，顺序与来源一致"))
    # Derived at import, as act_on is: what two_officers judges, read at each check by a
    # comparison instead of taking the list apart again for every record of the table.
    officer_count = models.PositiveIntegerField(_("执法人员人数"), default=0, editable=False,
                                                help_text=_("所列不同执法证号的个数"))
    violation_on = models.DateField(_("违法行为发生日期"), null=True, blank=True)
    action_on = models.DateField(_("检查或强制措施日期"), null=True, blank=True)
    filed_on = models.DateField(_("立案日期"), null=True, blank=True)
    decided_on = models.DateField(_("决定日期"), null=True, blank=True)
    act_on = models.DateField(_("行为日期"), null=True, blank=True, editable=False,
                              help_text=_("检查或强制措施日期，否则立案日期，否则决定日期"))
    decision_no = models.CharField(_("决定书文号"), max_length=100, null=True, blank=True)
    penalty_mask = models.IntegerField(_("处罚种类"), null=True, blank=True)
    fine = MoneyField(_("罚款金额（元）"), null=True, blank=True)
    discretion = models.CharField(_("适用裁量档次"), max_length=16, choices=DiscretionLevel.choices,
                                  null=True, blank=True)
    harm = models.CharField(_("危害后果"), max_length=8, choices=Harm.choices, null=True, blank=True)
    corrected = models.BooleanField(_("及时改正"), null=True, blank=True)
    major = models.BooleanField(_("重大执法决定"), default=False)
    legal_review_on = models.DateField(_("法制审核日期"), null=True, blank=True)
    hearing_notified = models.BooleanField(_("已告知听证权利"), default=False)
    extended = models.BooleanField(_("办案期限依法延长"), default=False)
    served_on = models.DateField(_("送达日期"), null=True, blank=True)
    disclosed_on = models.DateField(_("公示日期"), null=True, blank=True)
    measure = models.CharField(_("强制措施"), max_length=8, choices=Measure.choices, null=True, blank=True)
    measure_end_on = models.DateField(_("强制措施解除日期"), null=True, blank=True)
    measure_extended = models.BooleanField(_("强制措施依法延长"), default=False)
    closed_on = models.DateField(_("结案日期"), null=True, blank=True)
    content_hash = models.CharField(_("内容摘要"), max_length=64, editable=False)
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)
    source = models.CharField(_("来源系统"), max_length=100, blank=True)
    import_run = models.ForeignKey("ImportRun", verbose_name=_("导入批次"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+", db_constraint=False)

    class Meta:
        verbose_name = _("执法行为")
        verbose_name_plural = _("执法行为")
        ordering = ["ext_id"]
        indexes = [
            models.Index(fields=["agency", "act_on"], name="records_agency_act"),
            models.Index(fields=["party_key", "power"], name="records_party_power"),
            models.Index(fields=["kind", "act_on"], name="records_kind_act"),
            models.Index(fields=["power", "act_on"], name="records_power_act"),
            # On PostgreSQL also two partial covering indexes for the supervision rules, made by
            # migration 0004_rule_indexes (vendor-specific: INCLUDE columns), not declared here.
        ]
        constraints = [
            models.CheckConstraint(condition=Q(fine__isnull=True) | Q(fine__gte=0),
                                   name="records_record_fine_not_negative"),
            models.CheckConstraint(
                condition=Q(party_type="person", party_id_enc__isnull=False)
                | Q(party_type="organization", party_id_plain__isnull=False),
                name="records_record_party_id_present",
            ),
        ]

    def __str__(self):
        return self.ext_id


class RecordOfficer(models.Model):
    """One listed officer of a record. The certificate may be unknown (a rule reports it).

    A link carries copies of its record's agency and act date, written with the record by the
    import (the only writer of both: a new version of a record replaces its links too). Indexed
    with the certificate, they let the certificate and oath rules read only the links that break
    a rule, as ranges of each officer's links (before the certificate was issued, after it
    expired, of another agency…), instead of two million links a run.
    """

    # No index of its own: the unique (record, position) below leads with the record and serves
    # every lookup by record; two more indexes would only slow down the import's two million links.
    record = models.ForeignKey(Record, to_field="ext_id", db_column="record_ext_id",
                               on_delete=models.CASCADE, related_name="officer_links", db_index=False)
    position = models.PositiveSmallIntegerField()
    certificate = models.CharField(_("执法证号"), max_length=64)
    agency_code = models.CharField(_("执法主体代码"), max_length=18, editable=False)
    act_on = models.DateField(_("行为日期"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("执法人员")
        verbose_name_plural = _("执法人员")
        indexes = [
            # Also the certificate lookups' index (it leads). The record and position complete it,
            # so that a range is read from the index alone (0.48 s instead of 0.77 s for the
            # officer rules' links at 1M records on PostgreSQL, once vacuumed).
            models.Index(fields=["certificate", "agency_code", "act_on", "record", "position"],
                         name="records_link_cert_agency_act"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["record", "position"], name="records_recordofficer_position_unique"),
        ]

    def __str__(self):
        return self.certificate


class ImportRun(models.Model):
    """One run of an import: what file, from which system, what came of each row."""

    kind = models.CharField(_("数据类别"), max_length=16)
    source = models.CharField(_("来源系统"), max_length=100, blank=True)
    file_name = models.CharField(_("文件名"), max_length=500)
    status = models.CharField(_("状态"), max_length=8, choices=ImportStatus.choices,
                              default=ImportStatus.RUNNING)
    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    rows = models.PositiveIntegerField(_("总行数"), default=0)
    created = models.PositiveIntegerField(_("新增"), default=0)
    replaced = models.PositiveIntegerField(_("更新"), default=0)
    unchanged = models.PositiveIntegerField(_("未变化"), default=0)
    rejected = models.PositiveIntegerField(_("拒收"), default=0)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                             on_delete=models.SET_NULL)
    error_summary = models.TextField(_("错误摘要"), blank=True)

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.kind} {self.file_name} {self.started_at:%Y-%m-%d %H:%M}"


class Revision(models.Model):
    """An earlier version of a replaced row of any interchange kind, as its canonical contract JSON.

    Personal identifiers inside ``content`` are stored encrypted, as in the live tables.
    """

    kind = models.CharField(_("数据类别"), max_length=16)
    key = models.CharField(_("主键"), max_length=100)
    version = models.PositiveIntegerField(_("版本"))
    content = models.TextField(_("内容"))
    content_hash = models.CharField(_("内容摘要"), max_length=64)
    source = models.CharField(_("来源系统"), max_length=100, blank=True)
    superseded_at = models.DateTimeField(_("被替换时间"), auto_now_add=True)
    superseded_by_run = models.ForeignKey(ImportRun, null=True, blank=True, on_delete=models.SET_NULL,
                                          related_name="+", db_constraint=False)

    class Meta:
        verbose_name = _("历史版本")
        verbose_name_plural = _("历史版本")
        ordering = ["kind", "key", "version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "key", "version"], name="records_revision_unique_version"),
        ]

    def __str__(self):
        return f"{self.kind} {self.key} v{self.version}"
