"""The officer links lose their own indexes on the record (and PostgreSQL's pattern-matching
copy of it): the unique (record, position) leads with the record and serves every lookup by
record, and each of the two million links an import writes at a million records went into both."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('records', '0002_link_agency_act'),
    ]

    operations = [
        migrations.AlterField(
            model_name='recordofficer',
            name='record',
            field=models.ForeignKey(db_column='record_ext_id', db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='officer_links', to='records.record', to_field='ext_id'),
        ),
    ]
