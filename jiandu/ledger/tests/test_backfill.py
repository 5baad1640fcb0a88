"""`jiandu ledger backfill` logs rows stored before the ledger existed, and nothing else."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from jiandu.accounts.models import AuditEvent
from jiandu.ledger import services
from jiandu.ledger.models import EntryKey, Shard
from jiandu.records.models import Record

pytestmark = pytest.mark.django_db


@pytest.fixture
def load_before_the_ledger(load_samples, monkeypatch):
    """The samples imported by a version of the platform without the ledger."""
    def load():
        with monkeypatch.context() as m:
            m.setattr("jiandu.records.services.ledger_records_append", lambda **kw: None)
            m.setattr("jiandu.records.services.ledger_import_run_append", lambda **kw: None)
            m.setattr(services, "ledger_reference_append", lambda **kw: None)
            load_samples()
    return load


def test_backfill_logs_every_unlogged_version_once_and_then_verifies(load_before_the_ledger,
                                                                     django_capture_on_commit_callbacks):
    load_before_the_ledger()
    assert EntryKey.objects.count() == 0 and not Shard.objects.filter(size__gt=0).exists()
    before = services.ledger_verify()
    assert not before.ok and before.problems_total >= Record.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        counts = services.ledger_backfill()
    assert counts["record"] == Record.objects.count()
    assert set(counts) >= {"record", "agency", "officer", "power"}
    assert EntryKey.objects.filter(kind="backfill").count() == 1
    assert AuditEvent.objects.filter(object_type="ledger.backfill").count() == 1
    result = services.ledger_verify()
    assert result.ok, [str(p) for p in result.problems[:5]]

    # Run again: nothing is unlogged, nothing is appended.
    size = EntryKey.objects.count()
    assert size == sum(Shard.objects.values_list("size", flat=True))
    assert services.ledger_backfill() == {}
    assert EntryKey.objects.count() == size


def test_backfill_does_not_launder_a_changed_row(load_samples):
    load_samples()
    victim = Record.objects.order_by("ext_id").values_list("ext_id", flat=True).first()
    with connection.cursor() as cur:
        cur.execute("UPDATE records_record SET party_name = %s WHERE ext_id = %s", ["改过的名字", victim])
    # The changed version has its entry already: backfill adds nothing and verify still names it.
    assert services.ledger_backfill() == {}
    result = services.ledger_verify()
    assert not result.ok and victim in {p.key for p in result.problems}


def test_backfill_command_prints_what_it_logged(load_before_the_ledger, capsys):
    load_before_the_ledger()
    call_command("ledger", "backfill")
    out = capsys.readouterr().out
    assert "补记" in out and f"record {Record.objects.count()}" in out
