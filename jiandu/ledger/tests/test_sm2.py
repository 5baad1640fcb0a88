"""SM2 against the GB/T 32918 sample, key round trips, and the failures that must fail."""

from __future__ import annotations

import secrets

import pytest

from jiandu.ledger import sm2

# GB/T 32918 / GM/T 0003.5 sample on the recommended curve: ID 1234567812345678, "message digest".
D = 0x3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8
PX = 0x09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020
PY = 0xCCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13
ZA = "b2e14c5c79c6df5b85f4fe7ed8db7a262b9da7e07ccb0ea9f4747b8ccda8a4f3"
E = 0xF0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640
K = 0x59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21
R = "f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3"
S = "b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa"
MSG = b"message digest"


def test_standard_sample_public_key_za_e_and_signature():
    key = sm2.SM2PrivateKey(D)
    assert (key.public_key.x, key.public_key.y) == (PX, PY)
    assert key.public_key.z().hex() == ZA
    assert key.public_key.digest(MSG) == E
    assert sm2._sign_digest(D, E, K).hex() == R + S
    assert key.public_key.verify(MSG, bytes.fromhex(R + S))


def test_signatures_are_randomised_and_verify():
    key = sm2.SM2PrivateKey.generate()
    a, b = key.sign(b"checkpoint"), key.sign(b"checkpoint")
    assert a != b
    assert key.public_key.verify(b"checkpoint", a)
    assert key.public_key.verify(b"checkpoint", b)


def test_flipped_byte_wrong_key_wrong_uid_fail():
    key = sm2.SM2PrivateKey.generate()
    sig = key.sign(b"checkpoint")
    for i in (0, 31, 32, 63):
        bad = bytearray(sig)
        bad[i] ^= 0x01
        assert not key.public_key.verify(b"checkpoint", bytes(bad))
    assert not key.public_key.verify(b"checkpoinT", sig)
    assert not sm2.SM2PrivateKey.generate().public_key.verify(b"checkpoint", sig)
    assert not key.public_key.verify(b"checkpoint", sig, uid=b"ALICE123@YAHOO.COM")
    assert not key.public_key.verify(b"checkpoint", sig[:63])
    zero_s = sig[:32] + bytes(32)
    assert not key.public_key.verify(b"checkpoint", zero_s)
    n_r = sm2.N.to_bytes(32, "big") + sig[32:]
    assert not key.public_key.verify(b"checkpoint", n_r)


def _key_with_hex_prefix(first: str) -> sm2.SM2PrivateKey:
    # The encodings gmssl corrupts: public x whose hex starts with "0" or "4".
    while True:
        key = sm2.SM2PrivateKey.generate()
        if f"{key.public_key.x:064x}".startswith(first):
            return key


@pytest.mark.parametrize("first", ["0", "4", "04"])
def test_public_key_round_trip_both_encodings(first):
    key = _key_with_hex_prefix(first)
    pub = key.public_key
    raw = pub.to_bytes()
    comp = pub.to_bytes(compressed=True)
    assert raw[0] == 4 and len(raw) == 65 and raw[1:].hex().startswith(first)
    assert sm2.SM2PublicKey.from_bytes(raw) == pub
    assert sm2.SM2PublicKey.from_bytes(comp) == pub
    assert sm2.SM2PublicKey.from_bytes(comp).to_bytes() == raw
    sig = key.sign(b"x")
    assert sm2.SM2PublicKey.from_bytes(comp).verify(b"x", sig)


def test_sample_key_starting_with_09_round_trips():
    raw = b"\x04" + PX.to_bytes(32, "big") + PY.to_bytes(32, "big")
    assert sm2.SM2PublicKey.from_bytes(raw).to_bytes() == raw
    assert sm2.SM2PublicKey.from_bytes(raw).verify(MSG, bytes.fromhex(R + S))


def test_private_key_round_trip_and_range():
    key = sm2.SM2PrivateKey.generate()
    again = sm2.SM2PrivateKey.from_bytes(key.to_bytes())
    assert again.public_key == key.public_key
    for bad in (0, sm2.N - 1, sm2.N):
        with pytest.raises(sm2.SM2Error):
            sm2.SM2PrivateKey(bad)
    with pytest.raises(sm2.SM2Error):
        sm2.SM2PrivateKey.from_bytes(b"\x01" * 31)


def test_off_curve_and_malformed_public_keys_are_refused():
    pub = sm2.SM2PrivateKey.generate().public_key
    off = b"\x04" + pub.x.to_bytes(32, "big") + ((pub.y + 1) % sm2.P).to_bytes(32, "big")
    for bad in (off, b"\x04" + bytes(64), pub.to_bytes()[:64], b"\x05" + pub.to_bytes()[1:]):
        with pytest.raises(sm2.SM2Error):
            sm2.SM2PublicKey.from_bytes(bad)
    # x whose x^3 + ax + b is not a square has no point: search a few x values for one.
    for _ in range(64):
        x = secrets.randbelow(sm2.P)
        rhs = (pow(x, 3, sm2.P) + sm2.A * x + sm2.B) % sm2.P
        if pow(rhs, (sm2.P - 1) // 2, sm2.P) == sm2.P - 1:
            with pytest.raises(sm2.SM2Error):
                sm2.SM2PublicKey.from_bytes(b"\x02" + x.to_bytes(32, "big"))
            break
    else:
        pytest.fail("no non-residue found in 64 tries")


def test_nonce_comes_from_secrets(monkeypatch):
    drawn = []
    real = secrets.randbelow

    def spy(n):
        value = real(n)
        drawn.append((n, value))
        return value

    monkeypatch.setattr(sm2.secrets, "randbelow", spy)
    key = sm2.SM2PrivateKey(D)
    key.sign(MSG)
    assert drawn and drawn[0][0] == sm2.N - 1
