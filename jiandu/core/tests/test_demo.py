"""The demo load (twice: the second run imports nothing new) and the serve command's set-up."""

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from jiandu.core.demo import DEMO_PASSWORD, DEMO_USERNAME, DemoRefused, demo_load
from jiandu.org.models import Region
from jiandu.records.models import Record


@pytest.mark.django_db(transaction=True)
def test_demo_loads_and_loading_again_changes_nothing(tmp_path, capsys):
    first = demo_load(records=300, directory=tmp_path / "demo", seed=3)
    assert first.regions == 8 and Region.objects.filter(code="370117").exists()
    assert first.imports["records"].created == 300
    assert all(c.rejected == 0 for c in first.imports.values())
    assert all((tmp_path / "demo" / f"{kind}.jsonl").exists() for kind in first.imports)
    assert Record.objects.count() == 300
    user = authenticate(username=DEMO_USERNAME, password=DEMO_PASSWORD)
    assert user is not None and user.is_superuser and user.is_staff

    user.set_password("something-else-2026")
    user.is_superuser = False
    user.save()
    call_command("demo", records=300, directory=str(tmp_path / "demo"), seed=3)
    out = capsys.readouterr().out
    assert out.count("新增 0，更新 0，") == 5 and out.count("拒收 0") == 5
    assert out.rstrip().splitlines()[-2:] == [
        "打开 (open): http://127.0.0.1:8000",
        f"登录 (login): 用户名 {DEMO_USERNAME}  密码 {DEMO_PASSWORD}",
    ]
    assert Record.objects.count() == 300
    again = authenticate(username=DEMO_USERNAME, password=DEMO_PASSWORD)
    assert again is not None and again.is_superuser


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
