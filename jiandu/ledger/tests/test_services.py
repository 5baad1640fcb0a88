"""What goes into the ledger on import, checkpoints, witnesses' cosignatures and receipts."""

from __future__ import annotations

import json

import pytest

from jiandu.ledger import note
from jiandu.ledger.models import Checkpoint, Cosignature, EntryKey, Shard
from jiandu.ledger.receipt import dumps, verify_receipt
from jiandu.ledger.services import (
    checkpoint_publish,
    checkpoint_witness,
    ledger_reference_append,
    log_signer,
    receipt_build,
)
from jiandu.ledger.storage import entries_for, entry_at_position, shard_entries
from jiandu.records.models import ImportRun, Record, Revision

pytestmark = pytest.mark.django_db


def _changed_records(samples, tmp_path, key: str, **changes) -> str:
    path = tmp_path / "records-v2.jsonl"
    with open(samples / "records.jsonl", encoding="utf-8") as src, open(path, "w", encoding="utf-8") as out:
        for line in src:
            row = json.loads(line)
            if row["id"] == key:
                row.update(changes)
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def test_one_entry_per_record_version_and_per_import_run(load_samples, samples, tmp_path):
    load_samples()
    versions = Record.objects.count() + Revision.objects.filter(kind="records").count()
    assert EntryKey.objects.filter(kind="record").count() == versions > 300
    assert EntryKey.objects.filter(kind="import_run").count() == ImportRun.objects.count() == 5
    assert EntryKey.objects.filter(kind="agency").count() == 16
    assert EntryKey.objects.filter(kind="officer").count() >= 130

    # Re-importing the same file logs the run but no record: nothing changed.
    load_samples(kinds=("records",))
    assert EntryKey.objects.filter(kind="record").count() == versions

    key = Record.objects.order_by("ext_id").values_list("ext_id", flat=True).first()
    old_version = Record.objects.get(ext_id=key).version
    load_samples(kinds=("records",), records=_changed_records(
        samples, tmp_path, key, decision_no="钢测罚〔2026〕999号"))
    logged = [json.loads(e.content) for e in entries_for("record", key)]
    assert [c["version"] for c in logged][-2:] == [old_version, old_version + 1]
    assert logged[-1]["decision_no"] == "钢测罚〔2026〕999号"

    last_run = EntryKey.objects.filter(kind="import_run").order_by("-position").first()
    run = json.loads(entry_at_position(last_run.position).content)
    assert run["kind"] == "records" and run["replaced"] == 1 and len(run["file_sm3"]) == 64
    assert run["file_name"] == "records-v2.jsonl"


def test_no_identity_number_in_clear(load_samples, samples):
    load_samples()
    numbers = set()
    for line in open(samples / "records.jsonl", encoding="utf-8"):
        party = json.loads(line)["party"]
        if party["type"] == "person":
            numbers.add(party["id"])
    for line in open(samples / "officers.jsonl", encoding="utf-8"):
        numbers.add(json.loads(line)["id_number"])
    assert numbers
    logged = 0
    for shard in Shard.objects.all():
        for e in shard_entries(shard):
            assert not any(n in e.content for n in numbers)
            logged += 1
    assert logged == EntryKey.objects.count() > 300
    person = Record.objects.filter(party_type="person").first()
    entry = json.loads(entries_for("record", person.ext_id)[-1].content)
    assert entry["party"]["id"] == person.party_key


def test_imports_end_on_a_signed_checkpoint(load_samples):
    load_samples()
    for shard in Shard.objects.all():
        checkpoint = Checkpoint.objects.filter(shard=shard).order_by("-size").first()
        assert checkpoint.size == shard.size
        body, names = note.open_note(checkpoint.note, [log_signer().verifier()])
        parsed = note.parse_checkpoint(body)
        assert (parsed.origin, parsed.size, parsed.root) == (shard.origin, shard.size, bytes(shard.root))


def test_checkpoints_wait_for_growth_and_the_interval(ledger_settings):
    from django.db import transaction

    with transaction.atomic():
        ledger_reference_append(kind="agencies", rows=[({"code": "A1", "name": "甲"}, 1)])
    first = checkpoint_publish()
    assert len(first) == 1
    assert checkpoint_publish(force=True) == []  # the tree did not grow
    ledger_settings.JIANDU_CHECKPOINT_SECONDS = 3600
    with transaction.atomic():
        ledger_reference_append(kind="agencies", rows=[({"code": "A2", "name": "乙"}, 1)])
    assert checkpoint_publish() == []  # too soon
    assert [c.size for c in checkpoint_publish(force=True)] == [2]


def test_witness_cosigns_in_process_and_receipts_carry_it(load_samples, witness_server):
    load_samples(kinds=("agencies", "officers"))
    shard = Shard.objects.get()
    first = Checkpoint.objects.filter(shard=shard).order_by("-size").first()
    assert [r.ok for r in checkpoint_witness(checkpoint=first)] == [True]
    cosig = Cosignature.objects.get(checkpoint=first)
    assert cosig.witness_name == "notary.test"

    # The next checkpoint goes with a consistency proof from the size the witness signed.
    load_samples(kinds=("powers",))
    second = Checkpoint.objects.filter(shard=shard).order_by("-size").first()
    assert second.size > first.size
    assert [r.ok for r in checkpoint_witness(checkpoint=second)] == [True]

    # A later checkpoint that no witness has signed yet: receipts keep using the witnessed one.
    from django.db import transaction

    with transaction.atomic():
        ledger_reference_append(kind="agencies", rows=[({"code": "A9", "name": "新增"}, 1)])
    assert checkpoint_publish(force=True)[0].size == second.size + 1

    entry = entry_at_position(EntryKey.objects.filter(kind="power").first().position)
    receipt = dumps(receipt_build(entry=entry))
    report = verify_receipt(receipt, [log_signer().verifier_key(), witness_server.verifier_key()])
    assert report.ok, report.errors
    assert [(w.name, w.trusted) for w in report.witnesses] == [("notary.test", True)]


def test_witness_conflict_is_retried_with_its_size(load_samples, witness_server):
    load_samples(kinds=("agencies",))
    shard = Shard.objects.get()
    first = Checkpoint.objects.filter(shard=shard).order_by("-size").first()
    assert checkpoint_witness(checkpoint=first)[0].ok
    # Forget what the witness signed: we send "old 0", it answers 409 with its size, we retry.
    Cosignature.objects.all().delete()
    load_samples(kinds=("officers",))
    second = Checkpoint.objects.filter(shard=shard).order_by("-size").first()
    result = checkpoint_witness(checkpoint=second)
    assert result[0].ok, result[0].message


def test_a_forked_checkpoint_is_refused_by_the_witness(load_samples, witness_server):
    load_samples(kinds=("agencies",))
    shard = Shard.objects.get()
    first = Checkpoint.objects.filter(shard=shard).order_by("-size").first()
    assert checkpoint_witness(checkpoint=first)[0].ok
    load_samples(kinds=("officers",))
    second = Checkpoint.objects.filter(shard=shard).order_by("-size").first()
    # A split view: the log rewrites an old entry and signs a different tree of the same history.
    forged_root = bytes(32)
    forged = Checkpoint.objects.create(
        shard=shard, size=second.size + 1, root=forged_root,
        note=note.sign_note(note.checkpoint_body(shard.origin, second.size + 1, forged_root),
                            [log_signer()]))
    result = checkpoint_witness(checkpoint=forged)
    assert not result[0].ok
    assert not Cosignature.objects.filter(checkpoint=forged).exists()


def test_checkpoints_are_timestamped_when_a_tsa_is_configured(ledger_settings, tmp_path):
    from cryptography.hazmat.primitives import serialization
    from django.db import transaction

    from jiandu.ledger import tsa
    from jiandu.ledger.tests.tsa_fixture import LocalTSA

    local = LocalTSA()
    server, url = local.serve()
    cert = tmp_path / "tsa.pem"
    cert.write_bytes(local.cert.public_bytes(serialization.Encoding.PEM))
    ledger_settings.JIANDU_TSA_URL, ledger_settings.JIANDU_TSA_CERT = url, str(cert)
    try:
        with transaction.atomic():
            ledger_reference_append(kind="agencies", rows=[({"code": "A1", "name": "甲"}, 1)])
        (checkpoint,) = checkpoint_publish()
    finally:
        server.shutdown()
        server.server_close()
    checkpoint.refresh_from_db()
    body = note.split_note(checkpoint.note)[0].encode()
    assert tsa.verify_token(bytes(checkpoint.tsa_token), data=body, tsa_cert=local.cert).serial_number

    # A TSA that cannot be reached leaves the checkpoint unstamped but signed.
    ledger_settings.JIANDU_TSA_URL = "http://127.0.0.1:9/"
    with transaction.atomic():
        ledger_reference_append(kind="agencies", rows=[({"code": "A2", "name": "乙"}, 1)])
    (later,) = checkpoint_publish()
    later.refresh_from_db()
    assert later.tsa_token is None and later.note


def test_ledger_commands_checkpoint_witness_and_keys(load_samples, witness_server, tmp_path):
    from io import StringIO

    from django.core.management import call_command
    from django.db import transaction

    load_samples(kinds=("agencies",))
    with transaction.atomic():
        ledger_reference_append(kind="agencies", rows=[({"code": "A9", "name": "新增"}, 1)])
    out = StringIO()
    call_command("ledger", "checkpoint", "--force", stdout=out)
    assert "\u2014 test.jiandu/ledger " in out.getvalue()
    out = StringIO()
    call_command("ledger", "witness", stdout=out)
    assert "notary.test: 已联署" in out.getvalue()
    latest = Checkpoint.objects.order_by("-size").first()
    assert Cosignature.objects.filter(checkpoint=latest, witness_name="notary.test").exists()
    out = StringIO()
    call_command("ledger", "keys", stdout=out)
    assert log_signer().verifier_key() in out.getvalue()
    assert witness_server.verifier_key() in out.getvalue()


def test_a_checkpoint_signed_after_someones_write_waits_briefly_for_each_witness(ledger_settings, db, monkeypatch,
                                                                                 django_capture_on_commit_callbacks):
    """The person who wrote waits for the checkpoint signed on commit: a witness that does not
    answer within ON_COMMIT_WITNESS_TIMEOUT is left for `jiandu ledger witness`, which waits the
    full WITNESS_TIMEOUT; the checkpoint is signed either way."""
    from django.db import transaction

    from jiandu.ledger import keys, services
    from jiandu.ledger.models import Checkpoint, Cosignature
    from jiandu.ledger.witness_server import WitnessUnavailable

    signer = keys.generate_witness_signer("slow.notary")
    ledger_settings.JIANDU_WITNESSES = [{"name": "slow.notary", "url": "http://127.0.0.1:9",
                                         "key": signer.verifier_key()}]
    waited = []

    def unanswered(url, old_size, proof, text, *, timeout):
        waited.append(timeout)
        raise WitnessUnavailable("timed out")

    monkeypatch.setattr("jiandu.ledger.witness_server.post_checkpoint", unanswered)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        services.ledger_reference_append(kind="agencies", rows=[({"code": "X1", "name": "某局"}, 1)])
    assert waited == [services.ON_COMMIT_WITNESS_TIMEOUT] and services.ON_COMMIT_WITNESS_TIMEOUT < 5
    assert Checkpoint.objects.count() == 1 and not Cosignature.objects.exists()
    services.checkpoint_witness_latest()
    assert waited[-1] == services.WITNESS_TIMEOUT
