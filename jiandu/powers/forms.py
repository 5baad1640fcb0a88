"""Filter form of the power list."""

from django import forms
from django.utils.translation import gettext_lazy as _

from jiandu.core.forms import ANY, FilterForm
from jiandu.org.selectors import agency_choices

from .choices import PowerKind


class PowerFilterForm(FilterForm):
    kind = forms.ChoiceField(label=_("事项类型"), required=False, choices=[ANY, *PowerKind.choices])
    agency = forms.ChoiceField(label=_("实施主体"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [ANY, *agency_choices(user)]
        self.fields["q"].widget.attrs["placeholder"] = _("事项编码或名称")
