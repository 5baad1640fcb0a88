"""Each officer link carries its record's agency and act date, indexed with the certificate.

The certificate and oath rules then read only the links that break a rule, as ranges of each
officer's links, instead of every link of every record (see RecordOfficer). The links stored
already get the values of their records; the index on (certificate, agency, act date, record,
position) replaces the one on the certificate alone, which it leads with.
"""

from django.db import migrations, models


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
        migrations.AlterField(
            model_name='recordofficer',
            name='certificate',
            field=models.CharField(max_length=64, verbose_name='执法证号'),
        ),
        migrations.AddIndex(
            model_name='recordofficer',
            index=models.Index(fields=['certificate', 'agency_code', 'act_on', 'record', 'position'], name='records_link_cert_agency_act'),
        ),
    ]
