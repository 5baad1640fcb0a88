"""Administration of the working-day calendar: declared years and per-day overrides."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from jiandu.core import calendar

from .models import CalendarDay, CalendarOverride, CalendarYear


class CalendarYearForm(forms.ModelForm):
    """A declared year with its notice's days, pasted as the notice lists them."""

    days_off = forms.CharField(
        label=_("放假日期"), required=False, widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("每行一个节日：名称和日期或“起 至 止”，如 春节 2027-02-06 至 2027-02-12"))
    workdays = forms.CharField(
        label=_("调休上班日期"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("每行一天：名称和日期，如 春节调休 2027-02-14（周末上班的日子）"))

    class Meta:
        model = CalendarYear
        fields = ["year", "notice"]

    def clean(self):
        data = super().clean()
        year = data.get("year") or (self.instance.year if self.instance.pk else None)
        if year is None:
            return data
        for field, name in (("days_off", str(_("放假"))), ("workdays", str(_("调休上班")))):
            try:
                data[f"{field}_parsed"] = calendar.parse_arrangement(data.get(field) or "", year=year,
                                                                     default_name=name)
            except ValueError as exc:
                self.add_error(field, str(exc))
        clash = calendar.arrangement_clash(data.get("days_off_parsed", []),
                                           data.get("workdays_parsed", []))
        if clash:
            self.add_error("workdays", clash)
        return data


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    form = CalendarYearForm
    list_display = ["year", "notice", "created_at"]
    search_fields = ["notice"]
    ordering = ["-year"]

    def get_readonly_fields(self, request, obj=None):
        # Changing the year of a row would silently undeclare the old one; delete it instead.
        return ["year", "created_at"] if obj else ["created_at"]

    # Writes go through the calendar service so the cache and the materialised table follow.
    def save_model(self, request, obj, form, change):
        saved = calendar.calendar_year_declare(year=obj.year, notice=obj.notice,
                                               days_off=form.cleaned_data.get("days_off_parsed", ()),
                                               workdays=form.cleaned_data.get("workdays_parsed", ()))
        obj.pk = saved.pk
        obj.created_at = saved.created_at

    def delete_model(self, request, obj):
        calendar.calendar_year_delete(years=[obj.year])

    def delete_queryset(self, request, queryset):
        calendar.calendar_year_delete(years=list(queryset.values_list("year", flat=True)))


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ["day", "name", "is_workday", "updated_at"]
    list_filter = ["is_workday", "name"]
    search_fields = ["name"]
    date_hierarchy = "day"
    ordering = ["-day"]

    def get_readonly_fields(self, request, obj=None):
        # Moving an override to another day would leave the old day's ruling behind.
        return ["day", "updated_at"] if obj else ["updated_at"]

    def save_model(self, request, obj, form, change):
        saved = calendar.calendar_override_set(day=obj.day, is_workday=obj.is_workday, name=obj.name)
        obj.pk = saved.pk
        obj.updated_at = saved.updated_at

    def delete_model(self, request, obj):
        calendar.calendar_override_delete(days=[obj.day])

    def delete_queryset(self, request, queryset):
        calendar.calendar_override_delete(days=list(queryset.values_list("day", flat=True)))


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """The materialised table, shown to check a deadline; it is rebuilt, never edited."""

    list_display = ["day", "is_workday", "workday_seq"]
    list_filter = ["is_workday"]
    date_hierarchy = "day"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
