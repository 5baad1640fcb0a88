"""The witness: extensions are co-signed, forks, shrinks and strangers refused, state kept, over HTTP too."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
import urllib.request

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from jiandu.ledger import keys, merkle, note
from jiandu.ledger import witness as w
from jiandu.ledger.witness_server import WitnessUnavailable, make_server, post_checkpoint

ORIGIN = "gangcheng.jiandu/ledger/2026"
H = merkle.Hasher("sm3")


def leaves(prefix: str, n: int) -> list[bytes]:
    return [H.leaf(f"{prefix}{i}".encode()) for i in range(n)]


class Log:
    """A log in memory: signs checkpoints of its leaves and gives consistency proofs."""

    def __init__(self, signer, origin=ORIGIN):
        self.signer, self.origin, self.leaves = signer, origin, []

    def checkpoint(self, size=None) -> str:
        size = len(self.leaves) if size is None else size
        body = note.checkpoint_body(self.origin, size, merkle.root(H, self.leaves[:size]))
        return note.sign_note(body, [self.signer])

    def proof(self, old: int, new: int | None = None) -> list[bytes]:
        new = len(self.leaves) if new is None else new
        if old == 0 or old == new:
            return []
        return merkle.consistency_proof(H, self.leaves[:new], old)


@pytest.fixture
def log_signer():
    return keys.generate_signer(ORIGIN, "ed25519")


@pytest.fixture
def witness_signer():
    return keys.generate_witness_signer("notary.example/w1")


@pytest.fixture
def witness(tmp_path, log_signer, witness_signer):
    return w.Witness(tmp_path / "state.json", witness_signer, {ORIGIN: log_signer.verifier()},
                     clock=lambda: 1_800_000_000)


def cosig_ok(witness_signer, checkpoint_text, line) -> int:
    verifier = note.cosignature_verifier(witness_signer.verifier_key())
    return note.verify_cosignature(checkpoint_text, line, verifier)


def test_first_checkpoint_then_proper_extensions_are_cosigned(witness, witness_signer, log_signer):
    log = Log(log_signer)
    log.leaves = leaves("a", 5)
    cp5 = log.checkpoint()
    assert cosig_ok(witness_signer, cp5, witness.add_checkpoint(0, cp5, [])) == 1_800_000_000
    log.leaves += leaves("b", 8)
    cp13 = log.checkpoint()
    line = witness.add_checkpoint(5, cp13, log.proof(5))
    assert cosig_ok(witness_signer, cp13, line)
    assert witness.latest(ORIGIN).size == 13
    # The same checkpoint again is co-signed again (same size, same root).
    assert cosig_ok(witness_signer, cp13, witness.add_checkpoint(13, cp13, []))


def test_forked_log_is_refused_as_split_view(witness, log_signer):
    honest, fork = Log(log_signer), Log(log_signer)
    honest.leaves = leaves("x", 6)
    fork.leaves = leaves("x", 6)
    witness.add_checkpoint(0, honest.checkpoint(), [])
    honest.leaves += leaves("honest", 4)
    fork.leaves += leaves("fork", 4)
    witness.add_checkpoint(6, honest.checkpoint(), honest.proof(6))
    # The fork shares the first 6 leaves, diverges after; it presents a proof from 6 (its own,
    # valid for its own tree) but the witness is at 10 on the honest branch.
    fork.leaves += leaves("more", 3)
    with pytest.raises(w.Conflict) as conflict:
        witness.add_checkpoint(6, fork.checkpoint(), fork.proof(6))
    assert conflict.value.latest_size == 10 and conflict.value.status == 409
    with pytest.raises(w.BadProof) as refused:
        witness.add_checkpoint(10, fork.checkpoint(), fork.proof(10))
    assert refused.value.status == 422
    # A fork of the same size as the witness's view is a conflict too.
    with pytest.raises(w.Conflict):
        witness.add_checkpoint(10, fork.checkpoint(10), [])
    assert witness.latest(ORIGIN).size == 10
    # Both refused forks are kept, log-signed, as evidence; the plain stale retry is not.
    evidence = [json.loads(x) for x in witness.evidence_path.read_text().splitlines()]
    assert [e["checkpoint"] for e in evidence] == [fork.checkpoint(), fork.checkpoint(10)]
    assert "split view" in evidence[0]["reason"]


def test_shrink_unknown_origin_bad_signature_bad_proof(tmp_path, witness, log_signer):
    log = Log(log_signer)
    log.leaves = leaves("a", 9)
    witness.add_checkpoint(0, log.checkpoint(), [])
    with pytest.raises(w.SizeShrinks) as shrink:
        witness.add_checkpoint(9, log.checkpoint(4), [])
    assert shrink.value.status == 400
    with pytest.raises(w.Conflict):
        witness.add_checkpoint(3, log.checkpoint(4), [])

    stranger = Log(log_signer, origin="other.example/log")
    stranger.leaves = leaves("s", 2)
    with pytest.raises(w.UnknownLog) as unknown:
        witness.add_checkpoint(0, stranger.checkpoint(), [])
    assert unknown.value.status == 404

    impostor = Log(keys.generate_signer(ORIGIN))
    impostor.leaves = leaves("a", 12)
    with pytest.raises(w.BadSignature) as bad_sig:
        witness.add_checkpoint(9, impostor.checkpoint(), impostor.proof(9))
    assert bad_sig.value.status == 403

    log.leaves += leaves("b", 3)
    proof = log.proof(9)
    proof[0] = bytes(32)
    with pytest.raises(w.BadProof):
        witness.add_checkpoint(9, log.checkpoint(), proof)
    with pytest.raises(w.BadRequest):
        witness.add_checkpoint(0, "not a checkpoint\n", [])
    assert witness.latest(ORIGIN).size == 9


def test_state_survives_restart_and_is_written_atomically(tmp_path, log_signer, witness_signer):
    state = tmp_path / "state.json"
    log = Log(log_signer)
    log.leaves = leaves("a", 4)
    first = w.Witness(state, witness_signer, {ORIGIN: log_signer.verifier()})
    first.add_checkpoint(0, log.checkpoint(), [])
    saved = json.loads(state.read_text())
    assert saved["logs"][ORIGIN]["size"] == 4
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]

    reloaded = note.parse_signer_key(witness_signer.signer_key())
    restarted = w.Witness(state, reloaded, {ORIGIN: log_signer.verifier()})
    assert restarted.latest(ORIGIN).size == 4
    with pytest.raises(w.Conflict) as conflict:
        restarted.add_checkpoint(0, log.checkpoint(), [])
    assert conflict.value.latest_size == 4
    log.leaves += leaves("b", 1)
    restarted.add_checkpoint(4, log.checkpoint(), log.proof(4))
    assert w.Witness(state, witness_signer, {}).latest(ORIGIN).size == 5


def test_prefix_origin_and_sm2_log_key(tmp_path, witness_signer):
    sm2_log = keys.generate_signer("gangcheng.jiandu/ledger", "sm2")
    witness = w.Witness(tmp_path / "s.json", witness_signer,
                        {"gangcheng.jiandu/ledger/*": [sm2_log.verifier()]})
    log = Log(sm2_log, origin="gangcheng.jiandu/ledger/2027")
    log.leaves = leaves("y", 3)
    assert cosig_ok(witness_signer, log.checkpoint(), witness.add_checkpoint(0, log.checkpoint(), []))
    assert witness.latest("gangcheng.jiandu/ledger/2026") is None


def test_request_body_round_trip_and_limits():
    proof = [bytes([i]) * 32 for i in range(3)]
    body = w.add_checkpoint_body(7, proof, "o\n1\nx\n\n— a b\n")
    assert body.startswith(b"old 7\n")
    assert w.parse_add_checkpoint_body(body) == (7, proof, "o\n1\nx\n\n— a b\n")
    for bad in (b"old 07\n\ncp\n", b"new 1\n\ncp\n", b"old 1\n!!\n\ncp\n", b"old 1\ncp\n",
                b"old 0\n" + b"AAAA\n" * 64 + b"\ncp\n", b"\xff"):
        with pytest.raises(w.BadRequest):
            w.parse_add_checkpoint_body(bad)


@pytest.fixture
def server(witness):
    srv = make_server(witness, "127.0.0.1", 0)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()
    thread.join(timeout=5)


def test_http_end_to_end(server, witness_signer, log_signer):
    log = Log(log_signer)
    log.leaves = leaves("h", 3)
    cp3 = log.checkpoint()
    line = post_checkpoint(server, 0, [], cp3)
    assert cosig_ok(witness_signer, cp3, line)

    log.leaves += leaves("i", 5)
    cp8 = log.checkpoint()
    with pytest.raises(w.Conflict) as conflict:
        post_checkpoint(server, 0, [], cp8)
    assert conflict.value.latest_size == 3
    # The log retries from the witness's size, as tlog-witness intends.
    line = post_checkpoint(server, conflict.value.latest_size, log.proof(3), cp8)
    assert cosig_ok(witness_signer, cp8, line)
    signed = note.add_signature_lines(cp8, [line])
    verifiers = [log_signer.verifier(), note.cosignature_verifier(witness_signer.verifier_key())]
    assert note.open_note(signed, verifiers)[1] == [ORIGIN, witness_signer.name]

    bad_proof = [bytes(32)] * len(log.proof(3))
    log.leaves += leaves("j", 1)
    with pytest.raises(w.BadProof):
        post_checkpoint(server, 8, bad_proof, log.checkpoint())
    with pytest.raises(w.BadSignature):
        post_checkpoint(server, 8, [], note.sign_note(note.checkpoint_body(ORIGIN, 8, bytes(32)),
                                                      [keys.generate_signer(ORIGIN)]))
    with pytest.raises(w.UnknownLog):
        post_checkpoint(server, 0, [], note.sign_note(note.checkpoint_body("x", 1, bytes(32)),
                                                      [log_signer]))

    request = urllib.request.Request(server + "/add-checkpoint", data=b"old 8\n\n", method="POST")
    with pytest.raises(urllib.error.HTTPError) as raw:
        urllib.request.urlopen(request, timeout=5)
    assert raw.value.code == 400
    request = urllib.request.Request(server + "/add-checkpoint", data=b"old 5\n\n" + cp8.encode(),
                                     method="POST")
    with pytest.raises(urllib.error.HTTPError) as raw:
        urllib.request.urlopen(request, timeout=5)
    assert raw.value.code == 409
    assert raw.value.headers["Content-Type"] == "text/x.tlog.size"
    assert raw.value.read() == b"8\n"
    with urllib.request.urlopen(server + "/", timeout=5) as response:
        page = response.read().decode().splitlines()
    # Name and key first, then what it has co-signed: this log at 8 (the refused ones kept).
    assert page[:2] == [witness_signer.name, witness_signer.verifier_key()]
    line = next(x for x in page if x.startswith(ORIGIN))
    assert line.split("\t")[:3] == [ORIGIN, "8", merkle.root(H, log.leaves[:8]).hex()]
    # The bad proof is kept as evidence; the stale sizes and the stranger's signature are not.
    assert page[-1] == ("拒绝联署并留存为证据的检查点 (refused checkpoints kept as evidence): 1，"
                        "见 state.json.evidence.jsonl")


def test_status_lists_what_was_cosigned_and_the_forks_kept(tmp_path, witness, log_signer, capsys):
    log, fork = Log(log_signer), Log(log_signer)
    other = Log(log_signer, origin=ORIGIN.replace("2026", "2025"))
    witness.known_logs[other.origin] = [log_signer.verifier()]
    log.leaves, other.leaves = leaves("s", 4), leaves("o", 2)
    witness.add_checkpoint(0, log.checkpoint(), [])
    witness.add_checkpoint(0, other.checkpoint(), [])
    fork.leaves = leaves("f", 4)
    with pytest.raises(w.Conflict):
        witness.add_checkpoint(4, fork.checkpoint(), [])
    logs, refused = w.read_status(witness.state_path)
    assert [(x.origin, x.size, x.root, x.time) for x in logs] == [
        (other.origin, 2, merkle.root(H, other.leaves), 1_800_000_000),
        (ORIGIN, 4, merkle.root(H, log.leaves), 1_800_000_000)]
    assert refused == 1
    call_command("witness", "status", "--state", str(witness.state_path))
    out = capsys.readouterr().out
    # 1,800,000,000 s is 2027-01-15 08:00:00 UTC: 16:00 in Beijing.
    assert f"{ORIGIN}\t4\t{merkle.root(H, log.leaves).hex()}\t2027-01-15 16:00:00" in out
    assert out.startswith("已联署的日志 (logs co-signed): 2\n来源 (origin)\t") and "evidence): 1" in out
    with pytest.raises(CommandError, match="no such state file"):
        call_command("witness", "status", "--state", str(tmp_path / "none.json"))


def test_status_of_state_written_before_times_were_kept(tmp_path):
    state = tmp_path / "old.json"
    state.write_text(json.dumps({"version": 1, "logs": {ORIGIN: {
        "size": 3, "root": base64.b64encode(bytes(32)).decode(), "checkpoint": "x"}}}))
    text = w.status_text(state)
    assert f"{ORIGIN}\t3\t{'00' * 32}\t-" in text and "evidence): 0" in text


def test_unreachable_witness():
    with pytest.raises(WitnessUnavailable):
        post_checkpoint("http://127.0.0.1:9", 0, [], "o\n1\nAAAA\n\n— a AAAAAAAA\n", timeout=2)


def test_cli_keygen_and_cosign(tmp_path, log_signer, capsys):
    key = tmp_path / "witness.key"
    call_command("witness", "keygen", "--name", "notary.example/w2", "--out", str(key))
    out = capsys.readouterr().out
    vkey = out.strip().splitlines()[-1]
    assert note.cosignature_verifier(vkey).name == "notary.example/w2"
    with pytest.raises(CommandError):
        call_command("witness", "keygen", "--name", "n", "--out", str(key))

    log = Log(log_signer)
    log.leaves = leaves("c", 4)
    cp_file = tmp_path / "cp.txt"
    cp_file.write_text(log.checkpoint())
    common = ["--key", str(key), "--state", str(tmp_path / "st.json"), "--origin", ORIGIN,
              "--log-key", log_signer.verifier_key()]
    call_command("witness", "cosign", str(cp_file), *common)
    line = capsys.readouterr().out
    verifier = note.cosignature_verifier(vkey)
    assert note.verify_cosignature(log.checkpoint(), line, verifier)

    log.leaves += leaves("d", 4)
    cp_file.write_text(log.checkpoint())
    proof_file = tmp_path / "proof.txt"
    proof_file.write_text("not*base64\n")
    with pytest.raises(CommandError, match="proof line is not base64"):
        call_command("witness", "cosign", str(cp_file), "--proof", str(proof_file), *common)
    proof_file.write_text("".join(base64.b64encode(h).decode() + "\n" for h in log.proof(4)))
    call_command("witness", "cosign", str(cp_file), "--proof", str(proof_file), *common)
    assert note.verify_cosignature(log.checkpoint(), capsys.readouterr().out, verifier)

    fork = Log(log_signer)
    fork.leaves = leaves("c", 4) + leaves("z", 6)
    cp_file.write_text(fork.checkpoint())
    proof_file.write_text("".join(base64.b64encode(h).decode() + "\n" for h in fork.proof(8)))
    with pytest.raises(CommandError, match="split view"):
        call_command("witness", "cosign", str(cp_file), "--proof", str(proof_file), *common)


def test_oversized_request_is_refused(server):
    request = urllib.request.Request(server + "/add-checkpoint", data=b"x" * (64 * 1024 + 1),
                                     method="POST")
    with pytest.raises(urllib.error.HTTPError) as raw:
        urllib.request.urlopen(request, timeout=5)
    assert raw.value.code == 413


def test_standalone_server_runs_without_django(tmp_path, log_signer, witness_signer):
    key = tmp_path / "w.key"
    keys.write_signer(key, witness_signer)
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    code = "import sys, jiandu.ledger.witness_server; print('django' in sys.modules)"
    probe = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                           timeout=60)
    assert probe.stdout.strip() == "False", probe.stderr
    proc = subprocess.Popen(
        [sys.executable, "-m", "jiandu.ledger.witness_server", "--key", str(key), "--state",
         str(tmp_path / "st.json"), "--origin", ORIGIN, "--log-key", log_signer.verifier_key(),
         "--hash", "sm3", "--port", "0"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        first = proc.stdout.readline()
        url = first.split("http://", 1)[1].split("/", 1)[0]
        log = Log(log_signer)
        log.leaves = leaves("p", 2)
        line = post_checkpoint(f"http://{url}", 0, [], log.checkpoint())
        assert cosig_ok(witness_signer, log.checkpoint(), line)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()
        proc.stderr.close()
