"""The log in the database: batch appends under a shard lock, entry bundles, tiles, proofs in one
read, and the read API of entries."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from operator import attrgetter

import orjson
import psycopg
import zstandard
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from psycopg.types.numeric import Int2, Int8

from jiandu.records.interchange.schema import canonical_json as _canonical_json

from . import merkle
from .choices import BundleCompression
from .fast import _hashes, batch_hasher
from .merkle import CompactRange, Hasher, ProofError
from .models import (
    BUNDLE_SIZE,
    ENTRY_SHARD_STRIDE,
    TILE_HEIGHT,
    TILE_WIDTH,
    EntryBundle,
    EntryKey,
    Shard,
    Tile,
    TreeHead,
    entry_pk,
)

# Layout. Each year's log is a Shard (size, root and compact range of its tree). An append
# writes its entries into new EntryBundle rows of up to 256 (contents joined by newlines and
# stored as one Zstandard frame, and their kinds and keys), and one EntryKey row (kind, key,
# position) per entry for the lookup by object. Leaf hashes are stored once, in the level-0 tiles. The tree's nodes of levels 0, 4, 8… are kept in Tile rows of 16 hashes, so any
# node is rebuilt from one tile with at most 15 hashes, and an inclusion or consistency proof,
# or the root of any past size, needs one tile per 4 levels: 6 small rows at 10 million
# entries, fetched in a single query.
#
# Appends run inside the caller's transaction (DESIGN.md rule 2) and lock the shard row
# (SELECT … FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE transactions already serialise
# writers), so concurrent appenders take turns and the tree never forks.

__all__ = [
    "Bundle", "LedgerItem", "LogEntry", "bundle_contents", "canonical_json",
    "consistency_proof_for", "entries_for", "entry_at", "entry_at_position", "entry_content",
    "inclusion_proof_for", "leaf_hashes", "ledger_append", "ledger_append_many",
    "positions_entries", "shard_bundles", "shard_entries", "shard_for_year", "stored_leaves",
    "tree_root",
]

# A prepare_threshold that no count of runs reaches: only statements asked to be prepared are.
_NEVER_BY_COUNT = 2**31

_FILE_HASH = re.compile(r"^(?:[a-z0-9-]+:)?[0-9a-f]{64}$")

# Bundles are stored compressed: records' canonical JSON shrinks ~9× at level 1, for ~1 µs an
# entry, less than the commit saves on writing the bytes (measured in bench/ledger.py, where
# the rows are the generated records). A frame states its size; a stored frame that claims
# more than this is refused as damaged rather than allocated.
_ZSTD_LEVEL = 1
_BUNDLE_MAX_BYTES = 256 << 20


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


_KIND_MAX = EntryKey._meta.get_field("kind").max_length
_KEY_MAX = EntryKey._meta.get_field("key").max_length


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
    # A bundle's keys are "kind<TAB>key" lines.
    if any(c in item.kind + item.key for c in "\t\n\r"):
        raise ValueError("日志条目类别和标识不能含制表符或换行 (kind and key must not contain a tab "
                         f"or a line break): {item.kind!r} {item.key!r}")


def _check_bundle(items: Sequence[LedgerItem], datas: Sequence[bytes]) -> None:
    """Name the item that made a bundle malformed: a content that is not UTF-8 or holds a raw
    newline (a bundle joins contents by newlines), or a kind or key with a tab or line break."""
    for item, data in zip(items, datas, strict=True):
        _check_item(item)
        try:
            data.decode()
        except UnicodeDecodeError as exc:
            raise ValueError(f"content_json 不是 UTF-8 (content_json is not UTF-8): {exc}") from exc
        if b"\n" in data or b"\r" in data:
            raise ValueError("日志内容含换行，不是规范 JSON (content holds a raw line break, so it is "
                             f"not canonical JSON): {item.kind} {item.key}")


# ------------------------------------------------------------------ shards

_HASHERS = {name: batch_hasher(name) for name in ("sm3", "sha256")}


def hasher_for(name: str) -> Hasher:
    """The log's hasher for algorithm ``name``, with the accelerator's list functions where it is
    built (``fast.batch_hasher``), made once per process."""
    return _HASHERS.get(name) or Hasher(name)


@contextmanager
def pure_python() -> Iterator[None]:
    """Within it, this module appends and reads as on a machine where the C accelerator is not
    built: pure-Python hashing and checks. For the tests and benchmarks that compare both."""
    global _hashes, _HASHERS
    saved = _hashes, _HASHERS
    _hashes, _HASHERS = None, {h.name: h for h in (merkle.SM3, merkle.SHA256)}
    try:
        yield
    finally:
        _hashes, _HASHERS = saved


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
        _execute(cur, f"SELECT id, hash_alg, size, frontier FROM "
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
                  year: int | None = None) -> LogEntry:
    """Append one entry to the log of ``year`` (default: this year, in Asia/Shanghai) and
    return it. Runs in the caller's transaction; see ``ledger_append_many``."""
    batch = _prepare([LedgerItem(kind, key, content, tuple(file_hashes))])
    year = year or timezone.localdate().year
    _check_year(year)
    with transaction.atomic(savepoint=False):
        shard_id, (index,) = _append(batch, year)
        return entry_at(Shard.objects.get(pk=shard_id), index)


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
    batch = _prepare(items)
    year = year or timezone.localdate().year
    _check_year(year)
    # The items and the year are checked before the block: nothing in it fails but the database, which
    # fails the caller's transaction too, so it needs no savepoint of its own.
    with transaction.atomic(savepoint=False):
        _, indexes = _append(batch, year)
    return indexes


def _item_data(items: list[LedgerItem]) -> tuple[list[bytes], list[str], list[str], bool]:
    """The leaf data, kinds and keys of ``items``, and whether any data was handed over as
    bytes (``content_json``: only those need their UTF-8 checked). The usual item (a valid kind and key, a dict
    or bytes that look like a JSON object) costs a quick type-and-length test; any other gets
    the full check and its message. (A test per item measured cheaper than checking the batch
    by passes of ``map``: ~0.55 against ~1.05 µs an entry.) Each dict is serialised at once:
    orjson's bytes keep a ~16 KiB buffer each only while they are made.
    """
    dumps, kind_max, key_max = _canonical_json, _KIND_MAX, _KEY_MAX
    if _hashes is not None:
        # The same tests in C for a batch of usual items (~0.1 against ~0.3 µs an item); any
        # other batch is checked below, which names the item at fault. The C path checks
        # every content's UTF-8 later (``_join_lines``), so it says all were given.
        usual = _hashes.item_data(items, dumps, kind_max, key_max)
        if usual is not None:
            return *usual, True
    out = []
    add = out.append
    given = False
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
        else:
            given = True
            if data is None or content is not None or item.file_hashes \
                    or type(data) is not bytes or data[:1] != b"{":
                data = _item_json(item)
        add(data)
    return out, list(map(attrgetter("kind"), items)), list(map(attrgetter("key"), items)), given


@dataclass
class _Batch:
    datas: list[bytes]
    kinds: list[str]
    keys: list[str]
    # (offset, count, contents as stored, "kind\tkey" lines)
    bundles: list[tuple[int, int, bytes, str]]


def _join_lines_py(parts: list[bytes], check_utf8: bool = True) -> bytes | None:
    """``b"\\n".join(parts)``, or None when a part holds a line break or (``check_utf8``) is
    not UTF-8: the pure-Python form of the accelerator's ``join_lines``. What orjson made
    from dicts is UTF-8 already (it refuses what cannot be), so those skip the decode."""
    bare = b"".join(parts)
    if b"\n" in bare or b"\r" in bare:
        return None
    if check_utf8:
        try:
            deque(map(bytes.decode, parts), 0)
        except UnicodeDecodeError:
            return None
    return b"\n".join(parts)


def _join_lines(parts: list[bytes], check_utf8: bool) -> bytes | None:
    if _hashes is not None:
        # Every part checked in one C pass that also copies it (~0.1 µs a 430-byte record
        # against ~0.3 µs for the decode alone), so it checks UTF-8 always.
        return _hashes.join_lines(parts)
    return _join_lines_py(parts, check_utf8)


def _prepare(items: list[LedgerItem]) -> _Batch:
    """The checked leaf data of ``items`` and their bundles; ValueError on a bad item."""
    datas, kinds, keys, given = _item_data(items)
    # Bundles are made and checked before the lock, a bundle at a time (``_join_lines``), for
    # a test per entry; a bundle that fails names its item. Valid contents joined by newlines
    # are valid UTF-8, so checking each content is checking the bundle. A bundle of one kind
    # (an import's) gets its key lines by one join of the keys.
    bundles = []
    compress = zstandard.ZstdCompressor(level=_ZSTD_LEVEL).compress  # not shared by threads
    for lo in range(0, len(items), BUNDLE_SIZE):
        part = datas[lo:lo + BUNDLE_SIZE]
        n = len(part)
        part_kinds, part_keys = kinds[lo:lo + n], keys[lo:lo + n]
        kind = part_kinds[0]
        if type(kind) is str and part_kinds.count(kind) == n:
            names = kind + "\t" + f"\n{kind}\t".join(part_keys)
        else:
            names = "\n".join(map("\t".join, zip(part_kinds, part_keys, strict=True)))
        contents = _join_lines(part, given)
        if (contents is None or names.count("\n") != n - 1 or names.count("\t") != n
                or "\r" in names):
            _check_bundle(items[lo:lo + n], part)
        bundles.append((lo, n, compress(contents), names))
    return _Batch(datas, kinds, keys, bundles)


def _append(batch: _Batch, year: int) -> tuple[int, list[int]]:
    """Append a prepared batch to the shard of ``year``; its id and the items' indexes."""
    shard_id, hash_alg, old, old_frontier = _locked_head(year)
    hasher = hasher_for(hash_alg)
    db_now = connection.ops.adapt_datetimefield_value(timezone.now())
    tree = CompactRange.from_bytes(hasher, old, old_frontier)
    levels = tree.extend_collect(hasher.leaves(batch.datas), TILE_HEIGHT)
    base = entry_pk(shard_id, old)
    with connection.cursor() as cur:
        _insert_bundles(cur, [(base + lo, shard_id, old + lo, n, contents, BundleCompression.ZSTD,
                               names, db_now) for lo, n, contents, names in batch.bundles])
        _insert_keys(cur, batch.kinds, batch.keys, base)
        _write_tiles(cur, shard_id, old, levels)
        root, frontier = tree.root(), tree.to_bytes()
        # Plain statements: through the ORM these two cost ~0.8 ms a batch, more than the tiles.
        qn = connection.ops.quote_name
        _execute(cur, f"INSERT INTO {qn(TreeHead._meta.db_table)} (shard_id, size, root, "
                 "created_at) VALUES (%s, %s, %s, %s)", [shard_id, tree.size, root, db_now])
        _execute(cur, f"UPDATE {qn(Shard._meta.db_table)} SET size = %s, root = %s, "
                 "frontier = %s, updated_at = %s WHERE id = %s",
                 [tree.size, root, frontier, db_now, shard_id])
    return shard_id, list(range(old, tree.size))


def _execute(cur, sql: str, params: Sequence) -> None:
    """One statement of an append, on SQLite straight to sqlite3 (Django's wrapper costs
    ~40 µs a statement: it rewrites the placeholders with a regex)."""
    if connection.vendor == "sqlite":
        sqlite3.Cursor.execute(cur.cursor, sql.replace("%s", "?"), params)
    else:
        cur.execute(sql, params)


def _max_rows(raw, columns: int) -> int:
    """Rows of ``columns`` values one SQLite statement may bind (32,766 values in Debian 12's
    SQLite, where Django keeps to a conservative 999)."""
    return max(1, raw.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // columns)


def _insert_bundles(cur, rows: list[tuple]) -> None:
    """The append's new bundles (a handful a batch): COPY on PostgreSQL, straight to sqlite3
    on SQLite, as the key rows."""
    qn = connection.ops.quote_name
    table = qn(EntryBundle._meta.db_table)
    columns = (f"id, shard_id, {qn('first')}, {qn('count')}, contents, compression, {qn('keys')}, "
               "created_at")
    if connection.vendor == "postgresql":
        with cur.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    sqlite3.Cursor.executemany(cur.cursor, f"INSERT INTO {table} ({columns}) VALUES "
                               "(?, ?, ?, ?, ?, ?, ?, ?)", rows)


def _insert_keys(cur, kinds: list[str], keys: list[str], base: int) -> None:
    """The key index rows (kind, key, position) by the cheapest bulk path: COPY on PostgreSQL;
    on SQLite, each run of 16 or more entries of one kind (an import's batch is one run) as
    one INSERT … SELECT over ``json_each`` of its keys, the rest as multi-row INSERTs. None
    goes through Django's query log, so query-count assertions do not see them.

    Measured at 200,000 keys in batches of 1,000, CPU per key of insert and commit: json_each
    1.02 µs, one multi-row INSERT 1.45 µs (binding 3,000 values), executemany more again.
    """
    table = connection.ops.quote_name(EntryKey._meta.db_table)
    columns = f"kind, {connection.ops.quote_name('key')}, position"
    n = len(kinds)
    if connection.vendor == "postgresql":
        with cur.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in zip(kinds, keys, range(base, base + n), strict=True):
                copy.write_row(row)
        return
    raw = cur.cursor
    rest: list[int] = []
    at = 0
    for kind, run in groupby(kinds):
        count = len(list(run))
        if count >= 16:
            try:
                array = orjson.dumps(keys[at:at + count]).decode()
            except TypeError:  # a key orjson refuses (a lone surrogate): bound as it is below
                rest += range(at, at + count)
            else:
                sqlite3.Cursor.execute(raw, f"INSERT INTO {table} ({columns}) SELECT ?, value, "
                                       "? + key FROM json_each(?)", (kind, base + at, array))
        else:
            rest += range(at, at + count)
        at += count
    per = _max_rows(raw, 3)
    head = f"INSERT INTO {table} ({columns}) VALUES "
    for lo in range(0, len(rest), per):
        chunk = rest[lo:lo + per]
        values = [v for i in chunk for v in (kinds[i], keys[i], base + i)]
        sqlite3.Cursor.execute(raw, head + ", ".join(["(?, ?, ?)"] * len(chunk)), values)


def _read_tiles(cur, shard_id: int,
                keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """The tiles (level, index) of a shard in one query: a UNION ALL of point lookups, which
    both databases answer from the unique index, where an OR of pairs made SQLite scan."""
    if not keys:
        return {}
    qn = connection.ops.quote_name
    one = (f"SELECT level, {qn('index')}, hashes FROM {qn(Tile._meta.db_table)} "
           f"WHERE shard_id = %s AND level = %s AND {qn('index')} = %s")
    sql = " UNION ALL ".join([one] * len(keys))
    if connection.vendor == "postgresql":
        rows = _pg_prepared(cur, sql, [v for level, index in keys
                                       for v in (Int8(shard_id), Int2(level), Int8(index))])
    else:
        _execute(cur, sql, [v for level, index in keys for v in (shard_id, level, index)])
        rows = cur.fetchall()
    return {(level, index): bytes(h) for level, index, h in rows}


def _pg_prepared(cur, sql: str, params: Sequence) -> list[tuple]:
    """The rows of a read that proofs make (the tiles), by a prepared statement on PostgreSQL.

    Django binds parameters on the client and never prepares, so PostgreSQL plans the tiles'
    UNION ALL afresh each time, and planning 5–8 index lookups costs more than running them:
    at 1M entries ~0.45 ms a read through Django against ~0.16 ms prepared, once PostgreSQL
    has switched to its generic plan (after the fifth run on a connection). The parameters'
    types are fixed (``Int2``/``Int8``) so that one statement serves every value; its text
    depends only on how many tiles are read, so a connection keeps a handful.

    A prepared statement outlives the transaction or savepoint it was made in (PostgreSQL
    does not roll it back), and when psycopg rolls a transaction back it deallocates all it
    prepared and forgets them, so its list and the server's agree. Behind a transaction-mode pooler
    this needs one that tracks prepared statements (PgBouncer ≥ 1.21 with
    ``max_prepared_statements``). The read is logged as Django would log it, when it logs.
    """
    conn = cur.cursor.connection
    start = time.monotonic()
    threshold = conn.prepare_threshold
    # psycopg prepares nothing while the threshold is None (Django's default): lift it for
    # this read only, to a count never reached, so only what is asked for is prepared.
    conn.prepare_threshold = _NEVER_BY_COUNT
    try:
        with psycopg.Cursor(conn) as raw:
            rows = raw.execute(sql, params, prepare=True).fetchall()
    finally:
        conn.prepare_threshold = threshold
    if connection.queries_logged:
        connection.queries_log.append({"sql": f"{sql} -- {[int(p) for p in params]}",
                                       "time": f"{time.monotonic() - start:.3f}"})
    return rows


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
    conflict = (f"ON CONFLICT (shard_id, level, {qn('index')}) "
                "DO UPDATE SET hashes = excluded.hashes")
    head = f"INSERT INTO {table} (shard_id, level, {qn('index')}, hashes) VALUES "
    if connection.vendor == "sqlite":
        # Straight to sqlite3, as the bundles, and in one statement (~65 tiles a batch of
        # 1,000): executemany pays a reset and step per row.
        per = _max_rows(cur.cursor, 4)
        for lo in range(0, len(rows), per):
            chunk = rows[lo:lo + per]
            sqlite3.Cursor.execute(cur.cursor, head + ", ".join(["(?, ?, ?, ?)"] * len(chunk))
                                   + " " + conflict, [v for row in chunk for v in row])
        return
    cur.executemany(f"{head}(%s, %s, %s, %s) {conflict}", rows)


# ------------------------------------------------------------------ proofs and roots

def _node_hashes(shard: Shard, nodes: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """The hashes of perfect subtrees (level, index) of ``shard``, from one query on its tiles."""
    hasher = hasher_for(shard.hash_alg)
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
        at, end = offset * 32, (offset + width) * 32
        if len(data) < end:
            raise ProofError(f"日志中没有该节点 (node {key} is not in the log of size {shard.size})")
        # Half the nodes of a proof are on a tile level or one above: a slice or one hash,
        # without building rows (~10 µs of a proof's ~110 µs of Python at 1M entries).
        if width == 1:
            out[key] = data[at:end]
        elif width == 2:
            out[key] = node(data[at:at + 32], data[at + 32:end])
        else:
            row = [data[i:i + 32] for i in range(at, end, 32)]
            while len(row) > 1:
                row = [node(row[i], row[i + 1]) for i in range(0, len(row), 2)]
            out[key] = row[0]
    return out


def _range_hashes(shard: Shard, ranges: list[tuple[int, int]]) -> list[bytes]:
    """MTH of each leaf range, all from one tile query."""
    hasher = hasher_for(shard.hash_alg)
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
        return hasher_for(shard.hash_alg).empty()
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


# ------------------------------------------------------------------ reading entries

_INDEX_MASK = ENTRY_SHARD_STRIDE - 1


@dataclass(frozen=True)
class LogEntry:
    """One entry as stored: ``content`` is the exact text whose leaf hash (read from the
    level-0 tile) is in ``shard``'s tree at ``index``."""

    shard: Shard
    index: int
    kind: str
    key: str
    content: str
    leaf_hash: bytes
    created_at: datetime

    @property
    def pk(self) -> int:
        """The entry's position, ``entry_pk(shard, index)``: its id in receipts' addresses."""
        return entry_pk(self.shard.pk, self.index)

    @property
    def version(self):
        """The ``version`` of the content (records and reference rows have one), else None."""
        try:
            return json.loads(self.content).get("version")
        except (ValueError, AttributeError):
            return None


@dataclass(frozen=True)
class Bundle:
    """A stored bundle, split: its entries' contents (bytes) and (kind, key) pairs. ``error``
    says how it is malformed (its contents do not decompress, or its lines do not match its
    count), when it is; ``error_en`` says so in short in English."""

    shard_id: int
    first: int
    count: int
    contents: list[bytes]
    keys: list[tuple[str, str]]
    created_at: datetime
    error: str = ""
    error_en: str = ""


def bundle_contents(stored, compression: str) -> bytes:
    """A bundle's contents (its entries joined by newlines) from the stored bytes; ValueError
    when they cannot be read as ``compression`` says (changed behind the application's back)."""
    stored = bytes(stored)
    if compression == BundleCompression.NONE:
        return stored
    if compression != BundleCompression.ZSTD:
        raise ValueError(f"未知的压缩方式 {compression!r} (unknown compression {compression!r})")
    try:
        size = zstandard.frame_content_size(stored)
        if not 0 <= size <= _BUNDLE_MAX_BYTES:  # -1: the frame does not say
            raise ValueError(f"frame content size {size}")
        return zstandard.ZstdDecompressor().decompress(stored)
    except (zstandard.ZstdError, ValueError) as exc:
        raise ValueError(f"压缩内容无法解开 (the compressed contents do not decompress: {exc})") \
            from None


def _bundle(shard_id: int, first: int, count: int, stored, compression: str, keys: str,
            created_at) -> Bundle:
    pairs = [tuple(line.split("\t", 1)) for line in keys.split("\n")]
    try:
        parts = bundle_contents(stored, compression).split(b"\n")
    except ValueError as exc:
        return Bundle(shard_id, first, count, [], pairs, created_at,
                      f"条目包 #{first} 的内容无法读取：{exc}", "its contents cannot be read")
    error = ""
    if len(parts) != count or len(pairs) != count or any(len(p) != 2 for p in pairs):
        error = (f"条目包 #{first} 的行数与条目数 {count} 不符 (bundle #{first} holds "
                 f"{len(parts)} contents and {len(pairs)} keys for {count} entries)")
    return Bundle(shard_id, first, count, parts, pairs, created_at, error,
                  "its lines do not match its count" if error else "")


def _bundle_select(extra: str = "") -> str:
    qn = connection.ops.quote_name
    return (f"SELECT {qn('first')}, {qn('count')}, contents, compression, {qn('keys')}, "
            f"created_at{extra} "
            f"FROM {qn(EntryBundle._meta.db_table)}")


def _created(value) -> datetime:
    """A datetime read by a raw query, as the ORM would give it (aware, on SQLite too)."""
    col = EntryBundle._meta.get_field("created_at").get_col(EntryBundle._meta.db_table)
    for conv in connection.ops.get_db_converters(col):
        value = conv(value, col, connection)
    return value


def _bundle_at(cur, shard_id: int, index: int) -> Bundle | None:
    """The bundle of ``shard_id`` that holds entry ``index`` (greatest key ≤ its position)."""
    cur.execute(f"{_bundle_select()} WHERE id <= %s AND id >= %s ORDER BY id DESC LIMIT 1",
                [entry_pk(shard_id, index), entry_pk(shard_id, 0)])
    row = cur.fetchone()
    if row is None or not row[0] <= index < row[0] + row[1]:
        return None
    return _bundle(shard_id, *row[:5], _created(row[5]))


def leaf_hashes(shard: Shard, first: int, count: int) -> list[bytes]:
    """The stored leaf hashes of entries ``first`` … ``first + count - 1`` (level-0 tiles);
    fewer when the tiles end before them."""
    keys = [(0, t) for t in range(first >> TILE_HEIGHT, ((first + count - 1) >> TILE_HEIGHT) + 1)]
    with connection.cursor() as cur:
        tiles = _read_tiles_level0(cur, shard.pk, keys[0][1], keys[-1][1])
    out = []
    for i in range(first, first + count):
        data = tiles.get(i >> TILE_HEIGHT, b"")
        at = (i % TILE_WIDTH) * 32
        if len(data) < at + 32:
            break
        out.append(data[at:at + 32])
    return out


def _read_tiles_level0(cur, shard_id: int, lo: int, hi: int) -> dict[int, bytes]:
    """Level-0 tiles ``lo`` … ``hi`` of a shard, by tile index, in one range query."""
    qn = connection.ops.quote_name
    cur.execute(f"SELECT {qn('index')}, hashes FROM {qn(Tile._meta.db_table)} WHERE shard_id = %s "
                f"AND level = 0 AND {qn('index')} >= %s AND {qn('index')} <= %s",
                [shard_id, lo, hi])
    return {index: bytes(h) for index, h in cur.fetchall()}


def _entry(shard: Shard, bundle: Bundle, index: int, leaf: bytes) -> LogEntry:
    at = index - bundle.first
    kind, key = bundle.keys[at] if at < len(bundle.keys) and len(bundle.keys[at]) == 2 else ("", "")
    content = bundle.contents[at] if at < len(bundle.contents) else b""
    return LogEntry(shard, index, kind, key, content.decode(errors="replace"), leaf,
                    bundle.created_at)


def entry_at(shard: Shard, index: int) -> LogEntry | None:
    """Entry ``index`` of ``shard``, or None when the log has no such entry."""
    if not 0 <= index < ENTRY_SHARD_STRIDE:
        return None
    with connection.cursor() as cur:
        bundle = _bundle_at(cur, shard.pk, index)
    if bundle is None:
        return None
    leaf = leaf_hashes(shard, index, 1)
    return _entry(shard, bundle, index, leaf[0] if leaf else b"")


def entry_at_position(position: int) -> LogEntry | None:
    """The entry at ``position`` (``entry_pk(shard id, index)``), or None."""
    shard = Shard.objects.filter(pk=position // ENTRY_SHARD_STRIDE).first()
    return entry_at(shard, position & _INDEX_MASK) if shard is not None and position >= 0 else None


def in_values(column: str, values: Sequence, *, integer: bool = False) -> tuple[str, list]:
    """SQL for ``column IN values`` bound as one JSON parameter however many values there are
    (``= ANY`` of the array the server parses on PostgreSQL, ``json_each`` on SQLite), and its
    parameters; ``integer`` for a numeric column.

    ``ledger verify`` asks for thousands of keys a query: as a list of placeholders, building
    and parsing the statement (Django's lookup, psycopg's placeholder scan) cost more than the
    database's answer, ~20 s of a 73 s verify at 1M records; as a Python list, psycopg's array
    dumper still cost ~3 s.
    """
    values = list(values)
    try:
        array = orjson.dumps(values).decode()
    except TypeError:  # a key orjson refuses (a lone surrogate): bound one by one
        return f"{column} IN ({', '.join(['%s'] * len(values))})", values
    if connection.vendor == "postgresql":
        element = "json_array_elements_text(%s::json)" + ("::bigint" if integer else "")
        return f"{column} = ANY(ARRAY(SELECT {element}))", [array]
    return f"{column} IN (SELECT value FROM json_each(%s))", [array]


def stored_leaves(positions: Iterable[int]) -> dict[int, bytes]:
    """{position: stored leaf hash} of entries anywhere in the log, from their level-0 tiles,
    each tile read once (2,000 a query)."""
    tiles_of: dict[int, set[int]] = {}
    for pos in positions:
        tiles_of.setdefault(pos // ENTRY_SHARD_STRIDE, set()).add((pos & _INDEX_MASK) >> TILE_HEIGHT)
    qn = connection.ops.quote_name
    tiles: dict[tuple[int, int], bytes] = {}
    with connection.cursor() as cur:
        for shard_id, wanted in tiles_of.items():
            wanted = sorted(wanted)
            for lo in range(0, len(wanted), 2000):
                where, params = in_values(qn("index"), wanted[lo:lo + 2000], integer=True)
                cur.execute(f"SELECT {qn('index')}, hashes FROM {qn(Tile._meta.db_table)} WHERE "
                            f"shard_id = %s AND level = 0 AND {where}", [shard_id, *params])
                tiles.update(((shard_id, i), bytes(h)) for i, h in cur.fetchall())
    out = {}
    for shard_id, wanted in tiles_of.items():
        for tile in wanted:
            data = tiles.get((shard_id, tile), b"")
            base = entry_pk(shard_id, tile << TILE_HEIGHT)
            for at in range(len(data) // 32):
                out[base + at] = data[at * 32:at * 32 + 32]
    return out


def positions_entries(positions: Iterable[int]) -> list[LogEntry]:
    """The entries at ``positions``, in that order, each bundle read once however many of its
    entries are asked and their leaf hashes in one pass over the tiles (positions that the log
    does not hold are left out)."""
    positions = list(positions)
    leaves = stored_leaves(positions)
    shards: dict[int, Shard] = {}
    out = []
    bundle = None
    with connection.cursor() as cur:
        for pos in positions:
            shard_id, index = pos // ENTRY_SHARD_STRIDE, pos & _INDEX_MASK
            if shard_id not in shards:
                shards[shard_id] = Shard.objects.get(pk=shard_id)
            if bundle is None or bundle.shard_id != shard_id or \
                    not bundle.first <= index < bundle.first + bundle.count:
                bundle = _bundle_at(cur, shard_id, index)
                if bundle is None:
                    continue
            out.append(_entry(shards[shard_id], bundle, index, leaves.get(pos, b"")))
    return out


def entries_for(kind: str, key: str) -> list[LogEntry]:
    """The entries about one object (every version of a record, say), oldest first: by the
    year of their shard, then index (a shard made later may be of an earlier year)."""
    positions = list(EntryKey.objects.filter(kind=kind, key=key).values_list("position", flat=True))
    years = dict(Shard.objects.filter(pk__in={p // ENTRY_SHARD_STRIDE for p in positions})
                 .values_list("pk", "year"))
    positions.sort(key=lambda p: (years.get(p // ENTRY_SHARD_STRIDE, 0), p))
    return positions_entries(positions)


def shard_bundles(shard: Shard, chunk: int = 16) -> Iterator[tuple[Bundle, list[bytes]]]:
    """Every bundle of ``shard`` in order with the stored leaf hashes of its entries (as many
    as the level-0 tiles hold), ``chunk`` bundles a query: constant memory."""
    last = entry_pk(shard.pk, 0) - 1
    end = entry_pk(shard.pk + 1, 0)
    while True:
        with connection.cursor() as cur:
            cur.execute(f"{_bundle_select(', id')} WHERE id > %s AND id < %s ORDER BY id LIMIT %s",
                        [last, end, chunk])
            rows = cur.fetchall()
        if not rows:
            return
        for first, count, contents, compression, keys, created_at, _pk in rows:
            bundle = _bundle(shard.pk, first, count, contents, compression, keys,
                             _created(created_at))
            yield bundle, leaf_hashes(shard, first, max(count, 1))
        last = rows[-1][6]


def shard_entries(shard: Shard, chunk: int = 16) -> Iterator[LogEntry]:
    """Every entry of ``shard`` in order (those of a malformed bundle as far as its lines go)."""
    for bundle, leaves in shard_bundles(shard, chunk):
        for at in range(min(bundle.count, len(bundle.contents))):
            yield _entry(shard, bundle, bundle.first + at,
                         leaves[at] if at < len(leaves) else b"")
