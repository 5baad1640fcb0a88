"""The five kinds of the interchange contract: their fields, keys and row validation."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from decimal import Decimal
from typing import Any

import orjson

from jiandu.core.money import format_yuan
from jiandu.org.choices import AgencyType, CertificateStatus, Level
from jiandu.powers.choices import DiscretionLevel, FourList, MaxHarm, PowerKind
from jiandu.records.choices import Harm, Measure, PartyType, Penalty, Procedure

from . import fields as f
from .fields import MISSING, FieldError


@dataclass(frozen=True)
class Field:
    name: str
    parse: f.Parser
    required: bool = False
    default: Any = None
    # How a CSV/XLSX cell maps to this field: "scalar", "list" (joined with ;), "bool", "int",
    # "discretion" (lighter:0-500;…); nested objects are flattened by dotted names instead.
    cell: str = "scalar"


_party_type = f.enum(PartyType.values)
_party_id = f.text(18)
_party_name = f.text(200)


def _party(name: str, value: Any) -> dict:
    if not isinstance(value, dict):
        raise FieldError(name, "应为对象 {type, id, name}", "must be an object {type, id, name}")
    ptype = _require(f"{name}.type", value.get("type", MISSING), _party_type)
    raw_id = _require(f"{name}.id", value.get("id", MISSING), _party_id)
    pid = f.id_number(f"{name}.id", raw_id) if ptype == PartyType.PERSON else f.uscc(f"{name}.id", raw_id)
    pname = _require(f"{name}.name", value.get("name", MISSING), _party_name)
    return {"type": ptype, "id": pid, "name": pname}


_level = f.enum(DiscretionLevel.values)


def _discretion(name: str, value: Any) -> list[dict]:
    if not isinstance(value, list):
        raise FieldError(name, "应为裁量档次列表", "must be a list of tiers")
    tiers, seen = [], set()
    for tier in value:
        if not isinstance(tier, dict):
            raise FieldError(name, "每个档次应为对象 {level, min, max}", "each tier must be {level, min, max}")
        level = _require(f"{name}.level", tier.get("level", MISSING), _level)
        low = _require(f"{name}.min", tier.get("min", MISSING), f.money)
        high = _require(f"{name}.max", tier.get("max", MISSING), f.money)
        if low > high:
            raise FieldError(name, f"档次 {level} 的下限大于上限", f"tier {level} has min > max")
        if level in seen:
            raise FieldError(name, f"档次 {level} 重复", f"tier {level} repeated")
        seen.add(level)
        tiers.append({"level": level, "min": low, "max": high})
    tiers.sort(key=lambda t: (t["min"], t["max"], t["level"]))
    return tiers


def _require(name: str, value: Any, parse: f.Parser) -> Any:
    if value is MISSING or value is None:
        raise FieldError(name, "缺少必填字段", "required field is missing")
    return parse(name, value)


# The integer columns' range; and a limitation period longer than any law's (two years, five
# for life, health and financial safety) that keeps "N calendar years after" within dates.
INT_MAX = 2_147_483_647
LIMITATION_YEARS_MAX = 100

_penalties_parse = f.enum_list(Penalty.values)
_SEVERITY = {p: i for i, p in enumerate(Penalty.values)}


def _penalties(name: str, value: Any) -> list[str]:
    # A set of penalties: order and repeats carry no meaning, so store them by severity.
    return sorted(set(_penalties_parse(name, value)), key=_SEVERITY.__getitem__)


@dataclass(frozen=True)
class Kind:
    name: str
    key: str
    fields: tuple[Field, ...]
    label: str
    by_name: dict[str, Field] = dc_field(init=False, compare=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "by_name", {fl.name: fl for fl in self.fields})

    def validate(self, raw: Any) -> dict:
        """The row normalised in contract order, or FieldError for the first broken field."""
        if not isinstance(raw, dict):
            raise FieldError("-", "每行应为一个 JSON 对象", "each line must be a JSON object")
        row = {}
        for fl in self.fields:
            value = raw.get(fl.name, MISSING)
            if value is MISSING or value is None:
                if fl.required:
                    raise FieldError(fl.name, "缺少必填字段", "required field is missing")
                row[fl.name] = fl.default
            else:
                row[fl.name] = fl.parse(fl.name, value)
        return row


def canonical_json(row: dict) -> bytes:
    """Sorted keys, UTF-8, money as its shortest exact decimal text: the form that is hashed and logged."""
    return orjson.dumps(row, option=orjson.OPT_SORT_KEYS, default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format_yuan(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


AGENCIES = Kind("agencies", "code", (
    Field("code", f.uscc, required=True),
    Field("name", f.text(200), required=True),
    Field("type", f.enum(AgencyType.values), required=True),
    Field("level", f.enum(Level.values), required=True),
    Field("region", f.region, required=True),
    Field("parent", f.uscc),
), "执法主体")

OFFICERS = Kind("officers", "certificate", (
    Field("certificate", f.text(64), required=True),
    Field("name", f.text(100), required=True),
    Field("id_number", f.id_number, required=True),
    Field("agency", f.uscc, required=True),
    Field("issued_on", f.date, required=True),
    Field("expires_on", f.date, required=True),
    Field("status", f.enum(CertificateStatus.values), required=True),
    Field("status_since", f.date),
    Field("legal_qualification", f.boolean, default=False, cell="bool"),
    Field("oath_on", f.date),
), "执法人员")

POWERS = Kind("powers", "code", (
    Field("code", f.text(64), required=True),
    Field("name", f.text(300), required=True),
    Field("kind", f.enum(PowerKind.values), required=True),
    Field("agency", f.uscc, required=True),
    Field("legal_basis", f.text(4000), required=True),
    Field("discretion", _discretion, cell="discretion"),
    Field("annual_inspection_cap", f.count(INT_MAX), cell="int"),
    Field("limitation_years", f.count(LIMITATION_YEARS_MAX), cell="int"),
), "权责清单事项")

FOUR_LISTS = Kind("four_lists", "code", (
    Field("code", f.text(64), required=True),
    Field("list", f.enum(FourList.values), required=True),
    Field("power", f.text(64), required=True),
    Field("description", f.text(4000), required=True),
    Field("max_harm", f.enum(MaxHarm.values), required=True),
    Field("requires_corrected", f.boolean, default=True, cell="bool"),
    Field("first_offense_window_days", f.count(INT_MAX), cell="int"),
), "四张清单事项")

RECORDS = Kind("records", "id", (
    Field("id", f.text(100), required=True),
    Field("kind", f.enum(PowerKind.values), required=True),
    Field("agency", f.uscc, required=True),
    Field("power", f.text(64), required=True),
    Field("party", _party, required=True, cell="party"),
    Field("business", f.boolean, default=False, cell="bool"),
    Field("procedure", f.enum(Procedure.values)),
    # A CSV cannot tell an empty list from a missing one; both mean "no officer listed".
    Field("officers", f.text_list(64), default=[], cell="list"),
    Field("violation_on", f.date),
    Field("action_on", f.date),
    Field("filed_on", f.date),
    Field("decided_on", f.date),
    Field("decision_no", f.text(100)),
    Field("penalties", _penalties, cell="list"),
    Field("fine", f.money),
    Field("discretion", f.enum(DiscretionLevel.values)),
    Field("harm", f.enum(Harm.values)),
    Field("corrected", f.boolean, cell="bool"),
    Field("major", f.boolean, default=False, cell="bool"),
    Field("legal_review_on", f.date),
    Field("hearing_notified", f.boolean, default=False, cell="bool"),
    Field("extended", f.boolean, default=False, cell="bool"),
    Field("served_on", f.date),
    Field("disclosed_on", f.date),
    Field("measure", f.enum(Measure.values)),
    Field("measure_end_on", f.date),
    Field("measure_extended", f.boolean, default=False, cell="bool"),
    Field("closed_on", f.date),
), "执法行为")

KINDS = {k.name: k for k in (AGENCIES, OFFICERS, POWERS, FOUR_LISTS, RECORDS)}
