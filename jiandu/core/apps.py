from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _refresh_calendar(sender, using="default", **kwargs):
    # The working-day table is derived data: rebuild it whenever the schema is (re)built, so a
    # fresh database or a chinesecalendar upgrade never leaves set-based rules without it.
    from django.db import connections

    from jiandu.core.calendar import calendar_table_refresh
    from jiandu.core.models import CalendarDay, CalendarOverride, CalendarYear

    # A partial migration (`migrate ledger 0002` on a fresh database) may stop before core's.
    tables = set(connections[using].introspection.table_names())
    if not {m._meta.db_table for m in (CalendarDay, CalendarOverride, CalendarYear)} <= tables:
        return
    calendar_table_refresh()


class CoreConfig(AppConfig):
    name = "jiandu.core"
    verbose_name = "核心"

    def ready(self):
        post_migrate.connect(_refresh_calendar, sender=self, dispatch_uid="jiandu.core.calendar")
