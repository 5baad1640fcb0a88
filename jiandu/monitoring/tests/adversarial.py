"""Small, seeded, contract-valid datasets built to sit on the rules' boundaries.

`build(seed)` returns a `Dataset` (rows per kind, the as-of date and the year) and
`Dataset.write(directory)` writes the five `.jsonl` files. The generator does not know what
the rules answer: it only places values on and around every edge the contract names (tier
limits, hearing and summary thresholds, the 90th day, the 7th working day around holidays and
调休 days, the 30th/60th day of a measure, 29 February anniversaries, the 30-day inspection
window, ties in (date, id) order, certificate validity edges, the year of
`unexercised_power`). The oracle (`oracle.py`) and the engine then judge the same rows.

Party ids and agency codes carry valid check characters (the project's validators), and
every row passes the import's validation.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import chinese_calendar

from jiandu.core.validators import id_check_char
from jiandu.records.generator import uscc

from .oracle import working_day_after, years_after

REGION = "370117"
KINDS = ("agencies", "officers", "powers", "four_lists", "records")
FIRST = dt.date(2023, 1, 1)
LAST = dt.date(2026, 11, 30)  # the 7th working day after it is still in a year the calendar knows
AS_OF_CHOICES = (
    dt.date(2026, 7, 15),
    dt.date(2025, 10, 13),
    dt.date(2026, 3, 2),
    dt.date(2025, 12, 31),
    dt.date(2024, 10, 9),
    dt.date(2026, 2, 24),
    dt.date(2025, 2, 5),
)
DAY = dt.timedelta(days=1)


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def iso(d: dt.date | None) -> str | None:
    return None if d is None else d.isoformat()


def money(fen: int | None, rng: random.Random):
    """Fen as the contract's money: a JSON number or a decimal string, two decimals at most."""
    if fen is None:
        return None
    text = str(Decimal(fen) / 100)
    form = rng.random()
    if form < 0.3:
        return text
    if fen % 100 == 0 and form < 0.7:
        return fen // 100
    return float(text)


@dataclass
class Dataset:
    data: dict[str, list[dict]]
    as_of: dt.date
    year: int
    seed: int
    revisions: list[dict]  # records sent again, changed by a day, a fen or an officer

    def write_revisions(self, path: Path) -> Path:
        with open(path, "w", encoding="utf-8") as fh:
            for row in self.revisions:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        return path

    def write(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        for kind in KINDS:
            with open(directory / f"{kind}.jsonl", "w", encoding="utf-8") as fh:
                for row in self.data[kind]:
                    fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        return directory


def read_jsonl(path: Path) -> list[dict]:
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return [json.loads(line) for line in lines if line.strip()]


def read(directory: Path) -> dict[str, list[dict]]:
    """The rows of the five files as the oracle takes them."""
    return {kind: read_jsonl(directory / f"{kind}.jsonl") for kind in KINDS}


def _long_breaks() -> list[dt.date]:
    """The last working day before each run of 3+ days off (Spring Festival, 国庆, …)."""
    out = []
    d = FIRST
    while d <= LAST:
        if chinese_calendar.is_workday(d):
            run = 0
            e = d + DAY
            while not chinese_calendar.is_workday(e):
                run += 1
                e += DAY
            if run >= 3:
                out.append(d)
        d += DAY
    return out


def _makeup_days() -> list[dt.date]:
    """调休 Saturdays and Sundays that are working days."""
    out = []
    d = FIRST
    while d <= LAST:
        if d.weekday() >= 5 and chinese_calendar.is_workday(d):
            out.append(d)
        d += DAY
    return out


BREAKS = _long_breaks()
MAKEUPS = _makeup_days()


@dataclass
class Agency:
    code: str
    officers: list[str]
    powers: dict[str, list[dict]]


class Builder:
    def __init__(self, seed: int):
        self.seed = seed
        self.rng = random.Random(seed)
        rng = self.rng
        self.as_of = rng.choice(AS_OF_CHOICES)
        self.year = rng.choice((self.as_of.year - 1, self.as_of.year))
        self.data: dict[str, list[dict]] = {k: [] for k in KINDS}
        self.n_record = 0
        self.n_officer = 0
        self.n_power = 0
        self.n_item = 0
        self.used_bodies: set[str] = set()
        self.id_style = rng.choice(("plain", "mixed", "padded", "cjk"))

    # ----------------------------------------------------------------------- identifiers
    def _body8(self) -> str:
        while True:
            body = f"{self.rng.randrange(10**8):08d}"
            if body not in self.used_bodies:
                self.used_bodies.add(body)
                return body

    def org_id(self) -> str:
        return uscc("91", REGION, self._body8())

    def person_id(self) -> str:
        birth = dt.date(1960, 1, 1) + days(self.rng.randrange(15000))
        body = REGION + birth.strftime("%Y%m%d") + f"{self.rng.randrange(1000):03d}"
        return body + id_check_char(body)

    def record_id(self, style: str | None = None) -> str:
        """Ids whose string order differs from their numeric order (R10 < R9), mixed case."""
        self.n_record += 1
        n = self.n_record
        style = style or self.id_style
        if style == "padded":
            return f"REC-{n:05d}"
        if style == "mixed":
            return ("r" if n % 3 == 0 else "R") + str(n)
        if style == "cjk":
            return ("案" if n % 4 == 0 else "A-") + str(n)
        return f"R{n}"

    # ----------------------------------------------------------------------- the district
    def district(self):
        rng = self.rng
        self.agencies: list[Agency] = []
        self.data["agencies"].append(
            {
                "code": uscc("11", REGION, self._body8()),
                "name": "钢城区司法局",
                "type": "supervision_body",
                "level": "district",
                "region": REGION,
                "parent": None,
            }
        )
        for i in range(4):
            code = uscc("11", REGION, self._body8())
            # Agencies 1 and 3 are street offices under 0 and 2: a parent is still another agency.
            parent = self.agencies[i - 1].code if i % 2 else None
            self.data["agencies"].append(
                {
                    "code": code,
                    "name": f"测试执法局{i}",
                    "type": rng.choice(("authorized_org", "entrusted_org"))
                    if parent
                    else "administrative_organ",
                    "level": "street" if parent else "district",
                    "region": REGION + "001" if parent else REGION,
                    "parent": parent,
                }
            )
            agency = Agency(code=code, officers=[], powers={})
            self.agencies.append(agency)
            for _ in range(5):
                agency.officers.append(self.officer(agency))
            for kind in (
                "penalty",
                "penalty",
                "penalty",
                "licensing",
                "compulsory",
                "inspection",
                "inspection",
            ):
                self.power(agency, kind)
        # Kinds unexercised_power does not look at.
        for kind in ("levy", "other", "reward", "confirmation"):
            self.power(rng.choice(self.agencies), kind)
        self.persons = [
            {"type": "person", "id": self.person_id(), "name": f"张{i}"} for i in range(5)
        ]
        self.orgs = [
            {"type": "organization", "id": self.org_id(), "name": f"测试公司{i}"} for i in range(5)
        ]

    def officer(self, agency: Agency, **over) -> str:
        self.n_officer += 1
        cert = f"37{self.n_officer:06d}"
        row = {
            "certificate": cert,
            "name": f"执法员{self.n_officer}",
            "id_number": self.person_id(),
            "agency": agency.code,
            "issued_on": "2020-01-01",
            "expires_on": "2029-12-31",
            "status": "valid",
            "status_since": None,
            "legal_qualification": self.rng.random() < 0.5,
            "oath_on": "2020-01-03",
        }
        if self.rng.random() < 0.1:
            row["status_since"] = "2024-05-05"  # a valid status: status_since means nothing
        row.update(over)
        self.data["officers"].append(row)
        return cert

    def tiers(self) -> list[dict] | None:
        rng = self.rng
        scale = rng.choice((1, 10, 100, 1000))
        if rng.random() < 0.1:
            return None
        points = sorted(rng.sample(range(1, 60), 4))
        levels = [
            ("mitigated", 0, points[0]),
            ("lighter", points[0], points[1]),
            ("general", points[1], points[2]),
            ("heavier", points[2], points[3]),
        ]
        out = []
        for level, lo, hi in levels:
            if rng.random() < 0.12:
                continue  # a tier the power does not have
            lo_fen, hi_fen = lo * scale * 100, hi * scale * 100
            if rng.random() < 0.2:
                hi_fen += rng.choice((1, 50, 99))  # cents in a limit
            out.append({"level": level, "min": money(lo_fen, rng), "max": money(hi_fen, rng)})
        rng.shuffle(out)
        return out

    def power(self, agency: Agency, kind: str, **over) -> dict:
        rng = self.rng
        self.n_power += 1
        row = {
            "code": f"3701170{self.n_power:04d}",
            "name": f"事项{self.n_power}",
            "kind": kind,
            "agency": agency.code,
            "legal_basis": "《测试条例》第一条",
            "discretion": self.tiers() if kind == "penalty" else None,
            "annual_inspection_cap": rng.choice((None, 0, 1, 2, 3))
            if kind == "inspection"
            else rng.choice((None, None, None, 1)),
            "limitation_years": rng.choice((None, None, 0, 1, 2, 4, 5)),
        }
        row.update(over)
        self.data["powers"].append(row)
        agency.powers.setdefault(kind, []).append(row)
        return row

    def item(self, power: dict, **over) -> dict:
        rng = self.rng
        self.n_item += 1
        row = {
            "code": f"BYCF-{self.n_item:04d}",
            "list": "no_penalty",
            "power": power["code"],
            "description": "首次违法、危害后果轻微并及时改正的，不予行政处罚",
            "max_harm": rng.choice(("none", "minor")),
            "requires_corrected": rng.choice((True, False, None)),
            "first_offense_window_days": rng.choice((None, 0, 1, 30, 365)),
        }
        row.update(over)
        if row["requires_corrected"] is None:
            del row["requires_corrected"]  # absent: the default (true)
        self.data["four_lists"].append(row)
        return row

    def four_lists(self):
        rng = self.rng
        for agency in self.agencies:
            for power in agency.powers["penalty"]:
                if rng.random() < 0.7:
                    self.item(power)
                if rng.random() < 0.2:
                    self.item(power)  # a second item on the same power
                if rng.random() < 0.4:
                    self.item(power, list=rng.choice(("lighter", "mitigated", "no_compulsion")))

    # ----------------------------------------------------------------------- records
    def party(self, kind: str | None = None) -> dict:
        pool = (
            self.persons
            if kind == "person"
            else self.orgs
            if kind == "organization"
            else self.persons + self.orgs
        )
        return dict(self.rng.choice(pool))

    def fresh_party(self) -> dict:
        if self.rng.random() < 0.5:
            return {"type": "person", "id": self.person_id(), "name": "李四"}
        return {"type": "organization", "id": self.org_id(), "name": "新设公司"}

    def date_between(self, lo: dt.date, hi: dt.date) -> dt.date:
        return lo + days(self.rng.randrange((hi - lo).days + 1))

    def record(
        self,
        kind: str,
        agency: Agency | None = None,
        power: dict | None = None,
        party: dict | None = None,
        rid: str | None = None,
        **fields,
    ) -> dict:
        rng = self.rng
        agency = agency or rng.choice(self.agencies)
        if power is None:
            candidates = agency.powers.get(kind) or agency.powers["penalty"]
            power = rng.choice(candidates)
        party = party or self.party()
        row = {
            "id": rid or self.record_id(),
            "kind": kind,
            "agency": agency.code,
            "power": power["code"],
            "party": party,
            "business": rng.random() < 0.5,
            "procedure": None,
            "officers": rng.sample(agency.officers, 2),
            "violation_on": None,
            "action_on": None,
            "filed_on": None,
            "decided_on": None,
            "decision_no": None,
            "penalties": None,
            "fine": None,
            "discretion": None,
            "harm": None,
            "corrected": None,
            "major": False,
            "legal_review_on": None,
            "hearing_notified": True,
            "extended": False,
            "served_on": None,
            "disclosed_on": None,
            "measure": None,
            "measure_end_on": None,
            "measure_extended": False,
            "closed_on": None,
        }
        if kind == "penalty":
            filed = self.date_between(FIRST, LAST - days(60))
            row.update(
                procedure="general",
                violation_on=iso(filed - days(rng.randrange(1, 200))),
                filed_on=iso(filed),
                penalties=["fine"],
                harm="serious",
                corrected=False,
            )
        elif kind in ("inspection", "compulsory"):
            row["action_on"] = iso(self.date_between(FIRST, LAST))
        else:
            row["filed_on"] = iso(self.date_between(FIRST, LAST))
        for key, value in fields.items():
            if key == "fine_fen":
                row["fine"] = money(value, rng)
            else:
                row[key] = iso(value) if isinstance(value, dt.date) else value
        self.data["records"].append(row)
        return row

    def decide(self, row: dict, decided: dt.date, *, on_time: bool = True):
        """Decide ``row`` on ``decided``, served and disclosed in time unless told otherwise."""
        row["decided_on"] = iso(decided)
        row["decision_no"] = f"钢罚〔{decided.year}〕{self.n_record}号"
        if on_time:
            row["served_on"] = iso(decided + days(self.rng.randrange(0, 3)))
            row["disclosed_on"] = iso(decided + days(self.rng.randrange(0, 3)))
        if row["filed_on"] and dt.date.fromisoformat(row["filed_on"]) > decided:
            row["filed_on"] = iso(decided - days(self.rng.randrange(0, 40)))

    def any_power(self, kind: str) -> tuple[Agency, dict]:
        agency = self.rng.choice(self.agencies)
        return agency, self.rng.choice(agency.powers[kind])

    # ----------------------------------------------------------------------- scenarios
    def s_discretion(self):
        rng = self.rng
        for _ in range(14):
            agency, power = self.any_power("penalty")
            tiers = power["discretion"] or []
            if tiers and rng.random() < 0.85:
                tier = rng.choice(tiers)
                lo = int(Decimal(str(tier["min"])) * 100)
                hi = int(Decimal(str(tier["max"])) * 100)
                fine = rng.choice([lo, hi, hi + 1, (lo + hi) // 2] + ([lo - 1] if lo > 0 else []))
                level = tier["level"]
            else:
                fine = rng.randrange(0, 10**7)
                level = rng.choice(("lighter", "general", "heavier", "mitigated"))
            row = self.record("penalty", agency, power, discretion=level, fine_fen=fine)
            if rng.random() < 0.1:
                row["fine"] = None
            if rng.random() < 0.1:
                row["discretion"] = None
            if rng.random() < 0.5:
                self.decide(row, dt.date.fromisoformat(row["filed_on"]) + days(rng.randrange(40)))

    HEARING = {
        ("person", False): 1_000_00,
        ("person", True): 3_000_00,
        ("organization", False): 5_000_00,
        ("organization", True): 10_000_00,
    }

    def s_hearing(self):
        rng = self.rng
        for (ptype, business), threshold in self.HEARING.items():
            for fine, notified in (
                (threshold, False),
                (threshold - 1, False),
                (threshold + 1, False),
                (threshold + 1, True),
            ):
                row = self.record(
                    "penalty",
                    party=self.party(ptype),
                    business=business,
                    fine_fen=fine,
                    penalties=rng.choice((["fine"], ["warning", "fine"])),
                    hearing_notified=notified,
                    procedure=rng.choice(("general", "summary", None)),
                )
                if rng.random() < 0.6:
                    self.decide(
                        row, dt.date.fromisoformat(row["filed_on"]) + days(rng.randrange(30))
                    )
        for penalties in (
            ["fine", "revoke_license"],
            ["suspend_business"],
            ["close"],
            ["lower_qualification"],
            ["restrict_business"],
            ["confiscation"],
            ["detention"],
            [],
            None,
        ):
            row = self.record(
                "penalty",
                fine_fen=rng.choice((None, 0, 100_00)),
                penalties=penalties,
                hearing_notified=rng.random() < 0.2,
                procedure=rng.choice(("general", "summary", None)),
            )
            if rng.random() < 0.5:
                self.decide(row, dt.date.fromisoformat(row["filed_on"]) + days(rng.randrange(30)))
        # A hearing-size fine on another kind of record.
        self.record("licensing", fine_fen=20_000_00, penalties=["close"], hearing_notified=False)

    def s_summary(self):
        rng = self.rng
        for ptype, limit in (("person", 200_00), ("organization", 3_000_00)):
            for fine in (limit, limit + 1, limit - 1):
                row = self.record(
                    "penalty",
                    party=self.party(ptype),
                    procedure="summary",
                    fine_fen=fine,
                    penalties=rng.choice((["fine"], ["warning", "fine"])),
                )
                if rng.random() < 0.5:
                    self.decide(
                        row, dt.date.fromisoformat(row["filed_on"]) + days(rng.randrange(3))
                    )
        for penalties in (
            ["warning"],
            ["fine"],
            ["warning", "fine"],
            ["confiscation"],
            ["fine", "detention"],
            [],
            None,
            ["other"],
        ):
            for kind in ("penalty", rng.choice(("inspection", "licensing", "compulsory"))):
                self.record(
                    kind,
                    procedure="summary",
                    penalties=penalties,
                    fine_fen=rng.choice((None, 0, 100_00)),
                )
        for kind in ("inspection", "licensing"):  # a summary fine over the limit on other kinds
            self.record(kind, party=self.party("person"), procedure="summary", fine_fen=500_00)
        for fine in (200_01, 3_000_01):  # the same amounts under the general procedure
            self.record(
                "penalty",
                party=self.party("person"),
                procedure=rng.choice(("general", None)),
                fine_fen=fine,
                penalties=["fine", "confiscation"],
            )

    def s_decision_deadline(self):
        rng = self.rng
        for extended in (False, True):
            for gap in (89, 90, 91, 0, 150):
                filed = self.date_between(FIRST, LAST - days(160))
                row = self.record("penalty", filed_on=filed, extended=extended)
                self.decide(row, filed + days(gap))
                if rng.random() < 0.2:
                    row["closed_on"] = iso(filed + days(gap + rng.randrange(30)))
            for gap in (89, 90, 91, 200, -5):
                filed = self.as_of - days(gap)
                for closed in (None, 10, 91):
                    if closed is not None and rng.random() < 0.5:
                        continue
                    row = self.record("penalty", filed_on=filed, extended=extended)
                    if closed is not None:
                        row["closed_on"] = iso(filed + days(closed))
        # No filed_on: decided, or not.
        row = self.record("penalty", filed_on=None)
        self.decide(row, self.as_of - days(200))
        self.record("penalty", filed_on=None)

    def s_deadlines(self):
        rng = self.rng
        anchors = [d for d in BREAKS if FIRST <= d <= LAST] + MAKEUPS
        for _ in range(22):
            anchor = rng.choice(anchors)
            decided = anchor - days(rng.randrange(-2, 9))
            last = working_day_after(decided, 7)
            kind = rng.choice(("penalty", "penalty", "licensing", "inspection"))
            row = self.record(kind)
            self.decide(row, decided, on_time=False)
            row["served_on"] = iso(rng.choice((last, last + DAY, last - DAY, decided, None)))
            row["disclosed_on"] = iso(rng.choice((last, last + DAY, last - DAY, None)))
        # Not served, not disclosed: the 7th working day just before, on or after the as-of date.
        for offset in range(-25, 1):
            decided = self.as_of + days(offset)
            last = working_day_after(decided, 7)
            if abs((last - self.as_of).days) <= 1:
                row = self.record(rng.choice(("penalty", "licensing")))
                self.decide(row, decided, on_time=False)
                if rng.random() < 0.3:
                    row["served_on"] = iso(last + days(rng.choice((0, 1))))

    def s_compulsory(self):
        rng = self.rng
        for measure in ("seal", "seize", "freeze", "other", None):
            for length, extended in (
                (30, False),
                (31, False),
                (31, True),
                (60, True),
                (61, True),
                (61, False),
            ):
                if rng.random() < 0.5:
                    start = self.date_between(FIRST, LAST - days(70))
                    row = self.record(
                        "compulsory",
                        action_on=start,
                        measure=measure,
                        measure_extended=extended,
                        measure_end_on=start + days(length),
                    )
                else:  # no end yet: the as-of date stands in
                    start = self.as_of - days(length)
                    row = self.record(
                        "compulsory", action_on=start, measure=measure, measure_extended=extended
                    )
                if rng.random() < 0.08:
                    row["action_on"] = None
                    row["filed_on"] = iso(start)
        # A measure recorded on a non-compulsory record; a measure that ends before it starts.
        self.record("inspection", action_on=self.as_of - days(90), measure="seal")
        start = self.date_between(FIRST + days(10), LAST)
        self.record("compulsory", action_on=start, measure="seize", measure_end_on=start - days(5))

    def s_limitation(self):
        rng = self.rng
        leap = [(v, y) for v in (dt.date(2020, 2, 29), dt.date(2024, 2, 29)) for y in (None, 1, 2)]
        other = [
            (
                rng.choice(
                    (
                        dt.date(2022, 2, 28),
                        dt.date(2023, 3, 1),
                        self.date_between(dt.date(2020, 1, 1), dt.date(2024, 6, 1)),
                    )
                ),
                rng.choice((None, 0, 1, 2, 4, 5)),
            )
            for _ in range(5)
        ]
        for violation, years in leap + other:
            agency = rng.choice(self.agencies)
            power = self.power(agency, "penalty", limitation_years=years)
            anniversary = years_after(violation, 2 if years is None else years)
            for shift in (0, 1, rng.choice((-1, 2))):
                filed = min(anniversary + days(shift), LAST)
                row = self.record("penalty", agency, power, violation_on=violation, filed_on=filed)
                if rng.random() < 0.05:
                    row["violation_on"] = None
                if rng.random() < 0.5:
                    self.decide(row, filed + days(rng.randrange(1, 30)))

    def s_repeat(self):
        rng = self.rng
        for gap in (30, 31, -30, -31, 0, 29, 30, 31):
            party = self.fresh_party() if rng.random() < 0.75 else self.party()
            first, second = rng.sample(self.agencies, 2)
            day = self.date_between(FIRST + days(40), LAST - days(40))
            self.record("inspection", first, party=party, action_on=day)
            other = self.record(
                "inspection",
                second if rng.random() < 0.8 else first,
                party=party,
                action_on=day + days(gap),
            )
            if rng.random() < 0.2:
                other["power"] = rng.choice(first.powers["inspection"])["code"]  # another's power
            if rng.random() < 0.3:  # not an inspection, or no action_on
                kind = rng.choice(("penalty", "compulsory"))
                self.record(kind, second, party=party, action_on=day + days(5))
            if rng.random() < 0.2:
                self.record("inspection", second, party=party, action_on=None, filed_on=day)
            if rng.random() < 0.2:  # the same party at another agency the same day
                self.record("inspection", rng.choice(self.agencies), party=party, action_on=day)

    def tie_ids(self, count: int) -> list[str]:
        """Ids for records on the same day, whose string order is not their numeric or
        case-insensitive order: "T9-10" < "T9-9", "T9-B" < "T9-a"."""
        stem = f"T{self.n_record}"
        self.n_record += 1
        pool = [f"{stem}-9", f"{stem}-10", f"{stem}-a", f"{stem}-B", f"{stem}-11", f"{stem}-b"]
        return self.rng.sample(pool, count)

    def s_cap(self):
        rng = self.rng
        for cap in (0, 1, 1, 2, 2, 3):
            agency = rng.choice(self.agencies)
            power = self.power(agency, "inspection", annual_inspection_cap=cap)
            party = self.fresh_party() if rng.random() < 0.7 else self.party()
            year = rng.choice((2024, 2025, 2026))
            base = rng.choice(
                (
                    dt.date(year, 12, 31),
                    dt.date(year, 1, 1),
                    self.date_between(dt.date(year, 2, 1), dt.date(year, 10, 1)),
                )
            )
            count = rng.randrange(2, 6)
            for rid in self.tie_ids(count):
                day = base + days(rng.choice((0, 0, 0, 1, -1)))
                if day > LAST:
                    day = LAST
                actor = agency if rng.random() < 0.8 else rng.choice(self.agencies)
                self.record("inspection", actor, power, party=party, action_on=day, rid=rid)
            if rng.random() < 0.3:
                self.record("inspection", agency, power, party=self.party(), action_on=base)
            if rng.random() < 0.3:  # not an inspection; an inspection with no action_on
                self.record("penalty", agency, power, party=party, action_on=base)
            if rng.random() < 0.3:
                self.record("inspection", agency, power, party=party, action_on=None, filed_on=base)
        # Cap 1, one day, ids whose code-point order is not their case-insensitive order.
        agency = rng.choice(self.agencies)
        power = self.power(agency, "inspection", annual_inspection_cap=1)
        party = self.fresh_party()
        stem = f"T{self.n_record}"
        self.n_record += 1
        for rid in rng.sample((f"{stem}-a", f"{stem}-B"), 2):
            self.record(
                "inspection", agency, power, party=party, action_on=dt.date(2025, 3, 3), rid=rid
            )
        # An inspection record under a penalty power with a cap.
        agency = rng.choice(self.agencies)
        power = self.power(agency, "penalty", annual_inspection_cap=1)
        party = self.fresh_party()
        for rid in self.tie_ids(2):
            self.record(
                "inspection", agency, power, party=party, action_on=dt.date(2025, 5, 5), rid=rid
            )

    def s_double_fine(self):
        rng = self.rng
        for _ in range(8):
            agency, power = self.any_power("penalty")
            party = self.fresh_party() if rng.random() < 0.7 else self.party()
            violation = self.date_between(FIRST, LAST - days(200))
            decided = violation + days(rng.randrange(20, 150))
            for rid in self.tie_ids(rng.randrange(2, 5)):
                fine = rng.choice((50000, 50000, 50000, 0, None, 1))
                actor = agency if rng.random() < 0.8 else rng.choice(self.agencies)
                row = self.record(
                    "penalty",
                    actor,
                    power,
                    party=party,
                    fine_fen=fine,
                    violation_on=violation + days(rng.choice((0, 0, 0, 1))),
                    rid=rid,
                )
                if rng.random() < 0.85:
                    self.decide(row, decided + days(rng.choice((0, 0, 1, -1))))
                if rng.random() < 0.1:
                    row["violation_on"] = None
                if rng.random() < 0.1:
                    row["kind"] = "licensing"
            if rng.random() < 0.3:  # another power, another party
                row = self.record(
                    "penalty",
                    agency,
                    rng.choice(agency.powers["penalty"]),
                    party=self.party(),
                    fine_fen=50000,
                    violation_on=violation,
                )
                self.decide(row, decided)

    def _np_case(
        self,
        *,
        window=None,
        max_harm="minor",
        requires=True,
        harm="none",
        corrected=True,
        penalties=("fine",),
        others=(),
        second_item=None,
    ):
        """A decided penalty under a fresh power with a no_penalty item, and earlier records.

        ``others``: (gap in days before, what) with what one of "same", "smaller-id",
        "larger-id", "other-power", "other-party", "undecided", "no-penalties", "licensing".
        """
        rng = self.rng
        agency = rng.choice(self.agencies)
        power = self.power(agency, "penalty")
        self.item(
            power, first_offense_window_days=window, max_harm=max_harm, requires_corrected=requires
        )
        if second_item:
            self.item(power, **second_item)
        party = self.fresh_party()
        decided = self.date_between(dt.date(2024, 3, 1), LAST - days(10))
        stem = f"NP{self.n_record}"
        self.n_record += 1
        # "x-B" < "x-a" < "x-b" and "x-10" < "x-9" as strings.
        target = self.record(
            "penalty",
            agency,
            power,
            party=party,
            harm=harm,
            corrected=corrected,
            penalties=list(penalties) if penalties is not None else None,
            fine_fen=rng.choice((10000, 0, None)),
            rid=f"{stem}-a",
        )
        self.decide(target, decided)
        for k, (gap, what) in enumerate(others):
            rid = {"smaller-id": f"{stem}-B", "larger-id": f"{stem}-b"}.get(what, f"{stem}-{k}")
            other = self.record(
                "licensing" if what == "licensing" else "penalty",
                agency if rng.random() < 0.8 else rng.choice(self.agencies),
                rng.choice(agency.powers["penalty"]) if what == "other-power" else power,
                party=self.fresh_party() if what == "other-party" else party,
                harm=rng.choice(("none", "minor", "serious")),
                corrected=rng.choice((True, False)),
                penalties=rng.choice(([], None))
                if what == "no-penalties"
                else rng.choice((["fine"], ["warning"], ["fine", "confiscation"])),
                rid=rid,
            )
            if what != "undecided":
                self.decide(other, decided - days(gap))
            else:
                other["filed_on"] = iso(decided - days(gap))

    def s_no_penalty(self):
        rng = self.rng
        # The window's edge, and ties on decided_on broken by id.
        for window in (0, 1, 30, 365):
            for others in (
                [(window, "same")],
                [(window + 1, "same")],
                [(window - 1, "same")],
                [(0, "smaller-id")],
                [(0, "larger-id")],
                [(-1, "same")],
                [(window + 1, "same"), (window, "same")],
            ):
                self._np_case(
                    window=window,
                    max_harm=rng.choice(("none", "minor")),
                    requires=rng.choice((True, False, None)),
                    others=others,
                )
        # Earlier records that do not count.
        for what in ("other-power", "other-party", "undecided", "no-penalties", "licensing"):
            self._np_case(window=365, others=[(10, what)])
        # Whether the item applies at all.
        for harm in ("none", "minor", "serious", None):
            for max_harm in ("none", "minor"):
                self._np_case(
                    harm=harm,
                    max_harm=max_harm,
                    requires=rng.choice((True, False)),
                    others=[(5, "same")] if rng.random() < 0.3 else (),
                )
        for requires in (True, False, None):
            for corrected in (True, False, None):
                self._np_case(requires=requires, corrected=corrected, harm="none")
        for penalties in (["warning"], [], None):
            self._np_case(penalties=penalties)
        # Two items on one power: one that does not apply, one that does (or not).
        self._np_case(
            harm="minor",
            max_harm="none",
            second_item={"max_harm": "minor", "requires_corrected": False},
        )
        self._np_case(
            harm="minor",
            corrected=False,
            max_harm="minor",
            requires=True,
            second_item={"list": "lighter", "max_harm": "minor", "requires_corrected": False},
        )
        # Records on the district's powers, some of which have items.
        for _ in range(6):
            agency, power = self.any_power("penalty")
            row = self.record(
                "penalty",
                agency,
                power,
                harm=rng.choice(("none", "minor")),
                corrected=rng.choice((True, False, None)),
                penalties=rng.choice((["fine"], ["warning"])),
            )
            self.decide(row, dt.date.fromisoformat(row["filed_on"]) + days(rng.randrange(40)))

    def s_legal_review(self):
        rng = self.rng
        for _ in range(8):
            row = self.record("penalty", major=rng.random() < 0.8)
            if rng.random() < 0.8:
                decided = dt.date.fromisoformat(row["filed_on"]) + days(rng.randrange(40))
                self.decide(row, decided)
                row["legal_review_on"] = iso(
                    rng.choice((decided, decided + DAY, decided - DAY, None))
                )
            else:
                row["legal_review_on"] = rng.choice((None, row["filed_on"]))

    OFFICER_EDGES = (
        ("issued", 0),
        ("issued", 1),
        ("issued", -1),
        ("expires", 0),
        ("expires", 1),
        ("expires", -1),
        ("since", -1),
        ("since", 0),
        ("since", 1),
        ("since", None),
        ("oath", None),
        ("oath", 0),
        ("oath", 1),
        ("oath", -1),
        ("agency", None),
        ("unknown", None),
        ("none", None),
    )

    def s_officers(self):
        rng = self.rng
        for edge, shift in self.OFFICER_EDGES:
            agency = rng.choice(self.agencies)
            act = self.date_between(dt.date(2023, 6, 1), dt.date(2026, 6, 1))
            moved = None if shift is None else act + days(shift)
            cert = None
            if edge == "issued":
                cert = self.officer(agency, issued_on=iso(moved), expires_on=iso(act + days(900)))
            elif edge == "expires":
                cert = self.officer(agency, expires_on=iso(moved), issued_on=iso(act - days(900)))
            elif edge == "since":
                cert = self.officer(
                    agency,
                    status=rng.choice(("suspended", "revoked", "lost")),
                    status_since=iso(moved),
                )
            elif edge == "oath":
                cert = self.officer(agency, oath_on=iso(moved))
            elif edge == "agency":  # often the parent's or the child's officer
                index = self.agencies.index(agency)
                kin = (
                    self.agencies[index ^ 1]
                    if rng.random() < 0.6
                    else rng.choice([a for a in self.agencies if a is not agency])
                )
                cert = rng.choice(kin.officers)
            elif edge == "unknown":
                cert = f"UNKNOWN-{rng.randrange(1000)}"
            dated = ("action_on", "filed_on", "decided_on")
            undated = (
                None
                if edge in ("agency", "unknown") or shift is None
                else rng.choice(dated + (None,))
            )
            for where in (rng.choice(dated), undated):
                kind = rng.choice(
                    ("penalty", "compulsory", "inspection", "licensing", "levy", "other")
                )
                certs = [cert] if cert else []
                certs += rng.sample(agency.officers, rng.choice((0, 1, 1, 2)))
                if certs and rng.random() < 0.25:
                    certs.append(certs[0])  # a certificate listed twice
                rng.shuffle(certs)
                row = self.record(kind, agency, officers=certs)
                for field in ("action_on", "filed_on", "decided_on", "violation_on"):
                    row[field] = None
                if where == "decided_on":
                    self.decide(row, act)
                    row["filed_on"] = None
                elif where is not None:
                    row[where] = iso(act)
                    if rng.random() < 0.3:  # a later date does not make the act date
                        row["decided_on"] = iso(act + days(rng.randrange(1, 5)))
        # Unknown certificates only; none at all.
        self.record("inspection", officers=["UNKNOWN-1", "UNKNOWN-2"])
        self.record("inspection", officers=["UNKNOWN-1", "UNKNOWN-1"])
        self.record("penalty", officers=[])

    def s_unexercised(self):
        rng = self.rng
        for agency in self.agencies:
            for kind in ("penalty", "licensing", "compulsory", "inspection"):
                if rng.random() < 0.5:
                    continue
                power = self.power(agency, kind)
                edge = rng.choice(
                    (
                        dt.date(self.year - 1, 12, 31),
                        dt.date(self.year, 1, 1),
                        dt.date(self.year, 12, 31),
                        dt.date(self.year + 1, 1, 1),
                    )
                )
                if edge > LAST:
                    edge = LAST
                field = rng.choice(("action_on", "filed_on", "decided_on"))
                row = self.record(rng.choice((kind, "levy", "penalty")), agency, power)
                for name in ("action_on", "filed_on", "decided_on"):
                    row[name] = None
                row[field] = iso(edge)
                if rng.random() < 0.3 and field != "decided_on":
                    row["decided_on"] = iso(edge + days(rng.choice((1, -1, 400))))
                if row["decided_on"] and dt.date.fromisoformat(row["decided_on"]) > LAST:
                    row["decided_on"] = iso(LAST)
        # A record with no act date at all.
        agency, power = self.any_power("licensing")
        row = self.record("licensing", agency, power)
        row["filed_on"] = None

    def s_noise(self, count: int):
        rng = self.rng
        for _ in range(count):
            kind = rng.choice(
                ("penalty", "penalty", "inspection", "licensing", "compulsory", "levy", "other")
            )
            agency = rng.choice(self.agencies)
            power = (
                rng.choice(
                    rng.choice(self.agencies).powers[
                        rng.choice(("penalty", "inspection", "licensing", "compulsory"))
                    ]
                )
                if rng.random() < 0.1
                else None
            )
            row = self.record(kind, agency, power)
            if kind == "penalty":
                row["fine"] = money(
                    rng.choice((0, 1, 99_99, 200_00, 1_000_00, 5_000_00, 12_345_67)), rng
                )
                row["discretion"] = rng.choice(("lighter", "general", "heavier", "mitigated", None))
                row["harm"] = rng.choice(("none", "minor", "serious", None))
                row["corrected"] = rng.choice((True, False, None))
                row["penalties"] = rng.sample(
                    ["warning", "fine", "confiscation", "close"], rng.randrange(0, 3)
                )
                row["hearing_notified"] = rng.random() < 0.7
                row["major"] = rng.random() < 0.2
                if rng.random() < 0.7:
                    self.decide(
                        row,
                        dt.date.fromisoformat(row["filed_on"]) + days(rng.randrange(100)),
                        on_time=rng.random() < 0.7,
                    )
                    if row["major"] and rng.random() < 0.7:
                        row["legal_review_on"] = row["decided_on"]
            elif kind == "licensing" and rng.random() < 0.7:
                self.decide(
                    row,
                    dt.date.fromisoformat(row["filed_on"]) + days(rng.randrange(20)),
                    on_time=rng.random() < 0.7,
                )
            elif kind == "compulsory":
                row["measure"] = rng.choice(("seal", "seize", "freeze", "other"))
                if rng.random() < 0.8:
                    row["measure_end_on"] = iso(
                        dt.date.fromisoformat(row["action_on"]) + days(rng.randrange(0, 70))
                    )

    def s_identity(self):
        """Party identity: a new name is the same party; a person and an organization whose ids
        read alike (913701179901013015 is both a valid USCC and a valid 身份证号) are not."""
        rng = self.rng
        twin = "913701179901013015"
        person = {"type": "person", "id": twin, "name": "王五"}
        org = {"type": "organization", "id": twin, "name": "王五公司"}
        first, second = rng.sample(self.agencies, 2)
        day = self.date_between(dt.date(2024, 1, 1), dt.date(2026, 6, 1))
        self.record("inspection", first, party=person, action_on=day)
        self.record("inspection", second, party=org, action_on=day + days(3))
        power = self.power(first, "inspection", annual_inspection_cap=1)
        for party in (person, org):
            self.record("inspection", first, power, party=party, action_on=day)
        power = rng.choice(first.powers["penalty"])
        for party in (org, person):
            row = self.record(
                "penalty", first, power, party=party, fine_fen=500_00, violation_on=day - days(30)
            )
            self.decide(row, day)
        # The same party under another name.
        party = self.fresh_party()
        renamed = dict(party, name=party["name"] + "（更名）")
        self.record("inspection", first, party=party, action_on=day)
        self.record("inspection", second, party=renamed, action_on=day + days(30))
        # The supervision body acting under an enforcement agency's power.
        body = Agency(code=self.data["agencies"][0]["code"], officers=[], powers={})
        body.officers += [self.officer(body), self.officer(body)]
        self.record(
            "inspection",
            body,
            rng.choice(first.powers["inspection"]),
            party=party,
            action_on=day + days(rng.choice((10, 40))),
        )
        # Penalties listed twice.
        self.record(
            "penalty", penalties=["fine", "fine", "warning"], procedure="summary", fine_fen=100_00
        )

    def duplicates(self):
        """A key twice in one file: the later line wins (records, officers, powers, items)."""
        rng = self.rng
        for _ in range(2):
            row = dict(rng.choice(self.data["records"]))
            row["hearing_notified"] = not row["hearing_notified"]
            row["officers"] = row["officers"][:1]
            self.data["records"].append(row)
        # An officer first suspended, then valid again (and one the other way round).
        for first, then in (
            ({"status": "suspended", "status_since": "2024-07-01"}, {"status": "valid"}),
            ({"status": "valid"}, {"status": "revoked", "status_since": "2024-07-01"}),
        ):
            agency = rng.choice(self.agencies)
            cert = self.officer(agency, **first)
            self.data["officers"].append(dict(self.data["officers"][-1], **then))
            for day in (dt.date(2024, 6, 30), dt.date(2024, 7, 1)):
                self.record(
                    "inspection", agency, officers=[cert, agency.officers[0]], action_on=day
                )
        for row in rng.sample([p for p in self.data["powers"] if p["kind"] == "inspection"], 2):
            self.data["powers"].append(dict(row, annual_inspection_cap=rng.choice((None, 1, 5))))
        for row in rng.sample([p for p in self.data["powers"] if p["discretion"]], 2):
            tiers = [
                dict(t, max=money(int(Decimal(str(t["max"])) * 100) + 1, rng))
                for t in row["discretion"]
            ]
            self.data["powers"].append(dict(row, discretion=tiers))
        for row in rng.sample(self.data["four_lists"], 2):
            self.data["four_lists"].append(
                dict(
                    row, max_harm="minor", requires_corrected=False, first_offense_window_days=None
                )
            )

    def revise(self) -> list[dict]:
        """Copies of some records with one boundary moved: a day, a fen, an officer, a flag."""
        rng = random.Random(self.seed + 10_000)
        out = []
        for row in rng.sample(self.data["records"], len(self.data["records"]) // 10):
            row = json.loads(json.dumps(row))
            change = rng.choice(("date", "fine", "officers", "flag", "kind"))
            if change == "date":
                names = [
                    n
                    for n in (
                        "action_on",
                        "filed_on",
                        "decided_on",
                        "served_on",
                        "disclosed_on",
                        "measure_end_on",
                        "violation_on",
                        "closed_on",
                    )
                    if row[n]
                ]
                if names:
                    name = rng.choice(names)
                    moved = dt.date.fromisoformat(row[name]) + days(rng.choice((1, -1)))
                    row[name] = iso(min(moved, LAST))
            elif change == "fine" and row["fine"] is not None:
                fen = int(Decimal(str(row["fine"])) * 100) + rng.choice((1, -1))
                row["fine"] = money(max(fen, 0), rng)
            elif change == "officers":
                row["officers"] = (
                    row["officers"][:1]
                    if len(row["officers"]) > 1
                    else row["officers"] + rng.sample(self.agencies[0].officers, 1)
                )
            elif change == "flag":
                name = rng.choice(
                    ("hearing_notified", "extended", "measure_extended", "major", "business")
                )
                row[name] = not row[name]
            else:
                row["kind"] = rng.choice(("penalty", "inspection", "licensing", "compulsory"))
            out.append(row)
        return out

    def clamp(self):
        """Keep every decision inside the calendar's known years."""
        for row in self.data["records"]:
            for name in (
                "decided_on",
                "served_on",
                "disclosed_on",
                "closed_on",
                "measure_end_on",
                "legal_review_on",
                "action_on",
                "filed_on",
            ):
                if row[name] and dt.date.fromisoformat(row[name]) > LAST + days(20):
                    row[name] = iso(LAST)

    def build(self) -> Dataset:
        self.district()
        self.four_lists()
        for scenario in (
            self.s_discretion,
            self.s_hearing,
            self.s_summary,
            self.s_decision_deadline,
            self.s_deadlines,
            self.s_compulsory,
            self.s_limitation,
            self.s_repeat,
            self.s_cap,
            self.s_double_fine,
            self.s_no_penalty,
            self.s_legal_review,
            self.s_officers,
            self.s_unexercised,
            self.s_identity,
        ):
            scenario()
        self.s_noise(self.rng.randrange(0, 15))
        self.duplicates()
        self.clamp()
        return Dataset(
            data=self.data,
            as_of=self.as_of,
            year=self.year,
            seed=self.seed,
            revisions=self.revise(),
        )


def build(seed: int) -> Dataset:
    return Builder(seed).build()
