"""Encryption at rest of personal data (SM4-GCM by default, AES-GCM optional), keyed hashes, masks.

GB/T 39786-2021 level 3 asks confidentiality of ID and phone numbers at rest. A value is
stored as ``<alg>:<base64(nonce ‖ ciphertext ‖ tag)>`` so the algorithm can change without
re-encrypting old rows; equality search goes through a keyed hash (HMAC-SM3 would be slower
for no gain here: the key, not the hash function, is what keeps a 身份证号 from being guessed).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

ALGORITHMS = ("sm4gcm", "aesgcm")
_NONCE = 12
_TAG = 16


class DecryptionError(ValueError):
    pass


@lru_cache(maxsize=4)
def _keys(master_b64: str) -> dict[str, bytes]:
    master = base64.b64decode(master_b64)

    def derive(info: bytes, length: int) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(master)

    return {
        "sm4gcm": derive(b"jiandu/sm4gcm", 16),
        "aesgcm": derive(b"jiandu/aesgcm", 32),
        "mac": derive(b"jiandu/keyed-hash", 32),
    }


def _current_keys() -> dict[str, bytes]:
    return _keys(settings.JIANDU_DATA_KEY)


def encrypt_text(plain: str, *, algorithm: str | None = None) -> str:
    alg = algorithm or getattr(settings, "JIANDU_CIPHER", "sm4gcm")
    if alg not in ALGORITHMS:
        raise ValueError(f"unknown cipher {alg!r}")
    key = _current_keys()[alg]
    nonce = secrets.token_bytes(_NONCE)
    data = plain.encode()
    if alg == "aesgcm":
        sealed = AESGCM(key).encrypt(nonce, data, None)
    else:
        enc = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
        sealed = enc.update(data) + enc.finalize() + enc.tag
    return f"{alg}:{base64.b64encode(nonce + sealed).decode()}"


def decrypt_text(token: str) -> str:
    try:
        alg, b64 = token.split(":", 1)
        raw = base64.b64decode(b64, validate=True)
        key = _current_keys()[alg]
        if len(raw) < _NONCE + _TAG:
            raise ValueError("too short")
    except (ValueError, KeyError) as exc:
        raise DecryptionError("密文格式无效 (malformed ciphertext)") from exc
    nonce, sealed = raw[:_NONCE], raw[_NONCE:]
    try:
        if alg == "aesgcm":
            data = AESGCM(key).decrypt(nonce, sealed, None)
        else:
            dec = Cipher(algorithms.SM4(key), modes.GCM(nonce, sealed[-_TAG:])).decryptor()
            data = dec.update(sealed[:-_TAG]) + dec.finalize()
    except InvalidTag as exc:
        raise DecryptionError("密文校验失败：数据被篡改或密钥错误 (ciphertext failed authentication)") from exc
    return data.decode()


def keyed_hash(value: str) -> str:
    """A stable, unguessable stand-in for a personal identifier, for equality matching."""
    return hmac.new(_current_keys()["mac"], value.encode(), hashlib.sha256).hexdigest()


def keyed_digest(data: bytes) -> str:
    return hmac.new(_current_keys()["mac"], data, hashlib.sha256).hexdigest()


def mask_id_number(number: str | None) -> str:
    """1101**********002X: region kept, birth date and sequence hidden."""
    if not number:
        return ""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def id_number_masked(token: str) -> str:
    """An encrypted 身份证号 as a screen may show it: decrypted only to be masked at once; a token
    that cannot be decrypted shows as such rather than failing the whole page."""
    try:
        return mask_id_number(decrypt_text(token))
    except DecryptionError:
        return "（无法解密）"


def mask_phone(phone: str | None) -> str:
    """138****5678."""
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
