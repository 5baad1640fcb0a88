"""Read-only administration of enforcement records, import runs and replaced versions.

Records come from imports only. The table reaches millions of rows, so the list joins what it
shows in one query and never counts the unfiltered table a second time.
"""

from pathlib import PurePath

from django.contrib import admin
from django.utils import timezone

from jiandu.core.admin_base import ImportedModelAdmin, ImportedTabularInline
from jiandu.core.money import format_yuan
from jiandu.org.selectors import officer_by_certificate

from . import selectors
from .models import ImportRun, Record, RecordOfficer, Revision


class RecordOfficerInline(ImportedTabularInline):
    model = RecordOfficer
    fields = ["number", "certificate", "officer"]
    readonly_fields = fields
    ordering = ["position"]

    @admin.display(description="序号")
    def number(self, obj):
        return obj.position + 1

    @admin.display(description="姓名及所属执法主体")
    def officer(self, obj):
        officer = officer_by_certificate(obj.certificate)
        if officer is None:
            return "（执法证号未登记）"
        return f"{officer.name}（{officer.agency.name}）"


def import_run_label(run: ImportRun) -> str:
    started = timezone.localtime(run.started_at)
    return f"{selectors.interchange_kind_label(run.kind)} · {run.source or '未注明来源'} · {started:%Y-%m-%d %H:%M}"


@admin.register(Record)
class RecordAdmin(ImportedModelAdmin):
    list_display = ["ext_id", "kind", "agency", "party_name", "act_on", "decided_on", "fine_yuan"]
    # No date_hierarchy: its year and month links are a DISTINCT over every row's act_on.
    list_filter = ["kind", "procedure", "major", "agency"]
    search_fields = ["=ext_id", "=decision_no", "party_name"]
    search_help_text = "按记录编号、决定书文号、相对人名称检索；输入完整的身份证号或统一社会信用代码可查找该相对人的全部记录"
    list_select_related = ["agency"]
    show_full_result_count = False
    # Facet counts would run one COUNT per filter choice over millions of rows.
    show_facets = admin.ShowFacets.NEVER
    fieldsets = [
        (None, {"fields": [("ext_id", "kind"), ("agency", "power"), ("procedure", "business", "major")]}),
        ("行政相对人", {"fields": [("party_type", "party_id_masked", "party_name")]}),
        ("日期", {"fields": [("violation_on", "action_on", "filed_on"),
                           ("act_on", "decided_on", "legal_review_on"),
                           ("served_on", "disclosed_on", "closed_on")]}),
        ("处理决定", {"fields": [("decision_no", "penalties"), ("fine", "discretion"),
                             ("harm", "corrected"), ("hearing_notified", "extended")]}),
        ("强制措施", {"fields": [("measure", "measure_end_on", "measure_extended")],
                  "classes": ["collapse"]}),
        ("来源与版本", {"fields": [("source", "import_run_label"), ("version", "content_hash")],
                   "classes": ["collapse"]}),
    ]
    readonly_fields = ["party_id_masked", "penalties", "act_on", "import_run_label", "version",
                       "content_hash"]
    inlines = [RecordOfficerInline]

    @admin.display(description="罚款金额（元）", ordering="fine", empty_value="-")
    def fine_yuan(self, obj):
        # The shortest exact amount (5136, 12.5) keeps the column narrow enough to stay in view.
        return None if obj.fine is None else format_yuan(obj.fine)

    @admin.display(description="相对人证件号码")
    def party_id_masked(self, obj):
        return selectors.record_party_id_masked(obj)

    @admin.display(description="处罚种类")
    def penalties(self, obj):
        return selectors.penalty_labels(obj.penalty_mask)

    @admin.display(description="导入批次")
    def import_run_label(self, obj):
        return "" if obj.import_run is None else import_run_label(obj.import_run)

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        return results | selectors.records_with_party_id(queryset, search_term), may_have_duplicates


class KindFilter(admin.SimpleListFilter):
    """The contract kind by its Chinese name (the column holds the contract's English value)."""

    title = "数据类别"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return selectors.interchange_kind_choices()

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(ImportRun)
class ImportRunAdmin(ImportedModelAdmin):
    list_display = ["started_at", "kind_label", "source", "file_base", "status", "rows", "created",
                    "replaced", "unchanged", "rejected", "user"]
    list_filter = [KindFilter, "status", "source"]
    search_fields = ["file_name", "source"]
    list_select_related = ["user"]
    date_hierarchy = "started_at"
    fields = ["kind_label", "source", "file_name", "status", "started_at", "finished_at", "rows",
              "created", "replaced", "unchanged", "rejected", "user", "error_summary"]
    readonly_fields = ["kind_label", "started_at"]

    @admin.display(description="数据类别", ordering="kind")
    def kind_label(self, obj):
        return selectors.interchange_kind_label(obj.kind)

    @admin.display(description="文件名", ordering="file_name")
    def file_base(self, obj):
        # The list names the file; the full path is on the run's own page.
        return PurePath(obj.file_name).name


@admin.register(Revision)
class RevisionAdmin(ImportedModelAdmin):
    list_display = ["kind_label", "key", "version", "source", "superseded_at"]
    list_filter = [KindFilter]
    search_fields = ["=key"]
    date_hierarchy = "superseded_at"
    fields = ["kind_label", "key", "version", "source", "superseded_at", "replaced_by",
              "content_masked", "content_hash"]
    readonly_fields = ["kind_label", "superseded_at", "replaced_by", "content_masked"]

    @admin.display(description="数据类别", ordering="kind")
    def kind_label(self, obj):
        return selectors.interchange_kind_label(obj.kind)

    @admin.display(description="替换它的导入批次")
    def replaced_by(self, obj):
        run = obj.superseded_by_run
        return "" if run is None else import_run_label(run)

    @admin.display(description="内容")
    def content_masked(self, obj):
        return selectors.revision_content_masked(obj)
