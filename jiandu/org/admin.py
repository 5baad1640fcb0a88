"""Administration of regions, agencies and officers (身份证号 shown masked only)."""

from django.contrib import admin

from jiandu.core.admin_base import DenseLists, ImportedModelAdmin, ImportedTabularInline

from . import selectors
from .models import Agency, CertificateStatusChange, Officer, Region

_SOURCE_FIELDS = ("source", "version", "content_hash", "updated_at")


@admin.register(Region)
class RegionAdmin(DenseLists, admin.ModelAdmin):
    """Regions are reference data loaded by `jiandu load_regions`; a community may be added here."""

    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["=code", "name"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]


@admin.register(Agency)
class AgencyAdmin(ImportedModelAdmin):
    list_display = ["code", "name", "officer_count", "type", "level", "region_code", "parent"]
    list_filter = ["type", "level"]
    search_fields = ["=code", "name"]
    list_select_related = ["parent"]
    fieldsets = [
        (None, {"fields": ["code", "name", "type", "level", "region_code", "parent"]}),
        ("来源与版本", {"fields": _SOURCE_FIELDS}),
    ]
    readonly_fields = _SOURCE_FIELDS

    def get_queryset(self, request):
        return selectors.agencies_with_officer_count(super().get_queryset(request))

    @admin.display(description="执法人员数", ordering="officer_count")
    def officer_count(self, obj):
        return obj.officer_count


class CertificateStatusChangeInline(ImportedTabularInline):
    model = CertificateStatusChange
    fields = ["status", "since", "recorded_at", "source"]
    readonly_fields = fields


@admin.register(Officer)
class OfficerAdmin(ImportedModelAdmin):
    # 法律职业资格 is a filter rather than a column, so that the oath date stays in view.
    list_display = ["certificate", "name", "id_number_masked", "agency", "status", "expires_on",
                    "oath_on"]
    list_filter = ["status", "legal_qualification", "agency"]
    search_fields = ["=certificate", "name"]
    search_help_text = "按姓名、执法证号检索；输入完整的18位身份证号可精确查找"
    list_select_related = ["agency"]
    date_hierarchy = "expires_on"
    fieldsets = [
        (None, {"fields": ["certificate", "name", "id_number_masked", "agency"]}),
        ("执法证", {"fields": ["issued_on", "expires_on", "status", "status_since",
                            "legal_qualification", "oath_on"]}),
        ("来源与版本", {"fields": _SOURCE_FIELDS}),
    ]
    readonly_fields = ["id_number_masked", *_SOURCE_FIELDS]
    inlines = [CertificateStatusChangeInline]

    @admin.display(description="身份证号")
    def id_number_masked(self, obj):
        return selectors.officer_id_number_masked(obj)

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        return results | selectors.officers_with_id_number(queryset, search_term), may_have_duplicates
