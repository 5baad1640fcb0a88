"""Shared pieces of the staff pages' filter forms."""

from django import forms
from django.utils.translation import gettext_lazy as _

ANY = ("", _("全部"))
YES_NO = [ANY, ("yes", _("是")), ("no", _("否"))]


class FilterForm(forms.Form):
    """A GET form whose valid fields filter a list; an invalid field (an edited URL) is ignored
    and reported, never an error page."""

    q = forms.CharField(label=_("检索"), required=False, max_length=100)

    def filters(self) -> dict:
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value not in ("", None)}


def date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
