"""Statuses of alerts and rule runs, and the kinds of events in an alert's history."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AlertStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    ACKNOWLEDGED = "acknowledged", _("已确认")
    DISMISSED = "dismissed", _("已排除")
    CLUE = "clue", _("已转线索")
    # Set by the engine, never by a person: the rule stopped firing (the data was corrected)
    # after someone had already handled the alert, so it is kept for its history.
    RESOLVED = "resolved", _("已消除")


# An alert still waiting for a supervisor; at most one per rule and record (or power).
ACTIVE_STATUSES = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)


class AlertAction(models.TextChoices):
    ACKNOWLEDGE = "acknowledge", _("确认")
    DISMISS = "dismiss", _("排除")
    ASSIGN = "assign", _("指派")
    COMMENT = "comment", _("评论")
    TO_CLUE = "to_clue", _("转为线索")
    # A dismissal taken back (a mistake, or a reason the supervisor's superior does not accept).
    REINSTATE = "reinstate", _("撤销排除")
    RESOLVE = "resolve", _("规则不再触发，自动消除")
    REOPEN = "reopen", _("规则再次触发，自动重新打开")


class RunStatus(models.TextChoices):
    RUNNING = "running", _("运行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")
