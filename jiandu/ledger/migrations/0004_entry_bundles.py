"""Entries move from a row each (ledger_entry) into bundles of up to 256 per append
(ledger_entrybundle) and a (kind, key, position) index (ledger_entrykey, WITHOUT ROWID on
SQLite); leaf hashes stay in the level-0 tiles only."""

import django.db.models.deletion
import django.db.models.expressions
from django.db import migrations, models

STRIDE = 1 << 40
BUNDLE_SIZE = 256
PAGE = 5000


def entrykey_without_rowid(apps, schema_editor):
    """On SQLite the key index is one B-tree (Django's composite key makes a rowid table plus
    an index, two B-trees, each entry paid twice)."""
    if schema_editor.connection.vendor != "sqlite":
        return
    schema_editor.execute("DROP TABLE ledger_entrykey")
    schema_editor.execute(
        'CREATE TABLE ledger_entrykey ("kind" varchar(32) NOT NULL, "key" varchar(100) NOT NULL, '
        '"position" bigint NOT NULL, PRIMARY KEY ("kind", "key", "position")) WITHOUT ROWID')


def tile_without_autoincrement(apps, schema_editor):
    """On SQLite the tile table's id is a plain rowid: AUTOINCREMENT made every tile upsert
    also update sqlite_sequence (~0.2 µs an entry of an append). A later migration that has
    Django rebuild the table brings it back, at that cost only."""
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cur:
        cur.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'ledger_tile'")
        ddl = cur.fetchone()[0]
    if "AUTOINCREMENT" not in ddl:
        return
    schema_editor.execute(ddl.replace('CREATE TABLE "ledger_tile"', 'CREATE TABLE "new__ledger_tile"')
                          .replace(" AUTOINCREMENT", ""))
    schema_editor.execute('INSERT INTO "new__ledger_tile" SELECT * FROM "ledger_tile"')
    schema_editor.execute('DROP TABLE "ledger_tile"')
    schema_editor.execute('ALTER TABLE "new__ledger_tile" RENAME TO "ledger_tile"')


def _bundles(rows):
    """Entry rows (in position order) grouped as bundles: consecutive entries of one shard
    written by one append (the same created_at), at most BUNDLE_SIZE each."""
    group = []
    for row in rows:
        if group and (row[1] != group[-1][1] or row[2] != group[-1][2] + 1
                      or row[6] != group[-1][6] or len(group) == BUNDLE_SIZE):
            yield group
            group = []
        group.append(row)
    if group:
        yield group


def entries_to_bundles(apps, schema_editor):
    """Every ledger_entry row into bundles and key rows, a page at a time (constant memory)."""
    conn = schema_editor.connection
    qn = conn.ops.quote_name
    with conn.cursor() as cur:
        last, carry = -1, []
        while True:
            cur.execute(f'SELECT id, shard_id, {qn("index")}, kind, {qn("key")}, content, created_at '
                        f"FROM ledger_entry WHERE id > %s ORDER BY id LIMIT {PAGE}", [last])
            page = cur.fetchall()
            rows = carry + page
            if not rows:
                return
            groups = list(_bundles(rows))
            # The last group may go on in the next page: keep it back, unless this was the end.
            carry = groups.pop() if page else []
            bundles, keys = [], []
            for group in groups:
                first = group[0]
                contents = [c.encode() for c in (r[5] for r in group)]
                if any(b"\n" in c or b"\r" in c for c in contents):
                    raise ValueError(f"日志条目 {first[0]} 含换行，不是规范 JSON "
                                     "(an entry holds a raw line break: not canonical JSON)")
                bundles.append((first[0], first[1], first[2], len(group), b"\n".join(contents),
                                "\n".join(f"{r[3]}\t{r[4]}" for r in group), first[6]))
                keys += [(r[3], r[4], r[0]) for r in group]
            if bundles:
                cur.executemany(
                    f'INSERT INTO ledger_entrybundle (id, shard_id, {qn("first")}, {qn("count")}, '
                    f'contents, {qn("keys")}, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s)',
                    bundles)
                cur.executemany(
                    f'INSERT INTO ledger_entrykey (kind, {qn("key")}, position) VALUES (%s, %s, %s)',
                    keys)
            if not page:
                return
            last = page[-1][0]


def bundles_to_entries(apps, schema_editor):
    """Back to a row per entry, its leaf hash read from the level-0 tile, a bundle at a time."""
    conn = schema_editor.connection
    qn = conn.ops.quote_name
    with conn.cursor() as cur:
        last = -1
        while True:
            cur.execute(f'SELECT id, shard_id, {qn("first")}, contents, {qn("keys")}, created_at '
                        "FROM ledger_entrybundle WHERE id > %s ORDER BY id LIMIT 20", [last])
            page = cur.fetchall()
            if not page:
                return
            for pk, shard_id, first, contents, keys, created_at in page:
                parts = bytes(contents).split(b"\n")
                lines = [line.split("\t", 1) for line in keys.split("\n")]
                lo, hi = first >> 4, (first + len(parts) - 1) >> 4
                cur.execute(f'SELECT {qn("index")}, hashes FROM ledger_tile WHERE shard_id = %s '
                            f'AND level = 0 AND {qn("index")} >= %s AND {qn("index")} <= %s',
                            [shard_id, lo, hi])
                tiles = {i: bytes(h) for i, h in cur.fetchall()}
                rows = []
                for at, (data, (kind, key)) in enumerate(zip(parts, lines, strict=True)):
                    index = first + at
                    tile = tiles[index >> 4]
                    rows.append((pk + at, shard_id, index, kind, key, data.decode(),
                                 tile[(index % 16) * 32:(index % 16) * 32 + 32], created_at))
                cur.executemany(
                    f'INSERT INTO ledger_entry (id, shard_id, {qn("index")}, kind, {qn("key")}, '
                    "content, leaf_hash, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", rows)
            last = page[-1][0]


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0003_entry_position_pk'),
    ]

    operations = [
        migrations.CreateModel(
            name='EntryBundle',
            fields=[
                ('id', models.BigIntegerField(primary_key=True, serialize=False)),
                ('first', models.PositiveBigIntegerField(verbose_name='首条序号')),
                ('count', models.PositiveSmallIntegerField(verbose_name='条目数')),
                ('contents', models.BinaryField(verbose_name='内容（规范 JSON，换行分隔）')),
                ('keys', models.TextField(verbose_name='对象类别与标识')),
                ('created_at', models.DateTimeField(verbose_name='写入时间')),
                ('shard', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='bundles', to='ledger.shard', verbose_name='日志分片')),
            ],
            options={
                'verbose_name': '日志条目包',
                'verbose_name_plural': '日志条目包',
                'ordering': ['id'],
            },
        ),
        migrations.AddConstraint(
            model_name='entrybundle',
            constraint=models.CheckConstraint(condition=models.Q(('first__lt', 1099511627776), ('id', django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(models.F('shard_id'), '*', models.Value(1099511627776)), '+', models.F('first')))), name='ledger_entrybundle_id_position'),
        ),
        migrations.AddConstraint(
            model_name='entrybundle',
            constraint=models.CheckConstraint(condition=models.Q(('count__gte', 1), ('count__lte', 256)), name='ledger_entrybundle_count_range'),
        ),
        migrations.CreateModel(
            name='EntryKey',
            fields=[
                ('pk', models.CompositePrimaryKey('kind', 'key', 'position', blank=True, editable=False, primary_key=True, serialize=False)),
                ('kind', models.CharField(max_length=32, verbose_name='对象类别')),
                ('key', models.CharField(max_length=100, verbose_name='对象标识')),
                ('position', models.BigIntegerField(verbose_name='位置')),
            ],
            options={
                'verbose_name': '日志条目索引',
                'verbose_name_plural': '日志条目索引',
            },
        ),
        migrations.RunPython(entrykey_without_rowid, migrations.RunPython.noop),
        migrations.RunPython(tile_without_autoincrement, migrations.RunPython.noop),
        migrations.RunPython(entries_to_bundles, bundles_to_entries),
        migrations.DeleteModel(
            name='Entry',
        ),
    ]
