"""The ledger page: for supervisors, admin and leaders; a record's entries, receipt and QR code."""

from __future__ import annotations

import pytest
from django.urls import reverse

from jiandu.accounts.choices import Role
from jiandu.ledger.models import EntryKey
from jiandu.ledger.receipt import verify_receipt
from jiandu.ledger.services import ledger_verify, log_signer
from jiandu.ledger.storage import entries_for
from jiandu.records.models import Record
from tests.conftest import staff_client_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.ADMIN, Role.LEADER])
def test_page_shows_size_checkpoints_and_the_last_verification(role, staff_client, load_samples):
    load_samples()
    ledger_verify()
    client = staff_client(role)
    response = client.get(reverse("ledger:index"))
    assert response.status_code == 200
    page = response.content.decode()
    assert f"{EntryKey.objects.count():,}" in page
    assert "最近一次全面验证" in page and "通过" in page
    assert log_signer().verifier_key() in page


def test_search_by_record_shows_entries_qr_and_receipt(staff_client, load_samples):
    load_samples()
    key = Record.objects.order_by("ext_id").values_list("ext_id", flat=True).first()
    client = staff_client(Role.SUPERVISOR)
    page = client.get(reverse("ledger:index"), {"q": key}).content.decode()
    assert "<svg" in page and "下载收据" in page
    # The search and its result come before the checkpoint tables, where a phone shows them.
    assert page.index('role="search"') < page.index('id="found"') < page.index("最新签名树头与见证")
    entry = entries_for("record", key)[-1]
    response = client.get(reverse("ledger:receipt", args=[entry.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    report = verify_receipt(response.content, [log_signer().verifier_key()])
    assert report.ok and report.key == key


def test_unknown_record_and_other_entries(staff_client, load_samples):
    load_samples(kinds=("agencies",))
    client = staff_client(Role.SUPERVISOR)
    page = client.get(reverse("ledger:index"), {"q": "NO-SUCH-ID"}).content.decode()
    assert "没有找到这条执法行为" in page
    assert client.get(reverse("ledger:receipt", args=[999_999])).status_code == 404


@pytest.mark.parametrize("role", [Role.LIAISON, Role.OFFICER])
def test_other_roles_are_refused(role, staff_client, load_samples):
    load_samples(kinds=("agencies",))
    from jiandu.org.models import Agency

    client = staff_client(role, Agency.objects.values_list("code", flat=True).first())
    assert client.get(reverse("ledger:index")).status_code == 403
    position = EntryKey.objects.values_list("position", flat=True).first()
    assert client.get(reverse("ledger:receipt", args=[position])).status_code == 403


def test_anonymous_is_sent_to_sign_in(client, ledger_settings):
    response = client.get(reverse("ledger:index"))
    assert response.status_code == 302 and "login" in response["Location"]
