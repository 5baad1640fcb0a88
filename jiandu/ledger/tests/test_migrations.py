"""Migration 0004 moves a row per entry (ledger_entry) into bundles and the key index, and back;
0005 keeps those bundles' contents as they are (uncompressed) and the code reads them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from jiandu.ledger import merkle
from jiandu.ledger.merkle import CompactRange

BEFORE = [("ledger", "0003_entry_position_pk")]
AFTER = [("ledger", "0004_entry_bundles")]
COMPRESSION = [("ledger", "0005_bundle_compression")]
STRIDE = 1 << 40


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def _old_log(apps, appends: list[int]) -> tuple[int, list[bytes]]:
    """A shard written by the pre-0004 code: a row per entry (with its leaf hash), the tiles,
    a tree head per append; the rows of one append share their created_at."""
    Shard, Entry, Tile = (apps.get_model("ledger", m) for m in ("Shard", "Entry", "Tile"))
    hasher = merkle.SHA256
    shard = Shard.objects.create(year=2025, origin="test.jiandu/ledger/2025", hash_alg="sha256",
                                 size=0, root=hasher.empty(), frontier=b"")
    tree = CompactRange(hasher)
    leaves: list[bytes] = []
    tiles: dict[tuple[int, int], bytes] = {}
    when = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for n, count in enumerate(appends):
        rows = []
        start = tree.size
        datas = [f'{{"id":"K{i}","n":{i},"名称":"执法"}}'.encode()
                 for i in range(start, start + count)]
        new = [hasher.leaf(d) for d in datas]
        levels = tree.extend_collect(new, 4)
        for lvl, hashes in enumerate(levels):
            first = start >> (4 * lvl)
            for j, h in enumerate(hashes):
                pos = first + j
                key = (lvl * 4, pos >> 4)
                tiles[key] = tiles.get(key, b"") + h
        for at, data in enumerate(datas):
            i = start + at
            rows.append(Entry(id=shard.pk * STRIDE + i, shard=shard, index=i,
                              kind="test" if i % 3 else "other", key=f"K{i}",
                              content=data.decode(), leaf_hash=new[at],
                              created_at=when + dt.timedelta(seconds=n)))
        Entry.objects.bulk_create(rows)
        leaves += new
    for (level, index), hashes in tiles.items():
        Tile.objects.create(shard=shard, level=level, index=index, hashes=hashes)
    Shard.objects.filter(pk=shard.pk).update(size=tree.size, root=tree.root(),
                                             frontier=tree.to_bytes())
    return shard.pk, leaves


@pytest.mark.django_db(transaction=True)
def test_entries_move_into_bundles_and_the_key_index_and_back():
    _migrate(BEFORE)
    old_apps = MigrationExecutor(connection).loader.project_state(BEFORE).apps
    # 300 in one append (two bundles: 256 + 44), then 5, then 600 (256, 256, 88).
    shard_id, leaves = _old_log(old_apps, [300, 5, 600])
    _migrate(AFTER)
    try:
        from jiandu.ledger.models import EntryBundle, EntryKey, Shard
        from jiandu.ledger.services import ledger_verify
        from jiandu.ledger.storage import entries_for, entry_at, shard_entries

        assert list(EntryBundle.objects.order_by("id").values_list("first", "count")) == [
            (0, 256), (256, 44), (300, 5), (305, 256), (561, 256), (817, 88)]
        assert EntryKey.objects.count() == 905
        assert EntryKey.objects.filter(kind="other").count() == len(range(0, 905, 3))
        _migrate(COMPRESSION)
        assert set(EntryBundle.objects.values_list("compression", flat=True)) == {""}
        shard = Shard.objects.get(pk=shard_id)
        entries = list(shard_entries(shard))
        assert [e.leaf_hash for e in entries] == leaves
        assert [e.key for e in entries] == [f"K{i}" for i in range(905)]
        assert all(merkle.SHA256.leaf(e.content.encode()) == e.leaf_hash for e in entries)
        assert entry_at(shard, 305).created_at == dt.datetime(2026, 1, 1, 0, 0, 2, tzinfo=dt.UTC)
        assert [e.index for e in entries_for("test", "K301")] == [301]
        result = ledger_verify()
        assert result.ok, [str(p) for p in result.problems[:5]]
        assert result.entries == 905
        # And back: the rows again, their leaf hashes from the tiles.
        _migrate(BEFORE)
        back = MigrationExecutor(connection).loader.project_state(BEFORE).apps
        Entry = back.get_model("ledger", "Entry")
        rows = list(Entry.objects.order_by("id").values_list("index", "key", "leaf_hash"))
        assert [(i, k, bytes(h)) for i, k, h in rows] == [
            (i, f"K{i}", leaves[i]) for i in range(905)]
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
