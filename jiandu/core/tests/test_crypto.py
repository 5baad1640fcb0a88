"""Tests of personal-data encryption at rest, keyed hashes and on-screen masks."""

import base64

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from jiandu.core.crypto import (
    ALGORITHMS,
    DecryptionError,
    decrypt_text,
    encrypt_text,
    keyed_hash,
    mask_id_number,
    mask_phone,
)


def flip(token: str, index: int, bit: int) -> str:
    alg, b64 = token.split(":", 1)
    raw = bytearray(base64.b64decode(b64))
    raw[index % len(raw)] ^= 1 << bit
    return f"{alg}:{base64.b64encode(bytes(raw)).decode()}"


class TestEncryption:
    @pytest.mark.parametrize("algorithm", ALGORITHMS)
    @given(plain=st.text())
    def test_round_trip(self, algorithm, plain):
        token = encrypt_text(plain, algorithm=algorithm)
        assert token.startswith(f"{algorithm}:")
        assert decrypt_text(token) == plain

    @pytest.mark.parametrize("algorithm", ALGORITHMS)
    def test_plaintext_does_not_show_and_nonces_differ(self, algorithm):
        first = encrypt_text("11010519491231002X", algorithm=algorithm)
        second = encrypt_text("11010519491231002X", algorithm=algorithm)
        assert first != second
        assert "11010519491231002X" not in first

    def test_default_algorithm_is_sm4(self):
        assert encrypt_text("x").startswith("sm4gcm:")

    @pytest.mark.parametrize("algorithm", ALGORITHMS)
    @given(plain=st.text(min_size=1), index=st.integers(min_value=0), bit=st.integers(0, 7))
    def test_any_flipped_bit_is_detected(self, algorithm, plain, index, bit):
        # nonce, ciphertext or tag: GCM authenticates all of them
        token = encrypt_text(plain, algorithm=algorithm)
        with pytest.raises(DecryptionError):
            decrypt_text(flip(token, index, bit))

    def test_a_token_under_the_wrong_algorithm_is_detected(self):
        token = encrypt_text("13812345678", algorithm="sm4gcm")
        with pytest.raises(DecryptionError):
            decrypt_text("aesgcm:" + token.split(":", 1)[1])

    def test_truncated_token_is_detected(self):
        token = encrypt_text("13812345678", algorithm="aesgcm")
        alg, b64 = token.split(":", 1)
        raw = base64.b64decode(b64)
        with pytest.raises(DecryptionError):
            decrypt_text(f"{alg}:{base64.b64encode(raw[:-1]).decode()}")

    @pytest.mark.parametrize("token", ["", "no-colon", "sm4gcm:***", "rot13:AAAA"])
    def test_malformed_tokens_raise_decryption_error(self, token):
        with pytest.raises(DecryptionError):
            decrypt_text(token)

    # Known defect in crypto.py, kept visible rather than asserted away: a payload shorter
    # than nonce + tag reaches cryptography's own ValueError before the authentication
    # check. strict=True turns the fix into a failure here, so the marker gets removed.
    @pytest.mark.parametrize(("algorithm", "length"), [("sm4gcm", 0), ("sm4gcm", 20), ("aesgcm", 5)])
    def test_payloads_shorter_than_nonce_and_tag_raise_decryption_error(self, algorithm, length):
        with pytest.raises(DecryptionError):
            decrypt_text(f"{algorithm}:{base64.b64encode(b'a' * length).decode()}")

    def test_another_key_cannot_decrypt(self, settings):
        token = encrypt_text("11010519491231002X")
        settings.JIANDU_DATA_KEY = base64.b64encode(b"k" * 32).decode()
        with pytest.raises(DecryptionError):
            decrypt_text(token)

    # Known defect in crypto.py: the key lookup raises KeyError before the "unknown cipher"
    # ValueError branch can run.
    def test_unknown_algorithm_is_refused(self):
        with pytest.raises(ValueError, match="unknown cipher"):
            encrypt_text("x", algorithm="des")


class TestKeyedHash:
    @given(st.text())
    def test_stable(self, value):
        assert keyed_hash(value) == keyed_hash(value)
        assert len(keyed_hash(value)) == 64

    @given(st.text(), st.text())
    def test_different_values_hash_differently(self, a, b):
        assume(a != b)
        assert keyed_hash(a) != keyed_hash(b)

    def test_depends_on_the_key(self, settings):
        before = keyed_hash("11010519491231002X")
        settings.JIANDU_DATA_KEY = base64.b64encode(b"k" * 32).decode()
        assert keyed_hash("11010519491231002X") != before


class TestMasks:
    def test_id_number(self):
        assert mask_id_number("11010519491231002X") == "1101**********002X"

    def test_phone(self):
        assert mask_phone("13812345678") == "138****5678"

    @pytest.mark.parametrize("empty", ["", None])
    def test_empty_values(self, empty):
        assert mask_id_number(empty) == ""
        assert mask_phone(empty) == ""

    def test_short_values_are_fully_hidden(self):
        assert mask_id_number("12345678") == "********"
        assert mask_phone("123456") == "******"

    @given(st.text(alphabet="0123456789X", min_size=9, max_size=18))
    def test_id_mask_keeps_length_and_hides_the_middle(self, number):
        masked = mask_id_number(number)
        assert len(masked) == len(number)
        assert masked[:4] == number[:4] and masked[-4:] == number[-4:]
        assert set(masked[4:-4]) == {"*"}
