"""The ledger API: each log's signed checkpoint for monitors, and receipts of any logged object."""

from __future__ import annotations

import json

import pytest

from jiandu.accounts.models import AuditEvent, User
from jiandu.accounts.tokens import api_token_create
from jiandu.ledger.note import open_note, parse_checkpoint
from jiandu.ledger.receipt import dumps, verify_receipt
from jiandu.ledger.services import log_signer, log_verifier_key
from jiandu.monitoring.models import AlertEvent
from jiandu.records.models import Record

pytestmark = pytest.mark.django_db


def _get(client, role: str, path: str, *, agency=None, **params):
    user = User.objects.create_user(f"api-{role}-{User.objects.count()}", password="Pw-0123456789",
                                    role=role, agency_id=agency)
    token = api_token_create(user=user, name="t")[1]
    return client.get(f"/api/v1{path}", params, HTTP_AUTHORIZATION=f"Bearer {token}")


def test_logs_give_each_years_signed_checkpoint(client, load_samples):
    load_samples()
    response = _get(client, "leader", "/ledger/logs")
    assert response.status_code == 200
    (log,) = response.json()
    assert log["size"] > 0 and log["checkpoint_size"] == log["size"]
    body, _ = open_note(log["checkpoint"], [log_signer().verifier()])
    checkpoint = parse_checkpoint(body)
    assert (checkpoint.origin, checkpoint.size) == (log["origin"], log["size"])


def test_receipts_of_a_record_and_of_an_alerts_step_verify_offline(client, handled):
    record = Record.objects.order_by("ext_id").first()
    response = _get(client, "supervisor", "/ledger/receipt", kind="record", key=record.ext_id)
    assert response.status_code == 200
    receipt = response.json()
    report = verify_receipt(dumps(receipt), [log_verifier_key()])
    assert report.ok and report.key == record.ext_id
    assert AuditEvent.objects.filter(object_type="ledger.Entry", action="export").exists()

    dismissal = AlertEvent.objects.get(action="dismiss")
    detail = _get(client, "supervisor", f"/alerts/{dismissal.alert_id}").json()
    assert [e["id"] for e in detail["events"]][-1] == dismissal.pk
    receipt = _get(client, "supervisor", "/ledger/receipt", kind="alert_event", key=str(dismissal.pk)).json()
    report = verify_receipt(dumps(receipt), [log_verifier_key()])
    assert report.ok and json.loads(receipt["entry"])["note"] == "证件已补录"


def test_receipts_refused_outside_the_ledgers_roles_and_unknown_objects(client, handled):
    record = Record.objects.order_by("ext_id").first()
    response = _get(client, "liaison", "/ledger/receipt", agency=record.agency_id, kind="record", key=record.ext_id)
    assert response.status_code == 403 and "(" in response.json()["error"]["message"]
    assert _get(client, "liaison", "/ledger/logs", agency=record.agency_id).status_code == 403
    for kind, key in (("record", "NO-SUCH"), ("alert_event", "999999"), ("alert_event", "x")):
        assert _get(client, "supervisor", "/ledger/receipt", kind=kind, key=key).status_code == 404
    assert _get(client, "supervisor", "/ledger/receipt", kind="bogus", key="1").status_code == 422
