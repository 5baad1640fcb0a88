"""Benchmark: end-to-end import of generated records vs the raw load of the same rows.

End to end = `jiandu import records FILE` in a fresh process (parse, validate, encrypt, hash,
store, history check). Raw = the very rows that import stored, dumped and loaded again into
the same tables with the same constraints by the database's plainest bulk path (PostgreSQL
COPY, SQLite executemany), in the same run.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
JIANDU = [sys.executable, "-m", "jiandu.cli"]
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"


def _run(cmd: list[str], env: dict) -> str:
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=HERE.parent)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return proc.stdout


def _run_measured(cmd: list[str], env: dict, *, stream: str = "stdout") -> tuple[float, float, str]:
    """Wall time, peak RSS (MiB) and the ``stream`` ("stdout" or "stderr") of one process."""
    start = time.perf_counter()
    pipes = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, stream: subprocess.PIPE}
    proc = subprocess.Popen(cmd, env=env, cwd=HERE.parent, **pipes)
    out = getattr(proc, stream).read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        tail = out[-3000:] if stream == "stderr" else ""
        raise RuntimeError(f"{' '.join(cmd)} failed with status {status}\n{tail}")
    return seconds, usage.ru_maxrss / 1024, out


def ensure_generated(records: int) -> Path:
    target = OUT / f"district-{records}-seed1"
    if not (target / "records.jsonl").exists():
        print(f"generating {records} records into {target}", flush=True)
        _run([*JIANDU, "gen", str(target), "--records", str(records), "--seed", "1"], _env("sqlite:///:memory:"))
    return target


def _env(url: str) -> dict:
    env = dict(os.environ)
    env.update(DATABASE_URL=url, JIANDU_ENV="embedded", JIANDU_VAR_DIR=str(OUT / "var"))
    return env


def _database(kind: str, name: str = "bench") -> tuple[str, callable]:
    """A fresh database (URL, drop): SQLite in OUT/<name>.sqlite3, PostgreSQL one of its own."""
    if kind == "sqlite":
        path = OUT / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}", lambda: None
    import psycopg

    name = f"jiandu_bench_{os.getpid()}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")

    def drop():
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    return f"postgres://postgres@127.0.0.1:5432/{name}", drop


def run(*, records: int, databases: list[str]) -> str:
    OUT.mkdir(exist_ok=True)
    data = ensure_generated(records)
    lines = [
        "## Import of generated records (issue #2)",
        "",
        f"`jiandu import records` of {records:,} generated records (`jiandu gen --records {records} --seed 1`), "
        "end to end in a fresh process, against the raw load of the same stored rows into the same "
        "tables in the same run. End to end includes appending every record version to the ledger "
        "(issue #5) in the import's own transactions, and the signed checkpoint at the end; the raw "
        "load writes no ledger. Goal: end to end ≤ 5× raw, peak memory < 1 GB.",
        "",
        "| database | end to end | rows/s | peak RSS | raw load | ratio | re-import (no change) |",
        "|---|---|---|---|---|---|---|",
    ]
    for db in databases:
        if db == "postgresql" and not _pg_available():
            lines.append("| PostgreSQL | not run: no server on 127.0.0.1:5432 | | | | | |")
            continue
        url, drop = _database(db)
        env = _env(url)
        try:
            _run([*JIANDU, "migrate", "-v0"], env)
            for kind in ("agencies", "officers", "powers", "four_lists"):
                _run([*JIANDU, "import", kind, str(data / f"{kind}.jsonl"), "--source", "bench"], env)
            print(f"[{db}] importing records…", flush=True)
            seconds, peak, _ = _run_measured(
                [*JIANDU, "import", "records", str(data / "records.jsonl"), "--source", "bench"], env)
            print(f"[{db}] re-importing…", flush=True)
            again, _, _ = _run_measured(
                [*JIANDU, "import", "records", str(data / "records.jsonl"), "--source", "bench"], env)
            print(f"[{db}] raw load…", flush=True)
            _, _, raw_out = _run_measured([sys.executable, str(HERE / "raw_load.py")], env)
            raw = json.loads(raw_out.strip().splitlines()[-1])
        finally:
            drop()
        label = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[db]
        lines.append(
            f"| {label} | {seconds:.1f} s | {records / seconds:,.0f} | {peak:.0f} MiB | "
            f"{raw['seconds']:.1f} s ({raw['method']}, {raw['records']:,} + {raw['officers']:,} officer rows) | "
            f"{seconds / raw['seconds']:.2f}× | {again:.1f} s |"
        )
    lines += ["", measured()]
    return "\n".join(lines) + "\n"


def measured() -> str:
    """The line that dates a section of RESULTS.md: each section carries its own, since
    `bench/run.py --only …` rewrites the named sections and leaves the others as they were."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; load average at the end {load} on a "
            "machine shared with other work (compare ratios, not seconds).")


def _pg_available() -> bool:
    try:
        import psycopg

        psycopg.connect(PG_ADMIN, connect_timeout=3).close()
        return True
    except Exception:
        return False
