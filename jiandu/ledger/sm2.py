"""SM2 signatures (GB/T 32918.2, SM3 over Z_A ‖ M) for 国密 checkpoint keys, nonces from `secrets`.

The point multiplication is snowland-smx 1.1.0 (`pysmx`), chosen by measurement on this machine
(2 cores shared with other jobs, load average 1.9–2.6 during the run; Python 3.11; a 90-byte
checkpoint body; GB/T 32918 sample key d = 3945208F…, whose public x starts with 0x09; median of
3 loops of 60 signatures or verifications, `time.perf_counter`):

| library (version)                 | sign/s | verify/s | GB/T 32918 sample   | key 04‖09F9… round trip  | nonce source             |
|-----------------------------------|-------:|---------:|---------------------|--------------------------|--------------------------|
| this module on snowland-smx 1.1.0 |    288 |      117 | Z_A, e, r, s equal  | ok, compressed too       | secrets.randbelow        |
| snowland-smx 1.1.0, `uid=` path   |     86 |       93 | r, s equal          | 04-prefixed key refused  | caller passes k          |
| gmalg 1.1.2                       |     47 |       38 | verifies            | ok, compressed too       | secrets.randbits         |
| gmssl 3.2.2                       |    121 |       48 | only with raw x‖y   | corrupted: crash         | random.choice (unsafe)   |
| gmssl-python 2.2.2                |      — |        — | —                   | —                        | needs libgmssl: absent   |

An earlier run at load 0.6 gave the same order (pysmx with e precomputed 531/274, its `uid=` path
234/229, gmssl 171/96, gmalg 84/43).

This module computes Z_A and e = SM3(Z_A ‖ M) with `cryptography`'s SM3 and the signature
equation itself, leaving only the point multiplications to pysmx; pysmx's own `uid=` path is
slower because it derives the public key again for every signature. gmssl strips "04" with `str.lstrip`, so every
public key whose hex starts with 0 or 4 is mangled, and draws nonces from `random`. The encoding
and validation of public keys (uncompressed 04‖x‖y and compressed 02/03‖x) are done in this
module, so no library parsing is trusted. The arithmetic is pure Python and not constant-time;
that is acceptable for a key that signs a checkpoint every few seconds on the platform's own
host, not for a key exposed to remote timing measurement of many signatures.
"""

from __future__ import annotations

import importlib
import secrets
from dataclasses import dataclass
from functools import cache

from cryptography.hazmat.primitives import hashes


@cache
def _pysmx():
    # Loaded on first use: importing it costs ~0.3 s, and most processes never touch an SM2 key.
    return importlib.import_module("pysmx.SM2")


# GB/T 32918.5 recommended curve parameters.
P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
A = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC
B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
GX = 0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7
GY = 0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0

# GM/T 0009 default user ID when the parties agree on none.
DEFAULT_UID = b"1234567812345678"

SIGNATURE_SIZE = 64


class SM2Error(ValueError):
    """A malformed SM2 key or signature."""


def _sm3(data: bytes) -> bytes:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


def _hex32(value: int) -> str:
    return f"{value:064x}"


@dataclass(frozen=True)
class SM2PublicKey:
    x: int
    y: int

    @classmethod
    def from_bytes(cls, data: bytes) -> SM2PublicKey:
        """Decode 04‖x‖y (65 bytes) or 02/03‖x (33 bytes), and check that the point is on the curve."""
        if len(data) == 65 and data[0] == 0x04:
            x = int.from_bytes(data[1:33], "big")
            y = int.from_bytes(data[33:], "big")
        elif len(data) == 33 and data[0] in (0x02, 0x03):
            x = int.from_bytes(data[1:], "big")
            if x >= P:
                raise SM2Error("SM2 公钥坐标超出范围 (SM2 public key coordinate out of range)")
            rhs = (pow(x, 3, P) + A * x + B) % P
            # P ≡ 3 (mod 4), so a square root is rhs^((P+1)/4) when one exists.
            y = pow(rhs, (P + 1) // 4, P)
            if (y * y) % P != rhs:
                raise SM2Error("SM2 公钥不在曲线上 (SM2 public key is not on the curve)")
            if (y & 1) != (data[0] & 1):
                y = P - y
        else:
            raise SM2Error(
                "SM2 公钥须为 65 字节未压缩或 33 字节压缩格式 "
                "(SM2 public key must be 65-byte uncompressed or 33-byte compressed)"
            )
        key = cls(x, y)
        key._check()
        return key

    def _check(self) -> None:
        if not (0 <= self.x < P and 0 <= self.y < P):
            raise SM2Error("SM2 公钥坐标超出范围 (SM2 public key coordinate out of range)")
        if (self.y * self.y - (pow(self.x, 3, P) + A * self.x + B)) % P != 0:
            raise SM2Error("SM2 公钥不在曲线上 (SM2 public key is not on the curve)")
        # The cofactor is 1: a point on the curve other than infinity has order N.

    def to_bytes(self, *, compressed: bool = False) -> bytes:
        if compressed:
            return bytes([0x02 | (self.y & 1)]) + self.x.to_bytes(32, "big")
        return b"\x04" + self.x.to_bytes(32, "big") + self.y.to_bytes(32, "big")

    def z(self, uid: bytes = DEFAULT_UID) -> bytes:
        """Z_A = SM3(ENTL ‖ ID ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A)."""
        bits = len(uid) * 8
        if bits >= 1 << 16:
            raise SM2Error("SM2 用户标识过长 (SM2 user ID too long)")
        parts = [bits.to_bytes(2, "big"), uid]
        parts += [v.to_bytes(32, "big") for v in (A, B, GX, GY, self.x, self.y)]
        return _sm3(b"".join(parts))

    def digest(self, message: bytes, uid: bytes = DEFAULT_UID) -> int:
        return int.from_bytes(_sm3(self.z(uid) + message), "big")

    def verify(self, message: bytes, signature: bytes, *, uid: bytes = DEFAULT_UID) -> bool:
        """True when `signature` (r‖s, 64 bytes) is this key's signature of `message`."""
        if len(signature) != SIGNATURE_SIZE:
            return False
        r = int.from_bytes(signature[:32], "big")
        s = int.from_bytes(signature[32:], "big")
        # pysmx does not check the ranges that GB/T 32918.2 §7.1 B1–B2 require.
        if not (1 <= r < N and 1 <= s < N):
            return False
        e = self.digest(message, uid)
        return bool(
            _pysmx().Verify(signature, f"{e:x}", _hex32(self.x) + _hex32(self.y), 64, Hexstr=1)
        )


class SM2PrivateKey:
    """An SM2 private key d in [1, N-2]."""

    def __init__(self, d: int) -> None:
        if not 1 <= d <= N - 2:
            raise SM2Error("SM2 私钥超出范围 (SM2 private key out of range)")
        self._d = d
        point = _pysmx().kG(d, f"{GX:064x}{GY:064x}", 64)
        self.public_key = SM2PublicKey(int(point[:64], 16), int(point[64:128], 16))

    @classmethod
    def generate(cls) -> SM2PrivateKey:
        return cls(secrets.randbelow(N - 2) + 1)

    @classmethod
    def from_bytes(cls, data: bytes) -> SM2PrivateKey:
        if len(data) != 32:
            raise SM2Error("SM2 私钥须为 32 字节 (SM2 private key must be 32 bytes)")
        return cls(int.from_bytes(data, "big"))

    def to_bytes(self) -> bytes:
        return self._d.to_bytes(32, "big")

    def sign(self, message: bytes, *, uid: bytes = DEFAULT_UID) -> bytes:
        """r‖s (64 bytes) over SM3(Z_A ‖ message), with a fresh nonce from `secrets` each try."""
        e = self.public_key.digest(message, uid)
        while True:
            signature = _sign_digest(self._d, e, secrets.randbelow(N - 1) + 1)
            if signature is not None:
                return signature


def _sign_digest(d: int, e: int, k: int) -> bytes | None:
    """One signing attempt with nonce k; None when GB/T 32918.2 §6.1 A5/A6 ask for another k."""
    x1 = int(_pysmx().kG(k, f"{GX:064x}{GY:064x}", 64)[:64], 16)
    r = (e + x1) % N
    if r == 0 or r + k == N:
        return None
    s = pow(1 + d, -1, N) * (k - r * d) % N
    if s == 0:
        return None
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")
