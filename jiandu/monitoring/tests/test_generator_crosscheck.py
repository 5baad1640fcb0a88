"""Per-rule counts over a generated district equal those of the generator tests' `rule_counts()`."""

# `rule_counts()` (records/tests/test_generator.py) reads the contract independently of the
# engine. The two agree on every rule but one: it calls a power unexercised when no record uses
# it at all, where the contract (and the engine) asks for no record whose act date falls in the
# year checked; that count is recomputed here from the contract's words. Both judge as of
# 2026-07-15, the generator's end date. Deadlines agree although `rule_counts()` has no holiday
# calendar: the generator serves and discloses within 6 calendar days or after 20, which its
# 12-calendar-day stand-in and the 7th working day judge alike. `rule_counts()` reads
# summary_procedure on penalty records only, the contract on any summary record; generated
# records have a procedure only when they are penalties.

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from jiandu.monitoring.models import RuleRun
from jiandu.records.generator import RULES, generate
from jiandu.records.services import interchange_import
from jiandu.records.tests.test_generator import load, rule_counts

from .conftest import ORDER

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
AS_OF = dt.date(2026, 7, 15)
YEAR = 2025


def _unexercised(data) -> int:
    used = set()
    for r in data["records"]:
        act = r["action_on"] or r["filed_on"] or r["decided_on"]
        if act and act.startswith(f"{YEAR}-"):
            used.add(r["power"])
    return sum(1 for p in data["powers"]
               if p["kind"] in ("penalty", "licensing", "compulsory", "inspection") and p["code"] not in used)


def test_counts_agree_with_the_generator_checker(tmp_path):
    generate(tmp_path, records=3000, seed=11)
    for kind in ORDER:
        report = interchange_import(kind=kind, path=tmp_path / f"{kind}.jsonl", source="gen")
        assert report.ok, [str(p) for p in report.problems[:5]]
    call_command("check", "--as-of", AS_OF.isoformat(), "--year", str(YEAR), stdout=io.StringIO(),
                 stderr=io.StringIO())
    ours = RuleRun.objects.get().counts
    data = load(tmp_path)
    theirs = rule_counts(data, as_of=AS_OF)
    theirs["unexercised_power"] = _unexercised(data)
    differences = {rule: (ours.get(rule, 0), theirs.get(rule, 0)) for rule in RULES
                   if ours.get(rule, 0) != theirs.get(rule, 0)}
    assert not differences, f"rule: (engine, rule_counts) {differences}"
    assert all(ours[rule] > 0 for rule in RULES)
