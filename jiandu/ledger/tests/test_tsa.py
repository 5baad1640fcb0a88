"""RFC 3161 timestamps of checkpoint bodies against a local TSA, and against OpenSSL where present."""

from __future__ import annotations

import base64
import shutil
import subprocess

import pytest
from asn1crypto import cms, tsp
from cryptography.hazmat.primitives import serialization

from jiandu.ledger import note, tsa
from jiandu.ledger.tests.tsa_fixture import POLICY, LocalTSA

BODY = note.checkpoint_body("gangcheng.jiandu/ledger/2026", 1234, bytes(range(32))).encode()


@pytest.fixture(scope="module")
def local_tsa():
    return LocalTSA()


def test_timestamp_over_checkpoint_verifies(local_tsa):
    request = tsa.build_request(BODY)
    response = local_tsa.respond(request.der)
    stamp = tsa.verify_response(
        response, request=request, data=BODY, tsa_cert=local_tsa.cert, ca_cert=local_tsa.ca_cert
    )
    assert stamp.policy == POLICY and stamp.serial_number >= 1
    assert stamp.tsa_subject == "CN=Jiandu Test TSA"
    # The stored token verifies again later on its own.
    again = tsa.verify_token(stamp.token, data=BODY, tsa_cert=local_tsa.cert)
    assert again.gen_time == stamp.gen_time


def test_tampered_body_fails(local_tsa):
    request = tsa.build_request(BODY)
    stamp = tsa.verify_response(
        local_tsa.respond(request.der), request=request, data=BODY, tsa_cert=local_tsa.cert
    )
    tampered = BODY.replace(b"1234", b"1235")
    with pytest.raises(tsa.TSAError, match="different data"):
        tsa.verify_token(stamp.token, data=tampered, tsa_cert=local_tsa.cert)
    with pytest.raises(tsa.TSAError):
        tsa.verify_response(
            local_tsa.respond(request.der), request=request, data=tampered,
            tsa_cert=local_tsa.cert,
        )


def test_flipped_signature_other_tsa_wrong_nonce_and_ca_fail(local_tsa):
    request = tsa.build_request(BODY)
    response = local_tsa.respond(request.der)
    token = tsp.TimeStampResp.load(response)["time_stamp_token"]
    info = token["content"]["signer_infos"][0]
    sig = bytearray(info["signature"].native)
    sig[-1] ^= 1
    info["signature"] = bytes(sig)
    flipped = cms.ContentInfo.load(token.dump(force=True)).dump()
    with pytest.raises(tsa.TSAError):
        tsa.verify_token(flipped, data=BODY, tsa_cert=local_tsa.cert)

    other = LocalTSA()
    with pytest.raises(tsa.TSAError, match="pinned TSA"):
        tsa.verify_response(response, request=request, data=BODY, tsa_cert=other.cert)
    with pytest.raises(tsa.TSAError, match="CA"):
        tsa.verify_response(
            response, request=request, data=BODY, tsa_cert=local_tsa.cert, ca_cert=other.ca_cert
        )
    replay = tsa.build_request(BODY)
    with pytest.raises(tsa.TSAError, match="nonce"):
        tsa.verify_response(response, request=replay, data=BODY, tsa_cert=local_tsa.cert)


def test_refusal_and_garbage_and_eku(local_tsa):
    request = tsa.build_request(BODY)
    with pytest.raises(tsa.TSAError, match="refused"):
        tsa.verify_response(
            local_tsa.respond(request.der, status="rejection"),
            request=request, data=BODY, tsa_cert=local_tsa.cert,
        )
    with pytest.raises(tsa.TSAError):
        tsa.verify_response(b"\x30\x03junk", request=request, data=BODY, tsa_cert=local_tsa.cert)
    lax = LocalTSA(eku_critical=False)
    with pytest.raises(tsa.TSAError, match="EKU"):
        tsa.verify_response(
            lax.respond(request.der), request=request, data=BODY, tsa_cert=lax.cert
        )


def test_request_over_http(local_tsa):
    server, url = local_tsa.serve()
    try:
        stamp = tsa.request_timestamp(
            url, BODY, tsa_cert=local_tsa.cert, ca_cert=local_tsa.ca_cert
        )
        assert tsa.verify_token(stamp.token, data=BODY, tsa_cert=local_tsa.cert).serial_number
    finally:
        server.shutdown()
        server.server_close()
    with pytest.raises(tsa.TSAError, match="reach"):
        tsa.request_timestamp("http://127.0.0.1:9/", BODY, tsa_cert=local_tsa.cert, timeout=2)


def test_certificate_loading(local_tsa):
    pem = local_tsa.cert.public_bytes(serialization.Encoding.PEM)
    der = local_tsa.cert.public_bytes(serialization.Encoding.DER)
    assert tsa.load_certificate(pem) == tsa.load_certificate(der) == local_tsa.cert
    with pytest.raises(tsa.TSAError):
        tsa.load_certificate(b"not a cert")


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl command not installed")
def test_interoperates_with_openssl_ts(tmp_path, local_tsa):
    """OpenSSL verifies our request and the fixture's token; we verify OpenSSL's TSA reply."""
    pem = serialization.Encoding.PEM
    (tmp_path / "ca.pem").write_bytes(local_tsa.ca_cert.public_bytes(pem))
    (tmp_path / "tsa.pem").write_bytes(local_tsa.cert.public_bytes(pem))
    (tmp_path / "tsa.key").write_bytes(local_tsa.key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    (tmp_path / "data").write_bytes(BODY)
    request = tsa.build_request(BODY)
    (tmp_path / "req").write_bytes(request.der)
    (tmp_path / "ours.resp").write_bytes(local_tsa.respond(request.der))

    def openssl(*args):
        return subprocess.run(["openssl", "ts", *args], cwd=tmp_path, capture_output=True,
                              text=True, timeout=60)

    checked = openssl("-verify", "-queryfile", "req", "-in", "ours.resp", "-CAfile", "ca.pem",
                      "-untrusted", "tsa.pem")
    assert "Verification: OK" in checked.stdout, checked.stderr

    (tmp_path / "serial").write_text("01\n")
    (tmp_path / "tsa.cnf").write_text(
        "[ tsa ]\ndefault_tsa = t\n[ t ]\nserial = serial\nsigner_digest = sha256\n"
        "default_policy = 1.2.3.4.1\ndigests = sha256\ness_cert_id_alg = sha256\n"
    )
    made = openssl("-reply", "-config", "tsa.cnf", "-queryfile", "req", "-signer", "tsa.pem",
                   "-inkey", "tsa.key", "-out", "openssl.resp")
    assert (tmp_path / "openssl.resp").exists(), made.stderr
    stamp = tsa.verify_response((tmp_path / "openssl.resp").read_bytes(), request=request,
                                data=BODY, tsa_cert=local_tsa.cert, ca_cert=local_tsa.ca_cert)
    assert stamp.policy == "1.2.3.4.1"
    with pytest.raises(tsa.TSAError):
        tsa.verify_token(stamp.token, data=BODY + b"x", tsa_cert=local_tsa.cert)
    assert base64.b64encode(stamp.token)
