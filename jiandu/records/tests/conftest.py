"""Fixtures for the contract tests: the shared sample files and a helper to import them."""

from pathlib import Path

import pytest

from jiandu.records.services import interchange_import

SAMPLES = Path(__file__).resolve().parents[3].parent / "shared" / "samples"
ORDER = ("agencies", "officers", "powers", "four_lists", "records")


@pytest.fixture
def samples() -> Path:
    if not SAMPLES.exists():
        pytest.skip(f"shared samples not found at {SAMPLES}")
    return SAMPLES


@pytest.fixture
def load_samples(samples, db):
    def load(kinds=ORDER):
        return {k: interchange_import(kind=k, path=samples / f"{k}.jsonl", source="samples") for k in kinds}

    return load
