"""Tests of the synthetic district generator (`jiandu gen`): contract shape, references, rules."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from jiandu.core.validators import is_id_number, is_uscc
from jiandu.records.generator import FILES, RULES, default_period, generate

N = 2000
END = dt.date(2026, 7, 15)

FIELDS = {
    "agencies": ["code", "name", "type", "level", "region", "parent"],
    "officers": ["certificate", "name", "id_number", "agency", "issued_on", "expires_on", "status",
                 "status_since", "legal_qualification", "oath_on"],
    "powers": ["code", "name", "kind", "agency", "legal_basis", "discretion",
               "annual_inspection_cap", "limitation_years"],
    "four_lists": ["code", "list", "power", "description", "max_harm", "requires_corrected",
                   "first_offense_window_days"],
    "records": ["id", "kind", "agency", "power", "party", "business", "procedure", "officers",
                "violation_on", "action_on", "filed_on", "decided_on", "decision_no", "penalties",
                "fine", "discretion", "harm", "corrected", "major", "legal_review_on",
                "hearing_notified", "extended", "served_on", "disclosed_on", "measure",
                "measure_end_on", "measure_extended", "closed_on"],
}
KEYS = {"agencies": "code", "officers": "certificate", "powers": "code", "four_lists": "code",
        "records": "id"}
KINDS = {"penalty", "licensing", "compulsory", "inspection", "levy", "requisition", "payment",
         "adjudication", "confirmation", "reward", "other"}
PENALTIES = {"warning", "criticism", "fine", "confiscation", "suspend_license",
             "lower_qualification", "restrict_business", "suspend_business", "close",
             "revoke_license", "detention", "other"}
LEVELS = {"lighter", "general", "heavier", "mitigated"}
HARMS = {"none", "minor", "serious"}
MEASURES = {"seal", "seize", "freeze", "other"}
HEAVY = {"revoke_license", "suspend_business", "close", "lower_qualification", "restrict_business"}
RANK = {"none": 0, "minor": 1, "serious": 2}
# No holiday calendar here: the generator serves and discloses within 6 calendar days or after
# 20, so any threshold in between tells in time from late.
LATE = 12


def load(out: Path) -> dict[str, list[dict]]:
    data = {}
    for name in FILES:
        with open(out / f"{name}.jsonl", encoding="utf-8") as f:
            data[name] = [json.loads(line) for line in f]
    return data


def day(s):
    return None if s is None else dt.date.fromisoformat(s)


def add_years(d: dt.date, n: int) -> dt.date:
    try:
        return d.replace(year=d.year + n)
    except ValueError:
        return d.replace(year=d.year + n, day=28)


def rule_counts(data: dict, as_of: dt.date = END) -> Counter:
    """Records breaking each rule, read straight from the contract (calendar-day deadlines)."""
    officers = {o["certificate"]: o for o in data["officers"]}
    powers = {p["code"]: p for p in data["powers"]}
    no_penalty = {i["power"]: i for i in data["four_lists"] if i["list"] == "no_penalty"}
    hits: dict[str, set] = defaultdict(set)
    inspections = defaultdict(list)
    fined = defaultdict(list)
    decided_pen = defaultdict(list)
    for r in data["records"]:
        rid, kind = r["id"], r["kind"]
        act = day(r["action_on"] or r["filed_on"] or r["decided_on"])
        for cert in r["officers"]:
            o = officers.get(cert)
            if o is None:
                hits["officer_certificate"].add(rid)
                continue
            bad = o["agency"] != r["agency"]
            if o["status"] != "valid" and o["status_since"] is None:
                bad = True
            if act is not None:
                bad |= not day(o["issued_on"]) <= act <= day(o["expires_on"])
                bad |= o["status"] != "valid" and o["status_since"] is not None and \
                    act >= day(o["status_since"])
            if bad:
                hits["officer_certificate"].add(rid)
            if o["oath_on"] is None or (act is not None and day(o["oath_on"]) > act):
                hits["oath_missing"].add(rid)
        if kind in ("penalty", "compulsory", "inspection") and len(set(r["officers"])) < 2:
            hits["two_officers"].add(rid)
        decided = day(r["decided_on"])
        if kind in ("penalty", "licensing") and decided:
            disclosed = day(r["disclosed_on"])
            if (disclosed or as_of) - decided > dt.timedelta(days=LATE):
                hits["disclosure_deadline"].add(rid)
        if kind == "compulsory" and r["measure"] in ("seal", "seize", "freeze"):
            end = day(r["measure_end_on"]) or as_of
            if (end - day(r["action_on"])).days > (60 if r["measure_extended"] else 30):
                hits["compulsory_duration"].add(rid)
        if kind == "inspection":
            inspections[r["party"]["id"]].append(r)
        if kind != "penalty":
            continue
        power = powers[r["power"]]
        person = r["party"]["type"] == "person"
        fine = r["fine"]
        pens = r["penalties"] or []
        tiers = {t["level"]: t for t in power["discretion"] or []}
        if fine is not None and r["discretion"] in tiers:
            t = tiers[r["discretion"]]
            if not t["min"] <= fine <= t["max"]:
                hits["discretion_range"].add(rid)
        if decided and r["major"]:
            review = day(r["legal_review_on"])
            if review is None or review > decided:
                hits["legal_review"].add(rid)
        threshold = (3000 if r["business"] else 1000) if person else \
            (10000 if r["business"] else 5000)
        if not r["hearing_notified"] and ((fine or 0) >= threshold or HEAVY & set(pens)):
            hits["hearing_notice"].add(rid)
        filed = day(r["filed_on"])
        if filed and not r["extended"]:
            if (decided or (None if r["closed_on"] else as_of) or filed) - filed > \
                    dt.timedelta(days=90):
                hits["decision_deadline"].add(rid)
        if decided and ((day(r["served_on"]) or as_of) - decided).days > LATE:
            hits["service_deadline"].add(rid)
        if r["procedure"] == "summary":
            if set(pens) - {"warning", "fine"} or (fine or 0) > (200 if person else 3000):
                hits["summary_procedure"].add(rid)
        violation = day(r["violation_on"])
        if filed and violation and filed > add_years(violation, power["limitation_years"] or 2):
            hits["limitation"].add(rid)
        if decided and pens:
            decided_pen[(r["party"]["id"], r["power"])].append(r)
        if decided and fine:
            fined[(r["party"]["id"], r["power"], r["violation_on"])].append(r)
    for group in fined.values():
        for r in sorted(group, key=lambda x: (x["decided_on"], x["id"]))[1:]:
            hits["double_fine"].add(r["id"])
    for (_, power), group in decided_pen.items():
        item = no_penalty.get(power)
        if item is None:
            continue
        group.sort(key=lambda x: (x["decided_on"], x["id"]))
        for i, r in enumerate(group):
            if r["harm"] is None or RANK[r["harm"]] > RANK[item["max_harm"]]:
                continue
            if item["requires_corrected"] and not r["corrected"]:
                continue
            window = item["first_offense_window_days"]
            if window and any((day(r["decided_on"]) - day(e["decided_on"])).days <= window
                              for e in group[:i]):
                continue
            hits["no_penalty_list"].add(r["id"])
    for group in inspections.values():
        group.sort(key=lambda x: (x["action_on"], x["id"]))
        for r in group:
            a = day(r["action_on"])
            if any(o["agency"] != r["agency"] and abs((day(o["action_on"]) - a).days) <= 30
                   for o in group):
                hits["repeat_inspection"].add(r["id"])
        seen = Counter()
        for r in group:
            cap = powers[r["power"]]["annual_inspection_cap"]
            key = (r["power"], r["action_on"][:4])
            seen[key] += 1
            if cap and seen[key] > cap:
                hits["inspection_cap"].add(r["id"])
    used = {r["power"] for r in data["records"]}
    counts = Counter({rule: len(ids) for rule, ids in hits.items()})
    counts["unexercised_power"] = sum(
        1 for p in data["powers"]
        if p["kind"] in ("penalty", "licensing", "compulsory", "inspection")
        and p["code"] not in used)
    return counts


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("gen")
    summary = generate(out, records=N, seed=7)
    return out, summary, load(out)


def test_files_are_jsonl_with_exactly_the_contract_fields(generated):
    out, summary, data = generated
    for name in FILES:
        assert data[name], name
        for row in data[name]:
            assert list(row) == FIELDS[name], (name, row)
        assert summary.counts[name] == len(data[name])
    for r in data["records"]:
        assert list(r["party"]) == ["type", "id", "name"]
    for p in data["powers"]:
        for t in p["discretion"] or []:
            assert list(t) == ["level", "min", "max"]


def test_record_count_and_ids(generated):
    _, _, data = generated
    assert len(data["records"]) == N
    assert data["records"][0]["id"] == "GC-7-0000001"
    assert data["records"][-1]["id"] == f"GC-7-{N:07d}"


def test_keys_are_unique(generated):
    _, _, data = generated
    for name, key in KEYS.items():
        values = [row[key] for row in data[name]]
        assert len(values) == len(set(values)), name
    numbers = [r["decision_no"] for r in data["records"] if r["decision_no"]]
    assert len(numbers) == len(set(numbers))


def test_codes_pass_their_checksums(generated):
    _, _, data = generated
    for a in data["agencies"]:
        assert is_uscc(a["code"]) and a["code"][:2] in ("11", "12"), a
    for o in data["officers"]:
        assert is_id_number(o["id_number"]) and o["id_number"].startswith("3701"), o
        born = int(o["id_number"][6:10])
        assert 1965 <= born <= 2000
    parties = 0
    for r in data["records"]:
        party = r["party"]
        if party["type"] == "person":
            assert is_id_number(party["id"]), party
        else:
            assert party["type"] == "organization"
            assert is_uscc(party["id"]) and party["id"][:2] in ("91", "92", "93"), party
        parties += 1
    assert parties == N


def test_references_exist_and_agree(generated):
    _, _, data = generated
    agencies = {a["code"]: a for a in data["agencies"]}
    powers = {p["code"]: p for p in data["powers"]}
    for a in data["agencies"]:
        assert a["parent"] is None or a["parent"] in agencies
    for o in data["officers"]:
        assert o["agency"] in agencies
    for p in data["powers"]:
        assert p["agency"] in agencies
    for item in data["four_lists"]:
        assert item["power"] in powers
        kind = powers[item["power"]]["kind"]
        assert kind == ("compulsory" if item["list"] == "no_compulsion" else "penalty")
    for r in data["records"]:
        assert r["agency"] in agencies
        power = powers[r["power"]]
        assert power["agency"] == r["agency"] and power["kind"] == r["kind"], r["id"]


def test_enums_amounts_and_dates(generated):
    _, summary, data = generated
    lo, hi = default_period(None, None)
    for p in data["powers"]:
        assert p["kind"] in KINDS
        tiers = p["discretion"] or []
        assert {t["level"] for t in tiers} <= LEVELS
        bounds = [(t["min"], t["max"]) for t in tiers]
        assert bounds == sorted(bounds) and all(a <= b for a, b in bounds)
    for o in data["officers"]:
        assert o["status"] in {"valid", "suspended", "revoked", "lost"}
        assert day(o["issued_on"]) < day(o["expires_on"])
    for item in data["four_lists"]:
        assert item["max_harm"] in {"none", "minor"}
    for r in data["records"]:
        assert r["kind"] in KINDS
        assert set(r["penalties"] or []) <= PENALTIES
        assert r["measure"] in MEASURES | {None}
        assert r["discretion"] in LEVELS | {None}
        assert r["harm"] in HARMS | {None}
        assert r["procedure"] in {"general", "summary", None}
        if r["fine"] is not None:
            fine = Decimal(str(r["fine"]))
            assert fine >= 0 and fine == fine.quantize(Decimal("0.01")), r["fine"]
        act = day(r["action_on"] or r["filed_on"] or r["decided_on"])
        assert lo <= act <= hi, r["id"]
        for f in ("decided_on", "served_on", "disclosed_on", "closed_on", "measure_end_on"):
            assert r[f] is None or day(r[f]) <= hi
    assert summary.start == lo and summary.end == hi


def test_every_kind_occurs(generated):
    _, _, data = generated
    kinds = Counter(r["kind"] for r in data["records"])
    for kind in ("penalty", "licensing", "compulsory", "inspection"):
        assert kinds[kind] >= N * 0.05, kinds
    assert kinds["inspection"] > kinds["licensing"] and kinds["penalty"] > kinds["compulsory"]
    assert {p["kind"] for p in data["powers"]} == KINDS
    procedures = Counter(r["procedure"] for r in data["records"] if r["kind"] == "penalty")
    assert procedures["summary"] > 0 and procedures["general"] > 0
    lists = Counter(i["list"] for i in data["four_lists"])
    assert set(lists) == {"no_penalty", "lighter", "mitigated", "no_compulsion"}


def test_parties_repeat(generated):
    _, _, data = generated
    per_party = Counter(r["party"]["id"] for r in data["records"])
    assert sum(1 for c in per_party.values() if c > 1) > 100
    names = defaultdict(set)
    for r in data["records"]:
        names[r["party"]["id"]].add(r["party"]["name"])
    assert all(len(v) == 1 for v in names.values())


def test_every_rule_is_broken_by_a_few_percent(generated):
    _, summary, data = generated
    counts = rule_counts(data)
    for rule in RULES:
        if rule == "unexercised_power":
            assert counts[rule] >= 1
            continue
        assert 0.005 * N <= counts[rule] <= 0.06 * N, (rule, counts[rule])
        # Planted violations really fire; few others happen by chance.
        planned = summary.violations[rule]
        assert planned * 0.9 <= counts[rule] <= planned * 1.3 + 5, (rule, counts[rule], planned)


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path, generated):
    first, _, _ = generated
    generate(tmp_path / "same", records=N, seed=7)
    generate(tmp_path / "other", records=N, seed=8)
    for name in FILES:
        data = (first / f"{name}.jsonl").read_bytes()
        assert (tmp_path / "same" / f"{name}.jsonl").read_bytes() == data, name
        assert (tmp_path / "other" / f"{name}.jsonl").read_bytes() != data, name


def test_scales_with_records(tmp_path):
    small = generate(tmp_path / "s", records=50, seed=1)
    assert small.counts["records"] == 50
    assert len((tmp_path / "s" / "records.jsonl").read_text().splitlines()) == 50
    assert small.counts["officers"] <= 400 and small.counts["powers"] < 250
    empty = generate(tmp_path / "e", records=0, seed=1)
    assert (tmp_path / "e" / "records.jsonl").read_bytes() == b""
    assert empty.counts["agencies"] == 36


def test_year_options(tmp_path):
    start, end = default_period(2023, 2023)
    assert (start, end) == (dt.date(2023, 1, 1), dt.date(2023, 12, 31))
    generate(tmp_path, records=300, seed=2, start=start, end=end)
    for line in (tmp_path / "records.jsonl").read_text().splitlines():
        r = json.loads(line)
        act = r["action_on"] or r["filed_on"]
        assert act.startswith("2023-"), r["id"]
    with pytest.raises(ValueError):
        default_period(2027, 2026)


def test_command_writes_files_and_a_chinese_summary(tmp_path):
    out = io.StringIO()
    call_command("gen", str(tmp_path / "x"), records=500, seed=3, stdout=out)
    text = out.getvalue()
    assert "执法行为 500 条" in text and "records.jsonl" in text
    for name in FILES:
        assert (tmp_path / "x" / f"{name}.jsonl").stat().st_size > 0
