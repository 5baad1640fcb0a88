"""The staff UI in a real browser: `jiandu demo` and `jiandu serve` in a scratch directory, driven by
playwright-core and Debian's chromium through the node tests in tests/browser/."""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from jiandu.accounts.services import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parent.parent
BROWSER_TESTS = ROOT / "tests" / "browser"
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = Path("/usr/bin/chromium")
RECORDS = 3000
# The five failures of the lockout lock the address every test signs in from: it goes last.
LAST = "lockout.test.mjs"
LOCK_USERNAME = "street"
JIANDU = [sys.executable, "-m", "jiandu.cli"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
                       reason="浏览器测试只在 SQLite 一轮中运行 (browser tests run in the SQLite pass only)"),
    pytest.mark.skipif(shutil.which("node") is None,
                       reason="没有 node：运行 make browser-deps (node is missing: make browser-deps)"),
    pytest.mark.skipif(not (ROOT / "node_modules" / "playwright-core").is_dir(),
                       reason="没有 node_modules/playwright-core：运行 make browser-deps "
                              "(playwright-core is not installed: make browser-deps)"),
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="没有 /usr/bin/chromium：运行 make browser-deps "
                              "(Debian's chromium is missing: make browser-deps)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(env: dict, *args: str, timeout: int = 300) -> str:
    done = subprocess.run([*JIANDU, *args], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)
    if done.returncode:
        pytest.fail(f"jiandu {' '.join(args)} 失败 (failed, exit {done.returncode}):\n"
                    f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout


def _scratch_env(tmp: Path) -> dict:
    # The site as a newcomer runs it (embedded, Argon2, its own keys), never the test settings
    # pytest runs under, and never the developer's var/.
    env = {k: v for k, v in os.environ.items()
           if k not in {"DJANGO_SETTINGS_MODULE", "JIANDU_TEST_DB_NAME", "SECRET_KEY",
                        "JIANDU_DATA_KEY", "DEBUG", "ALLOWED_HOSTS"}}
    env.update(JIANDU_ENV="embedded", JIANDU_VAR_DIR=str(tmp / "var"),
               DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}", PYTHONUNBUFFERED="1")
    return env


def _scope(db: Path) -> dict:
    """What the liaison may see, read straight from the database: the records of their agency and
    of the organisations it entrusts; and a record of another agency, which they may not."""
    with sqlite3.connect(db) as con:
        agency, name = con.execute(
            "SELECT a.code, a.name FROM accounts_user u JOIN org_agency a ON a.code = u.agency_code "
            "WHERE u.username = 'liaison'").fetchone()
        scope = "(SELECT code FROM org_agency WHERE code = ? OR parent_code = ?)"
        names = [r[0] for r in con.execute(f"SELECT name FROM org_agency WHERE code IN {scope}",
                                           [agency, agency])]
        own = [r[0] for r in con.execute(
            f"SELECT ext_id FROM records_record WHERE agency_code IN {scope} ORDER BY ext_id",
            [agency, agency])]
        foreign, foreign_name = con.execute(
            f"SELECT r.ext_id, a.name FROM records_record r JOIN org_agency a "
            f"ON a.code = r.agency_code WHERE r.agency_code NOT IN {scope} ORDER BY r.ext_id LIMIT 1",
            [agency, agency]).fetchone()
    assert own, "the liaison's agency has no records: the scope test would prove nothing"
    return {"liaison": "liaison", "agency": agency, "agency_name": name, "agency_names": names,
            "own_ids": own, "foreign_id": foreign, "foreign_agency_name": foreign_name}


def _staff_urls(scope: dict) -> list[str]:
    """A sample of staff pages, one of every kind: lists, details, exports, import, admin."""
    return [
        reverse("home"),
        reverse("records:list"),
        reverse("records:detail", args=[scope["own_ids"][0]]),
        reverse("records:export"),
        reverse("records:import"),
        reverse("org:agencies"),
        reverse("org:agency", args=[scope["agency"]]),
        reverse("org:officers"),
        reverse("powers:list"),
        reverse("monitoring:alerts"),
        reverse("ledger:index"),
        reverse("core:module", args=["cases"]),
        reverse("accounts:password_change"),
        reverse("admin:index"),
        reverse("admin:accounts_auditevent_changelist"),
    ]


def _wait_until_up(base_url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"jiandu serve 退出 (exited {server.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(base_url + "/accounts/login/", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    pytest.fail(f"jiandu serve 60 秒内未就绪 (not up within 60 s):\n{log.read_text()[-3000:]}")


def _test_files() -> list[Path]:
    files = sorted(BROWSER_TESTS.glob("*.test.mjs"), key=lambda p: (p.name == LAST, p.name))
    assert files[-1].name == LAST
    return files


def test_staff_ui_in_chromium(tmp_path):
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    env = _scratch_env(tmp_path)
    demo = _run(env, "demo", "--records", str(RECORDS), "--dir", str(tmp_path / "files"))
    # The tests type what a newcomer reads in the printed table.
    assert "演示账户" in demo and "jiandu otp_code" in demo and DEMO_PASSWORD in demo
    scope = _scope(tmp_path / "db.sqlite3")
    # `jiandu demo` ran the rules as of the day the generated data ends, as alerts.test.mjs does.
    assert "监督预警 alerts:" in demo

    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen([*JIANDU, "serve", "--port", str(port)], env=env, cwd=ROOT,
                                  stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(base_url, server, log)
        node_env = {**env, "BASE_URL": base_url, "DEMO_PASSWORD": DEMO_PASSWORD,
                    "ARTIFACTS": str(ARTIFACTS), "JIANDU_CMD": json.dumps(JIANDU),
                    "JIANDU_SCOPE": json.dumps(scope, ensure_ascii=False),
                    "STAFF_URLS": json.dumps(_staff_urls(scope)), "LOCK_USERNAME": LOCK_USERNAME}
        # One node run per file, in this order: node --test would sort them itself, and the
        # lockout must come last.
        runs = [subprocess.run(["node", "--test", "--test-reporter=spec", str(f.relative_to(ROOT))],
                               env=node_env, cwd=ROOT, capture_output=True, text=True, timeout=300)
                for f in _test_files()]
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    output = "\n".join(run.stdout + run.stderr for run in runs)
    (ARTIFACTS / "node.log").write_text(output)
    shutil.copy(log, ARTIFACTS / "serve.log")
    failed = [run for run in runs if run.returncode]
    if failed:
        pytest.fail(f"浏览器测试失败 (browser tests failed); screenshots and logs in {ARTIFACTS}\n"
                    + "\n".join(f"=== {run.args[-1]} ===\n{run.stdout[-8000:]}\n{run.stderr[-2000:]}"
                                 for run in failed)
                    + f"\n--- jiandu serve ---\n{log.read_text()[-3000:]}", pytrace=False)
    _check_export(scope)
    for name in ("login", "two-factor", "home", "records-liaison", "home-mobile", "records-mobile",
                 "audit-log-lockout"):
        assert (ARTIFACTS / f"{name}.png").stat().st_size > 10_000, name


def _check_export(scope: dict) -> None:
    """The liaison's download is a workbook of exactly the records in their scope."""
    from openpyxl import load_workbook

    book = load_workbook(ARTIFACTS / "records-liaison.xlsx", read_only=True)
    assert book.sheetnames == ["执法行为"]
    rows = list(book["执法行为"].iter_rows(values_only=True))
    header = rows[0]
    assert header[:3] == ("记录编号", "执法类别", "执法主体")
    assert sorted(r[0] for r in rows[1:]) == sorted(scope["own_ids"])
    assert {r[2] for r in rows[1:]} <= set(scope["agency_names"])
