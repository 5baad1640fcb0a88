"""`make bench`: runs every benchmark side by side on this machine and rewrites bench/RESULTS.md.

Each benchmark compares the project's code with a plain baseline measured in the same run on
the same database, so ratios stay meaningful on a shared, noisy machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bench import import_records, ledger, rules  # noqa: E402

BENCHMARKS = {"import": import_records, "rules": rules, "ledger": ledger}
RESULTS = HERE / "RESULTS.md"


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, AttributeError):
        pass
    import sqlite3

    pg = subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout.strip() or "?"
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{platform.node()}: {os.cpu_count()} cores ({cpu}), {mem} RAM, "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {pg}; "
            f"load average at the end {load} (the machine is shared: compare ratios, not seconds)")


def update_results(sections: dict[str, str], command: str) -> None:
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    for name, body in sections.items():
        block = f"<!-- {name}:start -->\n{body.strip()}\n<!-- {name}:end -->"
        pattern = re.compile(rf"<!-- {name}:start -->.*?<!-- {name}:end -->", re.S)
        text = pattern.sub(lambda _m, b=block: b, text) if pattern.search(text) else text.rstrip() + "\n\n" + block + "\n"
    header = (f"# Benchmark results\n\nLast run: {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z} — "
              f"`{command}` on {machine()}.\n")
    text = re.sub(r"\A# Benchmark results\n(\nLast run:.*?\n)?", header, text, count=1, flags=re.S)
    RESULTS.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=list(BENCHMARKS), action="append")
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    sections = {}
    for name in args.only or BENCHMARKS:
        print(f"== {name} ==", flush=True)
        sections[name] = BENCHMARKS[name].run(records=args.records,
                                              databases=args.databases.split(","))
        print(sections[name], flush=True)
    update_results(sections, "make bench" if len(sys.argv) == 1 else "python bench/run.py " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
