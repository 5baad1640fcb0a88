"""The contract's samples give exactly expected_alerts.jsonl, printed in the contract's shape."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def _key(alert: dict) -> tuple[str, str]:
    return (alert["rule"], alert["power"] if alert["rule"] == "unexercised_power" else alert["record"])


def _diff(expected: set, actual: set) -> str:
    missing = sorted(expected - actual)
    extra = sorted(actual - expected)
    lines = [f"missing ({len(missing)}):"] + [f"  - {m}" for m in missing]
    lines += [f"unexpected ({len(extra)}):"] + [f"  + {e}" for e in extra]
    return "\n".join(lines)


def test_samples_give_exactly_the_expected_alerts(load_samples, samples):
    load_samples()
    err = io.StringIO()
    call_command("check", "--as-of", "2026-07-15", "--year", "2025", stdout=io.StringIO(), stderr=err)
    out = io.StringIO()
    call_command("alerts", "--format", "jsonl", stdout=out)
    printed = [json.loads(line) for line in out.getvalue().splitlines()]
    expected = {_key(json.loads(line))
                for line in (samples / "expected_alerts.jsonl").read_text(encoding="utf-8").splitlines()}
    actual = {_key(a) for a in printed}
    assert actual == expected, _diff(expected, actual)
    assert len(printed) == len(actual), "one alert per rule and record (or power)"
    for alert in printed:
        assert list(alert) == ["rule", "record", "power", "party", "agency", "detail"]
        assert alert["detail"]
    assert "[17/17] unexercised_power" in err.getvalue()


def test_a_dismissed_sample_alert_stays_dismissed_after_another_check(load_samples):
    from jiandu.accounts.models import User
    from jiandu.monitoring.models import Alert
    from jiandu.monitoring.services import alert_dismiss

    load_samples()
    args = ("--as-of", "2026-07-15", "--year", "2025")
    call_command("check", *args, stdout=io.StringIO(), stderr=io.StringIO())
    before = set(Alert.objects.values_list("pk", "fingerprint"))
    target = Alert.objects.filter(rule="repeat_inspection").order_by("pk").first()
    supervisor = User.objects.create_user("sup", password="x" * 12, role="supervisor")
    alert_dismiss(user=supervisor, alert_id=target.pk, reason="联合检查，已核实不属于重复检查")
    call_command("check", *args, stdout=io.StringIO(), stderr=io.StringIO())
    target.refresh_from_db()
    assert target.status == "dismissed" and target.last_seen_run_id is None
    assert set(Alert.objects.values_list("pk", "fingerprint")) == before
