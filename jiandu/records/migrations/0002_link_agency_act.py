"""Each officer link carries its record's agency and act date, indexed with the certificate, the
record and the position; the links lose their indexes on the certificate alone and on the record.

The certificate and oath rules then read only the links that break a rule, as ranges of each
officer's links, instead of every link of every record (see RecordOfficer). The links stored
already get the values of their records. The new index leads with the certificate and the unique
(record, position) with the record, so the two indexes of 0001 only slowed the import down.

They are dropped by name (as 0001 named them, PostgreSQL's pattern-matching copies too) before
anything else: as AlterFields, each would rebuild the table on SQLite (two million links at a
million records, copied once per field) and drop and re-check the foreign key on PostgreSQL.
Only making agency_code NOT NULL still rebuilds the table on SQLite, once, before the new index.
"""

from django.db import migrations, models

OLD_INDEXES = ("records_recordofficer_certificate_766e3da0", "records_recordofficer_record_ext_id_4843fd98")


def _drop_old_indexes(apps, schema_editor):
    suffixes = ("", "_like") if schema_editor.connection.vendor == "postgresql" else ("",)
    for name in OLD_INDEXES:
        for suffix in suffixes:
            schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name + suffix)}")


def _restore_old_indexes(apps, schema_editor):
    model = apps.get_model("records", "RecordOfficer")
    for field in ("certificate", "record"):
        for statement in schema_editor._field_indexes_sql(model, model._meta.get_field(field)):
            schema_editor.execute(statement)


def _fill(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "UPDATE records_recordofficer l SET agency_code = r.agency_code, act_on = r.act_on "
            "FROM records_record r WHERE r.ext_id = l.record_ext_id")
    else:
        schema_editor.execute(
            "UPDATE records_recordofficer SET "
            "agency_code = (SELECT r.agency_code FROM records_record r WHERE r.ext_id = record_ext_id), "
            "act_on = (SELECT r.act_on FROM records_record r WHERE r.ext_id = record_ext_id)")


class Migration(migrations.Migration):

    dependencies = [
        ('records', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='recordofficer',
                    name='certificate',
                    field=models.CharField(max_length=64, verbose_name='执法证号'),
                ),
                migrations.AlterField(
                    model_name='recordofficer',
                    name='record',
                    field=models.ForeignKey(db_column='record_ext_id', db_index=False, on_delete=models.deletion.CASCADE, related_name='officer_links', to='records.record', to_field='ext_id'),
                ),
            ],
            database_operations=[migrations.RunPython(_drop_old_indexes, _restore_old_indexes)],
        ),
        migrations.AddField(
            model_name='recordofficer',
            name='act_on',
            field=models.DateField(blank=True, editable=False, null=True, verbose_name='行为日期'),
        ),
        migrations.AddField(
            model_name='recordofficer',
            name='agency_code',
            field=models.CharField(editable=False, max_length=18, null=True, verbose_name='执法主体代码'),
        ),
        migrations.RunPython(_fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='recordofficer',
            name='agency_code',
            field=models.CharField(editable=False, max_length=18, verbose_name='执法主体代码'),
        ),
        migrations.AddIndex(
            model_name='recordofficer',
            index=models.Index(fields=['certificate', 'agency_code', 'act_on', 'record', 'position'], name='records_link_cert_agency_act'),
        ),
    ]
