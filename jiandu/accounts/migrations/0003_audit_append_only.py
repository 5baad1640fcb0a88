"""Make the audit log append-only in the database itself, on SQLite and on PostgreSQL.

Row triggers refuse UPDATE and DELETE from any client. TRUNCATE (table owner only, which the
application's role should not be in production) stays possible so that a test database can
be flushed.
"""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER accounts_auditevent_no_update BEFORE UPDATE ON accounts_auditevent
       BEGIN SELECT RAISE(ABORT, '审计日志只能追加 (audit log is append-only)'); END""",
    """CREATE TRIGGER accounts_auditevent_no_delete BEFORE DELETE ON accounts_auditevent
       BEGIN SELECT RAISE(ABORT, '审计日志只能追加 (audit log is append-only)'); END""",
]
POSTGRES = [
    """CREATE OR REPLACE FUNCTION accounts_auditevent_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION '审计日志只能追加 (audit log is append-only)' USING ERRCODE = 'restrict_violation'; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER accounts_auditevent_no_change BEFORE UPDATE OR DELETE ON accounts_auditevent
       FOR EACH ROW EXECUTE FUNCTION accounts_auditevent_append_only()""",
]
DROP = {
    "sqlite": ["DROP TRIGGER IF EXISTS accounts_auditevent_no_update",
               "DROP TRIGGER IF EXISTS accounts_auditevent_no_delete"],
    "postgresql": ["DROP TRIGGER IF EXISTS accounts_auditevent_no_change ON accounts_auditevent",
                   "DROP FUNCTION IF EXISTS accounts_auditevent_append_only()"],
}


def _run(statements):
    def apply(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_roles_scope_audit")]

    operations = [
        migrations.RunPython(_run({"sqlite": SQLITE, "postgresql": POSTGRES}), _run(DROP)),
    ]
