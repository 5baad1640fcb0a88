"""Baseline for the import benchmark: reload the stored record rows by the plainest bulk path.

Dumps records_record and records_recordofficer as they are, empties them, and times loading
the same rows back: PostgreSQL COPY FROM of the dumped text, SQLite executemany in batches of
5,000 rows with a commit per batch (as the import commits). Prints one JSON line.
"""

from __future__ import annotations

import json
import os
import pickle
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiandu.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402

from jiandu.records.services import OFFICER_COLUMNS, RECORD_COLUMNS  # noqa: E402

TABLES = (("records_record", RECORD_COLUMNS), ("records_recordofficer", OFFICER_COLUMNS))
BATCH = 5000


def postgres(tmp: Path) -> tuple[float, dict]:
    connection.ensure_connection()
    raw = connection.connection
    counts = {}
    for table, cols in TABLES:
        with open(tmp / table, "wb") as fh, raw.cursor() as cur:
            with cur.copy(f"COPY {table} ({', '.join(cols)}) TO STDOUT") as copy:
                for block in copy:
                    fh.write(block)
        counts[table] = raw.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    raw.execute("TRUNCATE records_recordofficer, records_record")
    raw.commit()
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        for table, cols in TABLES:
            with open(tmp / table, "rb") as fh, cur.cursor.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                while block := fh.read(1 << 20):
                    copy.write(block)
    return time.perf_counter() - start, counts


def sqlite(tmp: Path) -> tuple[float, dict]:
    connection.ensure_connection()
    raw = connection.connection
    counts = {}
    for table, cols in TABLES:
        cur = raw.execute(f"SELECT {', '.join(cols)} FROM {table}")
        n = 0
        with open(tmp / table, "wb") as fh:
            while rows := cur.fetchmany(BATCH):
                pickle.dump(rows, fh, protocol=pickle.HIGHEST_PROTOCOL)
                n += len(rows)
        counts[table] = n
    raw.execute("DELETE FROM records_recordofficer")
    raw.execute("DELETE FROM records_record")
    raw.commit()
    start = time.perf_counter()
    for table, cols in TABLES:
        sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        with open(tmp / table, "rb") as fh:
            while True:
                try:
                    rows = pickle.load(fh)
                except EOFError:
                    break
                with transaction.atomic():
                    raw.executemany(sql, rows)
    return time.perf_counter() - start, counts


def main() -> None:
    with tempfile.TemporaryDirectory(dir=Path(__file__).resolve().parent / "out") as tmp:
        if connection.vendor == "postgresql":
            seconds, counts = postgres(Path(tmp))
            method = "COPY"
        else:
            seconds, counts = sqlite(Path(tmp))
            method = "executemany"
    print(json.dumps({"seconds": seconds, "method": method, "records": counts["records_record"],
                      "officers": counts["records_recordofficer"]}))


if __name__ == "__main__":
    main()
