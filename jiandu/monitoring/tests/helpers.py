"""Run one rule over the test data and read back what it raised."""

from __future__ import annotations

import copy
import datetime as dt

from django.db import connection

from jiandu.monitoring.engine import run_rules
from jiandu.monitoring.models import Alert
from jiandu.monitoring.rules import Context, get_rule
from jiandu.monitoring.rules.sql import dialect_for

AS_OF = dt.date(2026, 7, 15)


def fired(code: str, *, as_of: dt.date = AS_OF, year: int = 2025) -> set[str]:
    """Record ids (or power codes) for which rule ``code`` raised an alert in a fresh run."""
    run_rules(as_of=as_of, year=year, rules=[get_rule(code)])
    rows = Alert.objects.filter(rule=code, last_seen_run=None).values_list("record_id", "power_id")
    return {record or power for record, power in rows}


def alert(code: str, key: str) -> Alert:
    return Alert.objects.filter(rule=code).filter(record_id=key).order_by("-id").first() or \
        Alert.objects.filter(rule=code, power_id=key).order_by("-id").first()


def found_both_ways(code: str, *, as_of: dt.date = AS_OF, year: int = 2025) -> dict[bool, list[tuple]]:
    """Rule ``code``'s findings as (record or power, facts), in the order it yields them, once
    as where the records have the rules' covering indexes (``Dialect.rule_indexes``, the SQL
    PostgreSQL runs) and once as where they do not (SQLite's): both run on the database at hand."""
    found = {}
    for indexed in (True, False):
        sq = copy.copy(dialect_for(connection))
        sq.rule_indexes = indexed
        ctx = Context(as_of=as_of, year=year, dialect=sq, connection=connection)
        try:
            found[indexed] = [(c.record or c.power, c.facts) for c in get_rule(code).candidates(ctx)]
        finally:
            ctx.close()
    return found
