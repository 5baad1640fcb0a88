"""Rules side by side on PostgreSQL (monitoring/parallel.py): the same alerts as one after
another, the scratch tables each filled once, errors stop the run."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from jiandu.monitoring import parallel
from jiandu.monitoring.choices import RunStatus
from jiandu.monitoring.engine import run_rules
from jiandu.monitoring.models import Alert, RuleRun
from jiandu.monitoring.rules import Context, Rule, all_rules, get_rule
from jiandu.monitoring.rules.sql import dialect_for

AS_OF, YEAR = dt.date(2026, 7, 15), 2025
COLUMNS = ("rule", "record_id", "power_id", "party_key", "agency_id", "detail", "facts", "fingerprint")


def _rule(code: str, shares: tuple[str, ...] = ()) -> Rule:
    return Rule(code=code, name=code, basis="", explanation="", family="test", per="record",
                find=lambda ctx: iter(()), shares=shares)


def test_rules_sharing_a_scratch_table_form_one_group_in_rule_order():
    a, b, c, d, e = (_rule("a", ("x",)), _rule("b"), _rule("c", ("y",)), _rule("d", ("y", "x")),
                     _rule("e", ("z",)))
    assert [[r.code for r in g] for g in parallel.groups([a, b, c, d, e])] == [["a", "c", "d"], ["b"], ["e"]]


def test_groups_come_longest_first_by_earlier_timings():
    a, b, c, d, e = (_rule("a", ("x",)), _rule("b"), _rule("c", ("y",)), _rule("d", ("y", "x")),
                     _rule("e", ("z",)))
    rules = [a, b, c, d, e]

    def order(seconds):
        return [[r.code for r in g] for g in parallel.groups(rules, seconds)]

    # a+c+d = 0.3, b = 2.0, e = 0.5.
    assert order({"a": 0.1, "b": 2.0, "c": 0.1, "d": 0.1, "e": 0.5}) == [["b"], ["e"], ["a", "c", "d"]]
    # A rule without a timing (new since) counts as the mean of the others: e = 0.325 > 0.3.
    assert order({"a": 0.1, "b": 1.0, "c": 0.1, "d": 0.1}) == [["b"], ["e"], ["a", "c", "d"]]
    # Equal costs keep the rule order; no timings (or nothing usable) keep it too.
    assert order({"a": 0.5, "b": 1.5, "c": 0.5, "d": 0.5, "e": 1.5}) == [["a", "c", "d"], ["b"], ["e"]]
    assert order({}) == order(None) == order({"a": "slow", "b": None, "e": True}) == [
        ["a", "c", "d"], ["b"], ["e"]]


@pytest.mark.django_db
def test_a_run_keeps_each_rules_seconds_and_the_next_reads_the_newest(load_samples):
    load_samples()
    rules = [get_rule("legal_review"), get_rule("double_fine")]
    first = run_rules(as_of=AS_OF, year=YEAR, rules=rules)
    assert list(first.rule_seconds) == ["legal_review", "double_fine"]
    assert all(isinstance(v, float) and v >= 0 for v in first.rule_seconds.values())
    second = run_rules(as_of=AS_OF, year=YEAR, rules=[get_rule("legal_review")])
    from jiandu.monitoring.selectors import last_rule_seconds

    newest = last_rule_seconds()
    assert newest == {"legal_review": second.rule_seconds["legal_review"],
                      "double_fine": first.rule_seconds["double_fine"]}
    assert last_rule_seconds(before=second.pk) == first.rule_seconds
    assert last_rule_seconds(before=first.pk) == {}


def test_the_registered_rules_group_by_their_tables():
    grouped = [[r.code for r in g] for g in parallel.groups(all_rules())]
    assert sorted(code for g in grouped for code in g) == sorted(r.code for r in all_rules())
    assert ["officer_certificate", "oath_missing"] in grouped
    assert ["repeat_inspection", "inspection_cap"] in grouped
    records = next(g for g in grouped if "legal_review" in g)
    assert {"two_officers", "hearing_notice", "limitation", "decision_deadline"} <= set(records)


@pytest.mark.django_db
def test_each_rule_declares_exactly_the_scratch_tables_it_reads(load_samples):
    """A table a rule reads without declaring it would be filled twice when rules run side by
    side; one it declares without reading would tie its group together for nothing."""
    load_samples()
    used: list[str] = []

    class Recording(Context):
        def shared(self, name, select, **options):
            used.append(name)
            return super().shared(name, select, **options)

    for rule in all_rules():
        used.clear()
        ctx = Recording(as_of=AS_OF, year=YEAR, dialect=dialect_for(connection), connection=connection)
        try:
            list(rule.candidates(ctx))
        finally:
            ctx.close()
        assert set(used) == set(rule.shares), rule.code


def _alerts() -> set[tuple]:
    return {tuple(str(v) for v in row) for row in Alert.objects.values_list(*COLUMNS)}


pg = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL only")


@pg
@pytest.mark.django_db(transaction=True)
def test_side_by_side_gives_the_alerts_of_one_after_another(load_samples, settings, monkeypatch):
    load_samples()
    calls = []
    real = parallel.stage_in_parallel
    monkeypatch.setattr("jiandu.monitoring.engine.stage_in_parallel",
                        lambda **kw: calls.append(kw["workers"]) or real(**kw))
    settings.JIANDU_RULE_WORKERS = 2
    side_by_side = run_rules(as_of=AS_OF, year=YEAR)
    assert calls == [2]
    alerts = _alerts()
    assert len(alerts) == sum(side_by_side.counts.values()) > 0
    assert list(side_by_side.counts) == [r.code for r in all_rules()]
    ids = list(Alert.objects.order_by("pk").values_list("rule", "record_id"))

    Alert.objects.all().delete()
    settings.JIANDU_RULE_WORKERS = 1
    one_by_one = run_rules(as_of=AS_OF, year=YEAR)
    assert calls == [2]
    assert one_by_one.counts == side_by_side.counts
    assert _alerts() == alerts
    # New alerts get their ids in rule and record order either way.
    assert list(Alert.objects.order_by("pk").values_list("rule", "record_id")) == ids


@pg
@pytest.mark.django_db(transaction=True)
def test_a_failing_rule_stops_the_run_and_writes_no_alerts(load_samples, settings):
    load_samples()
    settings.JIANDU_RULE_WORKERS = 2

    def boom(ctx):
        yield from get_rule("legal_review").candidates(ctx)
        raise ValueError("规则出错 (rule failed)")

    failing = Rule(code="boom", name="boom", basis="", explanation="", family="test", per="record",
                   find=boom)
    rules = [get_rule("officer_certificate"), failing, get_rule("double_fine")]
    with pytest.raises(ValueError, match="规则出错"):
        run_rules(as_of=AS_OF, year=YEAR, rules=rules)
    run = RuleRun.objects.get()
    assert run.status == RunStatus.FAILED and "规则出错" in run.error
    assert not Alert.objects.exists()
    # The check's connection is usable again, and a later run succeeds.
    done = run_rules(as_of=AS_OF, year=YEAR, rules=[get_rule("legal_review")])
    assert done.status == RunStatus.DONE and Alert.objects.count() == done.counts["legal_review"]


@pg
@pytest.mark.django_db(transaction=True)
def test_the_workers_see_the_checks_snapshot_not_later_writes(load_samples, settings, monkeypatch):
    """A record imported while the rules run belongs to the next check, not half to this one."""
    load_samples()
    settings.JIANDU_RULE_WORKERS = 2
    from jiandu.records.models import Record

    before = Record.objects.count()
    seen = []

    def counting(ctx):
        with ctx.connection.cursor() as cursor:
            cursor.execute("SELECT count(*), count(*) FILTER (WHERE party_name = '改名') FROM records_record")
            seen.append(cursor.fetchone())
        return iter(())

    def late(ctx):
        # Another connection renames every party and commits while this rule runs.
        import psycopg

        db = connection.settings_dict
        with psycopg.connect(dbname=db["NAME"], user=db["USER"], host=db["HOST"], port=db["PORT"] or 5432,
                             password=db["PASSWORD"] or None, autocommit=True) as other:
            other.execute("UPDATE records_record SET party_name = '改名'")
        return iter(())

    rules = [Rule(code="late", name="late", basis="", explanation="", family="test", per="record",
                  find=late, shares=("t",)),
             Rule(code="count", name="count", basis="", explanation="", family="test", per="record",
                  find=counting, shares=("t",))]
    run_rules(as_of=AS_OF, year=YEAR, rules=rules)
    assert seen == [(before, 0)] and before > 0
    assert Record.objects.filter(party_name="改名").count() == before


@pg
@pytest.mark.django_db(transaction=True)
def test_a_failing_rule_cancels_the_query_another_worker_waits_on(load_samples, settings):
    load_samples()
    settings.JIANDU_RULE_WORKERS = 2
    cancelled = []

    def slow(ctx):
        try:
            yield from ctx.rows("SELECT pg_sleep(60) AS x")
        except Exception as exc:
            cancelled.append(type(exc.__cause__ or exc).__name__)  # Django wraps psycopg's
            raise

    def boom(ctx):
        # Fails once the other worker's query runs.
        import time

        for _ in range(600):
            with ctx.connection.cursor() as cursor:
                # The other worker's streamed query runs as a FETCH from its cursor.
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
                               "AND datname = current_database() AND pid <> pg_backend_pid() "
                               "AND query LIKE 'FETCH%%'")
                if cursor.fetchone()[0]:
                    break
            time.sleep(0.05)
        yield from ()
        raise ValueError("规则出错 (rule failed)")

    rules = [Rule(code="slow", name="slow", basis="", explanation="", family="test", per="record", find=slow),
             Rule(code="boom", name="boom", basis="", explanation="", family="test", per="record", find=boom)]
    with pytest.raises(ValueError, match="规则出错"):
        run_rules(as_of=AS_OF, year=YEAR, rules=rules)
    assert cancelled == ["QueryCanceled"]


@pg
@pytest.mark.django_db(transaction=True)
def test_without_worker_connections_the_rules_run_on_the_checks_own(load_samples, settings, monkeypatch):
    """No connection slot left for a worker is no reason to fail the check."""
    from django.db import OperationalError

    load_samples()
    settings.JIANDU_RULE_WORKERS = 2

    def refuse(shared):
        raise OperationalError("FATAL: sorry, too many clients already")

    monkeypatch.setattr(parallel, "_connect", refuse)
    said = []
    run = run_rules(as_of=AS_OF, year=YEAR, progress=said.append)
    assert run.status == RunStatus.DONE
    assert sum("could not connect" in line for line in said) == 2
    assert len(_alerts()) == sum(run.counts.values()) > 0
    assert list(run.counts) == [r.code for r in all_rules()]
    alerts = _alerts()
    Alert.objects.all().delete()
    settings.JIANDU_RULE_WORKERS = 1
    run_rules(as_of=AS_OF, year=YEAR)
    assert _alerts() == alerts


@pg
@pytest.mark.django_db
def test_rules_read_dates_as_iso_text_whatever_the_servers_date_style(load_samples):
    load_samples()
    with connection.cursor() as cursor:
        cursor.execute("SET DateStyle = 'German'")
    run = run_rules(as_of=AS_OF, year=YEAR, rules=[get_rule("legal_review"), get_rule("decision_deadline"),
                                                   get_rule("officer_certificate")])
    facts = list(Alert.objects.filter(first_seen_run=run).values_list("facts", flat=True))
    assert facts and all(isinstance(f, dict) for f in facts)
    dates = [v for f in facts for k, v in f.items() if k.endswith("_on") and v is not None]
    dates += [o[k] for f in facts for o in f.get("officers", []) for k in o if k.endswith("_on") and o[k]]
    assert dates and all(len(d) == 10 and dt.date.fromisoformat(d) for d in dates)
