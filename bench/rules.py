"""Benchmark: `jiandu check` (every supervision rule, alerts stored) over generated records vs
one full-table GROUP BY scan of the same records on the same database in the same run.

Each database is fresh: migrate, import the generated district, then time the baseline scan
(best of three, after one warm-up pass), the first `jiandu check` (every alert new) and a second
one over unchanged data (every alert found again), each in a fresh process with its peak memory.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

from bench import import_records
from bench.import_records import JIANDU, OUT, _env, _pg_available, _run, ensure_generated

HERE = Path(__file__).resolve().parent
BASELINE = "SELECT agency_code, count(*) FROM records_record GROUP BY agency_code"
# For scale only: the baseline may be answered from an index on agency_code alone; this one
# reads every row in one sequential pass (closed_on is in no index).
ROW_SCAN = "SELECT count(*), max(closed_on) FROM records_record"
CHECK = ["check", "--as-of", "2026-07-15", "--year", "2025"]


def _database(kind: str):
    """A fresh database: SQLite in a file of this benchmark's own, PostgreSQL as the import's."""
    if kind != "sqlite":
        return import_records._database(kind)
    path = OUT / "rules.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}", lambda: None


def _scan(url: str, sql: str) -> tuple[float, int]:
    """Best of three runs of ``sql`` after a warm-up pass, by the plain driver."""
    if url.startswith("sqlite:///"):
        import sqlite3

        conn = sqlite3.connect(url[len("sqlite:///"):])
    else:
        import psycopg

        conn = psycopg.connect(url)
    try:
        conn.execute(sql).fetchall()
        best, rows = float("inf"), 0
        for _ in range(3):
            start = time.perf_counter()
            rows = len(conn.execute(sql).fetchall())
            best = min(best, time.perf_counter() - start)
    finally:
        conn.close()
    return best, rows


def _check(env: dict) -> tuple[float, float, str]:
    """Wall time, peak RSS (MiB) and the progress lines of one `jiandu check` process."""
    import os

    start = time.perf_counter()
    proc = subprocess.Popen([*JIANDU, *CHECK], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, cwd=HERE.parent)
    err = proc.stderr.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"jiandu check failed with status {status}:\n{err[-3000:]}")
    return seconds, usage.ru_maxrss / 1024, err


def _rule_times(progress: str) -> dict[str, float]:
    return {m.group(1): float(m.group(2))
            for m in re.finditer(r"\] (\w+) .*?（([\d.]+) 秒）", progress)}


def run(*, records: int, databases: list[str]) -> str:
    data = ensure_generated(records)
    lines = [
        "## Supervision rules (issue #4)",
        "",
        f"`jiandu check --as-of 2026-07-15 --year 2025` over {records:,} generated records "
        f"(`jiandu gen --records {records} --seed 1`): all 17 rules, alerts merged and stored, in a "
        "fresh process; against one full-table `SELECT agency_code, count(*) FROM records_record "
        "GROUP BY agency_code` on the same database in the same run (best of 3, warm). "
        "Goal: ≤ 30× the scan, peak memory < 1 GB.",
        "",
        "| database | check (first run) | peak RSS | alerts | re-run, unchanged data | peak RSS | "
        "baseline scan | ratio (first / re-run) | row scan¹ | ratio to it |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    slowest = {}
    for db in databases:
        label = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[db]
        if db == "postgresql" and not _pg_available():
            lines.append(f"| {label} | not run: no server on 127.0.0.1:5432 | | | | | | | | |")
            continue
        url, drop = _database(db)
        env = _env(url)
        try:
            _run([*JIANDU, "migrate", "-v0"], env)
            for kind in ("agencies", "officers", "powers", "four_lists", "records"):
                print(f"[{db}] importing {kind}…", flush=True)
                _run([*JIANDU, "import", kind, str(data / f"{kind}.jsonl"), "--source", "bench"], env)
            print(f"[{db}] baseline scan…", flush=True)
            scan, groups = _scan(url, BASELINE)
            row_scan, _ = _scan(url, ROW_SCAN)
            print(f"[{db}] jiandu check…", flush=True)
            first, first_rss, progress = _check(env)
            print(progress, flush=True)
            print(f"[{db}] jiandu check again…", flush=True)
            again, again_rss, _ = _check(env)
            alerts = sum(int(n) for n in re.findall(r"：(\d+) 条", progress))
        finally:
            drop()
        lines.append(
            f"| {label} | {first:.1f} s | {first_rss:.0f} MiB | {alerts:,} | {again:.1f} s | "
            f"{again_rss:.0f} MiB | {scan * 1000:.0f} ms ({groups} groups) | "
            f"{first / scan:.0f}× / {again / scan:.0f}× | {row_scan * 1000:.0f} ms | "
            f"{first / row_scan:.0f}× / {again / row_scan:.0f}× |"
        )
        times = sorted(_rule_times(progress).items(), key=lambda kv: -kv[1])
        slowest[label] = ", ".join(f"{code} {t:.1f} s" for code, t in times[:6])
    lines += ["", "¹ For scale, not the goal's baseline: `SELECT count(*), max(closed_on) FROM "
              "records_record` reads every row in one pass, where the baseline may be answered from "
              "the agency_code index alone."]
    if slowest:
        lines += ["", "Slowest rules (first run): " + "; ".join(f"{k}: {v}" for k, v in slowest.items()) + "."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # python -m bench.rules [RECORDS] [sqlite,postgresql]
    print(run(records=int(sys.argv[1]) if len(sys.argv) > 1 else 100_000,
              databases=sys.argv[2].split(",") if len(sys.argv) > 2 else ["sqlite"]))
