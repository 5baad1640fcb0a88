"""Administration of 权责清单 items with their 裁量基准 tiers, and of 四张清单 items."""

from django.contrib import admin

from jiandu.core.admin_base import ImportedModelAdmin, ImportedTabularInline

from .models import DiscretionTier, FourListItem, Power

_SOURCE_FIELDS = ("source", "version", "content_hash", "updated_at")


class DiscretionTierInline(ImportedTabularInline):
    model = DiscretionTier
    fields = ["level", "min_amount", "max_amount"]
    readonly_fields = fields


@admin.register(Power)
class PowerAdmin(ImportedModelAdmin):
    list_display = ["code", "name", "kind", "agency", "annual_inspection_cap", "limitation_years"]
    list_filter = ["kind", "agency"]
    search_fields = ["=code", "name", "legal_basis"]
    list_select_related = ["agency"]
    fieldsets = [
        (None, {"fields": ["code", "name", "kind", "agency", "legal_basis"]}),
        ("限制", {"fields": ["annual_inspection_cap", "limitation_years"]}),
        ("来源与版本", {"fields": _SOURCE_FIELDS}),
    ]
    readonly_fields = _SOURCE_FIELDS
    inlines = [DiscretionTierInline]


@admin.register(FourListItem)
class FourListItemAdmin(ImportedModelAdmin):
    list_display = ["code", "list", "power", "max_harm", "requires_corrected",
                    "first_offense_window_days"]
    list_filter = ["list", "max_harm", "requires_corrected"]
    search_fields = ["=code", "=power__code", "power__name", "description"]
    list_select_related = ["power"]
    fieldsets = [
        (None, {"fields": ["code", "list", "power", "description"]}),
        ("适用条件", {"fields": ["max_harm", "requires_corrected", "first_offense_window_days"]}),
        ("来源与版本", {"fields": _SOURCE_FIELDS}),
    ]
    readonly_fields = _SOURCE_FIELDS
