"""The demo load (twice: the second run imports nothing new, accounts are reset), its printed
accounts and the serve command's set-up."""

import json
import unicodedata

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from jiandu.accounts.choices import Role
from jiandu.accounts.models import User
from jiandu.accounts.services import DEMO_PASSWORD
from jiandu.core.demo import DemoRefused, demo_load
from jiandu.core.management.commands.demo import account_table
from jiandu.ledger.models import Checkpoint
from jiandu.monitoring.models import Alert
from jiandu.org.models import Region
from jiandu.records.models import Record


@pytest.mark.django_db
def test_demo_loads_and_loading_again_changes_nothing(tmp_path, capsys, settings):
    settings.VAR_DIR = tmp_path / "var"
    settings.JIANDU_LEDGER_KEY_FILE = str(tmp_path / "var" / "ledger.key")
    first = demo_load(records=300, directory=tmp_path / "demo", seed=3)
    assert first.regions == 8 and Region.objects.filter(code="370117").exists()
    assert first.imports["records"].created == 300
    assert all(c.rejected == 0 for c in first.imports.values())
    assert all((tmp_path / "demo" / f"{kind}.jsonl").exists() for kind in first.imports)
    assert Record.objects.count() == 300
    # The generator plants violations of every rule: the demo shows alerts from the start.
    assert first.alerts == Alert.objects.count() > 0
    assert [a["username"] for a in first.accounts] == ["admin", "supervisor", "street", "liaison",
                                                       "officer", "leader", "social"]
    assert {a["password"] for a in first.accounts} == {DEMO_PASSWORD}
    user = authenticate(username="admin", password=DEMO_PASSWORD)
    assert user is not None and user.is_superuser and user.is_staff
    # The accounts come after the import: the liaison needs one of the imported agencies.
    liaison = User.objects.get(username="liaison")
    assert liaison.role == Role.LIAISON and liaison.agency.records.exists()
    # Every imported row is in the ledger, which verifies, and the notary co-signed the
    # checkpoint of each import; the site finds the notary in var/witnesses.json.
    assert first.ledger_ok and first.ledger_entries >= 300
    latest = Checkpoint.objects.order_by("-size").first()
    assert latest.size == first.ledger_entries
    assert list(latest.cosignatures.values_list("witness_name", flat=True)) == [first.notary["name"]]
    witnesses = json.loads((tmp_path / "var" / "witnesses.json").read_text(encoding="utf-8"))
    assert witnesses == [{k: first.notary[k] for k in ("name", "url", "key")}]

    user.set_password("something-else-2026")
    user.is_superuser = False
    user.save()
    call_command("demo", records=300, directory=str(tmp_path / "demo"), seed=3)
    out = capsys.readouterr().out
    assert out.count("新增 0，更新 0，") == 5 and out.count("拒收 0") == 5
    assert "http://127.0.0.1:8000" in out
    table = out[out.index("演示账户"):].splitlines()
    for username, role in [("admin", "系统管理员"), ("supervisor", "监督机构人员"),
                           ("street", "司法所人员"), ("liaison", "执法部门联络员"),
                           ("officer", "执法人员"), ("leader", "领导（只读）"),
                           ("social", "社会监督员")]:
        line = next(line for line in table if line.split()[:1] == [username])
        assert DEMO_PASSWORD in line and role in line
        assert ("jiandu otp_code " + username in line) == (username in ("admin", "supervisor"))
    assert "jiandu otp_code 用户名" in out and "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" in out
    assert Record.objects.count() == 300
    assert f"监督预警 alerts: {first.alerts} 条" in out
    # Nothing new but the five import runs and the rule run themselves, each logged.
    assert f"存证日志 ledger: {first.ledger_entries + 6} 条，验证通过 (verified)" in out
    # The notary's state went on from the first run: the second run's checkpoint is signed by
    # the same witness (a fresh state would have refused nothing, a lost one would conflict).
    assert "jiandu witness serve --key" in out
    again = authenticate(username="admin", password=DEMO_PASSWORD)
    assert again is not None and again.is_superuser


def test_account_table_lines_up_chinese_columns():
    lines = account_table([
        {"username": "admin", "password": "pw-1", "role": "系统管理员", "two_factor": "须输入"},
        {"username": "a-much-longer-name", "password": "pw-2", "role": "领导", "two_factor": "无需"},
    ])
    assert lines[0].split() == ["用户名", "密码", "角色", "动态口令", "(second", "factor)"]
    # A Chinese character takes two terminal columns: the last column starts at one column.
    def columns(text):
        return sum(2 if unicodedata.east_asian_width(ch) == "W" else 1 for ch in text)

    last = ["动态口令 (second factor)", "------------------------", "须输入", "无需"]
    assert [line[-len(cell):] for line, cell in zip(lines, last, strict=True)] == last
    assert len({columns(line[:-len(cell)]) for line, cell in zip(lines, last, strict=True)}) == 1


def test_demo_refuses_production(settings, tmp_path):
    settings.PRODUCTION = True
    with pytest.raises(DemoRefused):
        demo_load(records=1, directory=tmp_path, seed=1)


def test_serve_runs_runserver_without_reloader_and_with_static_files(monkeypatch):
    from django.core.management.commands.runserver import Command as Runserver

    seen = {}
    monkeypatch.setattr(Runserver, "handle", lambda self, *args, **options: seen.update(options))
    call_command("serve", "--port", "8123")
    assert seen["addrport"] == "127.0.0.1:8123"
    assert seen["use_reloader"] is False and seen["insecure_serving"] is True
    call_command("serve", "--host", "::1")
    assert seen["addrport"] == "[::1]:8000" and seen["use_ipv6"] is True
