"""`jiandu ledger verify` finds rows changed behind the application; `jiandu verify` needs no database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import zstandard
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from jiandu.ledger.models import EntryBundle, EntryKey, Tile
from jiandu.ledger.receipt import dumps
from jiandu.ledger.services import ledger_verify, log_signer, receipt_build
from jiandu.ledger.storage import bundle_contents, entries_for, entry_at_position
from jiandu.ledger.verify_runs import VerifyRun
from jiandu.records.models import Record, Revision

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]


def _verify_command() -> tuple[bool, str]:
    from io import StringIO

    out = StringIO()
    try:
        call_command("ledger", "verify", stdout=out, stderr=StringIO())
    except CommandError as exc:
        return False, out.getvalue() + str(exc)
    return True, out.getvalue()


def _sql(query: str, params=()) -> None:
    with connection.cursor() as cur:
        cur.execute(query, params)


def _bundle_of(entry) -> EntryBundle:
    return EntryBundle.objects.filter(shard=entry.shard, first__lte=entry.index).order_by("-id").first()


def _rewrite_bundle(bundle, change) -> None:
    """Change a bundle's contents by SQL as someone who knows the format would: decompressed,
    changed by ``change`` (bytes → bytes) and compressed again as it was stored."""
    contents = change(bundle_contents(bundle.contents, bundle.compression))
    if bundle.compression == "zstd":
        contents = zstandard.ZstdCompressor().compress(contents)
    _sql("UPDATE ledger_entrybundle SET contents = %s WHERE id = %s", [contents, bundle.pk])


def _edit_entry(entry, change) -> None:
    """Change one entry's content inside its bundle by SQL, the rest of the bundle as it was."""
    bundle = _bundle_of(entry)
    at = entry.index - bundle.first

    def edit(contents: bytes) -> bytes:
        lines = contents.split(b"\n")
        lines[at] = change(lines[at])
        return b"\n".join(lines)

    _rewrite_bundle(bundle, edit)


def test_untouched_data_verifies(load_with_history):
    load_with_history()
    ok, out = _verify_command()
    assert ok, out
    assert "验证通过" in out and f"{Record.objects.count()} 条执法行为" in out
    run = VerifyRun.objects.get()
    assert run.ok and run.records == Record.objects.count() and run.entries == EntryKey.objects.count()
    assert run.revisions == Revision.objects.filter(kind="records").count() == 3


def test_a_value_changed_by_sql_is_named_by_record_id(load_samples):
    load_samples()
    victim, bystander = Record.objects.order_by("ext_id").values_list("ext_id", flat=True)[:2]
    _sql("UPDATE records_record SET fine = fine + 100, party_name = %s WHERE ext_id = %s",
         ["改过的名字", victim])
    ok, out = _verify_command()
    assert not ok
    assert victim in out and bystander not in out
    assert "篡改" in out or "不符" in out
    assert not VerifyRun.objects.get().ok


def test_a_swapped_identity_number_is_found(load_samples):
    load_samples()
    a, b = Record.objects.filter(party_type="person").order_by("ext_id")[:2]
    _sql("UPDATE records_record SET party_id_enc = %s WHERE ext_id = %s", [b.party_id_enc, a.ext_id])
    result = ledger_verify()
    assert {p.key for p in result.problems} == {a.ext_id}


def test_history_deletions_and_log_edits_are_found(load_with_history):
    load_with_history()
    revision = Revision.objects.filter(kind="records").first()
    _sql("UPDATE records_revision SET content = REPLACE(content, '\"major\":false', "
         "'\"major\":true') WHERE id = %s", [revision.pk])
    gone = Record.objects.exclude(ext_id=revision.key).order_by("-ext_id").first().ext_id
    _sql("DELETE FROM records_recordofficer WHERE record_ext_id = %s", [gone])
    _sql("DELETE FROM records_record WHERE ext_id = %s", [gone])
    entry = entry_at_position(EntryKey.objects.filter(kind="agency").first().position)
    _edit_entry(entry, lambda data: data.replace(b'"name"', b'"name "'))
    keys = {p.key for p in ledger_verify().problems}
    assert revision.key in keys and gone in keys and entry.key in keys


def test_a_checkpoint_that_does_not_match_the_log_is_reported(load_samples):
    load_samples(kinds=("agencies",))
    tile = Tile.objects.filter(level=0).order_by("shard", "index").first()
    _sql("UPDATE ledger_tile SET hashes = %s WHERE id = %s", [bytes(32) + bytes(tile.hashes)[32:],
                                                               tile.pk])
    result = ledger_verify()
    assert not result.ok


def test_receipt_command_and_offline_verify_without_a_database(load_samples, tmp_path):
    load_samples()
    key = Record.objects.order_by("ext_id").values_list("ext_id", flat=True).first()
    receipt = tmp_path / "receipt.json"
    call_command("ledger", "receipt", "record", key, "-o", str(receipt))
    vkey = log_signer().verifier_key()
    env = dict(os.environ, JIANDU_ENV="test", DJANGO_SETTINGS_MODULE="jiandu.settings",
               # Nothing listens there: any query would fail the command.
               DATABASE_URL="postgres://nobody@127.0.0.1:9/none")

    def verify(path) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "jiandu.cli", "verify", str(path), "--key", vkey],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)

    good = verify(receipt)
    assert good.returncode == 0, good.stderr
    assert "验证通过" in good.stdout and key in good.stdout

    data = bytearray(receipt.read_bytes())
    at = data.index(b'\\"fine\\":') + 10
    data[at] ^= 0x01
    flipped = tmp_path / "flipped.json"
    flipped.write_bytes(bytes(data))
    bad = verify(flipped)
    assert bad.returncode != 0
    assert "验证失败" in bad.stderr and "(" in bad.stderr


def test_receipt_of_an_old_version_still_verifies(load_with_history):
    load_with_history()
    revision = Revision.objects.filter(kind="records").first()
    first = entries_for("record", revision.key)[0]
    from jiandu.ledger.receipt import verify_receipt

    report = verify_receipt(dumps(receipt_build(entry=first)), [log_signer().verifier_key()])
    assert report.ok, report.errors
    assert report.content["version"] == revision.version


def test_reference_rows_changed_by_sql_are_named(load_samples):
    load_samples(kinds=("agencies", "officers", "powers", "four_lists"))
    from jiandu.org.models import Officer
    from jiandu.powers.models import DiscretionTier

    assert ledger_verify().ok
    officer = Officer.objects.order_by("certificate").first()
    _sql("UPDATE org_officer SET name = %s WHERE certificate = %s", ["冒名", officer.certificate])
    tier = DiscretionTier.objects.select_related("power").first()
    _sql("UPDATE powers_discretiontier SET max_amount = max_amount + 1 WHERE id = %s", [tier.pk])
    keys = [p.key for p in ledger_verify().problems]
    assert sorted(keys) == sorted([officer.certificate, tier.power.code])


def test_checkpoint_rows_and_cosignatures_are_checked(load_samples, witness_server):
    from jiandu.ledger.models import Checkpoint, Cosignature
    from jiandu.ledger.services import checkpoint_witness

    load_samples(kinds=("agencies",))
    checkpoint = Checkpoint.objects.order_by("-size").first()
    assert checkpoint_witness(checkpoint=checkpoint)[0].ok
    assert ledger_verify().ok
    cosig = Cosignature.objects.get()
    good = cosig.signature
    cosig.signature = ("A" if good[0] != "A" else "B") + good[1:]
    cosig.save()
    assert "a stored cosignature does not verify" in str(ledger_verify().problems)
    Cosignature.objects.filter(pk=cosig.pk).update(signature=good)
    _sql("UPDATE ledger_checkpoint SET note = REPLACE(note, %s, %s) WHERE id = %s",
         [f"\n{checkpoint.size}\n", f"\n{checkpoint.size - 1}\n", checkpoint.pk])
    problems = str(ledger_verify().problems)
    assert "checkpoint signature does not verify" in problems


def test_a_changed_byte_of_a_bundle_is_named_by_record_id(load_samples):
    load_samples()
    key = Record.objects.order_by("ext_id").values_list("ext_id", flat=True)[5]
    entry = entries_for("record", key)[-1]
    # One byte inside the record's entry: a digit of its amount, or any letter.
    _edit_entry(entry, lambda data: data[:40] + bytes([data[40] ^ 0x01]) + data[41:])
    ok, out = _verify_command()
    assert not ok
    result = ledger_verify()
    assert key in {p.key for p in result.problems}
    assert f"log entry #{entry.index} content does not match its leaf hash" in out


def test_a_bundle_whose_lines_do_not_match_its_count_is_reported(load_samples):
    load_samples(kinds=("agencies",))
    bundle = EntryBundle.objects.order_by("id").first()
    _rewrite_bundle(bundle, lambda contents: contents + b"\n{}")
    result = ledger_verify()
    assert not result.ok
    assert "lines do not match its count" in str(result.problems)


def test_bundles_stored_before_compression_still_read_and_verify(load_samples):
    """Bundles written before migration 0005 hold their contents as they are."""
    load_samples(kinds=("agencies", "officers"))
    entry = entry_at_position(EntryBundle.objects.order_by("id").first().pk)
    for bundle in EntryBundle.objects.all():
        _sql("UPDATE ledger_entrybundle SET contents = %s, compression = '' WHERE id = %s",
             [bundle_contents(bundle.contents, bundle.compression), bundle.pk])
    assert not EntryBundle.objects.exclude(compression="").exists()
    assert entry_at_position(entry.pk) == entry
    ok, out = _verify_command()
    assert ok, out


@pytest.mark.parametrize("damage", ["flipped byte", "not a frame", "unknown compression"])
def test_a_bundle_that_does_not_decompress_is_reported_not_a_crash(load_samples, damage):
    load_samples(kinds=("agencies",))
    bundle = EntryBundle.objects.order_by("id").first()
    assert bundle.compression == "zstd"
    stored = bytes(bundle.contents)
    if damage == "flipped byte":  # inside the frame header: its size no longer matches
        _sql("UPDATE ledger_entrybundle SET contents = %s WHERE id = %s",
             [stored[:5] + bytes([stored[5] ^ 0xFF]) + stored[6:], bundle.pk])
    elif damage == "not a frame":
        _sql("UPDATE ledger_entrybundle SET contents = %s WHERE id = %s",
             [bundle_contents(stored, "zstd"), bundle.pk])
    else:
        _sql("UPDATE ledger_entrybundle SET compression = 'lz77' WHERE id = %s", [bundle.pk])
    ok, out = _verify_command()
    assert not ok
    assert f"条目包 #{bundle.first} 的内容无法读取" in out
    assert "a log bundle was changed: its contents cannot be read" in out
    # Its entries cannot be read, so the key rows that point into it match no bundle either.
    assert "key index agency" in out and "验证未通过" in out


def test_a_deleted_key_row_is_found(load_samples):
    load_samples()
    assert ledger_verify().ok
    key = Record.objects.order_by("ext_id").values_list("ext_id", flat=True)[3]
    row = EntryKey.objects.filter(kind="record", key=key).order_by("position").last()
    _sql("DELETE FROM ledger_entrykey WHERE kind = %s AND key = %s AND position = %s",
         ["record", key, row.position])
    result = ledger_verify()
    assert not result.ok
    problems = {p.key for p in result.problems}
    # The record's version now has no entry, and the index no longer matches the bundles.
    assert key in problems and "key index record" in problems


def test_a_changed_key_row_is_found(load_samples):
    load_samples()
    a, b = Record.objects.order_by("ext_id").values_list("ext_id", flat=True)[:2]
    row = EntryKey.objects.filter(kind="record", key=a).order_by("position").last()
    # The entry of a re-pointed to b: a's version has lost its entry, and the index no longer
    # matches the bundles (which still say the entry is a's).
    _sql("UPDATE ledger_entrykey SET key = %s WHERE kind = %s AND key = %s AND position = %s",
         [b, "record", a, row.position])
    result = ledger_verify()
    assert not result.ok
    assert {a, "key index record"} <= {p.key for p in result.problems}
    # An extra key row at an existing position is found too.
    _sql("UPDATE ledger_entrykey SET key = %s WHERE kind = %s AND key = %s AND position = %s",
         [a, "record", b, row.position])
    assert ledger_verify().ok
    _sql("INSERT INTO ledger_entrykey (kind, key, position) VALUES (%s, %s, %s)",
         ["record", "NO-SUCH-RECORD", row.position])
    assert "key index record" in {p.key for p in ledger_verify().problems}


def _rewrite_leaf(entry, change) -> None:
    """Change an entry's content and put its new leaf hash into its level-0 tile: a forgery
    consistent within the rows, which only the tree and its signed checkpoint can show."""
    from jiandu.ledger.merkle import Hasher

    _edit_entry(entry, change)
    new = entry_at_position(entry.pk)
    tile = Tile.objects.get(shard=entry.shard, level=0, index=entry.index // 16)
    hashes = bytearray(tile.hashes)
    at = entry.index % 16 * 32
    hashes[at:at + 32] = Hasher(entry.shard.hash_alg).leaf(new.content.encode())
    _sql("UPDATE ledger_tile SET hashes = %s WHERE id = %s", [bytes(hashes), tile.pk])


def test_a_rewritten_entry_with_its_leaf_breaks_the_signed_root(load_samples):
    load_samples()
    from jiandu.ledger.services import checkpoint_publish

    checkpoint_publish(force=True)
    key = Record.objects.order_by("ext_id").values_list("ext_id", flat=True)[5]
    entry = entries_for("record", key)[-1]
    _rewrite_leaf(entry, lambda line: line.replace(b'"version":1', b'"version":1 '))
    result = ledger_verify()
    problems = {(p.key, p.en) for p in result.problems}
    # The entry's own leaf matches its tile now; the tree does not match its signed checkpoint
    # nor its head, and the record no longer matches its entry.
    assert not any("does not match its leaf hash" in en for _, en in problems)
    origin = entry.shard.origin
    assert any(k.startswith(f"checkpoint {origin}@") and "latest checkpoint's root" in en
               for k, en in problems), problems
    assert (origin, "tree head does not match the entries") in problems


def test_entries_deleted_from_the_end_are_found(load_samples):
    load_samples()
    from jiandu.ledger.services import checkpoint_publish

    checkpoint_publish(force=True)
    last = EntryBundle.objects.order_by("-first").first()
    _sql("DELETE FROM ledger_entrybundle WHERE id = %s", [last.pk])
    result = ledger_verify()
    assert any("checkpoint is larger than the log" in p.en for p in result.problems)
    assert any(p.en == "tree head does not match the entries" for p in result.problems)
