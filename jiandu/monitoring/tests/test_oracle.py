"""The engine against an independent reading of the contract (`oracle.py`), rule by rule.

(a) The oracle reproduces the shared samples' expected_alerts.jsonl exactly, so it reads the
contract as the samples do. (b) On seeded adversarial datasets (`adversarial.py`: values on
and around every edge the contract names) the alerts `jiandu check` stores equal the oracle's.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.db import connection  # noqa: F401 (read by the skipif condition)

from jiandu.records.services import interchange_import

from .adversarial import build, read, read_jsonl
from .conftest import ORDER
from .oracle import expected_alerts

pytestmark = [pytest.mark.django_db]

SAMPLES_AS_OF = dt.date(2026, 7, 15)
SAMPLES_YEAR = 2025


def _seeds() -> tuple[int, ...]:
    """Eight seeds by default; JIANDU_ORACLE_SEEDS="1-200" or "7,9" for a longer hunt."""
    spec = os.environ.get("JIANDU_ORACLE_SEEDS", "1-8")
    seeds = []
    for part in spec.split(","):
        lo, _, hi = part.partition("-")
        seeds += range(int(lo), int(hi or lo) + 1)
    return tuple(seeds)


SEEDS = _seeds()


def _key(alert: dict) -> tuple[str, str | None, str | None]:
    if alert["rule"] == "unexercised_power":
        return (alert["rule"], None, alert["power"])
    return (alert["rule"], alert["record"], None)


def _diff(expected: set, actual: set) -> str:
    """Missing (oracle only) and unexpected (engine only) alerts, grouped by rule."""
    by_rule: dict[str, dict[str, list[str]]] = defaultdict(
        lambda: {"missing": [], "unexpected": []}
    )
    for rule, record, power in expected - actual:
        by_rule[rule]["missing"].append(record or power)
    for rule, record, power in actual - expected:
        by_rule[rule]["unexpected"].append(record or power)
    lines = []
    for rule in sorted(by_rule):
        for what in ("missing", "unexpected"):
            keys = sorted(by_rule[rule][what])
            if keys:
                lines.append(f"{rule}: {what} ({len(keys)}): {', '.join(keys)}")
    return "\n".join(lines)


def test_oracle_reproduces_the_samples(samples):
    data = read(samples)
    expected = {
        _key(json.loads(line))
        for line in (samples / "expected_alerts.jsonl").read_text(encoding="utf-8").splitlines()
    }
    ours = expected_alerts(data, as_of=SAMPLES_AS_OF, year=SAMPLES_YEAR)
    assert ours == expected, _diff(expected, ours)


def _check(dataset) -> set:
    """Run `jiandu check` at the dataset's as-of date and year; the alerts it prints."""
    call_command(
        "check",
        "--as-of",
        dataset.as_of.isoformat(),
        "--year",
        str(dataset.year),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    out = io.StringIO()
    call_command("alerts", "--format", "jsonl", stdout=out)
    return {_key(json.loads(line)) for line in out.getvalue().splitlines() if line.strip()}


def _import(kind: str, path) -> None:
    report = interchange_import(kind=kind, path=path, source="oracle")
    assert report.ok, [str(p) for p in report.problems[:5]]


def _engine_equals_oracle(seed: int, tmp_path) -> None:
    dataset = build(seed)
    dataset.write(tmp_path)
    for kind in ORDER:
        _import(kind, tmp_path / f"{kind}.jsonl")
    engine = _check(dataset)
    oracle = expected_alerts(read(tmp_path), as_of=dataset.as_of, year=dataset.year)
    assert engine == oracle, (
        f"seed {seed}, as-of {dataset.as_of}, year {dataset.year}; missing = the oracle only, "
        f"unexpected = the engine only\n{_diff(oracle, engine)}"
    )

    # Some records sent again with one boundary moved; a second check sees the new rows only.
    revisions = dataset.write_revisions(tmp_path / "revisions.jsonl")
    _import("records", revisions)
    engine = _check(dataset)
    data = read(tmp_path)
    data["records"] += read_jsonl(revisions)
    oracle = expected_alerts(data, as_of=dataset.as_of, year=dataset.year)
    assert engine == oracle, (
        f"seed {seed} after revisions, as-of {dataset.as_of}, year {dataset.year}; missing = the "
        f"oracle only, unexpected = the engine only\n{_diff(oracle, engine)}"
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_engine_equals_oracle_on_adversarial_data(seed, tmp_path):
    _engine_equals_oracle(seed, tmp_path)


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_engine_equals_oracle_with_committed_data(tmp_path, settings):
    """Committed rows: on PostgreSQL `check` then runs its rules side by side on several
    connections (JIANDU_RULE_WORKERS), which a test inside one transaction cannot exercise.
    (PostgreSQL only, as in test_parallel.py: SQLite cannot flush the append-only audit log
    after a committed test.)"""
    settings.JIANDU_RULE_WORKERS = 2
    _engine_equals_oracle(SEEDS[-1] + 1000, tmp_path)
