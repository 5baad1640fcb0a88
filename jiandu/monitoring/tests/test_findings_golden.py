"""Every alert of a generated district, its text and facts, exactly as the file in data/ holds them.

The file pins what each rule says about each record (the detail, the facts, the party and
agency) while the way a rule computes it changes: written once from the engine and reviewed,
then required of every later version, on both databases. Regenerate it only for a change meant
to alter what alerts say, with ``JIANDU_WRITE_GOLDEN=1`` (and read the diff).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
from pathlib import Path

import pytest
from django.core.management import call_command

from jiandu.monitoring.models import Alert
from jiandu.records.generator import generate
from jiandu.records.services import interchange_import

from .conftest import ORDER

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
GOLDEN = Path(__file__).parent / "data" / "findings_golden.jsonl"
AS_OF = dt.date(2026, 7, 15)


def _findings() -> list[str]:
    rows = Alert.objects.order_by("rule", "record_id", "power_id").values_list(
        "rule", "record_id", "power_id", "party_key", "agency_id", "detail", "facts")
    return [json.dumps({"rule": rule, "record": record, "power": power, "party": party, "agency": agency,
                        "detail": detail, "facts": facts}, ensure_ascii=False, sort_keys=True)
            for rule, record, power, party, agency, detail, facts in rows]


def test_a_generated_district_gives_exactly_the_pinned_findings(tmp_path):
    generate(tmp_path, records=2000, seed=5)
    for kind in ORDER:
        report = interchange_import(kind=kind, path=tmp_path / f"{kind}.jsonl", source="gen")
        assert report.ok, [str(p) for p in report.problems[:5]]
    call_command("check", "--as-of", AS_OF.isoformat(), "--year", "2025", stdout=io.StringIO(),
                 stderr=io.StringIO())
    found = _findings()
    if os.environ.get("JIANDU_WRITE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text("\n".join(found) + "\n", encoding="utf-8")
    pinned = GOLDEN.read_text(encoding="utf-8").splitlines()
    assert len({json.loads(line)["rule"] for line in pinned}) == 17, "every rule has findings to pin"
    found_set, pinned_set = set(found), set(pinned)
    missing = [line for line in pinned if line not in found_set]
    extra = [line for line in found if line not in pinned_set]
    assert not missing and not extra, "\n".join(
        [f"- {line}" for line in missing[:5]] + [f"+ {line}" for line in extra[:5]])
