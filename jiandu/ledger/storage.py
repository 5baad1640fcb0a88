"""The log in the database: batch appends under a shard lock, tiles, and proofs in one read."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from jiandu.records.interchange.schema import canonical_json as _canonical_json

from . import merkle
from .merkle import CompactRange, Hasher, ProofError
from .models import TILE_HEIGHT, TILE_WIDTH, Entry, Shard, Tile, TreeHead, entry_pk

# Layout. Each year's log is a Shard (size, root and compact range of its tree); every leaf is
# an Entry row. The tree's nodes of levels 0, 4, 8… are kept in Tile rows of 16 hashes, so any
# node is rebuilt from one tile with at most 15 hashes, and an inclusion or consistency proof,
# or the root of any past size, needs one tile per 4 levels: 6 small rows at 10 million
# entries, fetched in a single query.
#
# Appends run inside the caller's transaction (DESIGN.md rule 2) and lock the shard row
# (SELECT … FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE transactions already serialise
# writers), so concurrent appenders take turns and the tree never forks.

__all__ = [
    "LedgerItem", "canonical_json", "consistency_proof_for", "entries_for", "entry_content",
    "inclusion_proof_for", "ledger_append", "ledger_append_many", "shard_for_year", "tree_root",
]

_FILE_HASH = re.compile(r"^(?:[a-z0-9-]+:)?[0-9a-f]{64}$")


def canonical_json(obj) -> bytes:
    """Sorted keys, UTF-8 (not \\u escapes), no whitespace: the records import's own form.

    The import hashes and stores rows by the same function, so a logged row and the row in its
    table serialise identically and `ledger verify` can compare them byte for byte.
    """
    return _canonical_json(obj)


@dataclass(frozen=True)
class LedgerItem:
    """One thing to log: ``kind`` (e.g. "record"), ``key`` (e.g. the record's ext_id), the
    ``content`` dict and the hashes of attached files ("sm3:<hex>" or bare hex).

    A caller that has already serialised the content (the import hashes each row by
    ``canonical_json`` anyway) passes ``content_json`` instead of ``content`` and no
    ``file_hashes``: it must be ``canonical_json(content)`` exactly, file hashes included, as
    it is logged byte for byte. Only its type, first byte and UTF-8 are checked, so a
    non-canonical form is not refused here; `jiandu ledger verify` would then report the row
    and its entry as different.
    """

    kind: str
    key: str
    content: dict | None = None
    file_hashes: Sequence[str] = ()
    content_json: bytes | None = None


def entry_content(content: dict, file_hashes: Sequence[str] = ()) -> bytes:
    """The leaf data of an entry: canonical JSON of ``content``, plus ``"file_hashes"`` when
    files are given (a content that already has that key must not be given files too)."""
    if not isinstance(content, dict):
        raise ValueError(f"日志内容必须是 JSON 对象 (content must be a dict, not {type(content).__name__})")
    if file_hashes:
        if isinstance(file_hashes, str):
            raise ValueError("file_hashes 必须是列表 (file_hashes must be a list of strings)")
        if "file_hashes" in content:
            raise ValueError("内容已含 file_hashes，不能再另给文件哈希 "
                             "(content already has file_hashes; pass them in one place)")
        for value in file_hashes:
            if not isinstance(value, str) or not _FILE_HASH.match(value):
                raise ValueError(f"文件哈希格式不对 (bad file hash {value!r}: expected "
                                 "[alg:]64 lowercase hex digits)")
        content = {**content, "file_hashes": list(file_hashes)}
    try:
        return canonical_json(content)
    except TypeError as exc:
        raise ValueError(f"日志内容无法转为 JSON (content is not serialisable): {exc}") from exc


_KIND_MAX = Entry._meta.get_field("kind").max_length
_KEY_MAX = Entry._meta.get_field("key").max_length


def _item_json(item: LedgerItem) -> bytes:
    """The leaf data of ``item``: its ``content_json`` as given, else ``entry_content``."""
    data = item.content_json
    if data is None:
        return entry_content(item.content, item.file_hashes)
    if item.content is not None or item.file_hashes:
        raise ValueError("content_json 已是完整内容，不能再给 content 或 file_hashes "
                         "(content_json is the whole content; pass no content or file_hashes)")
    if type(data) is not bytes or not data.startswith(b"{"):
        raise ValueError("content_json 必须是规范 JSON 对象的字节串 (content_json must be the "
                         f"bytes of canonical_json(dict), not {type(data).__name__} "
                         f"{bytes(data[:20]) if isinstance(data, bytes | bytearray) else ''!r})")
    return data


def _check_item(item: LedgerItem) -> None:
    if not isinstance(item.kind, str) or not 0 < len(item.kind) <= _KIND_MAX:
        raise ValueError(f"日志条目类别须为 1–{_KIND_MAX} 个字符 (kind must be 1..{_KIND_MAX} "
                         f"characters): {item.kind!r}")
    if not isinstance(item.key, str) or not 0 < len(item.key) <= _KEY_MAX:
        raise ValueError(f"日志条目标识须为 1–{_KEY_MAX} 个字符 (key must be 1..{_KEY_MAX} "
                         f"characters): {item.key!r}")


# ------------------------------------------------------------------ shards

_HASHERS = {h.name: h for h in (merkle.SM3, merkle.SHA256)}


def _hasher(name: str) -> Hasher:
    return _HASHERS.get(name) or Hasher(name)


def _origin(year: int) -> str:
    prefix = getattr(settings, "JIANDU_LEDGER_ORIGIN", "jiandu.local/ledger")
    return f"{prefix.rstrip('/')}/{year}"


def _check_year(year: int) -> None:
    if not 2000 <= year <= 2100:
        raise ValueError(f"年度超出范围 (year {year} is outside 2000..2100)")


def _locked_head(year: int) -> tuple[int, str, int, bytes]:
    """(id, hash_alg, size, frontier) of the shard of ``year``, locked for an append, by one
    plain query (through the ORM ~0.5 ms a batch); the shard is made on its first append."""
    _check_year(year)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cur:
        cur.execute(f"SELECT id, hash_alg, size, frontier FROM "
                    f"{connection.ops.quote_name(Shard._meta.db_table)} WHERE year = %s{lock}",
                    [year])
        row = cur.fetchone()
    if row is None:
        shard = shard_for_year(year, lock=True)
        return shard.pk, shard.hash_alg, shard.size, bytes(shard.frontier)
    return row[0], row[1], row[2], bytes(row[3])


def shard_for_year(year: int, *, hash_alg: str | None = None, lock: bool = False) -> Shard:
    """The shard of ``year``, created empty on first use with ``hash_alg`` (default the setting
    JIANDU_LEDGER_HASH, else SM3). ``lock`` takes the row lock appends serialise on; it needs
    a transaction."""
    _check_year(year)
    qs = Shard.objects.select_for_update() if lock else Shard.objects
    try:
        return qs.get(year=year)
    except Shard.DoesNotExist:
        pass
    alg = hash_alg or getattr(settings, "JIANDU_LEDGER_HASH", "sm3")
    hasher = Hasher(alg)
    try:
        with transaction.atomic():
            return Shard.objects.create(year=year, origin=_origin(year), hash_alg=hasher.name,
                                        size=0, root=hasher.empty(), frontier=b"")
    except IntegrityError:
        # Another appender created it between our read and our insert: use theirs.
        return qs.get(year=year)


# ------------------------------------------------------------------ appends

def ledger_append(*, kind: str, key: str, content: dict, file_hashes: Sequence[str] = (),
                  year: int | None = None) -> Entry:
    """Append one entry to the log of ``year`` (default: this year, in Asia/Shanghai) and
    return it. Runs in the caller's transaction; see ``ledger_append_many``."""
    with transaction.atomic():
        shard_id, (index,) = _append([LedgerItem(kind, key, content, tuple(file_hashes))], year)
        return Entry.objects.get(pk=entry_pk(shard_id, index))


def ledger_append_many(*, items: Iterable[LedgerItem], year: int | None = None) -> list[int]:
    """Append ``items`` in order to the log of ``year`` (default: this year) and return their
    leaf indexes in that log. The shard's size, root and a ``TreeHead`` are stored once for
    the whole call, so callers should pass a batch (an import passes each batch of rows).

    Must run inside the transaction that writes what is logged, so both commit or neither;
    outside one it opens its own. Raises ValueError (in Chinese and English) on a bad item,
    before anything is written.
    """
    items = list(items)
    if not items:
        return []
    with transaction.atomic():
        _, indexes = _append(items, year)
    return indexes


def _append(items: list[LedgerItem], year: int | None) -> tuple[int, list[int]]:
    """Append ``items`` to the shard of ``year``; its id and the items' indexes."""
    shard_id, hash_alg, old, old_frontier = _locked_head(year or timezone.localdate().year)
    hasher = _hasher(hash_alg)
    db_now = connection.ops.adapt_datetimefield_value(timezone.now())
    # The loop every entry goes through, so its names are local and the usual item passes a
    # quick type-and-length test; an item that fails it gets the full check and its message.
    # Each content is hashed and turned into text at once: orjson's bytes keep a ~16 KiB
    # buffer each, which held for a whole batch cost ~80 MB at 5,000 entries.
    leaf, dumps, kind_max, key_max = hasher.leaf, _canonical_json, _KIND_MAX, _KEY_MAX
    pk, index = entry_pk(shard_id, old), old
    rows, leaves = [], []
    add_row, add_leaf = rows.append, leaves.append
    for item in items:
        kind, key = item.kind, item.key
        if (type(kind) is not str or not 0 < len(kind) <= kind_max
                or type(key) is not str or not 0 < len(key) <= key_max):
            _check_item(item)
        data, content = item.content_json, item.content
        if data is None and type(content) is dict and not item.file_hashes:
            try:
                data = dumps(content)
            except TypeError:
                data = entry_content(content)  # raises the ValueError that explains it
        elif data is None or content is not None or item.file_hashes \
                or type(data) is not bytes or data[:1] != b"{":
            data = _item_json(item)
        try:
            text = data.decode()
        except UnicodeDecodeError as exc:
            raise ValueError(f"content_json 不是 UTF-8 (content_json is not UTF-8): {exc}") from exc
        h = leaf(data)
        add_leaf(h)
        add_row((pk, shard_id, index, kind, key, text, h, db_now))
        pk += 1
        index += 1
    tree = CompactRange.from_bytes(hasher, old, old_frontier)
    levels = tree.extend_collect(leaves, TILE_HEIGHT)
    with connection.cursor() as cur:
        _insert_entries(cur, rows)
        _write_tiles(cur, shard_id, old, levels)
        root, frontier = tree.root(), tree.to_bytes()
        # Plain statements: through the ORM these two cost ~0.8 ms a batch, more than the tiles.
        qn = connection.ops.quote_name
        cur.execute(f"INSERT INTO {qn(TreeHead._meta.db_table)} (shard_id, size, root, created_at) "
                    "VALUES (%s, %s, %s, %s)", [shard_id, tree.size, root, db_now])
        cur.execute(f"UPDATE {qn(Shard._meta.db_table)} SET size = %s, root = %s, frontier = %s, "
                    "updated_at = %s WHERE id = %s", [tree.size, root, frontier, db_now, shard_id])
    return shard_id, list(range(old, tree.size))


def _insert_entries(cur, rows: list[tuple]) -> None:
    """Entry rows by the cheapest bulk path: COPY on PostgreSQL, multi-row INSERTs on SQLite
    (neither goes through Django's query log, so query-count assertions do not see them).

    Measured at 30,000 entries in batches of 1,000 (CPU per entry, whole append): on
    PostgreSQL COPY 11 µs, executemany 23–26 µs and one multi-row INSERT 34 µs (Django's
    client-side binding quotes every value in Python); on SQLite multi-row INSERTs 10–12 µs,
    executemany 12–14 µs.
    """
    qn = connection.ops.quote_name
    table = qn(Entry._meta.db_table)
    columns = f"id, shard_id, {qn('index')}, kind, {qn('key')}, content, leaf_hash, created_at"
    if connection.vendor == "postgresql":
        with cur.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    # Straight to sqlite3, in as few statements as its parameter limit allows (32,766 in
    # Debian 12's SQLite): Django's wrapper would rewrite every %s of these long statements
    # with a regex, ~1.7 µs an entry, and would keep to Django's conservative 999.
    raw = cur.cursor
    per = max(1, raw.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // 8)
    head = f"INSERT INTO {table} ({columns}) VALUES "
    for lo in range(0, len(rows), per):
        chunk = rows[lo:lo + per]
        sqlite3.Cursor.execute(raw, head + ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?)"] * len(chunk)),
                               list(chain.from_iterable(chunk)))


def _read_tiles(cur, shard_id: int,
                keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """The tiles (level, index) of a shard in one query: a UNION ALL of point lookups, which
    both databases answer from the unique index, where an OR of pairs made SQLite scan."""
    if not keys:
        return {}
    qn = connection.ops.quote_name
    one = (f"SELECT level, {qn('index')}, hashes FROM {qn(Tile._meta.db_table)} "
           f"WHERE shard_id = %s AND level = %s AND {qn('index')} = %s")
    cur.execute(" UNION ALL ".join([one] * len(keys)),
                [v for level, index in keys for v in (shard_id, level, index)])
    return {(level, index): bytes(h) for level, index, h in cur.fetchall()}


def _write_tiles(cur, shard_id: int, old_size: int, levels: list[list[bytes]]) -> None:
    """Add the new nodes of levels 0, 4, 8… to their tiles: the rightmost, partial tile of a
    level is read and rewritten whole, new tiles are inserted."""
    qn = connection.ops.quote_name
    table = qn(Tile._meta.db_table)
    starts = [old_size >> (TILE_HEIGHT * lvl) for lvl in range(len(levels))]
    partial = [(lvl * TILE_HEIGHT, start >> TILE_HEIGHT) for lvl, start in enumerate(starts)
               if start % TILE_WIDTH and levels[lvl]]
    existing = _read_tiles(cur, shard_id, partial)
    rows = []
    for lvl, new in enumerate(levels):
        pos, i = starts[lvl], 0
        while i < len(new):
            tile = pos >> TILE_HEIGHT
            room = TILE_WIDTH - pos % TILE_WIDTH
            head = existing.get((lvl * TILE_HEIGHT, tile), b"") if pos % TILE_WIDTH else b""
            if len(head) != (pos % TILE_WIDTH) * 32:
                raise RuntimeError(f"瓦片 {lvl * TILE_HEIGHT}/{tile} 与树大小不符 (tile does not match the "
                                   f"tree size {old_size}): the log needs `jiandu ledger verify`")
            chunk = new[i:i + room]
            rows.append((shard_id, lvl * TILE_HEIGHT, tile, head + b"".join(chunk)))
            pos += len(chunk)
            i += len(chunk)
    sql = (f"INSERT INTO {table} (shard_id, level, {qn('index')}, hashes) VALUES (%s, %s, %s, %s) "
           f"ON CONFLICT (shard_id, level, {qn('index')}) DO UPDATE SET hashes = excluded.hashes")
    if connection.vendor == "sqlite":
        # Straight to sqlite3, as the entries: Django's wrapper rewrites %s per row.
        sqlite3.Cursor.executemany(cur.cursor, sql.replace("%s", "?"), rows)
        return
    cur.executemany(sql, rows)


# ------------------------------------------------------------------ proofs and roots

def _node_hashes(shard: Shard, nodes: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """The hashes of perfect subtrees (level, index) of ``shard``, from one query on its tiles."""
    hasher = _hasher(shard.hash_alg)
    nodes = set(nodes)
    wanted = {}
    for level, index in nodes:
        sub = level % TILE_HEIGHT
        first = index << sub  # the node's first hash in its tile level
        wanted[(level, index)] = (level - sub, first >> TILE_HEIGHT, first % TILE_WIDTH, 1 << sub)
    keys = sorted({(tl, ti) for tl, ti, _, _ in wanted.values()})
    with connection.cursor() as cur:
        tiles = _read_tiles(cur, shard.pk, keys)
    node = hasher.node
    out = {}
    for key, (tl, ti, offset, width) in wanted.items():
        data = tiles.get((tl, ti), b"")
        if len(data) < (offset + width) * 32:
            raise ProofError(f"日志中没有该节点 (node {key} is not in the log of size {shard.size})")
        row = [data[i:i + 32] for i in range((offset) * 32, (offset + width) * 32, 32)]
        while len(row) > 1:
            row = [node(row[i], row[i + 1]) for i in range(0, len(row), 2)]
        out[key] = row[0]
    return out


def _range_hashes(shard: Shard, ranges: list[tuple[int, int]]) -> list[bytes]:
    """MTH of each leaf range, all from one tile query."""
    hasher = _hasher(shard.hash_alg)
    parts = [merkle.range_subtrees(lo, hi) for lo, hi in ranges]
    nodes = _node_hashes(shard, (n for p in parts for n in p))
    return [merkle.fold(hasher, [nodes[n] for n in p]) for p in parts]


def _check_size(shard: Shard, size: int) -> None:
    if not 0 <= size <= shard.size:
        raise ProofError(f"树大小超出日志 (size {size} is outside 0..{shard.size} of {shard.origin})")


def tree_root(shard: Shard, size: int) -> bytes:
    """The root of ``shard``'s tree when it had ``size`` entries (any past size)."""
    _check_size(shard, size)
    if size == shard.size:
        return bytes(shard.root)
    if size == 0:
        return _hasher(shard.hash_alg).empty()
    return _range_hashes(shard, [(0, size)])[0]


def inclusion_proof_for(shard: Shard, index: int, size: int | None = None) -> list[bytes]:
    """The inclusion proof of entry ``index`` in ``shard``'s tree of ``size`` entries (default:
    the size of this ``shard`` instance), leaf side first, as ``merkle.inclusion_proof``."""
    size = shard.size if size is None else size
    _check_size(shard, size)
    return _range_hashes(shard, merkle.inclusion_ranges(index, size))


def consistency_proof_for(shard: Shard, old_size: int, new_size: int) -> list[bytes]:
    """The proof that ``shard``'s tree of ``old_size`` entries is a prefix of that of
    ``new_size`` (``merkle.consistency_proof``'s form)."""
    _check_size(shard, new_size)
    return _range_hashes(shard, merkle.consistency_ranges(old_size, new_size))


def entries_for(kind: str, key: str) -> QuerySet[Entry]:
    """The entries about one object (every version of a record, say), oldest first."""
    return (Entry.objects.filter(kind=kind, key=key).select_related("shard")
            .order_by("shard__year", "index"))
