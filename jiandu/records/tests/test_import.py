"""The import contract: per-row validation, idempotence, replacement with history, formats."""

import datetime as dt
import json
from decimal import Decimal

import orjson
import pytest
from django.core.management import call_command
from django.db import connection

from jiandu.core.crypto import decrypt_text
from jiandu.org.models import Agency, CertificateStatusChange, Officer
from jiandu.powers.models import DiscretionTier, FourListItem, Power
from jiandu.records.choices import PENALTY_BITS
from jiandu.records.models import ImportRun, Record, RecordOfficer, Revision
from jiandu.records.services import interchange_export, interchange_import

from .conftest import ORDER

pytestmark = pytest.mark.django_db


def _lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def _record(samples, **changes):
    row = _lines(samples / "records.jsonl")[0]
    row.update(changes)
    return row


def test_samples_import_in_order_with_no_rejection(load_samples, samples):
    reports = load_samples()
    for kind in ORDER:
        assert reports[kind].ok, [str(p) for p in reports[kind].problems]
        assert reports[kind].counts.created == len(_lines(samples / f"{kind}.jsonl"))
    assert Record.objects.count() == 306
    assert RecordOfficer.objects.count() == sum(len(r["officers"]) for r in _lines(samples / "records.jsonl"))


def test_importing_again_changes_nothing(load_samples):
    load_samples()
    before = list(Record.objects.order_by("ext_id").values_list("ext_id", "content_hash", "version"))
    again = load_samples()
    for kind in ORDER:
        counts = again[kind].counts
        assert (counts.created, counts.replaced, counts.rejected) == (0, 0, 0)
        assert counts.unchanged == counts.rows
    assert list(Record.objects.order_by("ext_id").values_list("ext_id", "content_hash", "version")) == before
    assert Revision.objects.count() == 0


def test_bad_records_rejected_line_by_line_with_one_reason_each(load_samples, samples, tmp_path):
    load_samples(ORDER[:4])
    good = _record(samples)
    bad = (samples / "bad_records.jsonl").read_text(encoding="utf-8").splitlines()
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text("\n".join([json.dumps(good, ensure_ascii=False), *bad]) + "\n", encoding="utf-8")
    report = interchange_import(kind="records", path=mixed, errors_path=tmp_path / "err.jsonl")
    assert report.counts.created == 1 and report.counts.rejected == len(bad)
    by_line = {p.line: p for p in report.problems}
    assert sorted(by_line) == list(range(2, 2 + len(bad)))
    fields = [by_line[n].field for n in sorted(by_line)]
    assert fields == ["party.id", "filed_on", "fine", "kind", "agency", "power", "party", "-"]
    for p in report.problems:
        assert p.zh and p.en and any("\u4e00" <= ch <= "\u9fff" for ch in p.zh)
    assert list(Record.objects.values_list("ext_id", flat=True)) == [good["id"]]
    assert not RecordOfficer.objects.exclude(record_id=good["id"]).exists()
    errors = _lines(tmp_path / "err.jsonl")
    assert [e["_line"] for e in errors] == sorted(by_line)
    assert errors[0]["id"] == "BAD-0" and "_reason" in errors[0]
    assert errors[-1]["_raw"].startswith("{")


def test_import_command_exits_1_when_a_row_is_rejected(load_samples, samples, capsys):
    load_samples(ORDER[:4])
    with pytest.raises(SystemExit) as exc:
        call_command("import", "records", str(samples / "bad_records.jsonl"))
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert "第 3 行 [BAD-2] fine: 金额不能为负数 (amount must not be negative)" in err
    call_command("import", "agencies", str(samples / "agencies.jsonl"))  # exit 0: returns normally


def test_changed_row_replaces_and_keeps_history(load_samples, samples, tmp_path):
    load_samples()
    row = _record(samples)
    before = Record.objects.get(ext_id=row["id"])
    row["fine"] = 99.5
    row["officers"] = ["3701172000001"]
    report = interchange_import(kind="records", path=_write_jsonl(tmp_path / "r.jsonl", [row]), source="v2")
    assert (report.counts.replaced, report.counts.created) == (1, 0)
    after = Record.objects.get(ext_id=row["id"])
    assert after.version == before.version + 1 and after.fine == Decimal("99.50")
    assert after.source == "v2"
    assert list(RecordOfficer.objects.filter(record_id=row["id"]).values_list("certificate", flat=True)) == ["3701172000001"]
    old = Revision.objects.get(kind="records", key=row["id"])
    assert old.version == before.version and old.content_hash == before.content_hash
    assert json.loads(old.content)["fine"] == str(before.fine.normalize())


def test_later_duplicate_in_one_file_wins_as_if_imported_afterwards(load_samples, samples, tmp_path):
    load_samples(ORDER[:4])
    first = _record(samples, fine=100)
    second = _record(samples, fine=200)
    report = interchange_import(kind="records", path=_write_jsonl(tmp_path / "d.jsonl", [first, second]))
    assert (report.counts.created, report.counts.replaced) == (1, 1)
    assert Record.objects.get(ext_id=first["id"]).fine == Decimal("200.00")
    assert Revision.objects.filter(key=first["id"]).count() == 1


def test_unknown_officer_is_kept_and_unknown_agency_rejected(load_samples, samples, tmp_path):
    load_samples(ORDER[:4])
    kept = _record(samples, id="X-1", officers=["NO-SUCH-CERT", "3701172000001"])
    unknown_agency = _record(samples, id="X-2", agency="91350100M000100Y43")
    report = interchange_import(kind="records", path=_write_jsonl(tmp_path / "o.jsonl", [kept, unknown_agency]))
    assert report.counts.created == 1
    assert [(p.line, p.field, p.en) for p in report.problems] == [(2, "agency", "unknown agency")]
    assert RecordOfficer.objects.filter(record_id="X-1", certificate="NO-SUCH-CERT").exists()


def test_a_certificate_holding_the_list_separator_rejects_the_row(load_samples, samples, tmp_path):
    """CSV joins a list with ";", and so does the stored record: "A;B" could not be told from
    two certificates (two_officers would count two). The rest of the file still goes in."""
    load_samples(ORDER[:4])
    bad = _record(samples, id="X-1", officers=["3701172000001;3701172000002"])
    good = _record(samples, id="X-2", officers=["3701172000001", "3701172000002"])
    report = interchange_import(kind="records", path=_write_jsonl(tmp_path / "s.jsonl", [bad, good]))
    assert [(p.line, p.field) for p in report.problems] == [(1, "officers")]
    assert "分号" in report.problems[0].zh and "';'" in report.problems[0].en
    assert list(Record.objects.values_list("ext_id", flat=True)) == ["X-2"]
    assert Record.objects.get().officers == "3701172000001;3701172000002"


def test_person_id_is_encrypted_at_rest_and_matched_by_keyed_hash(load_samples, samples):
    load_samples()
    person = next(r for r in _lines(samples / "records.jsonl") if r["party"]["type"] == "person")
    rec = Record.objects.get(ext_id=person["id"])
    assert rec.party_id_plain is None
    assert person["party"]["id"] not in rec.party_id_enc
    assert decrypt_text(rec.party_id_enc) == person["party"]["id"]
    same = [r["id"] for r in _lines(samples / "records.jsonl") if r["party"]["id"] == person["party"]["id"]]
    assert set(Record.objects.filter(party_key=rec.party_key).values_list("ext_id", flat=True)) == set(same)
    with connection.cursor() as cur:
        cur.execute("SELECT id_number_enc FROM org_officer")
        stored = " ".join(r[0] for r in cur.fetchall())
    for officer in _lines(samples / "officers.jsonl"):
        assert officer["id_number"] not in stored


def test_penalties_are_a_set_stored_by_severity(load_samples, samples, tmp_path):
    load_samples(ORDER[:4])
    row = _record(samples, penalties=["confiscation", "fine", "fine"])
    interchange_import(kind="records", path=_write_jsonl(tmp_path / "p.jsonl", [row]))
    assert Record.objects.get(ext_id=row["id"]).penalty_mask == PENALTY_BITS["fine"] | PENALTY_BITS["confiscation"]
    again = interchange_import(kind="records", path=_write_jsonl(tmp_path / "p2.jsonl",
                                                                  [dict(row, penalties=["fine", "confiscation"])]))
    assert again.counts.unchanged == 1


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "xlsx"])
def test_export_then_import_is_a_round_trip(load_samples, tmp_path, fmt, django_db_blocker):
    load_samples()
    for kind in ORDER:
        interchange_export(kind=kind, path=tmp_path / f"{kind}.{fmt}")
    reference = {}
    for kind in ORDER:
        interchange_export(kind=kind, path=tmp_path / f"{kind}-ref.jsonl")
        reference[kind] = (tmp_path / f"{kind}-ref.jsonl").read_bytes()
    # A second database would be ideal; wiping the tables in dependency order is the same test.
    for model in (RecordOfficer, Record, Revision, ImportRun):
        model.objects.all().delete()
    from jiandu.powers.models import FourListItem

    FourListItem.objects.all().delete()
    DiscretionTier.objects.all().delete()
    Power.objects.all().delete()
    CertificateStatusChange.objects.all().delete()
    Officer.objects.all().delete()
    Agency.objects.filter(parent__isnull=False).delete()
    Agency.objects.all().delete()
    for kind in ORDER:
        report = interchange_import(kind=kind, path=tmp_path / f"{kind}.{fmt}")
        assert report.ok, [str(p) for p in report.problems]
    for kind in ORDER:
        interchange_export(kind=kind, path=tmp_path / f"{kind}-again.jsonl")
        assert (tmp_path / f"{kind}-again.jsonl").read_bytes() == reference[kind], kind


def test_export_is_sorted_by_key_and_money_is_a_number(load_samples, tmp_path):
    load_samples()
    interchange_export(kind="records", path=tmp_path / "r.jsonl")
    rows = [orjson.loads(line) for line in (tmp_path / "r.jsonl").read_bytes().splitlines()]
    assert [r["id"] for r in rows] == sorted(r["id"] for r in rows)
    assert any(isinstance(r["fine"], int | float) for r in rows if r["fine"] is not None)


def test_csv_cells_booleans_lists_and_tiers(load_samples, tmp_path):
    load_samples(ORDER[:1])
    agency = Agency.objects.exclude(type="supervision_body").first()
    csv_path = tmp_path / "powers.csv"
    csv_path.write_text(
        "code,name,kind,agency,legal_basis,discretion,annual_inspection_cap,limitation_years\n"
        f"P-1,测试事项,penalty,{agency.code},《测试法》第1条,lighter:0-500;general:500-2000.5,,5\n"
        f"P-2,测试事项二,inspection,{agency.code},《测试法》第2条,,3,\n"
        f"P-3,坏档次,penalty,{agency.code},《测试法》第3条,lighter:500-0,,\n"
        f"P-4,坏整数,inspection,{agency.code},《测试法》第4条,,三,\n",
        encoding="utf-8",
    )
    report = interchange_import(kind="powers", path=csv_path)
    assert report.counts.created == 2
    assert [(p.line, p.field) for p in report.problems] == [(4, "discretion"), (5, "annual_inspection_cap")]
    tiers = {t.level: (t.min_amount, t.max_amount) for t in DiscretionTier.objects.filter(power__code="P-1")}
    assert tiers == {"lighter": (Decimal("0.00"), Decimal("500.00")),
                     "general": (Decimal("500.00"), Decimal("2000.50"))}
    assert Power.objects.get(code="P-2").annual_inspection_cap == 3
    assert Power.objects.get(code="P-1").limitation_years == 5


def test_zero_caps_windows_and_years_are_values_negative_and_absurd_ones_rejected(load_samples, tmp_path):
    # The contract types them int?: a cap of 0 inspections and a window of 0 days mean something.
    load_samples(ORDER[:1])
    agency = Agency.objects.exclude(type="supervision_body").first()
    power = {"name": "测试事项", "kind": "inspection", "agency": agency.code, "legal_basis": "《测试法》"}
    _write_jsonl(tmp_path / "powers.jsonl", [
        {**power, "code": "Z-1", "annual_inspection_cap": 0, "limitation_years": 0},
        {**power, "code": "Z-2", "annual_inspection_cap": -1},
        {**power, "code": "Z-3", "limitation_years": 101},
        {**power, "code": "Z-4", "annual_inspection_cap": 2_147_483_648},
        {**power, "code": "Z-5", "limitation_years": 100, "annual_inspection_cap": 2_147_483_647},
    ])
    report = interchange_import(kind="powers", path=tmp_path / "powers.jsonl")
    assert [(p.line, p.field) for p in report.problems] == [
        (2, "annual_inspection_cap"), (3, "limitation_years"), (4, "annual_inspection_cap")]
    assert "不应大于 100" in str(report.problems[1]) and "at most 100" in str(report.problems[1])
    zero = Power.objects.get(code="Z-1")
    assert (zero.annual_inspection_cap, zero.limitation_years) == (0, 0)
    assert Power.objects.get(code="Z-5").annual_inspection_cap == 2_147_483_647
    item = {"list": "no_penalty", "power": "Z-1", "description": "首违不罚", "max_harm": "none"}
    _write_jsonl(tmp_path / "four_lists.jsonl", [
        {**item, "code": "F-0", "first_offense_window_days": 0},
        {**item, "code": "F-1", "first_offense_window_days": -3},
    ])
    report = interchange_import(kind="four_lists", path=tmp_path / "four_lists.jsonl")
    assert [(p.line, p.field) for p in report.problems] == [(2, "first_offense_window_days")]
    assert FourListItem.objects.get(code="F-0").first_offense_window_days == 0


def test_agency_parent_may_come_later_in_the_file_but_must_exist(db, tmp_path):
    rows = [
        {"code": "91350100M000100Y43", "name": "子机构", "type": "entrusted_org", "level": "street",
         "region": "370117001", "parent": "91110000600037341L"},
        {"code": "91110000600037341L", "name": "母机构", "type": "administrative_organ",
         "level": "district", "region": "370117", "parent": None},
        {"code": "11010519491231002X"[:0] + "913701170878307780"[:17] + "X", "name": "孤儿",
         "type": "administrative_organ", "level": "district", "region": "370117",
         "parent": "91370117087830778X"},
    ]
    report = interchange_import(kind="agencies", path=_write_jsonl(tmp_path / "a.jsonl", rows))
    assert report.counts.created == 2
    assert [(p.line, p.field) for p in report.problems] == [(3, "parent")]
    assert Agency.objects.get(code="91350100M000100Y43").parent_id == "91110000600037341L"


def test_officer_status_history_is_kept(load_samples, samples, tmp_path):
    load_samples(ORDER[:2])
    officer = _lines(samples / "officers.jsonl")[0]
    changed = dict(officer, status="suspended", status_since="2026-03-01")
    interchange_import(kind="officers", path=_write_jsonl(tmp_path / "o.jsonl", [changed]))
    history = list(CertificateStatusChange.objects.filter(officer__certificate=officer["certificate"])
                   .order_by("pk").values_list("status", flat=True))
    assert history == ["valid", "suspended"]
    assert Revision.objects.filter(kind="officers", key=officer["certificate"]).count() == 1
    old = json.loads(Revision.objects.get(kind="officers").content)
    assert officer["id_number"] not in old["id_number"]  # history keeps personal data encrypted


def test_wrong_extension_is_a_clear_error(db, tmp_path):
    from jiandu.records.interchange.formats import FormatError

    path = tmp_path / "records.txt"
    path.write_text("x")
    with pytest.raises(FormatError, match="不支持的文件格式"):
        interchange_import(kind="records", path=path)
    assert not ImportRun.objects.exists()


def test_file_level_problems_fail_before_anything_is_written(db, tmp_path):
    from jiandu.records.interchange.formats import FormatError

    gbk = tmp_path / "agencies.csv"
    gbk.write_bytes("code,name,type,level,region\n91350100M000100Y43,钢城区某局,administrative_organ,district,370117\n"
                    .encode("gb18030"))
    with pytest.raises(FormatError, match="UTF-8"):
        interchange_import(kind="agencies", path=gbk)
    no_key = tmp_path / "a.csv"
    no_key.write_text("name,type\n某局,administrative_organ\n", encoding="utf-8")
    with pytest.raises(FormatError, match="主键列 code"):
        interchange_import(kind="agencies", path=no_key)
    with pytest.raises(FormatError, match="文件不存在"):
        interchange_import(kind="agencies", path=tmp_path / "missing.jsonl")
    assert not ImportRun.objects.exists() and not Agency.objects.exists()


def test_utf8_bom_and_blank_lines_are_tolerated(db, tmp_path):
    row = {"code": "91350100M000100Y43", "name": "某局", "type": "administrative_organ",
           "level": "district", "region": "370117"}
    path = tmp_path / "a.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(row, ensure_ascii=False).encode() + b"\n\n   \n")
    report = interchange_import(kind="agencies", path=path)
    assert report.ok and report.counts.created == 1 and report.counts.rows == 1


def test_links_carry_their_record_s_agency_and_act_date_through_new_versions(load_samples, samples, tmp_path):
    """The certificate rules find suspect links by the copies (RecordOfficer): they must be the
    record's own values, for every link, after every version."""
    load_samples()

    def mismatched():
        return [(link.record_id, link.position) for link in RecordOfficer.objects.select_related("record")
                if (link.agency_code, link.act_on) != (link.record.agency_id, link.record.act_on)]

    assert RecordOfficer.objects.exists() and mismatched() == []
    row = _record(samples)
    # A new version moves the act date (an action date comes before the others) and the officers.
    row.update(action_on="2025-03-04", officers=["3701172000001", "3701172000002"])
    report = interchange_import(kind="records", path=_write_jsonl(tmp_path / "v2.jsonl", [row]), source="v2")
    assert report.counts.replaced == 1, report.problems
    links = RecordOfficer.objects.filter(record_id=row["id"])
    assert {(link.agency_code, link.act_on) for link in links} == {(row["agency"], dt.date(2025, 3, 4))}
    assert mismatched() == []


def test_officer_count_is_the_number_of_different_certificates_through_new_versions(load_samples, samples,
                                                                                      tmp_path):
    """two_officers reads officer_count instead of the list: it must be the list's number of
    different certificates (a repeated one counts once), for every record and every version."""
    load_samples()

    def wrong():
        return [(r.ext_id, r.officer_count) for r in Record.objects.all()
                if r.officer_count != len(set(filter(None, r.officers.split(";"))))]

    assert Record.objects.filter(officer_count=2).exists() and wrong() == []
    rows = [_record(samples, id="C-0", officers=[]),
            _record(samples, id="C-1", officers=["3701172000001", "3701172000001"]),
            _record(samples, id="C-2", officers=["3701172000001", "NO-SUCH-CERT", "3701172000001"])]
    assert interchange_import(kind="records", path=_write_jsonl(tmp_path / "c.jsonl", rows)).counts.created == 3
    counts = dict(Record.objects.filter(ext_id__in=["C-0", "C-1", "C-2"]).values_list("ext_id", "officer_count"))
    assert counts == {"C-0": 0, "C-1": 1, "C-2": 2}
    rows[1]["officers"] = ["3701172000001", "3701172000002"]
    assert interchange_import(kind="records", path=_write_jsonl(tmp_path / "v2.jsonl", rows[1:2])).counts.replaced == 1
    assert Record.objects.get(ext_id="C-1").officer_count == 2
    assert wrong() == []
