"""Admin base classes shared by the apps: imported data shown read-only, in dense lists."""

from django.contrib import admin


class DenseLists:
    """Lists of codes, names and dates read best one row a line; the table scrolls sideways
    instead of squeezing a name into a column two characters wide."""

    class Media:
        css = {"all": ["core/admin_lists.css"]}


class ReadOnlyPermissions:
    """No add, change or delete, for append-only logs and for imported data. An edit of imported
    data here would bypass the import's version history and leave the stored content hash
    describing content the row no longer has, so a re-import of the same file would then be
    taken as "unchanged" and the edit would silently stay."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ImportedModelAdmin(DenseLists, ReadOnlyPermissions, admin.ModelAdmin):
    pass


class ImportedTabularInline(ReadOnlyPermissions, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False
