"""Read-only administration of the ledger: shards, entries, tree heads and checkpoints."""

# Everything here is written by the ledger's services only; an edit in the admin would make
# the log disagree with its own hashes, so no page can add, change or delete.

from django.contrib import admin
from django.db.models import Count

from jiandu.core.admin_base import DenseLists, ReadOnlyPermissions

from .models import Checkpoint, Cosignature, Entry, Shard, TreeHead


class LedgerAdmin(DenseLists, ReadOnlyPermissions, admin.ModelAdmin):
    # The entry table reaches millions of rows: never count it twice, never facet it.
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER


def _hex(value) -> str:
    return bytes(value).hex() if value is not None else ""


@admin.register(Shard)
class ShardAdmin(LedgerAdmin):
    list_display = ["year", "origin", "hash_alg", "size", "root_hex", "updated_at"]
    fields = ["year", "origin", "hash_alg", "size", "root_hex", "created_at", "updated_at"]
    readonly_fields = fields

    @admin.display(description="根哈希")
    def root_hex(self, obj):
        return _hex(obj.root)


@admin.register(Entry)
class EntryAdmin(LedgerAdmin):
    list_display = ["index", "shard", "kind", "key", "created_at"]
    list_filter = ["shard", "kind"]
    search_fields = ["=key"]
    search_help_text = "按对象标识（如执法行为编号）精确检索"
    list_select_related = ["shard"]
    fields = ["shard", "index", "kind", "key", "content", "leaf_hash_hex", "created_at"]
    readonly_fields = fields

    @admin.display(description="叶哈希")
    def leaf_hash_hex(self, obj):
        return _hex(obj.leaf_hash)


@admin.register(TreeHead)
class TreeHeadAdmin(LedgerAdmin):
    list_display = ["shard", "size", "root_hex", "created_at"]
    list_filter = ["shard"]
    list_select_related = ["shard"]
    fields = ["shard", "size", "root_hex", "created_at"]
    readonly_fields = fields

    @admin.display(description="根哈希")
    def root_hex(self, obj):
        return _hex(obj.root)


class CosignatureInline(ReadOnlyPermissions, admin.TabularInline):
    model = Cosignature
    fields = ["witness_name", "key_id", "timestamp", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Checkpoint)
class CheckpointAdmin(LedgerAdmin):
    list_display = ["shard", "size", "created_at", "witnesses"]
    list_filter = ["shard"]
    list_select_related = ["shard"]
    fields = ["shard", "size", "root_hex", "note", "created_at"]
    readonly_fields = fields
    inlines = [CosignatureInline]

    @admin.display(description="根哈希")
    def root_hex(self, obj):
        return _hex(obj.root)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(witness_count=Count("cosignatures"))

    @admin.display(description="见证联署数", ordering="witness_count")
    def witnesses(self, obj):
        return obj.witness_count
