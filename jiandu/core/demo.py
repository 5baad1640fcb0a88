"""The demo district: regions, a generated district imported, its alerts, and demo accounts."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

from jiandu.accounts.services import demo_accounts_ensure
from jiandu.core.calendar import calendar_table_refresh
from jiandu.ledger import keys as ledger_keys
from jiandu.ledger.services import (
    checkpoint_publish,
    ledger_backfill,
    ledger_verify,
    log_verifier_key,
)
from jiandu.ledger.witness import Witness
from jiandu.ledger.witness_server import make_server
from jiandu.monitoring.services import rule_run_execute
from jiandu.org.services import region_bundled_path, region_load
from jiandu.records.generator import AS_OF as GENERATED_UNTIL
from jiandu.records.interchange.pipeline import Counts
from jiandu.records.interchange.schema import KINDS
from jiandu.records.services import interchange_import

DEMO_SOURCE = "演示数据"
DEMO_URL = "http://127.0.0.1:8000"
IMPORT_ORDER = ("agencies", "officers", "powers", "four_lists", "records")
# The demo's notary office (公证处) runs as its own process beside the site (`make demo`), on
# this port, with its key and state under var/notary/.
NOTARY_NAME = "notary.gangcheng.demo/witness"
NOTARY_PORT = 8099


class DemoRefused(RuntimeError):
    pass


@dataclass
class DemoResult:
    directory: Path
    regions: int
    imports: dict[str, Counts]
    alerts: int
    # The ledger after the load: entries, and whether `ledger verify` passed.
    ledger_entries: int
    ledger_ok: bool
    notary: dict
    # One per role, as demo_accounts_ensure returns them: username, password, role, two_factor.
    accounts: list[dict]

    @property
    def created(self) -> int:
        return sum(c.created + c.replaced for c in self.imports.values())


def demo_load(*, records: int, directory: str | Path, seed: int,
              on_step: Callable[[str], None] | None = None) -> DemoResult:
    """Bring the database up to date and fill it with a generated district; safe to run again.

    Not one transaction: ``migrate`` cannot run inside one, and the import commits a batch at a
    time so that a large district never sits in one transaction. Each step is idempotent on its
    own: the same seed writes the same files, and importing unchanged rows changes nothing.
    """
    if settings.PRODUCTION:
        # It resets the demo accounts to a published password, the administrator's included.
        raise DemoRefused("生产环境不能加载演示数据 (the demo cannot be loaded in production)")
    step = on_step or (lambda message: None)
    directory = Path(directory)

    step("更新数据库结构 (migrating the database)")
    call_command("migrate", interactive=False, verbosity=0)
    step("刷新工作日历 (refreshing the working-day calendar)")
    calendar_table_refresh()
    step("载入行政区划 (loading regions)")
    regions = region_load(path=region_bundled_path())
    step(f"生成演示辖区：{records} 条执法行为，随机种子 {seed} "
         f"(generating the district: {records} records, seed {seed})")
    generated = io.StringIO()
    call_command("gen", str(directory), records=records, seed=seed, stdout=generated)
    step(generated.getvalue().rstrip())
    imports = {}
    notary = demo_notary_ensure()
    step(f"演示公证处见证存证日志：{notary['name']} (the demo notary co-signs the ledger's checkpoints)")
    with _notary_running(notary):
        for kind in IMPORT_ORDER:
            step(f"导入{KINDS[kind].label} (importing {kind})")
            report = interchange_import(kind=kind, path=directory / f"{kind}.jsonl",
                                        source=DEMO_SOURCE)
            imports[kind] = report.counts
        # A database loaded by a version without the ledger has rows with no entry yet.
        ledger_backfill()
        # Each import publishes its checkpoint once committed; this one covers a run whose
        # callbacks never ran (a load inside an outer transaction) and is a no-op otherwise.
        checkpoint_publish(force=True)
    step("全面验证存证日志 (jiandu ledger verify)")
    verified = ledger_verify()
    # A newcomer's alert pages and dashboard show what the rules find in the district. As of
    # the day the generated data ends, so that they find the violations the generator planted,
    # not deadlines that ran out since.
    as_of = GENERATED_UNTIL
    step(f"运行监督规则：基准日 {as_of}，年度 {as_of.year - 1} "
         f"(running the supervision rules as of {as_of})")
    run = rule_run_execute(as_of=as_of, year=as_of.year - 1, progress=step)
    # After the import: the supervisor and the liaison belong to agencies the import brings.
    step("设置演示账户 (setting up the demo accounts)")
    accounts = demo_accounts_ensure()
    return DemoResult(directory=directory, regions=regions, imports=imports,
                      alerts=sum(run.counts.values()), ledger_entries=verified.entries,
                      ledger_ok=verified.ok, notary=notary, accounts=accounts)


def demo_notary_ensure() -> dict:
    """The demo notary's witness key and state under var/notary/, and its entry in
    var/witnesses.json (which the embedded settings read): name, url, key, and the files
    `jiandu witness serve` needs."""
    directory = Path(settings.VAR_DIR) / "notary"
    directory.mkdir(parents=True, exist_ok=True)
    key_file = directory / "witness.key"
    if not key_file.exists():
        ledger_keys.write_signer(key_file, ledger_keys.generate_witness_signer(NOTARY_NAME))
    signer = ledger_keys.load_signer(key_file)
    log_key_file = directory / "log.vkey"
    log_key_file.write_text(log_verifier_key() + "\n", encoding="utf-8")
    notary = {"name": signer.name, "url": f"http://127.0.0.1:{NOTARY_PORT}",
              "key": signer.verifier_key()}
    (Path(settings.VAR_DIR) / "witnesses.json").write_text(
        json.dumps([notary], ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return {**notary, "key_file": key_file, "state_file": directory / "state.json",
            "log_key_file": log_key_file, "origin": f"{settings.JIANDU_LEDGER_ORIGIN}/*"}


@contextmanager
def _notary_running(notary: dict) -> Iterator[None]:
    """The notary's witness in a thread of this process, on a free port, while the demo's
    imports publish their checkpoints; its state file is the one `jiandu witness serve` goes on
    with afterwards."""
    witness = Witness(notary["state_file"], ledger_keys.load_signer(notary["key_file"]),
                      {notary["origin"]: [ledger_keys.load_verifier(str(notary["log_key_file"]))]})
    server = make_server(witness, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    here = {"name": notary["name"], "key": notary["key"],
            "url": f"http://127.0.0.1:{server.server_address[1]}"}
    settings.JIANDU_WITNESSES = [here]
    try:
        yield
    finally:
        # What the site reads from var/witnesses.json when it starts.
        settings.JIANDU_WITNESSES = [{k: notary[k] for k in ("name", "url", "key")}]
        server.shutdown()
        server.server_close()
