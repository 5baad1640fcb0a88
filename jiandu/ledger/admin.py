"""Read-only administration of the ledger: shards, entry bundles, tree heads and checkpoints."""

# Everything here is written by the ledger's services only; an edit in the admin would make
# the log disagree with its own hashes, so no page can add, change or delete.

from django.contrib import admin
from django.db.models import Count

from jiandu.core.admin_base import DenseLists, ReadOnlyPermissions

from .models import Checkpoint, Cosignature, EntryBundle, Shard, TreeHead
from .storage import bundle_contents, leaf_hashes


class LedgerAdmin(DenseLists, ReadOnlyPermissions, admin.ModelAdmin):
    # The bundle and tree head tables grow by millions of entries: never count them twice, never facet.
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


@admin.register(EntryBundle)
class EntryBundleAdmin(LedgerAdmin):
    # An entry is found by its object on the ledger page; here are the stored bundles as they are.
    list_display = ["first", "last", "shard", "count", "created_at"]
    list_filter = ["shard"]
    list_select_related = ["shard"]
    fields = ["shard", "first", "count", "compression", "keys", "contents_text", "leaf_hashes_hex",
              "created_at"]
    readonly_fields = fields

    @admin.display(description="末条序号")
    def last(self, obj):
        return obj.first + obj.count - 1

    @admin.display(description="内容（规范 JSON，换行分隔）")
    def contents_text(self, obj):
        try:
            return bundle_contents(obj.contents, obj.compression).decode(errors="replace")
        except ValueError as exc:
            return str(exc)

    @admin.display(description="叶哈希（来自第 0 层瓦片）")
    def leaf_hashes_hex(self, obj):
        return "\n".join(h.hex() for h in leaf_hashes(obj.shard, obj.first, obj.count))


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
