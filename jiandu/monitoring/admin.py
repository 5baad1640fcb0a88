"""Read-only admin of alerts and rule runs (handling goes through the audited services)."""

from django.contrib import admin

from jiandu.core.admin_base import DenseLists, ImportedTabularInline, ReadOnlyPermissions

from .models import Alert, AlertComment, AlertEvent, RuleRun
from .rules import REGISTRY, all_rules


class RuleFilter(admin.SimpleListFilter):
    title = "规则"
    parameter_name = "rule"

    def lookups(self, request, model_admin):
        return [(rule.code, rule.name) for rule in all_rules()]

    def queryset(self, request, queryset):
        return queryset.filter(rule=self.value()) if self.value() else queryset


class AlertEventInline(ImportedTabularInline):
    model = AlertEvent
    fields = ["at", "user", "action", "from_status", "to_status", "note", "run"]
    readonly_fields = fields
    ordering = ["at", "id"]


class AlertCommentInline(ImportedTabularInline):
    model = AlertComment
    fields = ["created_at", "author", "text"]
    readonly_fields = fields
    ordering = ["created_at", "id"]


@admin.register(Alert)
class AlertAdmin(DenseLists, ReadOnlyPermissions, admin.ModelAdmin):
    list_display = ["id", "rule_name", "record_id", "power_id", "agency", "status", "assignee",
                    "created_at"]
    list_filter = [RuleFilter, "status", "agency"]
    search_fields = ["=record__ext_id", "=power__code"]
    list_select_related = ["agency", "assignee"]
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    fields = ["rule_name", "rule_basis", "record_id", "power_id", "agency", "detail", "facts", "status",
              "dismiss_reason", "assignee", "clue_id", "first_seen_run", "last_seen_run", "created_at",
              "updated_at", "fingerprint"]
    readonly_fields = ["rule_name", "rule_basis"]
    inlines = [AlertEventInline, AlertCommentInline]

    @admin.display(description="规则", ordering="rule")
    def rule_name(self, obj):
        rule = REGISTRY.get(obj.rule)
        return f"{rule.name}（{obj.rule}）" if rule else obj.rule

    @admin.display(description="法律依据")
    def rule_basis(self, obj):
        rule = REGISTRY.get(obj.rule)
        return rule.basis if rule else ""


@admin.register(RuleRun)
class RuleRunAdmin(DenseLists, ReadOnlyPermissions, admin.ModelAdmin):
    list_display = ["id", "as_of", "year", "status", "started_at", "finished_at", "total"]
    list_filter = ["status"]
    fields = ["as_of", "year", "status", "started_at", "finished_at", "counts", "merge", "rule_seconds", "error"]

    @admin.display(description="预警数")
    def total(self, obj):
        return sum(obj.counts.values()) if obj.counts else 0
