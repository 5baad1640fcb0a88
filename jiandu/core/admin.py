"""Administration of the working-day calendar: declared years and per-day overrides."""

from django.contrib import admin

from jiandu.core import calendar

from .models import CalendarDay, CalendarOverride, CalendarYear


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "notice", "created_at"]
    search_fields = ["notice"]
    ordering = ["-year"]

    def get_readonly_fields(self, request, obj=None):
        # Changing the year of a row would silently undeclare the old one; delete it instead.
        return ["year", "created_at"] if obj else ["created_at"]

    # Writes go through the calendar service so the cache and the materialised table follow.
    def save_model(self, request, obj, form, change):
        saved = calendar.calendar_year_set(year=obj.year, notice=obj.notice)
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
