"""Roles of platform users and kinds of audited events."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("系统管理员")
    SUPERVISOR = "supervisor", _("监督机构人员（区司法局）")
    STREET_SUPERVISOR = "street_supervisor", _("司法所人员")
    LIAISON = "liaison", _("执法部门联络员")
    OFFICER = "officer", _("执法人员")
    SOCIAL_SUPERVISOR = "social_supervisor", _("社会监督员")
    LEADER = "leader", _("领导（只读）")


# Roles whose accounts must use a second factor (TOTP) to sign in.
TWO_FACTOR_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR})
# Roles that see the whole district's data.
DISTRICT_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.LEADER})


class AuditAction(models.TextChoices):
    LOGIN = "login", _("登录")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOCKED = "locked", _("账户锁定")
    LOGOUT = "logout", _("退出")
    VIEW_PERSONAL = "view_personal", _("查看个人信息")
    CREATE = "create", _("新增")
    CHANGE = "change", _("修改")
    DELETE = "delete", _("删除")
    EXPORT = "export", _("导出")
    IMPORT = "import", _("导入")
    PASSWORD = "password", _("修改密码")
    ACCOUNT = "account", _("账户管理")
