"""Users with a role and a data scope, and the append-only audit log of who did what."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import AuditAction, Role


class User(AbstractUser):
    name = models.CharField(_("姓名"), max_length=100, blank=True)
    role = models.CharField(_("角色"), max_length=24, choices=Role.choices, default=Role.LEADER)
    # A department's liaison and officers belong to an agency; a 司法所 to its street's region.
    agency = models.ForeignKey(
        "org.Agency", verbose_name=_("所属单位"), to_field="code", db_column="agency_code",
        null=True, blank=True, on_delete=models.PROTECT, related_name="users",
    )
    region_code = models.CharField(_("所属区划代码"), max_length=12, blank=True)
    phone_enc = models.TextField(_("手机号（密文）"), blank=True, editable=False)
    phone_hash = models.CharField(_("手机号（检索摘要）"), max_length=64, blank=True, editable=False,
                                  db_index=True)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role__in=[Role.LIAISON, Role.OFFICER]) | Q(agency__isnull=False),
                name="accounts_user_department_roles_have_agency",
                violation_error_message=_("执法部门联络员和执法人员必须选择所属单位 "
                                          "(a liaison or officer must belong to an agency)"),
            ),
            models.CheckConstraint(
                condition=~Q(role=Role.STREET_SUPERVISOR) | ~Q(region_code=""),
                name="accounts_user_street_supervisor_has_region",
                violation_error_message=_("司法所人员必须填写所属区划代码 "
                                          "(a street supervisor must have a region code)"),
            ),
        ]

    def __str__(self):
        return self.name or self.get_full_name() or self.username


class AuditEvent(models.Model):
    """One audited event. Rows are only ever inserted: the database refuses UPDATE and DELETE."""

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(User, verbose_name=_("用户"), null=True, blank=True,
                             on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    username = models.CharField(_("账号"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    action = models.CharField(_("操作"), max_length=16, choices=AuditAction.choices, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=64, blank=True)
    object_id = models.CharField(_("对象标识"), max_length=100, blank=True)
    detail = models.TextField(_("详情"), blank=True)

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["username", "at"], name="accounts_audit_user_at"),
            # The per-IP lockout counts one address's recent failures.
            models.Index(fields=["ip", "at"], name="accounts_audit_ip_at"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username} {self.get_action_display()}"


class PasswordHistory(models.Model):
    """A password a user has had, as its hash, so that the last few cannot be chosen again."""

    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE,
                             related_name="password_history")
    password = models.CharField(_("密码摘要"), max_length=128)
    created_at = models.DateTimeField(_("设置时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("历史密码")
        verbose_name_plural = _("历史密码")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M}"


class ApiToken(models.Model):
    """A personal API token. Only a hash of the secret is kept; the secret is shown once."""

    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE,
                             related_name="api_tokens")
    name = models.CharField(_("用途"), max_length=100)
    prefix = models.CharField(_("前缀"), max_length=12, editable=False,
                              help_text=_("令牌开头几位，便于识别，不足以使用"))
    key_hash = models.CharField(_("摘要"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    expires_at = models.DateTimeField(_("有效期至"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.user} {self.name} ({self.prefix}…)"
