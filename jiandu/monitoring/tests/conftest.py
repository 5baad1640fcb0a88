"""Fixtures for the monitoring tests: a small district built by hand, and the shared samples."""

from __future__ import annotations

from pathlib import Path

import pytest

from jiandu.core.calendar import calendar_cache_clear
from jiandu.records.services import interchange_import

from .factories import District

SAMPLES = Path(__file__).resolve().parents[3].parent / "shared" / "samples"
ORDER = ("agencies", "officers", "powers", "four_lists", "records")


@pytest.fixture(autouse=True)
def fresh_calendar_cache():
    calendar_cache_clear()
    yield
    calendar_cache_clear()


@pytest.fixture
def district(db) -> District:
    return District()


@pytest.fixture
def samples() -> Path:
    if not SAMPLES.exists():
        pytest.skip(f"shared samples not found at {SAMPLES}")
    return SAMPLES


@pytest.fixture
def load_samples(samples, db):
    def load():
        for kind in ORDER:
            report = interchange_import(kind=kind, path=samples / f"{kind}.jsonl", source="samples")
            assert report.ok, [str(p) for p in report.problems]

    return load
