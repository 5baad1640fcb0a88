"""Regions, agencies (执法主体 and 监督机构) and officers (执法人员) with their certificates."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jiandu.core.models import ImportedRow
from jiandu.core.validators import validate_region_code, validate_uscc

from .choices import AgencyType, CertificateStatus, Level, RegionLevel


class Region(models.Model):
    """A GB/T 2260 / 统计用区划代码 unit, loaded from data (never hard-coded)."""

    code = models.CharField(_("区划代码"), max_length=12, unique=True, validators=[validate_region_code])
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=16, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级区划"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]

    def __str__(self):
        return f"{self.name}（{self.code}）"


class Agency(ImportedRow):
    code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True, validators=[validate_uscc])
    name = models.CharField(_("名称"), max_length=200)
    type = models.CharField(_("主体类型"), max_length=32, choices=AgencyType.choices)
    level = models.CharField(_("层级"), max_length=16, choices=Level.choices)
    region_code = models.CharField(_("行政区划代码"), max_length=12, validators=[validate_region_code], db_index=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级机构"), to_field="code", db_column="parent_code",
        null=True, blank=True, on_delete=models.PROTECT, related_name="children",
    )

    class Meta:
        verbose_name = _("执法主体")
        verbose_name_plural = _("执法主体")
        ordering = ["code"]

    def __str__(self):
        return self.name


class Officer(ImportedRow):
    certificate = models.CharField(_("执法证号"), max_length=64, unique=True)
    name = models.CharField(_("姓名"), max_length=100)
    id_number_enc = models.TextField(_("身份证号（密文）"), editable=False)
    id_number_hash = models.CharField(_("身份证号（检索摘要）"), max_length=64, db_index=True, editable=False)
    agency = models.ForeignKey(
        Agency, verbose_name=_("所属执法主体"), to_field="code", db_column="agency_code",
        on_delete=models.PROTECT, related_name="officers",
    )
    issued_on = models.DateField(_("发证日期"))
    expires_on = models.DateField(_("有效期至"))
    status = models.CharField(_("证件状态"), max_length=16, choices=CertificateStatus.choices)
    status_since = models.DateField(_("状态生效日期"), null=True, blank=True)
    legal_qualification = models.BooleanField(_("具有法律职业资格"), default=False)
    oath_on = models.DateField(_("宣誓日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("执法人员")
        verbose_name_plural = _("执法人员")
        ordering = ["certificate"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__gte=models.F("issued_on")),
                name="org_officer_validity_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.name}（{self.certificate}）"


class CertificateStatusChange(models.Model):
    """Each status an officer's certificate has had, so past acts are judged by the status then."""

    officer = models.ForeignKey(Officer, on_delete=models.CASCADE, related_name="status_changes")
    status = models.CharField(_("证件状态"), max_length=16, choices=CertificateStatus.choices)
    since = models.DateField(_("生效日期"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    source = models.CharField(_("来源系统"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("证件状态变更")
        verbose_name_plural = _("证件状态变更")
        ordering = ["officer", "recorded_at"]

    def __str__(self):
        return f"{self.officer_id} {self.status} {self.since}"
