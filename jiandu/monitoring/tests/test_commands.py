"""`jiandu check` and `jiandu alerts` as the contract states them."""

import csv
import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from jiandu.monitoring.models import RuleRun

pytestmark = pytest.mark.django_db
D = dt.date


def _check(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("check", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _alerts(*args):
    out = io.StringIO()
    call_command("alerts", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_year_defaults_to_the_year_before_the_as_of_date(db):
    _check("--as-of", "2026-01-01")
    run = RuleRun.objects.get()
    assert (run.as_of, run.year, run.status) == (D(2026, 1, 1), 2025, "done")


def test_as_of_defaults_to_today_in_shanghai(db, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: D(2026, 3, 4))
    _check()
    assert (RuleRun.objects.get().as_of, RuleRun.objects.get().year) == (D(2026, 3, 4), 2025)


def test_progress_goes_to_stderr(db):
    out, err = _check("--as-of", "2026-07-15", "--year", "2025")
    assert "[1/17] officer_certificate" in err and "[17/17] unexercised_power" in err
    assert "规则运行" in out


def test_bad_arguments(db):
    with pytest.raises(CommandError):
        _check("--as-of", "2026-02-30")
    with pytest.raises(CommandError):
        _check("--as-of", "2026-01-01", "--year", "99")


def test_a_year_not_over_on_the_as_of_date_is_run_with_a_warning(db):
    _, err = _check("--as-of", "2026-07-15", "--year", "2025")
    assert "注意" not in err
    _, err = _check("--as-of", "2026-07-15", "--year", "2026")
    assert "尚未结束" in err and "(warning:" in err
    _, err = _check("--as-of", "2026-07-15", "--year", "2031")
    assert "尚未开始" in err and "every power will be found unexercised" in err
    # Warned, not refused: the contract allows any year.
    assert list(RuleRun.objects.order_by("id").values_list("year", "status")) == [
        (2025, "done"), (2026, "done"), (2031, "done")]


def test_a_calendar_year_still_missing_late_in_the_year_is_warned_of(db):
    from jiandu.core.calendar import calendar_year_set

    _, err = _check("--as-of", "2026-10-31", "--year", "2025")
    assert "日历" not in err
    _, err = _check("--as-of", "2026-11-01", "--year", "2025")
    assert "尚未收录 2027 年" in err and "(warning: the calendar lacks 2027" in err
    calendar_year_set(year=2027, notice="国务院办公厅关于2027年部分节假日安排的通知")
    _, err = _check("--as-of", "2026-12-20", "--year", "2025")
    assert "日历" not in err


def test_an_unknown_calendar_year_is_a_command_error(district):
    district.record("OLD", decided_on=D(2003, 5, 6))
    with pytest.raises(CommandError, match="2003"):
        _check("--as-of", "2026-07-15")


def test_alerts_before_any_run(db):
    with pytest.raises(CommandError):
        _alerts()


def test_alerts_in_three_formats_with_persons_masked(district, tmp_path):
    person, org = district.person(), district.org()
    district.record("P", party=person, major=True, decided_on=D(2025, 6, 2), served_on=D(2025, 6, 3),
                    disclosed_on=D(2025, 6, 3))
    district.record("O", party=org, major=True, decided_on=D(2025, 6, 2), served_on=D(2025, 6, 3),
                    disclosed_on=D(2025, 6, 3))
    district.power(kind="licensing")
    _check("--as-of", "2026-07-15", "--year", "2025")
    rows = [json.loads(line) for line in _alerts("--format", "jsonl").splitlines()]
    by_record = {(r["rule"], r["record"]): r for r in rows}
    masked = by_record[("legal_review", "P")]["party"]
    assert masked == person[1][:4] + "*" * 10 + person[1][-4:]
    assert by_record[("legal_review", "O")]["party"] == org[1]
    assert by_record[("legal_review", "O")]["agency"] == district.a.code
    unexercised = [r for r in rows if r["rule"] == "unexercised_power"]
    assert unexercised and all(r["record"] is None and r["party"] is None and r["power"] for r in unexercised)
    assert [(r["rule"], r["record"] or "", r["power"] or "") for r in rows] == \
        sorted((r["rule"], r["record"] or "", r["power"] or "") for r in rows)

    text = _alerts("--format", "csv")
    table = list(csv.DictReader(io.StringIO(text)))
    assert [dict(r) for r in table] == [{k: "" if v is None else v for k, v in r.items()} for r in rows]

    path = tmp_path / "alerts.xlsx"
    call_command("alerts", "--format", "xlsx", "--output", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    sheet = load_workbook(path, read_only=True).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("rule", "record", "power", "party", "agency", "detail")
    assert len(values) == len(rows) + 1

    out = tmp_path / "alerts.jsonl"
    call_command("alerts", "--output", str(out), stdout=io.StringIO(), stderr=io.StringIO())
    assert [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()] == rows


def test_alerts_prints_the_latest_run_only(district):
    record = district.record("R", major=True, decided_on=D(2025, 6, 2), served_on=D(2025, 6, 3),
                             disclosed_on=D(2025, 6, 3))
    _check("--as-of", "2026-07-15")
    assert any(json.loads(line)["record"] == "R" for line in _alerts().splitlines())
    record.legal_review_on = D(2025, 6, 1)
    record.save()
    _check("--as-of", "2026-07-15")
    assert not any(json.loads(line)["record"] == "R" for line in _alerts().splitlines())
