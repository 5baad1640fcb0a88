"""Bundles are stored compressed (one Zstandard frame each) from now on; the bundles already
stored keep their contents as they are, marked by an empty ``compression``."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0004_entry_bundles'),
    ]

    operations = [
        migrations.AddField(
            model_name='entrybundle',
            name='compression',
            field=models.CharField(blank=True, choices=[('', '不压缩'), ('zstd', 'Zstandard')], default='', max_length=8, verbose_name='压缩'),
        ),
    ]
