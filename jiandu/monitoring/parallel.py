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
from dataclasses import dataclass, field

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


def groups(rules: list[Rule], seconds: dict[str, float] | None = None) -> list[list[Rule]]:
    """``rules`` in groups that share no scratch table with each other, each in rule order.
    The groups come longest first by ``seconds`` (each rule's time in an earlier run; a rule
    without one counts as the mean), so that the workers, each taking the next group as it
    becomes free, finish close together rather than one waiting on a long group taken last;
    without ``seconds``, in the order of their first rule."""
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
    ordered = [members for _, members in found]
    # A stored timing is the run's own JSON: anything but a number is ignored.
    spent = {code: float(value) for code, value in (seconds or {}).items()
             if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0}
    if spent:
        mean = sum(spent.values()) / len(spent)
        # Stable: groups of equal cost keep the rule order.
        ordered.sort(key=lambda group: sum(spent.get(r.code, mean) for r in group), reverse=True)
    return ordered


@dataclass
class RuleDone:
    code: str
    found: int
    seconds: float


class _Stop(Exception):
    pass


@dataclass
class _Shared:
    """What the check's thread and its workers share."""

    settings_dict: dict
    wrapper_class: type
    snapshot: str
    dialect: object
    as_of: object
    year: int
    language: str
    batch: int
    to_row: Callable[[Rule, Candidate], tuple]
    jobs: queue.SimpleQueue = field(default_factory=queue.SimpleQueue)
    out: queue.Queue = field(default_factory=lambda: queue.Queue(maxsize=QUEUE_BATCHES))
    stop: threading.Event = field(default_factory=threading.Event)
    live: dict = field(default_factory=dict)  # thread id -> the worker's open psycopg connection

    def cancel(self) -> None:
        """Stop the workers, and the query each may be waiting on."""
        self.stop.set()
        for raw in list(self.live.values()):
            try:
                raw.cancel()
            except Exception:
                pass


def stage_in_parallel(*, connection, dialect, as_of, year, rules: list[Rule], workers: int,
                      batch: int, to_row: Callable[[Rule, Candidate], tuple],
                      stage: Callable[[list[tuple]], None], done: Callable[[RuleDone], None],
                      say: Callable[[str], None], seconds: dict[str, float] | None = None) -> None:
    """Run ``rules`` in ``workers`` threads; ``stage`` stores each batch of rows (made by
    ``to_row``) on the check's connection, ``done`` hears of each rule as it finishes. The
    first error stops every worker (and cancels its query) and is raised here once all of them
    have let go. ``seconds``, each rule's time in an earlier run, orders the groups (``groups``).
    A worker that cannot connect (no connection slot left, say) leaves its share to
    the others, and rules no worker took run here, on the check's own connection."""
    connection = connections[connection.alias]  # the wrapper itself, not django.db's proxy
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot,) = cursor.fetchone()
    if not SNAPSHOT_ID.fullmatch(snapshot):
        raise RuntimeError(f"意外的快照标识 {snapshot!r} (unexpected snapshot id)")
    shared = _Shared(settings_dict=dict(connection.settings_dict), wrapper_class=type(connection),
                     snapshot=snapshot, dialect=dialect, as_of=as_of, year=year,
                     language=translation.get_language(), batch=batch, to_row=to_row)
    for group in groups(rules, seconds):
        shared.jobs.put(group)
    threads = [threading.Thread(target=_work, args=(shared,), name=f"jiandu-rules-{i}", daemon=True)
               for i in range(workers)]
    for thread in threads:
        thread.start()
    error: BaseException | None = None
    running = len(threads)
    try:
        while running:
            item = shared.out.get()
            if item is None:
                running -= 1
            elif isinstance(item, BaseException):
                if error is None:
                    error = item
                    shared.cancel()
            elif error is not None:
                continue  # drain, so that no worker stays blocked on a full queue
            elif isinstance(item, RuleDone):
                done(item)
            elif isinstance(item, str):
                say(item)
            else:
                stage(item)
    except BaseException:  # the staging failed (or an interrupt): stop the workers
        shared.cancel()
        while running:
            if shared.out.get() is None:
                running -= 1
        raise
    finally:
        for thread in threads:
            thread.join()
    if error is not None:
        raise error
    _run_left_here(shared, connection, stage, done)


def _run_left_here(shared: _Shared, connection, stage, done) -> None:
    """The groups no worker took (none could connect): one after another on the check's own
    connection, which sees the same snapshot."""
    ctx = Context(as_of=shared.as_of, year=shared.year, dialect=shared.dialect, connection=connection)
    try:
        while True:
            try:
                group = shared.jobs.get_nowait()
            except queue.Empty:
                break
            for rule in group:
                done(run_rule(rule, ctx, to_row=shared.to_row, emit=stage, batch=shared.batch))
    finally:
        ctx.close()


def _connect(shared: _Shared):
    conn = shared.wrapper_class(shared.settings_dict, alias=f"jiandu_rules_{threading.get_ident()}")
    conn.set_autocommit(False)
    with conn.cursor() as cursor:
        # Before any query: the same snapshot as the check's transaction, kept throughout.
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute(f"SET TRANSACTION SNAPSHOT '{shared.snapshot}'")
        for statement in shared.dialect.run_settings():
            cursor.execute(statement)
    return conn


def _work(shared: _Shared) -> None:
    conn = None
    try:
        translation.activate(shared.language)
        try:
            conn = _connect(shared)
        except Exception as exc:
            shared.out.put(f"规则工作连接未能建立，其规则由其他连接运行 (a rule worker could not connect: "
                           f"{str(exc).strip()[:200]})")
            return
        shared.live[threading.get_ident()] = conn.connection
        if shared.stop.is_set():
            raise _Stop
        ctx = Context(as_of=shared.as_of, year=shared.year, dialect=shared.dialect, connection=conn)
        try:
            while not shared.stop.is_set():
                try:
                    group = shared.jobs.get_nowait()
                except queue.Empty:
                    break
                for rule in group:
                    if shared.stop.is_set():
                        raise _Stop
                    shared.out.put(run_rule(rule, ctx, to_row=shared.to_row, emit=shared.out.put,
                                            batch=shared.batch, stop=shared.stop))
        finally:
            ctx.close()
    except _Stop:
        pass
    except BaseException as exc:
        if not shared.stop.is_set():  # not a query cancelled because another worker failed
            shared.out.put(exc)
    finally:
        shared.live.pop(threading.get_ident(), None)
        if conn is not None:
            try:
                conn.rollback()
                conn.close()
            except Exception:
                pass
        # Anything a rule read through the ORM (the calendar, when it is not cached yet) went
        # through this thread's own default connection: closed with the thread.
        connections.close_all()
        shared.out.put(None)


def run_rule(rule: Rule, ctx: Context, *, to_row: Callable[[Rule, Candidate], tuple],
             emit: Callable[[list[tuple]], None], batch: int,
             stop: threading.Event | None = None) -> RuleDone:
    """Run ``rule`` in ``ctx``: its findings made into rows by ``to_row`` and handed to ``emit``
    ``batch`` at a time; the same on the check's own connection and in a worker, where ``stop``
    ends the rule early (another worker failed)."""
    started = time.perf_counter()
    found, rows = 0, []
    for candidate in rule.candidates(ctx):
        found += 1
        rows.append(to_row(rule, candidate))
        if len(rows) >= batch:
            if stop is not None and stop.is_set():
                raise _Stop
            emit(rows)
            rows = []
    if rows:
        emit(rows)
    return RuleDone(rule.code, found, time.perf_counter() - started)
