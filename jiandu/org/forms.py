"""Filter forms of the agency and officer lists."""

from django import forms
from django.utils.translation import gettext_lazy as _

from jiandu.core.forms import ANY, YES_NO, FilterForm

from .choices import AgencyType, CertificateStatus, Level
from .selectors import agency_choices


class AgencyFilterForm(FilterForm):
    type = forms.ChoiceField(label=_("主体类型"), required=False, choices=[ANY, *AgencyType.choices])
    level = forms.ChoiceField(label=_("层级"), required=False, choices=[ANY, *Level.choices])

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("名称或统一社会信用代码")


class OfficerFilterForm(FilterForm):
    agency = forms.ChoiceField(label=_("所属执法主体"), required=False)
    status = forms.ChoiceField(label=_("证件状态"), required=False,
                               choices=[ANY, *CertificateStatus.choices])
    validity = forms.ChoiceField(label=_("有效期"), required=False, choices=[
        ANY, ("valid", _("在有效期内")), ("expiring", _("90 日内到期")), ("expired", _("已过期"))])
    oath = forms.ChoiceField(label=_("已宣誓"), required=False, choices=YES_NO)
    legal = forms.ChoiceField(label=_("法律职业资格"), required=False, choices=YES_NO)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [ANY, *agency_choices(user)]
        self.fields["q"].widget.attrs["placeholder"] = _("姓名、执法证号或完整身份证号")
