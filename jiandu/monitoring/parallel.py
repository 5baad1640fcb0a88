"""Rules run side by side on PostgreSQL, each worker on a connection of its own that sees exactly
the data the check's own transaction sees.

Run one after another, a check alternates between waiting for the server (a rule's SQL) and
keeping the server waiting (turning the rows into findings in Python). Here the check's
transaction exports its snapshot (``pg_export_snapshot``); each worker thread opens a second
connection, imports that snapshot into a REPEATABLE READ transaction, and takes the next group
of rules: while one worker's query runs on the server, the other's rows are turned into findings.
The workers only read; their findings come back through a bounded queue and the check's own
connection stages them, so the merge, the alert rows and the commit stay in the one transaction.

Rules that share a scratch table (``Rule.shares``) form one group, run by one worker, so that
the table is filled once. Rule order is not kept between groups: the merge orders the new
alerts itself, and the counts are kept in registry order.

Only where the snapshot shows what the check must judge: outside any transaction the caller
opened. Inside one (a test's transaction, say), rows written earlier in it are invisible to
other connections, so the rules run one after another on the check's own connection.
"""

from __future__ import annotations

import queue
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import connections
from django.utils import translation

from .rules import Candidate, Context, Rule

SNAPSHOT_ID = re.compile(r"[0-9A-Fa-f-]+")
# Staged rows waiting for the check's connection: enough to keep the workers busy while it
# copies, few enough to bound the memory.
QUEUE_BATCHES = 8


def worker_count() -> int:
    return max(1, int(getattr(settings, "JIANDU_RULE_WORKERS", 2)))


def groups(rules: list[Rule]) -> list[list[Rule]]:
    """``rules`` in groups that share no scratch table with each other, each in rule order,
    the groups in the order of their first rule."""
    position = {rule.code: i for i, rule in enumerate(rules)}
    found: list[tuple[set[str], list[Rule]]] = []
    for rule in rules:
        shares, members = set(rule.shares), [rule]
        for group in [g for g in found if g[0] & shares]:
            found.remove(group)
            shares |= group[0]
            members = group[1] + members
        found.append((shares, sorted(members, key=lambda r: position[r.code])))
    found.sort(key=lambda g: position[g[1][0].code])
    return [members for _, members in found]


@dataclass
class RuleDone:
    code: str
    found: int
    seconds: float


class _Stop(Exception):
    pass


def stage_in_parallel(*, connection, dialect, as_of, year, rules: list[Rule], workers: int,
                      batch: int, to_row: Callable[[Rule, Candidate], tuple],
                      stage: Callable[[list[tuple]], None],
                      done: Callable[[RuleDone], None]) -> None:
    """Run ``rules`` in ``workers`` threads; ``stage`` stores each batch of rows (made by
    ``to_row``) on the check's connection, ``done`` hears of each rule as it finishes. The
    first error stops every worker and is raised here once all of them have let go."""
    connection = connections[connection.alias]  # the wrapper itself, not django.db's proxy
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot,) = cursor.fetchone()
    if not SNAPSHOT_ID.fullmatch(snapshot):
        raise RuntimeError(f"意外的快照标识 {snapshot!r} (unexpected snapshot id)")
    jobs: queue.SimpleQueue = queue.SimpleQueue()
    for group in groups(rules):
        jobs.put(group)
    out: queue.Queue = queue.Queue(maxsize=QUEUE_BATCHES)
    stop = threading.Event()
    language = translation.get_language()
    threads = [threading.Thread(target=_work, name=f"jiandu-rules-{i}", daemon=True,
                                args=(dict(connection.settings_dict), type(connection), snapshot,
                                      dialect, as_of, year, language, jobs, out, stop, batch, to_row))
               for i in range(workers)]
    for thread in threads:
        thread.start()
    error: BaseException | None = None
    running = len(threads)
    try:
        while running:
            item = out.get()
            if item is None:
                running -= 1
            elif isinstance(item, BaseException):
                if error is None:
                    error = item
                stop.set()
            elif error is not None:
                continue  # drain, so that no worker stays blocked on a full queue
            elif isinstance(item, RuleDone):
                done(item)
            else:
                stage(item)
    except BaseException as exc:  # the staging failed (or an interrupt): stop the workers
        stop.set()
        while running:
            if out.get() is None:
                running -= 1
        raise exc
    finally:
        for thread in threads:
            thread.join()
    if error is not None:
        raise error


def _work(settings_dict, wrapper_class, snapshot, dialect, as_of, year, language, jobs, out, stop,
          batch, to_row) -> None:
    conn = None
    try:
        translation.activate(language)
        conn = wrapper_class(settings_dict, alias=f"jiandu_rules_{threading.get_ident()}")
        conn.set_autocommit(False)
        with conn.cursor() as cursor:
            # Before any query: the same snapshot as the check's transaction, kept throughout.
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
            for statement in dialect.run_settings():
                cursor.execute(statement)
        ctx = Context(as_of=as_of, year=year, dialect=dialect, connection=conn)
        try:
            while not stop.is_set():
                try:
                    group = jobs.get_nowait()
                except queue.Empty:
                    break
                for rule in group:
                    if stop.is_set():
                        raise _Stop
                    _run_rule(rule, ctx, out, stop, batch, to_row)
        finally:
            ctx.close()
    except _Stop:
        pass
    except BaseException as exc:
        out.put(exc)
    finally:
        if conn is not None:
            try:
                conn.rollback()
                conn.close()
            except Exception:
                pass
        out.put(None)


def _run_rule(rule: Rule, ctx: Context, out: queue.Queue, stop: threading.Event, size: int,
              to_row) -> None:
    started = time.perf_counter()
    found, rows = 0, []
    for candidate in rule.candidates(ctx):
        found += 1
        rows.append(to_row(rule, candidate))
        if len(rows) >= size:
            if stop.is_set():
                raise _Stop
            out.put(rows)
            rows = []
    if rows:
        out.put(rows)
    out.put(RuleDone(rule.code, found, time.perf_counter() - started))
