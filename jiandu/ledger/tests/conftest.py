"""Fixtures of the ledger's integration tests: a log key per test, the shared samples, a witness."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[3].parent / "shared" / "samples"
ORDER = ("agencies", "officers", "powers", "four_lists", "records")


@pytest.fixture
def ledger_settings(settings, tmp_path):
    """A fresh log key in a temporary directory, and checkpoints without a waiting interval."""
    settings.JIANDU_LEDGER_KEY_FILE = str(tmp_path / "ledger.key")
    settings.JIANDU_LEDGER_ORIGIN = "test.jiandu/ledger"
    settings.JIANDU_CHECKPOINT_SECONDS = 0
    settings.JIANDU_WITNESSES = []
    settings.JIANDU_TSA_URL = ""
    return settings


@pytest.fixture
def samples() -> Path:
    if not SAMPLES.exists():
        pytest.skip(f"shared samples not found at {SAMPLES}")
    return SAMPLES


@pytest.fixture
def load_samples(samples, db, ledger_settings, django_capture_on_commit_callbacks):
    """Import the shared samples as production does; on-commit checkpoints run."""
    from jiandu.records.services import interchange_import

    def load(kinds=ORDER, **paths):
        reports = {}
        for kind in kinds:
            with django_capture_on_commit_callbacks(execute=True):
                reports[kind] = interchange_import(kind=kind, path=paths.get(kind, samples / f"{kind}.jsonl"),
                                                   source="samples")
            assert reports[kind].counts.rejected == 0, reports[kind].problems[:3]
        return reports

    return load


@pytest.fixture
def witness_server(tmp_path, ledger_settings):
    """A notary's witness served over HTTP on a free port in a thread, configured in settings."""
    from jiandu.ledger import keys
    from jiandu.ledger.services import log_signer
    from jiandu.ledger.witness import Witness
    from jiandu.ledger.witness_server import make_server

    signer = keys.generate_witness_signer("notary.test")
    witness = Witness(tmp_path / "witness-state.json", signer,
                      {"test.jiandu/ledger/*": log_signer().verifier()})
    server = make_server(witness)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    ledger_settings.JIANDU_WITNESSES = [{"name": "notary.test", "url": url,
                                         "key": signer.verifier_key()}]
    yield signer
    server.shutdown()
    server.server_close()


@pytest.fixture
def load_with_history(load_samples, samples, tmp_path):
    """The samples imported, then again with ``changed`` records (default 3) given a new decision
    number, so that those records have a second version and the first is in the history."""
    import json

    def load(changed: int = 3):
        load_samples()
        path = tmp_path / "records-v2.jsonl"
        done = 0
        with open(samples / "records.jsonl", encoding="utf-8") as src, \
                open(path, "w", encoding="utf-8") as out:
            for line in src:
                row = json.loads(line)
                if done < changed:
                    row["decision_no"] = f"钢测罚〔2026〕{900 + done}号"
                    done += 1
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        load_samples(kinds=("records",), records=path)

    return load


@pytest.fixture
def handled(load_samples):
    """The samples imported and checked; one alert acknowledged then dismissed, one commented
    on, two assigned in bulk."""
    import datetime as dt

    from jiandu.accounts.models import User
    from jiandu.monitoring import services
    from jiandu.monitoring.engine import run_rules
    from jiandu.monitoring.models import Alert

    load_samples()
    run_rules(as_of=dt.date(2026, 7, 15), year=2025)
    sup = User.objects.create_user("sup", password="x" * 12, role="supervisor")
    first, second, third, fourth = Alert.objects.order_by("id")[:4]
    services.alert_acknowledge(user=sup, alert_id=first.pk, note="已核实")
    services.alert_dismiss(user=sup, alert_id=first.pk, reason="证件已补录")
    services.alert_comment(user=sup, alert_id=second.pk, text="请部门说明情况")
    services.alert_bulk_assign(user=sup, alert_ids=[third.pk, fourth.pk], assignee=sup)
    return {"sup": sup, "dismissed": first, "commented": second, "assigned": [third, fourth]}


@pytest.fixture(params=["c", "python"])
def hashing(request):
    """Each append's batch hashing and bundle checks by the C accelerator (skipped where it is
    not built) and by pure Python, which must agree byte for byte."""
    from jiandu.ledger import storage

    if request.param == "c":
        if storage._hashes is None:
            pytest.skip("the C accelerator (jiandu/ledger/_hashes.c) is not built")
        yield request.param
    else:
        with storage.pure_python():
            yield request.param
