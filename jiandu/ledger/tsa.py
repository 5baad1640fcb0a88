"""RFC 3161 timestamps of checkpoints: build the TimeStampReq, ask a TSA, check the TimeStampResp.

The TSA's certificate is configured (pinned) by the operator; a response is accepted only if it is
signed by that certificate's key, the certificate is for time stamping (RFC 3161 §2.3) and valid at
the stamped time, and the token's message imprint and nonce are those of our request.
"""

from __future__ import annotations

import hashlib
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import cms, core, tsp
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

HASHES = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}
CONTENT_TYPE_QUERY = "application/timestamp-query"
CONTENT_TYPE_REPLY = "application/timestamp-reply"


class TSAError(ValueError):
    """A timestamp that could not be had or does not verify."""


def _digest(name: str, data: bytes) -> bytes:
    if name not in HASHES:
        raise TSAError(f"不支持的摘要算法：{name} (unsupported digest algorithm)")
    return hashlib.new(name, data).digest()


@dataclass(frozen=True)
class TimestampRequest:
    der: bytes
    digest: bytes
    nonce: int
    hash_algorithm: str


@dataclass(frozen=True)
class Timestamp:
    gen_time: datetime
    serial_number: int
    policy: str
    tsa_subject: str
    token: bytes  # the TimeStampToken (CMS ContentInfo), DER: what to store beside the checkpoint


def build_request(data: bytes, *, hash_algorithm: str = "sha256") -> TimestampRequest:
    """A TimeStampReq over `data` with a fresh 64-bit nonce, asking for the TSA's certificate."""
    digest = _digest(hash_algorithm, data)
    nonce = secrets.randbits(64)
    request = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": {"algorithm": hash_algorithm},
                "hashed_message": digest,
            },
            "nonce": nonce,
            "cert_req": True,
        }
    )
    return TimestampRequest(request.dump(), digest, nonce, hash_algorithm)


def load_certificate(data: bytes) -> x509.Certificate:
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError as exc:
        raise TSAError(f"TSA 证书无法解析 (cannot parse TSA certificate: {exc})") from None


def _verify_signature(cert: x509.Certificate, signature: bytes, data: bytes, algo: str, hash_name):
    key = cert.public_key()
    hash_algo = HASHES[hash_name]()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            if algo == "rsassa_pss":
                pad = padding.PSS(mgf=padding.MGF1(hash_algo), salt_length=padding.PSS.AUTO)
            else:
                pad = padding.PKCS1v15()
            key.verify(signature, data, pad, hash_algo)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(hash_algo))
        elif isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, data)
        else:
            raise TSAError("不支持的 TSA 密钥类型 (unsupported TSA key type)")
    except InvalidSignature:
        raise TSAError("时间戳签名不成立 (timestamp signature does not verify)") from None


def _signed_attr(signer_info: cms.SignerInfo, name: str):
    for attr in signer_info["signed_attrs"]:
        if attr["type"].native == name:
            values = attr["values"]
            if len(values) != 1:
                raise TSAError(f"签名属性 {name} 须恰有一个值 (attribute {name} must be single)")
            return values[0]
    raise TSAError(f"缺少签名属性 {name} (missing signed attribute {name})")


def verify_token(
    token_der: bytes,
    *,
    data: bytes,
    tsa_cert: x509.Certificate,
    nonce: int | None = None,
    ca_cert: x509.Certificate | None = None,
) -> Timestamp:
    """Check a TimeStampToken over `data` against the pinned TSA certificate (and its CA)."""
    try:
        content_info = cms.ContentInfo.load(token_der)
        if content_info["content_type"].native != "signed_data":
            raise TSAError("时间戳令牌不是 SignedData (token is not SignedData)")
        signed_data = content_info["content"]
        encap = signed_data["encap_content_info"]
        if encap["content_type"].native != "tst_info":
            raise TSAError("时间戳令牌内容不是 TSTInfo (token content is not TSTInfo)")
        tst_bytes = encap["content"].contents
        tst_info = tsp.TSTInfo.load(tst_bytes)
        signer_infos = signed_data["signer_infos"]
        if len(signer_infos) != 1:
            raise TSAError("时间戳令牌须恰有一个签名者 (token must have exactly one signer)")
        signer_info = signer_infos[0]

        imprint = tst_info["message_imprint"]
        hash_name = imprint["hash_algorithm"]["algorithm"].native
        if imprint["hashed_message"].native != _digest(hash_name, data):
            raise TSAError("时间戳所盖的不是这份数据 (timestamp is over different data)")
        if nonce is not None and tst_info["nonce"].native != nonce:
            raise TSAError("时间戳的随机数与请求不符 (nonce does not match the request)")

        if signer_info["signed_attrs"].native is None:
            raise TSAError("时间戳缺少签名属性 (token has no signed attributes)")
        if _signed_attr(signer_info, "content_type").native != "tst_info":
            raise TSAError("签名属性的内容类型不对 (signed content-type is not TSTInfo)")
        digest_name = signer_info["digest_algorithm"]["algorithm"].native
        if _signed_attr(signer_info, "message_digest").native != _digest(digest_name, tst_bytes):
            raise TSAError("TSTInfo 摘要不符 (TSTInfo digest does not match the signed attribute)")

        _check_signing_certificate(signer_info, tsa_cert)
        sid = signer_info["sid"]
        if sid.name == "issuer_and_serial_number":
            matches = sid.chosen["serial_number"].native == tsa_cert.serial_number
        else:
            matches = sid.chosen.native == _subject_key_id(tsa_cert)
        if not matches:
            raise TSAError("时间戳不是所配置的 TSA 签发 (token signer is not the pinned TSA)")
        # The signature covers the DER of the attributes as a SET (RFC 5652 §5.4), not as [0].
        signed_attrs = b"\x31" + signer_info["signed_attrs"].dump()[1:]
        algo = signer_info["signature_algorithm"].signature_algo
        _verify_signature(
            tsa_cert, signer_info["signature"].native, signed_attrs, algo, digest_name
        )
        gen_time = tst_info["gen_time"].native
        policy = tst_info["policy"].dotted
        serial = tst_info["serial_number"].native
    except (ValueError, KeyError, TypeError) as exc:
        if isinstance(exc, TSAError):
            raise
        raise TSAError(f"时间戳令牌格式不对 (malformed timestamp token: {exc})") from None

    _check_certificate(tsa_cert, gen_time, ca_cert)
    return Timestamp(gen_time, serial, policy, tsa_cert.subject.rfc4514_string(), token_der)


def _check_signing_certificate(signer_info: cms.SignerInfo, cert: x509.Certificate) -> None:
    """RFC 3161 §2.4.1 / RFC 5816: the ESS signing-certificate attribute names the TSA's cert."""
    cert_der = cert.public_bytes(serialization.Encoding.DER)
    names = {attr["type"].native for attr in signer_info["signed_attrs"]}
    if "signing_certificate_v2" in names:
        ess_id = _signed_attr(signer_info, "signing_certificate_v2")["certs"][0]
        hash_name = ess_id["hash_algorithm"]["algorithm"].native
        expected = _digest(hash_name, cert_der)
    elif "signing_certificate" in names:
        ess_id = _signed_attr(signer_info, "signing_certificate")["certs"][0]
        # RFC 2634's ESSCertID fixes SHA-1 for the certificate hash.
        expected = hashlib.sha1(cert_der).digest()
    else:
        raise TSAError("缺少签名证书属性 (missing ESS signing-certificate attribute)")
    if ess_id["cert_hash"].native != expected:
        raise TSAError("时间戳不是所配置的 TSA 证书签发 (ESS cert hash is not the pinned TSA's)")


def _subject_key_id(cert: x509.Certificate) -> bytes | None:
    try:
        return cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    except x509.ExtensionNotFound:
        return None


def _check_certificate(cert: x509.Certificate, at: datetime, ca_cert: x509.Certificate | None):
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound:
        raise TSAError("TSA 证书没有扩展密钥用途 (TSA certificate has no extended key usage)") from None
    if not eku.critical or list(eku.value) != [ExtendedKeyUsageOID.TIME_STAMPING]:
        raise TSAError(
            "TSA 证书的密钥用途须且仅为时间戳且为关键扩展 "
            "(TSA certificate EKU must be timeStamping only, critical: RFC 3161 §2.3)"
        )
    if not cert.not_valid_before_utc <= at <= cert.not_valid_after_utc:
        raise TSAError("时间戳时刻不在 TSA 证书有效期内 (stamped time outside the certificate)")
    if ca_cert is not None:
        try:
            cert.verify_directly_issued_by(ca_cert)
        except (ValueError, TypeError, InvalidSignature):
            raise TSAError("TSA 证书不是所配置的 CA 签发 (TSA cert not issued by the CA)") from None


def verify_response(
    response_der: bytes,
    *,
    request: TimestampRequest,
    data: bytes,
    tsa_cert: x509.Certificate,
    ca_cert: x509.Certificate | None = None,
) -> Timestamp:
    """Check a TimeStampResp to `request` over `data`; the token inside it is what to keep."""
    # Read the SEQUENCE by hand: asn1crypto 1.5.1's TimeStampResp wrongly requires the token,
    # which a refusal (RFC 3161 §2.4.2) does not carry.
    try:
        outer = core.Sequence.load(response_der)
        status_info = tsp.PKIStatusInfo.load(outer[0].dump())
        status = status_info["status"].native
        token_der = outer[1].dump() if len(outer) > 1 else None
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise TSAError(f"时间戳响应格式不对 (malformed timestamp response: {exc})") from None
    if status not in ("granted", "granted_with_mods"):
        text = " ".join(status_info["status_string"].native or [])
        raise TSAError(f"TSA 拒绝：{status} {text} (TSA refused the request)")
    if token_der is None:
        raise TSAError("响应中没有时间戳令牌 (response carries no token)")
    if _digest(request.hash_algorithm, data) != request.digest:
        raise TSAError("数据与请求不符 (data does not match the request)")
    return verify_token(
        token_der, data=data, tsa_cert=tsa_cert, nonce=request.nonce, ca_cert=ca_cert
    )


def request_timestamp(
    url: str,
    data: bytes,
    *,
    tsa_cert: x509.Certificate,
    ca_cert: x509.Certificate | None = None,
    timeout: float = 10,
) -> Timestamp:
    """Ask the TSA at `url` to stamp `data` (e.g. a checkpoint body) and check what it returns."""
    request = build_request(data)
    http_request = urllib.request.Request(
        url, data=request.der, method="POST", headers={"Content-Type": CONTENT_TYPE_QUERY}
    )
    try:
        with urllib.request.urlopen(http_request, timeout=timeout) as response:
            body = response.read()
    except (urllib.error.URLError, OSError) as exc:
        raise TSAError(f"无法访问 TSA {url} (cannot reach the TSA: {exc})") from None
    return verify_response(body, request=request, data=data, tsa_cert=tsa_cert, ca_cert=ca_cert)
