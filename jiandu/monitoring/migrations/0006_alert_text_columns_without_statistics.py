"""No planner statistics for the alert's explanation and facts on PostgreSQL.

Nothing filters, joins or sorts on them; their statistics were a third of what analysing the
alert table costs (long strings and JSON, sorted for histograms), paid by autovacuum and by a
check that finds the table's statistics stale after a run that added a quarter of a million
alerts. SQLite keeps no per-column statistics of this kind: nothing to do there.
"""

from django.db import migrations

COLUMNS = ("detail", "facts")


def _set(target: int):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        columns = ", ".join(f"ALTER COLUMN {c} SET STATISTICS {int(target)}" for c in COLUMNS)
        schema_editor.execute(f"ALTER TABLE monitoring_alert {columns}")

    return apply


class Migration(migrations.Migration):

    dependencies = [
        ("monitoring", "0005_rulerun_rule_seconds"),
    ]

    operations = [
        migrations.RunPython(_set(0), _set(-1)),
    ]
