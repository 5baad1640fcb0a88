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
    assert "没有找到这个执法行为" in page
    assert client.get(reverse("ledger:receipt", args=[999_999])).status_code == 404


def test_search_by_officer_agency_and_import_run(staff_client, load_samples):
    """Reference rows and import runs are logged too, and found by what people know of them."""
    from jiandu.org.models import Officer
    from jiandu.records.models import ImportRun

    load_samples()
    client = staff_client(Role.LEADER)
    certificate = Officer.objects.values_list("certificate", flat=True).first()
    page = client.get(reverse("ledger:index"), {"kind": "officer", "q": certificate}).content.decode()
    assert f"执法人员 {certificate} 的存证" in page and "下载收据" in page and "<svg" in page
    run = ImportRun.objects.order_by("pk").first()
    page = client.get(reverse("ledger:index"), {"kind": "import_run", "q": str(run.pk)}).content.decode()
    assert "下载收据" in page
    page = client.get(reverse("ledger:index"), {"kind": "officer", "q": "NO-SUCH"}).content.decode()
    assert "没有找到这个执法人员" in page
    # An unknown kind is searched as a record.
    page = client.get(reverse("ledger:index"), {"kind": "bogus", "q": certificate}).content.decode()
    assert "没有找到这个执法行为" in page


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


# ---------------------------------------------------------------- a receipt brought back

def _receipt(client, key: str) -> bytes:
    entry = entries_for("record", key)[-1]
    return client.get(reverse("ledger:receipt", args=[entry.pk])).content


def _check(client, **data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    if "file" in data:
        data["file"] = SimpleUploadedFile("receipt.json", data["file"], content_type="application/json")
    return client.post(reverse("ledger:verify"), data)


def test_a_downloaded_receipt_checks_as_a_file_and_as_pasted_text(staff_client, load_samples):
    load_samples()
    key = Record.objects.order_by("ext_id").values_list("ext_id", flat=True).first()
    client = staff_client(Role.SUPERVISOR)
    receipt = _receipt(client, key)
    for data in ({"file": receipt}, {"text": receipt.decode()}):
        response = _check(client, **data)
        assert response.status_code == 200
        checked = response.context["checked"]
        assert checked.report.ok and checked.in_log is True and checked.newer == 0, checked
        page = response.content.decode()
        assert "收据核验通过" in page and key in page and "是，日志中没有更新的版本" in page
        assert "执法行为 <span class=\"mono\">" in page
        # The result comes before the rest of the page's sections.
        assert page.index('id="receipt-result"') < page.index("最近一次全面验证")


def test_a_receipt_of_an_older_version_says_how_many_came_since(staff_client, load_with_history):
    load_with_history(changed=1)
    key = next(k for k in Record.objects.order_by("ext_id").values_list("ext_id", flat=True)
               if len(entries_for("record", k)) == 2)
    client = staff_client(Role.SUPERVISOR)
    first = entries_for("record", key)[0]
    receipt = client.get(reverse("ledger:receipt", args=[first.pk])).content
    response = _check(client, file=receipt)
    checked = response.context["checked"]
    assert checked.report.ok and checked.in_log and checked.newer == 1 and checked.latest_version == 2
    assert "此后又有 1 个新版本" in response.content.decode()


def test_a_changed_byte_fails_and_says_why(staff_client, load_samples):
    load_samples()
    key = Record.objects.order_by("ext_id").values_list("ext_id", flat=True).first()
    client = staff_client(Role.SUPERVISOR)
    receipt = _receipt(client, key)
    at = receipt.index(b'"fine"') if b'"fine"' in receipt else receipt.index(b'"entry"') + 12
    flipped = receipt[:at] + bytes([receipt[at] ^ 1]) + receipt[at + 1:]
    response = _check(client, file=flipped)
    assert not response.context["checked"].report.ok
    page = response.content.decode()
    assert "收据核验未通过" in page and "收据核验通过" not in page


def test_a_log_rewritten_or_rolled_back_behind_a_valid_receipt_is_reported(staff_client, load_samples):
    from jiandu.ledger.models import Shard

    load_samples()
    key = Record.objects.order_by("ext_id").values_list("ext_id", flat=True).first()
    client = staff_client(Role.SUPERVISOR)
    receipt = _receipt(client, key)
    shard = entries_for("record", key)[-1].shard
    # The receipt's own proof and signatures still hold: only the platform's log disagrees.
    Shard.objects.filter(pk=shard.pk).update(root=bytes(32))
    checked = _check(client, file=receipt).context["checked"]
    assert checked.report.ok and checked.in_log is False and "改写或出现分叉" in checked.problems[0]
    Shard.objects.filter(pk=shard.pk).update(size=1)
    response = _check(client, file=receipt)
    assert response.context["checked"].in_log is False
    assert "截短或回滚" in response.content.decode() and "收据核验通过" not in response.content.decode()


def test_the_receipt_form_wants_one_receipt_of_a_sensible_size(staff_client, ledger_settings):
    from jiandu.ledger.selectors import RECEIPT_MAX_BYTES

    client = staff_client(Role.SUPERVISOR)
    for data, message in (({}, "请上传收据文件或粘贴收据内容"),
                          ({"file": b"{}", "text": "{}"}, "不要同时提供"),
                          ({"file": b" " * (RECEIPT_MAX_BYTES + 1)}, "文件过大")):
        response = _check(client, **data)
        assert response.status_code == 200 and response.context.get("checked") is None
        assert message in response.content.decode()
    # Not JSON at all: a plain explanation, not an error page.
    response = _check(client, text="这不是收据")
    assert not response.context["checked"].report.ok and "不是合法的 UTF-8 JSON" in response.content.decode()


@pytest.mark.parametrize("role", [Role.LIAISON, Role.OFFICER])
def test_receipt_check_is_for_the_ledger_roles(role, staff_client, load_samples):
    load_samples(kinds=("agencies",))
    from jiandu.org.models import Agency

    client = staff_client(role, Agency.objects.values_list("code", flat=True).first())
    assert _check(client, text="{}").status_code == 403
    assert staff_client(Role.SUPERVISOR).get(reverse("ledger:verify")).status_code == 405


def test_every_kind_a_receipt_may_name_has_a_label():
    from jiandu.ledger.choices import EntryKind
    from jiandu.ledger.receipt import KEY_FIELDS

    assert set(EntryKind.values) == set(KEY_FIELDS)


def test_a_records_page_lists_its_entries_with_receipts_for_the_ledger_roles(staff_client, load_with_history):
    load_with_history(changed=1)
    key = next(k for k in Record.objects.order_by("ext_id").values_list("ext_id", flat=True)
               if len(entries_for("record", k)) == 2)
    response = staff_client(Role.SUPERVISOR).get(reverse("records:detail", args=[key]))
    entries = response.context["ledger_entries"]
    assert [e.version for e in entries] == [1, 2]
    body = response.content.decode()
    assert 'id="record-ledger"' in body
    assert all(reverse("ledger:receipt", args=[e.pk]) in body for e in entries)
    assert f"{reverse('ledger:index')}?q={key}" in body
    # A department's liaison sees the record but not the ledger.
    agency = Record.objects.get(ext_id=key).agency_id
    liaison = staff_client(Role.LIAISON, agency).get(reverse("records:detail", args=[key]))
    assert liaison.status_code == 200 and 'id="record-ledger"' not in liaison.content.decode()


def test_a_configured_witness_that_has_not_cosigned_is_flagged(staff_client, witness_server, load_samples,
                                                               ledger_settings):
    load_samples(kinds=("agencies",))
    client = staff_client(Role.SUPERVISOR)
    response = client.get(reverse("ledger:index"))
    assert [v.unwitnessed for v in response.context["shards"]] == [[]]
    assert 'id="witness-lag"' not in response.content.decode() and "notary.test" in response.content.decode()
    # A second notary is configured but was never reached.
    ledger_settings.JIANDU_WITNESSES = [*ledger_settings.JIANDU_WITNESSES,
                                        {"name": "notary2.test", "url": "http://127.0.0.1:9",
                                         "key": ledger_settings.JIANDU_WITNESSES[0]["key"]}]
    page = client.get(reverse("ledger:index")).content.decode()
    assert 'id="witness-lag"' in page and "待联署：notary2.test" in page
