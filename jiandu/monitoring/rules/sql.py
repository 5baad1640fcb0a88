"""What the rules' SQL says differently on SQLite and PostgreSQL, and nothing else."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection as default_connection


class Dialect:
    """Each method returns an SQL fragment around an expression. Dates are ISO text on SQLite and
    the date type on PostgreSQL; parameters go through ``param`` so both compare them as dates."""

    vendor = ""
    # Whether the records have the rules' partial covering indexes (records.0004, PostgreSQL
    # only): the penalties in (party, power, violation date, decision date) order with every
    # column double_fine reads, so that a window partitioned so needs no sort; and the dated
    # inspections with the columns the inspection rules read, so that each reads them from the
    # index instead of a scratch copy.
    rule_indexes = False

    def param(self, value: dt.date):
        return value

    def literal(self, value: dt.date) -> str:
        """A date written into the SQL itself (for statements that take no parameters)."""
        return f"DATE '{value.isoformat()}'"

    def days(self, later: str, earlier: str) -> str:
        """Whole days from ``earlier`` to ``later`` (negative when ``later`` is earlier)."""
        raise NotImplementedError

    def add_days(self, expr: str, n: int) -> str:
        raise NotImplementedError

    def add_years(self, expr: str, years: str) -> str:
        """The same month and day ``years`` later; 29 February becomes 28 February."""
        raise NotImplementedError

    def year(self, expr: str) -> str:
        raise NotImplementedError

    def day_number(self, expr: str) -> str:
        """An integer that grows by one a day, for window frames measured in days."""
        raise NotImplementedError

    def binary(self, expr: str) -> str:
        """Text compared by code point, so "(decided_on, id) order" is the same everywhere."""
        return expr

    def each_row(self, outer: str, inner: str, columns: str, conditions: list[str]) -> str:
        """A SELECT of ``columns`` from each row of ``outer`` (a table or subquery with its alias)
        joined to the rows of ``inner`` that meet any one of ``conditions``, once for each
        condition met; each condition is to be one lookup or range of an index of ``inner``
        for the outer row (a nested loop), never a pass over all of ``inner``. SQLite: one join
        per condition, CROSS so that ``outer`` stays the outer loop (SQLite's documented way to
        fix the order). Without statistics its planner takes both tables for equally large and
        would rather scan two million links, looking each one's officer up by a unique index,
        once per condition (9.7 s instead of 3.4 at 1M records)."""
        return " UNION ALL ".join(f"SELECT {columns} FROM {outer} CROSS JOIN {inner} ON {condition}"
                                  for condition in conditions)

    def scan(self, expr: str) -> str:
        """A column the planner must not pick an index for (a filter that keeps a third of a
        table is read faster by one pass than by a million index probes)."""
        return expr

    def lock(self) -> str | None:
        """A statement that keeps a second run from merging at the same time, or None."""
        return None

    def dates_as_text(self, cursor) -> None:
        """Make ``cursor`` (Django's) return dates as ISO text, as SQLite stores them. A rule
        writes a date into its facts and text as text either way (``day``; ``as_date`` where it
        counts days), so a date object made per value only to be formatted back is waste."""

    def run_settings(self) -> list[str]:
        """Statements that tune the check's own transaction (and end with it)."""
        return []

    def refresh_statistics(self, cursor, tables: list[str]) -> list[str]:
        """Bring the planner's statistics of ``tables`` up to date where they are missing or
        stale; returns the tables analysed."""
        return []

    # The column type JSONField stores JSON in: a scratch column of this type takes the JSON
    # text as it is loaded, and an INSERT from it into a JSONField column converts nothing.
    json_type = "text"

    def temp_table(self, name: str, columns: str) -> list[str]:
        """Statements that (re)create a private scratch table for this transaction."""
        raise NotImplementedError

    def temp_index(self, table: str, column: str) -> list[str]:
        """Statements that prepare a scratch table, once it is filled, for lookups by ``column``."""
        raise NotImplementedError

    def temp_table_as(self, name: str, select: str) -> list[str]:
        """Statements that (re)create a private scratch table filled with the rows of ``select``."""
        raise NotImplementedError

    def drop_temp(self, name: str) -> list[str]:
        """Statements that drop a scratch table before the transaction ends (where it would
        otherwise outlive it)."""
        return []

    @contextmanager
    def bulk_writes(self, cursor) -> Iterator[None]:
        """Connection settings for writing hundreds of thousands of rows, restored afterwards."""
        yield

    def reserve_ids(self, cursor, table: str, count: int) -> int:
        """The first of ``count`` consecutive ids of ``table`` (``count`` > 0) that no row has and
        the table will not hand out itself afterwards, for rows inserted with their ids. Only
        the check inserts alerts, under its lock (PostgreSQL) or the write lock (SQLite)."""
        raise NotImplementedError

    @contextmanager
    def bulk_insert(self, cursor, table: str, new: int, keep: tuple[str, ...] = ()) -> Iterator[None]:
        """Around an INSERT of ``new`` rows into ``table``: where it pays, the table's secondary
        indexes (but those named in ``keep``) are dropped before and built again after."""
        yield

    def drop_indexes_if_small(self, cursor, table: str, keep: tuple[str, ...] = ()) -> list[tuple] | None:
        """Where ``table`` holds so few rows that building its secondary indexes again costs
        next to nothing, drop them (rows loaded then go into the table alone) and return what
        ``restore_indexes`` needs to build them again; otherwise None, and nothing changes.
        The indexes named in ``keep`` stay and take the rows as they come, for those that cost
        less that way than built again after the load (the engine's KEPT_INDEXES says which)."""
        return None

    def restore_indexes(self, cursor, table: str, indexes: list[tuple]) -> None:
        """Build again the indexes ``drop_indexes_if_small`` dropped."""


class SQLite(Dialect):
    vendor = "sqlite"
    # Pages (negative: KiB) of cache while the merge writes: the default 2 MiB cannot hold the
    # alert table's indexes, so a first run's inserts, in random fingerprint order, evict and
    # rewrite index pages all the time. 64 MiB holds them at a million records (258k alerts
    # inserted in about half the time, measured at 1M).
    BULK_CACHE_KIB = 65536

    @contextmanager
    def bulk_writes(self, cursor) -> Iterator[None]:
        cursor.execute("PRAGMA cache_size")
        (previous,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = -{self.BULK_CACHE_KIB}")
        try:
            yield
        finally:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")

    def reserve_ids(self, cursor, table: str, count: int) -> int:
        # AUTOINCREMENT: sqlite_sequence holds the largest id ever used; rows inserted with
        # larger ids move it on by themselves.
        cursor.execute("SELECT max(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "
                       f"COALESCE((SELECT max(id) FROM {table}), 0)) + 1", [table])
        return int(cursor.fetchone()[0])

    def temp_table(self, name: str, columns: str) -> list[str]:
        return [f"DROP TABLE IF EXISTS temp.{name}", f"CREATE TEMPORARY TABLE {name} ({columns})"]

    def temp_index(self, table: str, column: str) -> list[str]:
        return [f"CREATE INDEX temp.{table}_{column} ON {table} ({column})"]

    def temp_table_as(self, name: str, select: str) -> list[str]:
        return [f"DROP TABLE IF EXISTS temp.{name}", f"CREATE TEMPORARY TABLE {name} AS {select}"]

    def drop_temp(self, name: str) -> list[str]:
        return [f"DROP TABLE IF EXISTS temp.{name}"]

    def param(self, value: dt.date):
        return value.isoformat()

    def literal(self, value: dt.date) -> str:
        return f"'{value.isoformat()}'"

    def days(self, later: str, earlier: str) -> str:
        return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"

    def add_days(self, expr: str, n: int) -> str:
        return f"date({expr}, '{int(n):+d} days')"

    def add_years(self, expr: str, years: str) -> str:
        # SQLite rolls 29 February over to 1 March; step back to the last day of February.
        shifted = f"date({expr}, '+' || ({years}) || ' years')"
        return (f"(CASE WHEN strftime('%d', {shifted}) = strftime('%d', {expr}) THEN {shifted} "
                f"ELSE date({shifted}, 'start of month', '-1 day') END)")

    def year(self, expr: str) -> str:
        return f"CAST(strftime('%Y', {expr}) AS INTEGER)"

    def day_number(self, expr: str) -> str:
        return f"CAST(julianday({expr}) AS INTEGER)"

    def scan(self, expr: str) -> str:
        return f"+{expr}"


class PostgreSQL(Dialect):
    vendor = "postgresql"
    rule_indexes = True

    def days(self, later: str, earlier: str) -> str:
        return f"(({later})::date - ({earlier})::date)"

    def add_days(self, expr: str, n: int) -> str:
        return f"(({expr})::date + {int(n)})"

    def add_years(self, expr: str, years: str) -> str:
        # Adding an interval clamps to the month's last day: 2024-02-29 + 1 year = 2025-02-28.
        return f"(({expr})::date + make_interval(years => ({years})::int))::date"

    def year(self, expr: str) -> str:
        return f"CAST(EXTRACT(YEAR FROM {expr}) AS INTEGER)"

    def day_number(self, expr: str) -> str:
        return f"(({expr})::date - DATE '2000-01-01')"

    def binary(self, expr: str) -> str:
        return f'{expr} COLLATE "C"'

    def each_row(self, outer: str, inner: str, columns: str, conditions: list[str]) -> str:
        # The planner would price a few thousand index ranges of two million links above one
        # pass over all of them, hashed; a LATERAL subquery that is not flattened into the
        # outer query (OFFSET 0) keeps it to the ranges.
        branches = " UNION ALL ".join(f"SELECT {columns} FROM {inner} WHERE {condition}"
                                      for condition in conditions)
        return f"SELECT x.* FROM {outer} CROSS JOIN LATERAL ({branches} OFFSET 0) x"

    def lock(self) -> str | None:
        return "SELECT pg_advisory_xact_lock(4242001)"

    def dates_as_text(self, cursor) -> None:
        # On this cursor only: the rest of the check's transaction reads dates as dates. The
        # text is the server's output, YYYY-MM-DD under the ISO DateStyle that run_settings
        # sets for the check's transaction. 0.15 s of Python a run at a million records.
        from psycopg.types.string import TextLoader

        cursor.cursor.adapters.register_loader("date", TextLoader)

    def run_settings(self) -> list[str]:
        # The alerts a check writes are derived data: should the server crash right after the
        # commit, the transaction is lost as a whole (never half of it) and the next check
        # computes the same alerts again, so the commit need not wait for its WAL to reach disk.
        # The rest, measured at 1M records: JIT compiling took up to 0.2 s a statement and saved
        # nothing on queries this short; every streamed query is read to its end, so planning
        # for its first rows (the default for cursors) picked a walk of the whole records table
        # in ext_id order to spare a sort of 16k rows; the default 4 MB sent the window sorts,
        # hashes and the merge's sort to disk; index builds get room to sort in memory. And the
        # rules read dates as text (dates_as_text), which must be YYYY-MM-DD whatever the
        # server's DateStyle.
        return ["SET LOCAL synchronous_commit = off", "SET LOCAL jit = off", "SET LOCAL DateStyle = 'ISO'",
                "SET LOCAL cursor_tuple_fraction = 1", "SET LOCAL work_mem = '128MB'",
                "SET LOCAL maintenance_work_mem = '256MB'"]

    def refresh_statistics(self, cursor, tables: list[str]) -> list[str]:
        # A records import analyses what it loaded; this is the guard for rows that came some
        # other way (or with autovacuum off): a table without statistics makes the planner probe
        # a million rows through the wrong index, ten times slower. Fresh tables cost one query.
        cursor.execute(
            "SELECT relname FROM pg_stat_user_tables WHERE relname = ANY(%s) "
            "AND (COALESCE(last_analyze, last_autoanalyze) IS NULL "
            "     OR n_mod_since_analyze > 0.2 * GREATEST(n_live_tup, 1000))", [tables])
        stale = sorted(name for (name,) in cursor.fetchall())
        for name in stale:
            cursor.execute(f'ANALYZE "{name}"')
        return stale

    # Parsed as the findings are copied in, while the rules still run, rather than in the merge.
    json_type = "jsonb"

    # Fewer new rows than this go into the indexes as they come, whatever the table holds.
    REBUILD_FROM = 10_000

    @contextmanager
    def bulk_insert(self, cursor, table: str, new: int, keep: tuple[str, ...] = ()) -> Iterator[None]:
        # Inserting a row descends every index once; building an index sorts all rows once. When
        # the insert at least doubles the table the build wins: 2.1 s instead of 4.5 s for the
        # alert table's secondary ones at 258k new alerts. The price is that DROP INDEX locks
        # the table until the commit, so readers of the alert list wait for the rest of the
        # merge (two seconds or so); smaller inserts, every run over data that changes little,
        # never take that lock.
        if new >= self.REBUILD_FROM:
            cursor.execute(f"SELECT count(*) FROM {table}")
            (stored,) = cursor.fetchone()
        if new < self.REBUILD_FROM or new < stored:
            yield
            return
        indexes = self._drop_indexes(cursor, table, keep)
        yield
        self.restore_indexes(cursor, table, indexes)

    def drop_indexes_if_small(self, cursor, table: str, keep: tuple[str, ...] = ()) -> list[tuple] | None:
        cursor.execute(f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT {self.REBUILD_FROM}) t")
        (stored,) = cursor.fetchone()
        return self._drop_indexes(cursor, table, keep) if stored < self.REBUILD_FROM else None

    def _drop_indexes(self, cursor, table: str, keep: tuple[str, ...] = ()) -> list[tuple]:
        # Names and definitions come back exactly as they were, unique ones as constraints
        # again, and a failure rolls the drop back with the rest of the transaction.
        cursor.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid), k.conname, pg_get_constraintdef(k.oid) "
            "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "LEFT JOIN pg_constraint k ON k.conindid = i.indexrelid AND k.conrelid = i.indrelid "
            "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary ORDER BY c.relname", [table])
        indexes = [index for index in cursor.fetchall() if index[0] not in keep]
        # An index cannot be built while the insert's deferred foreign-key checks (assignee) wait
        # for the commit; checked at the end of each statement instead, for the rest of this
        # transaction (the merge is the last thing a run writes), nothing else changes.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for name, _, constraint, _ in indexes:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{constraint}"' if constraint
                           else f'DROP INDEX "{name}"')
        return indexes

    def restore_indexes(self, cursor, table: str, indexes: list[tuple]) -> None:
        for _, definition, constraint, constraint_definition in indexes:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{constraint}" {constraint_definition}'
                           if constraint else definition)

    def reserve_ids(self, cursor, table: str, count: int) -> int:
        # One statement: the next value, and the sequence moved on past the whole block.
        cursor.execute("SELECT setval(s, nextval(s) + %s - 1) - %s + 1 "
                       "FROM pg_get_serial_sequence(%s, 'id') AS s", [count, count, table])
        return int(cursor.fetchone()[0])

    def temp_table(self, name: str, columns: str) -> list[str]:
        return [f"DROP TABLE IF EXISTS pg_temp.{name}",
                f"CREATE TEMPORARY TABLE {name} ({columns}) ON COMMIT DROP"]

    def temp_index(self, table: str, column: str) -> list[str]:
        # No index: the merge's lookups by fingerprint are hash joins here, and building the index
        # cost a second at 258k findings. Autovacuum never analyses a temporary table: without
        # this the planner guesses its size.
        return self._analyze(table)

    def temp_table_as(self, name: str, select: str) -> list[str]:
        # A scratch table keeps a few percent of the rows its query reads, through filters the
        # planner cannot estimate: priced as if every row went from the parallel workers to the
        # leader, a two-million-row join stayed in one process (4.3 s instead of 2.9 s at 1M
        # records on a busy machine).
        return [f"DROP TABLE IF EXISTS pg_temp.{name}", "SET LOCAL parallel_tuple_cost = 0.01",
                f"CREATE TEMPORARY TABLE {name} ON COMMIT DROP AS {select}",
                "RESET parallel_tuple_cost", *self._analyze(name)]

    @staticmethod
    def _analyze(name: str) -> list[str]:
        # The planner needs a scratch table's size and rough spread, not fine histograms: a
        # sample of 3,000 rows instead of the default 30,000 takes 25 ms instead of 250 for a
        # table of a quarter of a million rows (three such tables a run at a million records).
        return ["SET LOCAL default_statistics_target = 10", f"ANALYZE {name}",
                "RESET default_statistics_target"]


def dialect_for(connection=None) -> Dialect:
    vendor = (connection or default_connection).vendor
    if vendor == "sqlite":
        return SQLite()
    if vendor == "postgresql":
        return PostgreSQL()
    raise NotImplementedError(f"不支持的数据库 {vendor} (unsupported database)")


def iso(value) -> str | None:
    """A date as YYYY-MM-DD, whether the driver gave a date or (SQLite expressions) a string."""
    if value is None:
        return None
    return value if isinstance(value, str) else value.isoformat()


def as_date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)
