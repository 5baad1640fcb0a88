"""Run one rule over the test data and read back what it raised."""

from __future__ import annotations

import datetime as dt

from jiandu.monitoring.engine import run_rules
from jiandu.monitoring.models import Alert
from jiandu.monitoring.rules import get_rule

AS_OF = dt.date(2026, 7, 15)


def fired(code: str, *, as_of: dt.date = AS_OF, year: int = 2025) -> set[str]:
    """Record ids (or power codes) for which rule ``code`` raised an alert in a fresh run."""
    run_rules(as_of=as_of, year=year, rules=[get_rule(code)])
    rows = Alert.objects.filter(rule=code, last_seen_run=None).values_list("record_id", "power_id")
    return {record or power for record, power in rows}


def alert(code: str, key: str) -> Alert:
    return Alert.objects.filter(rule=code).filter(record_id=key).order_by("-id").first() or \
        Alert.objects.filter(rule=code, power_id=key).order_by("-id").first()
