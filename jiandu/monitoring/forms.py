"""Forms of the alert pages: the list filters and the handling of one alert or many."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jiandu.core.forms import ANY, FilterForm, date_input
from jiandu.org.selectors import agency_choices

from . import services
from .choices import ACTIVE_STATUSES, AlertStatus
from .rules import all_rules
from .selectors import UNASSIGNED, assignee_choices, street_choices

# The status filter's value for the alerts still waiting for someone (open or acknowledged).
ACTIVE = "active"
# The assignee filter's value for the signed-in supervisor's own alerts.
MINE = "me"


class AlertFilterForm(FilterForm):
    # The party is searched by its own field; a free-text search would have nothing else to match.
    q = None
    rule = forms.ChoiceField(label=_("规则"), required=False)
    agency = forms.ChoiceField(label=_("执法主体"), required=False)
    region = forms.ChoiceField(label=_("街道"), required=False)
    status = forms.ChoiceField(label=_("状态"), required=False,
                               choices=[ANY, (ACTIVE, _("未办结（待处理或已确认）")), *AlertStatus.choices])
    assignee = forms.ChoiceField(label=_("承办人"), required=False)
    commented = forms.ChoiceField(label=_("评论"), required=False,
                                  choices=[ANY, ("yes", _("有评论（如部门说明）")), ("no", _("无评论"))])
    date_from = forms.DateField(label=_("发现日期自"), required=False, widget=date_input())
    date_to = forms.DateField(label=_("至"), required=False, widget=date_input())
    party = forms.CharField(label=_("相对人证件号码"), required=False, max_length=18)
    history = forms.BooleanField(label=_("含已不再触发的预警"), required=False,
                                 help_text=_("数据更正后规则不再发现的预警（含已消除的）"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = [ANY, *((r.code, f"{r.name}（{r.code}）") for r in all_rules())]
        self.fields["agency"].choices = [ANY, *agency_choices(user)]
        self.fields["region"].choices = [ANY, *street_choices(user)]
        self.user = user
        # Supervisors find their own share first; anyone who sees alerts may ask who has one.
        mine = [(MINE, _("我承办的"))] if services.HANDLING.allows(user) else []
        self.fields["assignee"].choices = [
            ANY, *mine, (UNASSIGNED, _("未指派")),
            *((str(u.pk), assignee_label(u)) for u in assignee_choices())]
        self.fields["party"].widget.attrs["placeholder"] = _("完整的统一社会信用代码或身份证号")

    def clean_assignee(self):
        assignee = self.cleaned_data["assignee"]
        return self.user.pk if assignee == MINE else assignee

    def clean_commented(self):
        value = self.cleaned_data["commented"]
        return {"yes": True, "no": False}.get(value)

    def clean_status(self):
        status = self.cleaned_data["status"]
        return [str(s) for s in ACTIVE_STATUSES] if status == ACTIVE else status

    def clean(self):
        data = super().clean()
        # Only the latest run's findings unless asked; an alert the engine resolved has stopped
        # firing by definition, so asking for that status asks for the history too.
        data["current"] = not (data.get("history") or data.get("status") == AlertStatus.RESOLVED)
        return data

    def clean_party(self):
        from jiandu.core.validators import is_id_number, is_uscc

        party = self.cleaned_data["party"].strip().upper()
        if party and not (is_id_number(party) or is_uscc(party)):
            raise forms.ValidationError(_("应为完整的 18 位统一社会信用代码或身份证号"))
        return party


def assignee_label(user) -> str:
    return f"{user.name or user.username}（{user.username}）"


def _textarea(rows: int = 3):
    return forms.Textarea(attrs={"rows": rows})


class NoteForm(forms.Form):
    """Acknowledging or turning into a clue: an optional note for the history."""

    note = forms.CharField(label=_("说明"), required=False, max_length=2000, widget=_textarea(2))


# A CharField strips its value, so a reason or comment of blanks is refused as missing.
class DismissForm(forms.Form):
    reason = forms.CharField(label=_("排除理由"), max_length=2000, widget=_textarea(),
                             error_messages={"required": _("请填写排除理由")})


class ReinstateForm(forms.Form):
    reason = forms.CharField(label=_("撤销理由"), max_length=2000, widget=_textarea(2),
                             error_messages={"required": _("请填写撤销排除的理由")})


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("承办人"), queryset=None, required=False,
                                      empty_label=_("（不指派）"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignee_choices()
        self.fields["assignee"].label_from_instance = assignee_label


class CommentForm(forms.Form):
    text = forms.CharField(label=_("评论"), max_length=4000, widget=_textarea(),
                           error_messages={"required": _("请填写评论内容")})


BULK_ACTIONS = [
    ("acknowledge", _("确认")),
    ("dismiss", _("排除")),
    ("assign", _("指派")),
    ("to_clue", _("转为线索")),
]


class BulkForm(AssignForm):
    """One action on the alerts ticked on a page of the list."""

    action = forms.ChoiceField(label=_("批量操作"), choices=BULK_ACTIONS)
    ids = forms.TypedMultipleChoiceField(label=_("预警"), coerce=int,
                                         error_messages={"required": _("请至少勾选一条预警")})
    reason = forms.CharField(label=_("排除理由"), required=False, max_length=2000, widget=_textarea(2))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].empty_label = _("（不指派）")
        # Any id may be sent: the service keeps only the alerts the user sees and skips the rest.
        self.fields["ids"].valid_value = lambda value: str(value).isdigit()

    def clean(self):
        data = super().clean()
        if data.get("action") == "dismiss" and not data.get("reason"):
            self.add_error("reason", _("批量排除须填写排除理由"))
        return data
