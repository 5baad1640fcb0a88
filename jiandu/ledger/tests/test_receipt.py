"""Receipts verify offline with the log's public key alone, and no changed byte gets through."""

from __future__ import annotations

import json

import pytest

from jiandu.ledger import keys, merkle, note
from jiandu.ledger.receipt import ReceiptError, build_receipt, dumps, parse_receipt, verify_receipt

ORIGIN = "test.jiandu/ledger/2026"


def _entries(n: int) -> list[str]:
    return [json.dumps({"id": f"R-{i}", "party": {"name": "某某公司"}, "version": 1},
                       ensure_ascii=False, sort_keys=True, separators=(",", ":")) for i in range(n)]


def _receipt(*, alg="ed25519", hash_alg="sm3", size=13, index=6, witness=None):
    hasher = merkle.Hasher(hash_alg)
    entries = _entries(size)
    leaves = [hasher.leaf(e.encode()) for e in entries]
    root = merkle.root(hasher, leaves)
    log = keys.generate_signer(ORIGIN, alg)
    text = note.sign_note(note.checkpoint_body(ORIGIN, size, root), [log])
    witness_keys = []
    if witness is not None:
        text = note.add_signature_lines(text, [note.cosign(text, witness, 1_790_000_000)])
        witness_keys.append(witness.verifier_key())
    receipt = build_receipt(hash_alg=hash_alg, origin=ORIGIN, kind="record", key=f"R-{index}",
                            entry=entries[index], index=index, tree_size=size,
                            inclusion_proof=merkle.inclusion_proof(hasher, leaves, index),
                            checkpoint=text, witness_keys=witness_keys)
    return dumps(receipt), log


@pytest.mark.parametrize("alg", ["ed25519", "sm2"])
@pytest.mark.parametrize("hash_alg", ["sm3", "sha256"])
def test_a_receipt_verifies_with_only_the_log_key(alg, hash_alg):
    data, log = _receipt(alg=alg, hash_alg=hash_alg)
    report = verify_receipt(data, [log.verifier_key()])
    assert report.ok, report.errors
    assert report.log_signers == [ORIGIN]
    assert report.index == 6 and report.tree_size == 13 and report.key == "R-6"
    assert report.content["id"] == "R-6"


def test_witnesses_are_reported_and_trusted_only_with_their_key():
    witness = keys.generate_witness_signer("notary.example")
    data, log = _receipt(witness=witness)
    alone = verify_receipt(data, [log.verifier_key()])
    assert alone.ok, alone.errors
    assert [(w.name, w.timestamp, w.trusted) for w in alone.witnesses] == [
        ("notary.example", 1_790_000_000, False)]
    both = verify_receipt(data, [log.verifier_key(), witness.verifier_key()])
    assert both.ok and both.witnesses[0].trusted


def test_every_flipped_byte_fails():
    witness = keys.generate_witness_signer("notary.example")
    data, log = _receipt(witness=witness, size=9, index=8)
    vkeys = [log.verifier_key()]
    assert verify_receipt(data, vkeys).ok
    passed = []
    for i in range(len(data)):
        for bit in (0x01, 0x20):
            changed = bytearray(data)
            changed[i] ^= bit
            report = verify_receipt(bytes(changed), vkeys)
            if report.ok:
                passed.append((i, bit, bytes(changed[max(0, i - 10):i + 10])))
            else:
                assert report.errors and "(" in report.errors[0]  # Chinese with English beside
    assert passed == []


def test_wrong_key_wrong_index_and_missing_key_fail():
    data, _log = _receipt()
    other = keys.generate_signer(ORIGIN, "ed25519")
    report = verify_receipt(data, [other.verifier_key()])
    assert not report.ok and "签名" in report.errors[0]
    assert not verify_receipt(data, []).ok
    receipt = parse_receipt(data)
    receipt["index"] = 5
    assert not verify_receipt(dumps(receipt), [_log.verifier_key()]).ok


def test_a_pretty_printed_receipt_is_refused():
    data, log = _receipt()
    pretty = json.dumps(json.loads(data), ensure_ascii=False, indent=2).encode()
    with pytest.raises(ReceiptError, match="规范"):
        parse_receipt(pretty)
    assert verify_receipt(data + b"\n", [log.verifier_key()]).ok


def test_a_signature_with_non_canonical_base64_is_refused():
    data, log = _receipt()
    receipt = parse_receipt(data)
    text = receipt["checkpoint"]
    blob = text.rstrip("\n").rsplit(" ", 1)[1]
    # An Ed25519 line holds 68 bytes: its last base64 digit before "=" carries 2 unused bits, so
    # the next digit decodes to the same bytes but is not what an encoder writes.
    stem = blob.rstrip("=")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    lenient = stem[:-1] + alphabet[alphabet.index(stem[-1]) ^ 1] + blob[len(stem):]
    receipt["checkpoint"] = text.replace(blob, lenient)
    report = verify_receipt(dumps(receipt), [log.verifier_key()])
    assert not report.ok and "规范" in report.errors[0]
