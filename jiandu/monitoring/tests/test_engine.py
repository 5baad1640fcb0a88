"""Re-running the rules: same alerts for same data, handled ones keep status and history."""

import dataclasses
import datetime as dt

import pytest
from django.db import connection

from jiandu.accounts.models import User
from jiandu.core.calendar import UnknownCalendarYear
from jiandu.monitoring import services
from jiandu.monitoring.engine import KEPT_INDEXES, fingerprint, run_rules
from jiandu.monitoring.models import Alert, AlertEvent, RuleRun
from jiandu.monitoring.rules import Candidate, all_rules, get_rule
from jiandu.records.models import Record

pytestmark = pytest.mark.django_db
D = dt.date
RULES = [get_rule("legal_review"), get_rule("service_deadline")]


@pytest.fixture
def supervisor(db):
    return User.objects.create_user("sup", password="x" * 12, role="supervisor")


AS_OF = D(2026, 7, 15)


def check(as_of=AS_OF):
    return run_rules(as_of=as_of, year=2025, rules=RULES)


def _major(district, ext_id, **fields):
    return district.record(ext_id, **{"major": True, "decided_on": D(2025, 6, 2), "served_on": D(2025, 6, 3),
                                      **fields})


def _finding_otherwise(code: str, find):
    """Rule ``code`` as registered, but finding by ``find(inner)`` (a function of the registered
    rule that returns its finder)."""
    inner = get_rule(code)
    return dataclasses.replace(inner, find=find(inner))


def test_every_contract_rule_is_registered_with_its_basis():
    codes = [r.code for r in all_rules()]
    assert codes[:17] == [
        "officer_certificate", "two_officers", "oath_missing", "no_penalty_list", "discretion_range",
        "legal_review", "hearing_notice", "decision_deadline", "service_deadline",
        "disclosure_deadline", "compulsory_duration", "summary_procedure", "double_fine",
        "limitation", "repeat_inspection", "inspection_cap", "unexercised_power"]
    for rule in all_rules():
        assert rule.name and rule.explanation and ("第" in rule.basis or "号" in rule.basis), rule.code
        assert rule.family in {"officers", "penalties", "deadlines", "inspections", "powers"}


def test_unchanged_data_finds_the_same_alerts(district):
    _major(district, "R")
    first = check()
    alert = Alert.objects.get()
    second = check()
    alert.refresh_from_db()
    assert Alert.objects.count() == 1
    assert (alert.first_seen_run_id, alert.last_seen_run_id) == (first.pk, None)
    assert second.merge == {"new": 0, "seen": 1, "reopened": 0, "resolved": 0, "deleted": 0}
    assert alert.updated_at == Alert.objects.get().updated_at


def test_the_fingerprint_hashes_the_stored_facts_the_same_way_on_every_database(district):
    _major(district, "R", legal_review_on=D(2025, 6, 3))
    check()
    expected = Candidate(record="R", power=None, agency=None, party=None, text="",
                         facts={"decided_on": "2025-06-02", "legal_review_on": "2025-06-03"})
    assert Alert.objects.get().fingerprint == fingerprint("legal_review", expected)


@pytest.mark.parametrize("record, power, facts", [
    ("R-1", None, {"b": 1, "a": [{"y": None, "x": "二"}], "c": True}),
    (None, "P\"\\1", {}),
    ("记录-é", "p", {"z": {"b": 2, "a": 1}, "n": -1.5}),
])
def test_the_fingerprint_is_the_hash_of_the_sorted_compact_json_of_rule_record_power_facts(record, power, facts):
    """Stored alerts keep their fingerprints across versions: the definition, spelt out."""
    import hashlib

    import orjson

    candidate = Candidate(record=record, power=power, agency=None, party=None, facts=facts, text="")
    payload = orjson.dumps(["rule_x", record, power, facts], option=orjson.OPT_SORT_KEYS)
    assert fingerprint("rule_x", candidate) == hashlib.blake2b(payload, digest_size=16).hexdigest()
    assert fingerprint("rule_x", candidate, orjson.dumps(facts, option=orjson.OPT_SORT_KEYS)) == \
        fingerprint("rule_x", candidate)


def test_an_open_deadline_keeps_its_alert_as_the_days_pass(district):
    district.record("R", decided_on=D(2025, 6, 2))
    check(as_of=D(2025, 7, 1))
    alert = Alert.objects.get(rule="service_deadline")
    check(as_of=D(2025, 8, 1))
    assert list(Alert.objects.filter(rule="service_deadline").values_list("pk", flat=True)) == [alert.pk]
    assert Alert.objects.get(pk=alert.pk).detail == alert.detail


def test_a_dismissed_alert_stays_dismissed_for_unchanged_data(district, supervisor):
    _major(district, "R")
    check()
    alert = Alert.objects.get()
    services.alert_dismiss(user=supervisor, alert_id=alert.pk, reason="已补办法制审核，系录入遗漏")
    check()
    alert.refresh_from_db()
    assert alert.status == "dismissed" and alert.last_seen_run_id is None
    assert Alert.objects.count() == 1


def test_changed_facts_raise_a_new_alert_beside_the_dismissed_one(district, supervisor):
    _major(district, "R")
    check()
    old = Alert.objects.get()
    services.alert_dismiss(user=supervisor, alert_id=old.pk, reason="情况说明已核实")
    Record.objects.filter(ext_id="R").update(legal_review_on=D(2025, 6, 9))
    check()
    new = Alert.objects.exclude(pk=old.pk).get()
    assert new.status == "open" and new.record_id == "R"
    assert Alert.objects.get(pk=old.pk).status == "dismissed"


def test_corrected_data_removes_an_untouched_alert_and_resolves_a_handled_one(district, supervisor):
    _major(district, "UNTOUCHED")
    _major(district, "HANDLED")
    check()
    handled = Alert.objects.get(record_id="HANDLED")
    services.alert_acknowledge(user=supervisor, alert_id=handled.pk)
    Record.objects.update(legal_review_on=D(2025, 6, 1))
    previous = RuleRun.objects.latest("pk")
    run = check()
    assert run.merge["deleted"] == 1 and run.merge["resolved"] == 1
    assert list(Alert.objects.values_list("record_id", "status", "last_seen_run")) == \
        [("HANDLED", "resolved", previous.pk)]
    event = AlertEvent.objects.filter(alert=handled).order_by("-id").first()
    assert (event.action, event.from_status, event.to_status, event.run_id) == \
        ("resolve", "acknowledged", "resolved", run.pk)


def test_a_resolved_alert_reopens_when_the_same_facts_return(district, supervisor):
    _major(district, "R")
    check()
    alert = Alert.objects.get()
    services.alert_comment(user=supervisor, alert_id=alert.pk, text="请核实法制审核意见")
    Record.objects.update(legal_review_on=D(2025, 6, 1))
    check()
    Record.objects.update(legal_review_on=None)
    run = check()
    alert.refresh_from_db()
    assert alert.status == "open" and alert.last_seen_run_id is None
    assert run.merge["reopened"] == 1


def test_a_dismissed_alert_that_stops_firing_keeps_its_status_and_leaves_the_current_set(district, supervisor):
    _major(district, "R")
    first = check()
    alert = Alert.objects.get()
    services.alert_dismiss(user=supervisor, alert_id=alert.pk, reason="误报")
    Record.objects.update(legal_review_on=D(2025, 6, 1))
    check()
    alert.refresh_from_db()
    assert (alert.status, alert.last_seen_run_id) == ("dismissed", first.pk)
    Record.objects.update(legal_review_on=None)
    check()
    alert.refresh_from_db()
    assert (alert.status, alert.last_seen_run_id) == ("dismissed", None)


def test_a_run_of_some_rules_leaves_the_other_rules_alone(district):
    _major(district, "R", served_on=None)
    run_rules(as_of=D(2026, 7, 15), year=2025, rules=[get_rule("legal_review")])
    run_rules(as_of=D(2026, 7, 15), year=2025, rules=[get_rule("service_deadline")])
    assert set(Alert.objects.values_list("rule", flat=True)) == {"legal_review", "service_deadline"}


def test_a_failed_run_is_recorded_and_stores_nothing(district):
    _major(district, "R")
    old = district.record("OLD", decided_on=D(2003, 5, 6), served_on=D(2003, 8, 1))
    with pytest.raises(UnknownCalendarYear):
        check()
    run = RuleRun.objects.get()
    assert run.status == "failed" and "2003" in run.error and run.finished_at
    assert not Alert.objects.exists()
    # The same transaction goes on: nothing of the failed run is left open on the connection.
    old.delete()
    assert check().status == "done" and Alert.objects.count() == 1


def test_alert_constraints(district):
    from django.db import IntegrityError, transaction

    _major(district, "R")
    check()
    alert = Alert.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.filter(pk=alert.pk).update(status="dismissed")
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(rule="legal_review", record_id="R", detail="x", fingerprint="f" * 32,
                             first_seen_run=alert.first_seen_run, last_seen_run=alert.last_seen_run,
                             created_at=alert.created_at, updated_at=alert.updated_at)
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(rule="x", detail="x", fingerprint="e" * 32, first_seen_run=alert.first_seen_run,
                             last_seen_run=alert.last_seen_run, created_at=alert.created_at,
                             updated_at=alert.updated_at)


def _alert_indexes():
    from django.db import connection

    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "monitoring_alert")
    return {name: (c["columns"], c["unique"], c["index"]) for name, c in constraints.items()
            if c["index"] or c["unique"]}


def test_a_merge_that_rebuilds_the_alert_indexes_leaves_them_as_they_were(district, monkeypatch):
    from django.db import IntegrityError, connection, transaction
    from django.test.utils import CaptureQueriesContext

    from jiandu.monitoring.rules.sql import PostgreSQL

    # Every insert counts as large, so PostgreSQL drops and rebuilds the indexes around it.
    monkeypatch.setattr(PostgreSQL, "REBUILD_FROM", 1)
    before = _alert_indexes()
    _major(district, "R")
    _major(district, "S", served_on=None)
    with CaptureQueriesContext(connection) as queries:
        run = check()
    dropped = {q["sql"].rsplit(" ", 1)[-1].strip('"') for q in queries
               if q["sql"].startswith("DROP INDEX") or " DROP CONSTRAINT " in q["sql"]}
    # Every secondary index but those kept, which take the rows as they come.
    rebuilt = set(before) - {"monitoring_alert_pkey", *KEPT_INDEXES}
    assert set(KEPT_INDEXES) < set(before)
    assert dropped == (rebuilt if connection.vendor == "postgresql" else set())
    assert run.merge["new"] == 3 and _alert_indexes() == before
    alert = Alert.objects.get(record_id="R")
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(rule="x", record_id="R", detail="x", fingerprint=alert.fingerprint,
                             first_seen_run=run, created_at=alert.created_at, updated_at=alert.updated_at)
    assert check().merge == {"new": 0, "seen": 3, "reopened": 0, "resolved": 0, "deleted": 0}


def _id_order() -> list[tuple]:
    return list(Alert.objects.order_by("pk").values_list("rule", "record_id", "power_id"))


def _code_point_order(rows: list[tuple]) -> list[tuple]:
    return sorted(rows, key=lambda r: (r[0], r[1] or "", r[2] or ""))


def _staged(monkeypatch) -> list:
    """The _Staging of each run from now on, as the merge gets it."""
    from jiandu.monitoring import engine

    merged = []
    real = engine._merge
    monkeypatch.setattr(engine, "_merge", lambda run, rules, staging, counts:
                        merged.append(staging) or real(run, rules, staging, counts))
    return merged


def test_a_first_run_numbers_the_alerts_in_rule_and_record_order_without_sorting(load_samples, monkeypatch):
    """Every registered rule returns its findings in record order by code point, so a first run
    numbers its alerts as they come, without a sort: from the stage one after the other, or, on
    PostgreSQL, copied straight into the alert table, in a block of ids per rule. Either way the
    ids follow the order a sort by rule and record would give them."""
    load_samples()
    merged = _staged(monkeypatch)
    Alert.objects.create(rule="x", record_id="OLD", fingerprint="0" * 32, first_seen_run=RuleRun.objects.create(
        as_of=AS_OF, year=2025, started_at=dt.datetime(2026, 7, 15, tzinfo=dt.UTC)),
        created_at=dt.datetime(2026, 7, 15, tzinfo=dt.UTC), updated_at=dt.datetime(2026, 7, 15, tzinfo=dt.UTC))
    old = Alert.objects.get().pk
    run = run_rules(as_of=AS_OF, year=2025)
    (staging,) = merged
    assert not staging.unordered, "some rule returned its findings out of record order"
    assert (staging.direct is not None) == (connection.vendor == "postgresql")
    new = list(Alert.objects.exclude(pk=old).order_by("pk").values_list("pk", flat=True))
    assert len(new) == sum(run.counts.values())
    if staging.direct is None:
        assert staging.ids(run.counts) is not None
        assert new == list(range(old + 1, old + 1 + len(new)))
    else:
        direct = staging.direct
        assert direct.first > old
        for code, count in run.counts.items():
            block = direct.first + staging.rank[code] * direct.block
            ids = list(Alert.objects.filter(rule=code).order_by("pk").values_list("pk", flat=True))
            assert ids == list(range(block, block + count))
    order = [row for row in _id_order() if row[1] != "OLD"]
    assert order == _code_point_order(order)
    # The run's shared values, the copy's defaults while it ran, are the alerts' own.
    assert set(Alert.objects.exclude(pk=old).values_list("status", "dismiss_reason", "first_seen_run",
                                                          "created_at", "updated_at")) == {
        ("open", "", run.pk, *[Alert.objects.exclude(pk=old).first().created_at] * 2)}
    assert not _column_defaults()
    # The ids handed out afterwards come after the run's.
    later = Alert.objects.create(rule="y", record_id="NEW", fingerprint="1" * 32, first_seen_run=run,
                                 created_at=run.started_at, updated_at=run.started_at)
    assert later.pk > new[-1]
    if staging.direct is None:
        assert later.pk == new[-1] + 1


def test_findings_out_of_record_order_are_sorted_before_they_are_numbered(district, monkeypatch):
    codes = ["R-b", "R-A", "R-a", "R-B"]
    for code in codes:
        _major(district, code)
    shuffled = _finding_otherwise("legal_review", lambda inner: lambda ctx: reversed(list(inner.candidates(ctx))))
    run_rules(as_of=AS_OF, year=2025, rules=[shuffled, get_rule("service_deadline")])
    order = _id_order()
    assert [r[1] for r in order if r[0] == "legal_review"] == ["R-A", "R-B", "R-a", "R-b"]
    assert order == _code_point_order(order)


def test_findings_out_of_record_order_copied_straight_in_are_renumbered_within_their_rule(district, monkeypatch):
    for code in ["R-b", "R-A", "R-a", "R-B"]:
        _major(district, code, served_on=None)
    shuffled = _finding_otherwise("legal_review", lambda inner: lambda ctx: reversed(list(inner.candidates(ctx))))
    merged = _staged(monkeypatch)
    run_rules(as_of=AS_OF, year=2025, rules=[get_rule("service_deadline"), shuffled])
    (staging,) = merged
    assert staging.unordered == {"legal_review"}
    assert (staging.direct is not None) == (connection.vendor == "postgresql")
    order = _id_order()
    assert [r[1] for r in order if r[0] == "legal_review"] == ["R-A", "R-B", "R-a", "R-b"]
    assert order == _code_point_order(order)
    if staging.direct is not None:  # the same block of ids, in record order
        low = staging.direct.first + staging.rank["legal_review"] * staging.direct.block
        ids = list(Alert.objects.filter(rule="legal_review").order_by("pk").values_list("pk", flat=True))
        assert ids == list(range(low, low + 4))


def test_a_first_run_into_an_alert_table_with_rows_goes_through_the_stage(district, monkeypatch):
    """Dropping the indexes of an alert table that holds other alerts would cost a rebuild of
    all of them: a first run of some rules then stages its findings, numbered one after the
    other, as every later run does."""
    from jiandu.monitoring.rules.sql import PostgreSQL

    monkeypatch.setattr(PostgreSQL, "REBUILD_FROM", 1)  # one stored alert counts as many
    _major(district, "R")
    _major(district, "S")
    at = dt.datetime(2026, 7, 15, tzinfo=dt.UTC)
    old = Alert.objects.create(rule="x", record_id="OLD", fingerprint="0" * 32, created_at=at, updated_at=at,
                               first_seen_run=RuleRun.objects.create(as_of=AS_OF, year=2025, started_at=at)).pk
    merged = _staged(monkeypatch)
    run_rules(as_of=AS_OF, year=2025, rules=[get_rule("legal_review")])
    (staging,) = merged
    assert staging.direct is None and not staging.stored
    assert list(Alert.objects.filter(rule="legal_review").order_by("pk").values_list("pk", "record_id")) == [
        (old + 1, "R"), (old + 2, "S")]


def test_a_rule_that_finds_a_record_twice_fails_the_run(district):
    """The alert table's unique constraints refuse it, whether the findings are staged or (a first
    run on PostgreSQL) copied straight in and checked as the indexes are built again."""
    from django.db import IntegrityError

    _major(district, "R")
    before = _alert_indexes()
    twice = _finding_otherwise("legal_review", lambda inner: lambda ctx: [*inner.candidates(ctx)] * 2)
    with pytest.raises(IntegrityError):
        run_rules(as_of=AS_OF, year=2025, rules=[twice])
    assert RuleRun.objects.get().status == "failed"
    assert not Alert.objects.exists()
    # The indexes dropped for the copy came back with the rollback, and its defaults went.
    assert _alert_indexes() == before and not _column_defaults()
    assert check().merge["new"] == 1 and not _column_defaults()


def test_a_rule_that_finds_a_power_twice_fails_the_run(district):
    """The one-active-alert-per-power index is one a first run keeps (KEPT_INDEXES): it takes
    the copied alerts as they come, and refuses a second one on the same power all the same."""
    from django.db import IntegrityError

    district.power(kind="inspection")  # never exercised
    before = _alert_indexes()
    twice = _finding_otherwise("unexercised_power", lambda inner: lambda ctx: [*inner.candidates(ctx)] * 2)
    with pytest.raises(IntegrityError):
        run_rules(as_of=AS_OF, year=2025, rules=[twice])
    assert RuleRun.objects.get().status == "failed"
    assert not Alert.objects.exists() and _alert_indexes() == before and not _column_defaults()


def _column_defaults() -> list[str]:
    """The alert table's columns with a default in the database (Django sets none)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM pragma_table_info('monitoring_alert') WHERE dflt_value IS NOT NULL")
        else:
            cursor.execute("SELECT column_name FROM information_schema.columns "
                           "WHERE table_name = 'monitoring_alert' AND column_default IS NOT NULL")
        return [name for (name,) in cursor.fetchall()]


def test_only_the_new_findings_of_a_later_run_get_ids(district):
    _major(district, "R-1")
    check()
    first = _id_order()
    _major(district, "R-0")
    check()
    assert _id_order()[:len(first)] == first
    assert _id_order()[len(first):] == [("legal_review", "R-0", None)]


@pytest.mark.skipif("connection.vendor != 'sqlite'", reason="SQLite's plan")
def test_the_merges_one_pass_finds_each_finding_through_the_alerts_fingerprint_index(district):
    """A pass that scanned the alerts once per finding ran for minutes at a million records
    (SQLite materialised a filtered subquery and scanned it for every staged row)."""
    from jiandu.monitoring.engine import STAGE, STAGE_COLUMNS, changes_select
    from jiandu.monitoring.rules.sql import dialect_for

    run_rules(as_of=AS_OF, year=2025)
    dialect = dialect_for(connection)
    codes = [r.code for r in all_rules()]
    with connection.cursor() as cursor:
        for statement in dialect.temp_table(STAGE, ", ".join(f"{c} text" for c in STAGE_COLUMNS)):
            cursor.execute(statement)
        for statement in dialect.temp_index(STAGE, "fingerprint"):
            cursor.execute(statement)
        cursor.execute("EXPLAIN QUERY PLAN " + changes_select(len(codes)).replace("%s", "?"), codes)
        plan = [row[-1] for row in cursor.fetchall()]
        cursor.execute(f"DROP TABLE temp.{STAGE}")
    assert any(step.startswith("SEARCH a USING INDEX") and "(fingerprint=?)" in step for step in plan), plan
    assert not any(step.startswith("MATERIALIZE") for step in plan), plan


def test_a_finding_stored_already_is_staged_by_its_fingerprint_alone():
    from jiandu.monitoring.engine import STAGE_COLUMNS, _Staging

    rule = get_rule("legal_review")
    seen = Candidate("R-1", None, "A1", "P1", {"decided_on": "2025-06-02"}, "决定日期 2025-06-02")
    new = Candidate("R-2", None, "A1", "P2", {"decided_on": "2025-06-03"}, "决定日期 2025-06-03")
    staging = _Staging([rule], stored={fingerprint(rule.code, seen)})
    narrow, full = (dict(zip(STAGE_COLUMNS, staging.row(rule, c), strict=True)) for c in (seen, new))
    assert narrow == {"rule": "legal_review", "record_ext_id": None, "power_code": None,
                      "party_key": None, "agency_code": None, "detail": None, "facts": None,
                      "fingerprint": fingerprint(rule.code, seen), "rank": 0, "seq": 0}
    assert full == {"rule": "legal_review", "record_ext_id": "R-2", "power_code": None,
                    "party_key": "P2", "agency_code": "A1", "detail": rule.detail(new),
                    "facts": '{"decided_on":"2025-06-03"}', "fingerprint": fingerprint(rule.code, new),
                    "rank": 0, "seq": 1}


def test_a_rerun_stages_stored_findings_narrow_and_stores_new_ones_whole(district, monkeypatch):
    from jiandu.monitoring import engine

    _major(district, "R-1")
    _major(district, "R-2", served_on=None)
    check()
    before = {a.fingerprint: (a.pk, a.detail, a.facts, a.record_id) for a in Alert.objects.all()}
    _major(district, "R-3")
    staged = []
    real = engine._Staging.row
    monkeypatch.setattr(engine._Staging, "row",
                        lambda self, rule, c: staged.append(real(self, rule, c)) or staged[-1])
    check()
    # The three alerts of the first run went to the stage as fingerprints; R-3's whole.
    narrow = [row for row in staged if row[5] is None]
    assert sorted(row[7] for row in narrow) == sorted(before)
    assert [row[1] for row in staged if row[5] is not None] == ["R-3"]
    after = {a.fingerprint: (a.pk, a.detail, a.facts, a.record_id) for a in Alert.objects.all()}
    assert {k: v for k, v in after.items() if k in before} == before
    # R-3 is R-1 under another id: its alert has the same detail and facts.
    (added,) = [v for k, v in after.items() if k not in before]
    (r1,) = [v for v in before.values() if v[3] == "R-1"]
    assert added[3] == "R-3" and added[1:3] == r1[1:3]
    assert added[1].startswith(get_rule("legal_review").explanation) and added[2]


def test_a_finding_s_text_is_made_only_for_a_new_alert(district, monkeypatch):
    """Formatting amounts and dates for findings that are stored already would be work thrown
    away: a re-run over unchanged data makes no text, and the stored detail is the text made
    the first time."""
    from jiandu.monitoring.rules import deadlines

    made = []
    real = deadlines._late_text
    monkeypatch.setattr(deadlines, "_late_text", lambda *args: made.append(args) or real(*args))
    _major(district, "LATE", served_on=D(2025, 7, 30))
    run_rules(as_of=AS_OF, year=2025, rules=[get_rule("service_deadline")])
    assert len(made) == 1
    detail = Alert.objects.get(record_id="LATE").detail
    assert detail.endswith("实际 2025-07-30 送达") and "2025-06-02" in detail
    run_rules(as_of=AS_OF, year=2025, rules=[get_rule("service_deadline")])
    assert len(made) == 1 and Alert.objects.get(record_id="LATE").detail == detail


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL's operator classes")
def test_the_alert_text_indexes_compare_bytes_and_serve_lookups_by_equality(district):
    """Built by bytes (varchar_pattern_ops) so that a first run rebuilds them fast; the lookups
    the screens make, all by equality, still go through them."""
    _major(district, "R")
    check()
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'monitoring_alert'")
        definitions = dict(cursor.fetchall())
        by_bytes = {name for name, definition in definitions.items() if "varchar_pattern_ops" in definition}
        assert by_bytes == {"monitoring_alert_rule_status", "monitoring_alert_agency_status",
                            "monitoring_alert_party", "monitoring_alert_record",
                            "monitoring_alert_fingerprint_unique", "monitoring_alert_one_active_per_record"}
        cursor.execute("SET LOCAL enable_seqscan = off")
        alert = Alert.objects.get()
        for lookup, index in [({"fingerprint": alert.fingerprint}, "monitoring_alert_fingerprint_unique"),
                              ({"party_key": alert.party_key}, "monitoring_alert_party"),
                              ({"record_id": "R"}, "monitoring_alert_record"),
                              ({"agency_id": alert.agency_id}, "monitoring_alert_agency_status")]:
            plan = Alert.objects.filter(**lookup).order_by().explain()
            assert f"using {index} " in plan and "Index Cond" in plan, (lookup, plan)
        cursor.execute("RESET enable_seqscan")


def test_the_cycle_collector_is_off_while_the_rules_run_and_back_on_after(district, monkeypatch):
    import gc

    from jiandu.monitoring import engine

    seen = []
    real = engine._stage
    monkeypatch.setattr(engine, "_stage", lambda *args: seen.append(gc.isenabled()) or real(*args))
    _major(district, "R")
    assert gc.isenabled()
    check()
    assert seen == [False] and gc.isenabled()
    # A failing run turns it back on as well.
    monkeypatch.setattr(engine, "_stage", lambda *args: seen.append(gc.isenabled()) or 1 / 0)
    with pytest.raises(ZeroDivisionError):
        check()
    assert seen == [False, False] and gc.isenabled()
