"""The log in the database: batch appends, per-year shards, and proofs read from tiles."""

from __future__ import annotations

import json

import pytest
import zstandard
from django.db import IntegrityError, transaction
from django.utils import timezone

from jiandu.ledger import merkle
from jiandu.ledger.merkle import Hasher, ProofError
from jiandu.ledger.models import (
    TILE_HEIGHT,
    TILE_WIDTH,
    EntryBundle,
    EntryKey,
    Shard,
    Tile,
    TreeHead,
    entry_pk,
)
from jiandu.ledger.storage import (
    LedgerItem,
    bundle_contents,
    canonical_json,
    consistency_proof_for,
    entries_for,
    entry_at,
    entry_at_position,
    inclusion_proof_for,
    ledger_append,
    ledger_append_many,
    shard_entries,
    shard_for_year,
    tree_root,
)
from tests.conftest import staff_client_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def items(start: int, count: int, kind: str = "record") -> list[LedgerItem]:
    return [LedgerItem(kind, f"R{i:07d}", {"id": f"R{i:07d}", "n": i, "名称": "执法检查"})
            for i in range(start, start + count)]


def stored_leaves(shard: Shard) -> list[bytes]:
    """The leaf hashes the level-0 tiles hold for the shard's entries, read in order through
    its bundles; each is checked to be the hash of its entry's content."""
    hasher = Hasher(shard.hash_alg)
    entries = list(shard_entries(shard))
    assert [e.index for e in entries] == list(range(len(entries)))
    for e in entries:
        assert hasher.leaf(e.content.encode()) == e.leaf_hash, e.index
    return [e.leaf_hash for e in entries]


@pytest.mark.parametrize("alg", ["sm3", "sha256"])
def test_batches_across_tile_boundaries_keep_root_heads_and_entries(alg, hashing):
    shard = shard_for_year(2025, hash_alg=alg)
    hasher = Hasher(alg)
    expected: list[bytes] = []
    # Sizes that start and end inside tiles, fill one exactly and straddle two.
    for batch in (1, 254, 1, 300, 211, 256, 1, 513):
        start = len(expected)
        indexes = ledger_append_many(items=items(start, batch), year=2025)
        assert indexes == list(range(start, start + batch))
        expected += [hasher.leaf(canonical_json({"id": f"R{i:07d}", "n": i, "名称": "执法检查"}))
                     for i in range(start, start + batch)]
        shard.refresh_from_db()
        assert shard.size == len(expected)
        assert bytes(shard.root) == merkle.root(hasher, expected)
        head = TreeHead.objects.get(shard=shard, size=shard.size)
        assert bytes(head.root) == bytes(shard.root)
    assert stored_leaves(shard) == expected
    assert TreeHead.objects.filter(shard=shard).count() == 8
    entry = entry_at(shard, 300)
    assert hasher.leaf(entry.content.encode()) == bytes(entry.leaf_hash) == expected[300]
    assert json.loads(entry.content) == {"id": "R0000300", "n": 300, "名称": "执法检查"}
    assert "执法检查" in entry.content  # UTF-8, not \u escapes
    # Level-0 tiles hold every leaf hash once; the next level's the complete subtrees of
    # TILE_WIDTH leaves, each the root of those leaves.
    tiles = {(t.level, t.index): bytes(t.hashes) for t in Tile.objects.filter(shard=shard)}
    n = len(expected)
    assert b"".join(tiles[(0, i)] for i in range(-(-n // TILE_WIDTH))) == b"".join(expected)
    up = b"".join(tiles[(TILE_HEIGHT, i)] for i in range(-(-(n // TILE_WIDTH) // TILE_WIDTH)))
    assert up == b"".join(merkle.root(hasher, expected[i:i + TILE_WIDTH])
                          for i in range(0, n - TILE_WIDTH + 1, TILE_WIDTH))


def test_proofs_and_past_roots_from_the_database_equal_in_memory_ones():
    shard = shard_for_year(2025, hash_alg="sm3")
    for batch in (100, 157, 3, 400, 77):
        ledger_append_many(items=items(EntryKey.objects.count(), batch), year=2025)
    shard.refresh_from_db()
    leaves = stored_leaves(shard)
    h = Hasher("sm3")
    n = len(leaves)
    for size in range(n + 1):
        assert tree_root(shard, size) == merkle.root(h, leaves[:size])
    for size in (1, 2, 255, 256, 257, 511, 512, 600, n):
        for index in {i for i in (0, 1, size // 2, size - 2, size - 1) if 0 <= i < size}:
            proof = inclusion_proof_for(shard, index, size)
            assert proof == merkle.inclusion_proof(h, leaves[:size], index)
            merkle.verify_inclusion(h, index=index, size=size, leaf_hash=leaves[index],
                                    proof=proof, root=tree_root(shard, size))
        for old in {0, 1, 3, 256, size // 3, size - 1, size} - {-1}:
            if old > size:
                continue
            proof = consistency_proof_for(shard, old, size)
            assert proof == merkle.consistency_proof(h, leaves[:size], old)
            merkle.verify_consistency(h, old_size=old, new_size=size,
                                      old_root=tree_root(shard, old),
                                      new_root=tree_root(shard, size), proof=proof)
    assert inclusion_proof_for(shard, 5) == merkle.inclusion_proof(h, leaves, 5)


def test_large_tree_proofs_take_one_query_and_appends_a_constant_number(
        django_assert_max_num_queries):
    shard = shard_for_year(2024, hash_alg="sha256")
    h = Hasher("sha256")
    # Past 2^16 leaves, so every tile level up to 16 has tiles.
    for start in range(0, 70_000, 10_000):
        ledger_append_many(items=items(start, 10_000), year=2024)
    # Shard lock, the partial tiles, tiles, tree head, shard and the savepoint pair (the
    # entries go by COPY or straight to sqlite3, outside Django's query log).
    with django_assert_max_num_queries(7):
        ledger_append_many(items=items(70_000, 1_000), year=2024)
    shard.refresh_from_db()
    assert shard.size == 71_000
    leaves = stored_leaves(shard)
    assert bytes(shard.root) == merkle.root(h, leaves)
    assert set(Tile.objects.filter(shard=shard).values_list("level", flat=True)) == set(
        range(0, 17, TILE_HEIGHT))
    for index in (0, 65_535, 65_536, 70_999, 12_345):
        with django_assert_max_num_queries(1):
            proof = inclusion_proof_for(shard, index)
        merkle.verify_inclusion(h, index=index, size=71_000, leaf_hash=leaves[index],
                                proof=proof, root=bytes(shard.root))
        assert proof == merkle.inclusion_proof(h, leaves, index)
    with django_assert_max_num_queries(1):
        proof = consistency_proof_for(shard, 65_537, 71_000)
    with django_assert_max_num_queries(1):
        old_root = tree_root(shard, 65_537)
    assert old_root == merkle.root(h, leaves[:65_537])
    merkle.verify_consistency(h, old_size=65_537, new_size=71_000, old_root=old_root,
                              new_root=bytes(shard.root), proof=proof)


@pytest.mark.django_db(transaction=True)
def test_proof_reads_are_prepared_statements_that_survive_rollbacks(django_assert_num_queries):
    """On PostgreSQL the tile read of a proof is a prepared statement: made in a savepoint or
    a transaction that rolls back, it is still there (and psycopg still knows it) after."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's prepared statements")
    h = Hasher("sha256")
    shard_for_year(2024, hash_alg="sha256")
    ledger_append_many(items=items(0, 5_000), year=2024)
    shard = Shard.objects.get(year=2024)
    leaves = stored_leaves(shard)

    def prepared() -> int:
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                        ["%ledger_tile%"])
            return cur.fetchone()[0]

    def check(index: int) -> None:
        proof = inclusion_proof_for(shard, index)
        assert proof == merkle.inclusion_proof(h, leaves, index)

    assert prepared() == 0
    for _ in range(3):
        with transaction.atomic():
            try:
                with transaction.atomic():
                    check(7)
                    raise RuntimeError
            except RuntimeError:
                pass
            check(11)
            consistency_proof_for(shard, 1_000, 5_000)
            transaction.set_rollback(True)
        with transaction.atomic():
            check(12)
        with django_assert_num_queries(1):
            check(13)
    assert prepared() >= 1
    for index in (0, 4_095, 4_096, 4_999):
        check(index)
    assert tree_root(shard, 3_000) == merkle.root(h, leaves[:3_000])
    # Appends read the partial tiles the same way, beside the proofs' statements.
    ledger_append_many(items=items(5_000, 100), year=2024)
    shard.refresh_from_db()
    leaves = stored_leaves(shard)
    check(5_050)
    assert connection.connection.prepare_threshold is None


def test_one_log_per_year(settings):
    settings.JIANDU_LEDGER_ORIGIN = "gangcheng.jiandu/ledger"
    a = ledger_append(kind="record", key="R1", content={"id": "R1"}, year=2025)
    b = ledger_append(kind="record", key="R1", content={"id": "R1", "v": 2}, year=2026)
    c = ledger_append(kind="record", key="R2", content={"id": "R2"})
    assert (a.index, b.index) == (0, 0)
    assert a.shard.origin == "gangcheng.jiandu/ledger/2025"
    assert b.shard.origin == "gangcheng.jiandu/ledger/2026"
    assert c.shard.year == timezone.localdate().year
    assert a.shard.hash_alg == "sm3"
    assert [e.pk for e in entries_for("record", "R1")] == [a.pk, b.pk]
    assert Shard.objects.get(year=2025).size == 1


def test_file_hashes_are_logged_with_the_content():
    digest = "ab" * 32
    entry = ledger_append(kind="evidence", key="E1", content={"name": "现场照片"},
                          file_hashes=[f"sm3:{digest}", digest], year=2026)
    assert json.loads(entry.content) == {"name": "现场照片",
                                         "file_hashes": [f"sm3:{digest}", digest]}
    assert entry.created_at is not None
    with pytest.raises(ValueError, match="文件哈希格式不对"):
        ledger_append(kind="evidence", key="E2", content={}, file_hashes=["xyz"], year=2026)
    with pytest.raises(ValueError, match="内容已含 file_hashes"):
        ledger_append(kind="evidence", key="E2", content={"file_hashes": []},
                      file_hashes=[digest], year=2026)


def test_content_json_is_logged_as_given_and_equals_the_dict_path():
    digest = "cd" * 32
    ledger_append_many(items=items(0, 3), year=2025)
    by_dict = ledger_append_many(items=[
        LedgerItem("evidence", "E1", {"名称": "照片", "n": 1}, (digest,))], year=2026)
    data = canonical_json({"名称": "照片", "n": 1, "file_hashes": [digest]})
    by_json = ledger_append_many(items=[
        LedgerItem("evidence", "E1", content_json=data)], year=2026)
    assert (by_dict, by_json) == ([0], [1])
    first, second = entries_for("evidence", "E1")
    assert first.content == second.content == data.decode()
    assert bytes(first.leaf_hash) == bytes(second.leaf_hash) == merkle.SM3.leaf(data)
    shard = Shard.objects.get(year=2026)
    assert bytes(shard.root) == merkle.root(merkle.SM3, [merkle.SM3.leaf(data)] * 2)


def test_bundle_keys_are_positions_held_by_constraints():
    ledger_append_many(items=items(0, 3), year=2025)
    ledger_append_many(items=items(3, 2), year=2026)
    bundles = list(EntryBundle.objects.all())
    for bundle in bundles:
        assert bundle.pk == entry_pk(bundle.shard_id, bundle.first)
    assert [(b.first, b.count) for b in bundles] == [(0, 3), (0, 2)]
    assert [e.index for s in Shard.objects.order_by("year") for e in shard_entries(s)] == \
        [0, 1, 2, 0, 1]
    shard = Shard.objects.get(year=2025)

    def bundle(**kw):
        row = dict(id=entry_pk(shard.pk, 3), shard=shard, first=3, count=1, contents=b"{}",
                   keys="x\ty", created_at=timezone.now())
        EntryBundle.objects.create(**{**row, **kw})

    # A bundle whose key is not its position, a second one at a position, or one of no entry
    # or of more than 256, is refused.
    for bad in ({"id": entry_pk(shard.pk, 3) + 1}, {"id": entry_pk(shard.pk, 0), "first": 0},
                {"count": 0}, {"count": 257}):
        with pytest.raises(IntegrityError), transaction.atomic():
            bundle(**bad)
    # A key row repeated is refused too: (kind, key, position) is the key index's primary key.
    with pytest.raises(IntegrityError), transaction.atomic():
        EntryKey.objects.create(kind="record", key="R0000000", position=entry_pk(shard.pk, 0))


@pytest.mark.parametrize("sizes", [(1,), (255,), (256,), (257,), (1000,), (1, 255, 256, 257, 1000)])
def test_each_append_writes_its_own_bundles_of_at_most_256(sizes):
    start = 0
    want = []
    for n in sizes:
        ledger_append_many(items=items(start, n), year=2025)
        want += [(start + lo, min(256, n - lo)) for lo in range(0, n, 256)]
        start += n
    shard = Shard.objects.get(year=2025)
    assert list(EntryBundle.objects.order_by("id").values_list("first", "count")) == want
    for b in EntryBundle.objects.all():
        # Stored as one Zstandard frame (its magic number first) of the joined contents.
        assert b.compression == "zstd" and bytes(b.contents)[:4] == b"\x28\xb5\x2f\xfd"
        lines = bundle_contents(b.contents, b.compression).split(b"\n")
        assert len(lines) == b.count == len(b.keys.split("\n"))
        assert b.keys.split("\n")[0] == f"record\tR{b.first:07d}"
        assert json.loads(lines[-1])["n"] == b.first + b.count - 1
    leaves = stored_leaves(shard)
    assert len(leaves) == start == shard.size
    assert bytes(shard.root) == merkle.root(Hasher(shard.hash_alg), leaves)
    assert EntryKey.objects.count() == start


def test_entry_at_reads_across_bundles_and_by_position():
    for n in (5, 300, 1, 256):
        ledger_append_many(items=items(EntryKey.objects.count(), n), year=2025)
    shard = Shard.objects.get(year=2025)
    hasher = Hasher(shard.hash_alg)
    # The first and last of bundles and of appends, and one inside.
    for index in (0, 4, 5, 260, 261, 304, 305, 306, 400, 561):
        entry = entry_at(shard, index)
        assert (entry.index, entry.kind, entry.key) == (index, "record", f"R{index:07d}")
        assert json.loads(entry.content)["n"] == index
        assert entry.leaf_hash == hasher.leaf(entry.content.encode())
        assert entry.pk == entry_pk(shard.pk, index)
        assert entry_at_position(entry.pk) == entry
    assert entry_at(shard, 562) is None and entry_at(shard, -1) is None
    assert entry_at_position(entry_pk(shard.pk + 1, 0)) is None
    assert [e.index for e in entries_for("record", "R0000305")] == [305]


@pytest.mark.parametrize("item, message", [
    (LedgerItem("record", "K", content_json=b"[1]"), "content_json"),
    (LedgerItem("record", "K", content_json="{}"), "content_json"),
    (LedgerItem("record", "K", content_json=b"{\"a\":\"\xff\"}"), "UTF-8"),
    (LedgerItem("record", "K", {}, content_json=b"{}"), "content_json"),
    (LedgerItem("record", "K", None, ("ab" * 32,), b"{}"), "content_json"),
    (LedgerItem("", "K", {}), "类别"),
    (LedgerItem("record", "", {}), "标识"),
    (LedgerItem("record", "K" * 101, {}), "标识"),
    (LedgerItem("record", "K", ["not", "a", "dict"]), "JSON 对象"),
    (LedgerItem("record", "K", content_json=b'{"a":\n1}'), "换行"),
    (LedgerItem("record", "K", content_json=b'{"a":\r1}'), "换行"),
    (LedgerItem("record", "K", content_json=b'{"a":"\xe4\xb8"}'), "UTF-8"),
    (LedgerItem("record", "K", content_json=b'{"a":"\xb8\xad"}'), "UTF-8"),
    (LedgerItem("record", "K\tL", {}), "制表符"),
    (LedgerItem("record", "K\nL", {}), "制表符"),
    (LedgerItem("record", "K\rL", {}), "制表符"),
    (LedgerItem("rec\nord", "K", {}), "制表符"),
    (LedgerItem("record", "K", {"when": object()}), "无法转为 JSON"),
])
def test_bad_items_are_refused_before_anything_is_written(item, message, hashing):
    with pytest.raises(ValueError, match=message):
        ledger_append_many(items=[*items(0, 3), item], year=2025)
    assert not EntryBundle.objects.exists() and not EntryKey.objects.exists()
    assert not Shard.objects.filter(size__gt=0).exists()


@pytest.mark.parametrize("kind", ["rec\tord", "rec\rord", "rec\nord"])
def test_a_batch_all_of_one_bad_kind_is_refused(kind):
    # A bundle of one kind makes its key lines by one join: its checks must still see the kind.
    with pytest.raises(ValueError, match="制表符"):
        ledger_append_many(items=[LedgerItem(kind, f"K{i}", {"i": i}) for i in range(300)],
                           year=2025)
    assert not EntryBundle.objects.exists() and not EntryKey.objects.exists()


def test_bundles_of_one_kind_and_of_mixed_kinds_keep_a_key_line_per_entry():
    batch = [LedgerItem("record", f"R{i}", {"i": i}) for i in range(300)]
    batch += [LedgerItem("record" if i % 3 else "officer", f"O{i}", {"i": i}) for i in range(300)]
    ledger_append_many(items=batch, year=2025)
    lines = [line for b in EntryBundle.objects.order_by("first") for line in b.keys.split("\n")]
    assert lines == [f"{item.kind}\t{item.key}" for item in batch]


def test_an_append_rolls_back_with_the_callers_transaction():
    ledger_append_many(items=items(0, 5), year=2025)
    before = bytes(Shard.objects.get(year=2025).root)
    with pytest.raises(RuntimeError), transaction.atomic():
        ledger_append_many(items=items(5, 5), year=2025)
        raise RuntimeError("the write this append belongs to failed")
    shard = Shard.objects.get(year=2025)
    assert (shard.size, bytes(shard.root)) == (5, before)
    assert EntryKey.objects.count() == 5 and EntryBundle.objects.count() == 1
    assert ledger_append_many(items=items(5, 2), year=2025) == [5, 6]


def test_proofs_outside_the_log_are_refused():
    ledger_append_many(items=items(0, 10), year=2025)
    shard = Shard.objects.get(year=2025)
    with pytest.raises(ProofError, match="索引超出"):
        inclusion_proof_for(shard, 10)
    with pytest.raises(ProofError, match="树大小超出日志"):
        inclusion_proof_for(shard, 0, 11)
    with pytest.raises(ProofError, match="树大小超出日志"):
        tree_root(shard, 11)
    with pytest.raises(ProofError, match="旧树不能大于新树"):
        consistency_proof_for(shard, 8, 4)
    assert ledger_append_many(items=[]) == []


def test_admin_pages_show_the_log_and_allow_no_change(staff_client):
    from django.urls import reverse

    from jiandu.ledger.models import Checkpoint, Cosignature

    entry = ledger_append(kind="record", key="R9", content={"id": "R9"}, year=2025)
    checkpoint = Checkpoint.objects.create(shard=entry.shard, size=1, root=entry.shard.root,
                                           note="test.jiandu/ledger/2025\n1\nAA==\n\n— x AA==\n")
    Cosignature.objects.create(checkpoint=checkpoint, witness_name="港城公证处", key_id="01020304",
                               signature="AA==", timestamp=1)
    client = staff_client("admin", superuser=True)
    bundle = EntryBundle.objects.get()
    for name, obj in (("shard", entry.shard), ("entrybundle", bundle), ("checkpoint", checkpoint),
                      ("treehead", TreeHead.objects.get(shard=entry.shard))):
        listing = client.get(reverse(f"admin:ledger_{name}_changelist"))
        assert listing.status_code == 200, name
        page = client.get(reverse(f"admin:ledger_{name}_change", args=[obj.pk]))
        assert page.status_code == 200, name
        assert b'name="_save"' not in page.content
        assert client.get(reverse(f"admin:ledger_{name}_add")).status_code == 403
    page = client.get(reverse("admin:ledger_entrybundle_change", args=[bundle.pk]))
    assert bytes(entry.leaf_hash).hex().encode() in page.content
    assert b'{"id":"R9"}' in page.content.replace(b"&quot;", b'"')
    assert "港城公证处" in client.get(
        reverse("admin:ledger_checkpoint_change", args=[checkpoint.pk])).content.decode()


@pytest.mark.django_db(transaction=True)
def test_concurrent_appenders_take_turns_and_the_tree_never_forks():
    """Four writers at once, the shard not yet created: on PostgreSQL the row lock (and the
    unique year for the creation race) orders them; SQLite's IMMEDIATE transactions do it
    there, which an in-memory test database shared by threads cannot show."""
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: concurrent writers on a server")
    barrier = threading.Barrier(4)
    errors = []

    def work(n: int) -> None:
        try:
            barrier.wait()
            for k in range(5):
                with transaction.atomic():
                    ledger_append_many(items=items(n * 1000 + k * 10, 10), year=2025)
        except Exception as exc:  # reported below, with the thread's number
            errors.append((n, exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    shard = Shard.objects.get(year=2025)
    leaves = stored_leaves(shard)
    assert shard.size == len(leaves) == 200
    assert [e.index for e in shard_entries(shard)] == list(range(200))
    assert sorted(EntryKey.objects.values_list("position", flat=True)) == [
        entry_pk(shard.pk, i) for i in range(200)]
    assert bytes(shard.root) == merkle.root(Hasher(shard.hash_alg), leaves)
    heads = list(TreeHead.objects.filter(shard=shard).order_by("size")
                 .values_list("size", flat=True))
    assert heads == list(range(10, 201, 10))
    for size in heads:
        assert tree_root(shard, size) == merkle.root(Hasher(shard.hash_alg), leaves[:size])


def test_the_key_index_is_one_btree_on_sqlite():
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's table layout")
    with connection.cursor() as cur:
        cur.execute("SELECT sql FROM sqlite_master WHERE name = 'ledger_entrykey'")
        assert cur.fetchone()[0].rstrip().endswith("WITHOUT ROWID")
        cur.execute("SELECT count(*) FROM sqlite_master WHERE tbl_name = 'ledger_entrykey' "
                    "AND type = 'index'")
        assert cur.fetchone()[0] == 0


def test_key_rows_of_a_batch_of_mixed_kinds():
    # Runs long enough for the one-statement path, short ones between, keys not ASCII.
    kinds = ["a"] * 20 + ["b"] * 3 + ["a"] + ["c"] * 40 + ["b"] * 15 + ["a"] * 16
    batch = [LedgerItem(kind, f"执法-{i}\"'", {"i": i}) for i, kind in enumerate(kinds)]
    ledger_append_many(items=items(0, 7), year=2025)
    assert ledger_append_many(items=batch, year=2025) == list(range(7, 7 + len(kinds)))
    shard = Shard.objects.get(year=2025)
    want = {("record", f"R{i:07d}", entry_pk(shard.pk, i)) for i in range(7)} | {
        (kind, f"执法-{i}\"'", entry_pk(shard.pk, 7 + i)) for i, kind in enumerate(kinds)}
    assert set(EntryKey.objects.values_list("kind", "key", "position")) == want
    assert EntryKey.objects.count() == len(want)
    assert [e.index for e in entries_for("c", "执法-30\"'")] == [37]


def test_bundle_contents_reads_what_the_append_stores_and_refuses_other_frames():
    data = b'{"a":1}\n{"b":2}'
    frame = zstandard.ZstdCompressor(level=1).compress(data)
    assert bundle_contents(frame, "zstd") == data
    assert bundle_contents(memoryview(data), "") == data  # a bundle stored before compression
    refused = {
        "no size": zstandard.ZstdCompressor(write_content_size=False).compress(data),
        "a size of 1 TiB": frame[:4] + bytes([0xE0]) + (1 << 40).to_bytes(8, "little")
        + frame[6 + 1:],
        "cut short": frame[:-3],
        "not a frame": data,
    }
    for name, stored in refused.items():
        with pytest.raises(ValueError, match="无法解开"):
            bundle_contents(stored, "zstd")
        assert name
    with pytest.raises(ValueError, match="unknown compression 'gzip'"):
        bundle_contents(frame, "gzip")
