"""Writes of the org app: agencies and officers from the interchange contract."""

from __future__ import annotations

from jiandu.core.crypto import encrypt_text, keyed_hash
from jiandu.records.interchange.fields import FieldError
from jiandu.records.interchange.pipeline import Pending, References, ReferenceStore
from jiandu.records.interchange.schema import AGENCIES, OFFICERS

from .models import Agency, CertificateStatusChange, Officer
from .selectors import agency_to_contract, iso, officer_to_contract


class AgencyStore(ReferenceStore):
    kind = AGENCIES
    model = Agency
    key_field = "code"

    def model_fields(self, row: dict) -> dict:
        return {"code": row["code"], "name": row["name"], "type": row["type"], "level": row["level"],
                "region_code": row["region"], "parent_id": row["parent"]}

    def to_contract(self, obj: Agency, *, reveal: bool) -> dict:
        return agency_to_contract(obj)

    def reject_late(self, items: list[Pending]):
        # A parent may come later in the same file than its child; it must exist somewhere.
        in_file = {p.row["code"] for p in items}
        wanted = {p.row["parent"] for p in items if p.row["parent"]} - in_file
        stored = set(Agency.objects.filter(code__in=wanted).values_list("code", flat=True))
        parents = {p.row["code"]: p.row["parent"] for p in items}
        late = []
        for p in items:
            parent = p.row["parent"]
            if parent is None:
                continue
            if parent == p.row["code"]:
                late.append((p, FieldError("parent", "上级机构不能是自身", "an agency cannot be its own parent")))
            elif parent not in in_file and parent not in stored:
                late.append((p, FieldError("parent", f"上级机构 {parent} 不存在", "unknown parent agency")))
            elif _in_cycle(p.row["code"], parents):
                late.append((p, FieldError("parent", "上级机构关系形成循环", "parent chain forms a cycle")))
        return late


def _in_cycle(code: str, parents: dict[str, str | None]) -> bool:
    seen = {code}
    current = parents.get(code)
    while current is not None and current in parents:
        if current in seen:
            return True
        seen.add(current)
        current = parents[current]
    return False


class OfficerStore(ReferenceStore):
    kind = OFFICERS
    model = Officer
    key_field = "certificate"

    def __init__(self, *, run, source: str):
        super().__init__(run=run, source=source)
        self.refs = References(agencies=True)

    def check(self, row: dict) -> None:
        self.refs.agency(row["agency"])
        if row["expires_on"] < row["issued_on"]:
            raise FieldError("expires_on", "有效期截止日早于发证日期", "expires_on is before issued_on")

    def model_fields(self, row: dict) -> dict:
        return {"certificate": row["certificate"], "name": row["name"],
                "id_number_enc": encrypt_text(row["id_number"]),
                "id_number_hash": keyed_hash(row["id_number"]), "agency_id": row["agency"],
                "issued_on": row["issued_on"], "expires_on": row["expires_on"],
                "status": row["status"], "status_since": row["status_since"],
                "legal_qualification": row["legal_qualification"], "oath_on": row["oath_on"]}

    def to_contract(self, obj: Officer, *, reveal: bool) -> dict:
        return officer_to_contract(obj, reveal=reveal)

    def after_save(self, obj: Officer, row: dict, created: bool) -> None:
        last = obj.status_changes.order_by("-recorded_at", "-pk").first()
        if last is None or (last.status, iso(last.since)) != (row["status"], row["status_since"]):
            CertificateStatusChange.objects.create(officer=obj, status=row["status"],
                                                   since=row["status_since"], source=self.source)


class RegionFileError(ValueError):
    """A region file that cannot be loaded, with every bad line; nothing of it was written."""


def region_bundled_path():
    """The regions shipped with Jiandu: Shandong, Jinan, Gangcheng district and its streets."""
    from pathlib import Path

    return Path(__file__).resolve().parent / "data" / "regions_370117.csv"


def _region_file_rows(path) -> tuple[dict[str, tuple[int, str, str, str | None]], list[str]]:
    """code -> (line, name, level, parent) of a code,name,level,parent CSV, and the problems found."""
    import csv

    from jiandu.core.validators import is_region_code

    from .choices import RegionLevel

    rows: dict[str, tuple[int, str, str, str | None]] = {}
    problems: list[str] = []
    header: list[str] | None = None
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            cells = [c.strip() for c in next(csv.reader([line]))]
            if header is None:
                header = cells
                missing = {"code", "name", "level", "parent"} - set(header)
                if missing:
                    raise RegionFileError(
                        f"第 {number} 行：表头缺少 {', '.join(sorted(missing))} 列 "
                        f"(header must have the columns code,name,level,parent)")
                continue
            value = dict(zip(header, cells, strict=False))
            code, name = value.get("code", ""), value.get("name", "")
            level, parent = value.get("level", ""), value.get("parent") or None
            if not is_region_code(code):
                problems.append(f"第 {number} 行 code：区划代码应为6、9或12位数字 "
                                f"(region code must be 6, 9 or 12 digits): {code!r}")
            elif code in rows:
                problems.append(f"第 {number} 行 code：区划代码 {code} 与第 {rows[code][0]} 行重复 "
                                f"(code repeated)")
            if not name or len(name) > 100:
                problems.append(f"第 {number} 行 name：名称不能为空且不超过100字 "
                                f"(name must be 1 to 100 characters)")
            if level not in RegionLevel.values:
                problems.append(f"第 {number} 行 level：层级应为 {'、'.join(RegionLevel.values)} 之一 "
                                f"(unknown level): {level!r}")
            if parent is not None and not is_region_code(parent):
                problems.append(f"第 {number} 行 parent：上级区划代码应为6、9或12位数字 "
                                f"(parent must be a region code): {parent!r}")
            elif parent == code:
                problems.append(f"第 {number} 行 parent：上级区划不能是自身 (a region cannot be its own parent)")
            rows.setdefault(code, (number, name, level, parent))
    if header is None:
        raise RegionFileError("文件中没有表头和数据 (the file has no header and no rows)")
    return rows, problems


def region_load(*, path) -> int:
    """Upsert the regions of a ``code,name,level,parent`` CSV in one transaction, parents before
    children; lines starting with # are comments. Returns how many regions the file holds.

    A parent may come anywhere in the file or be stored already. Any bad line rejects the whole
    file, every problem listed, because a region tree loaded in part is worse than none.
    """
    from django.db import transaction

    from .models import Region

    rows, problems = _region_file_rows(path)
    outside = {p for (_, _, _, p) in rows.values() if p is not None and p not in rows}
    stored = _region_ids(outside)
    depth: dict[str, int] = {}
    for code, (number, *_) in rows.items():
        chain, current = [], code
        while current in rows and current not in depth and current not in chain:
            chain.append(current)
            current = rows[current][3]
        if current in chain:
            problems.append(f"第 {number} 行 parent：上级区划关系形成循环 (parent chain forms a cycle)")
            continue
        if current is not None and current not in rows and current not in stored:
            problems.append(f"第 {number} 行 parent：上级区划 {current} 既不在文件中也未入库 "
                            f"(unknown parent region)")
            continue
        base = depth.get(current, -1) if current in rows else -1
        for offset, item in enumerate(reversed(chain), 1):
            depth[item] = base + offset
    if problems:
        raise RegionFileError("\n".join(sorted(set(problems), key=_line_of)))

    with transaction.atomic():
        ids = dict(stored)
        for level in sorted(set(depth.values())):
            codes = [code for code, d in depth.items() if d == level]
            existing = {r.code: r for part in _slices(codes) for r in Region.objects.filter(code__in=part)}
            to_create, to_update = [], []
            for code in codes:
                _, name, kind, parent = rows[code]
                parent_id = None if parent is None else ids[parent]
                obj = existing.get(code)
                if obj is None:
                    to_create.append(Region(code=code, name=name, level=kind, parent_id=parent_id))
                elif (obj.name, obj.level, obj.parent_id) != (name, kind, parent_id):
                    obj.name, obj.level, obj.parent_id = name, kind, parent_id
                    to_update.append(obj)
            Region.objects.bulk_create(to_create, batch_size=500)
            Region.objects.bulk_update(to_update, ["name", "level", "parent"], batch_size=500)
            ids.update(_region_ids(codes))
    return len(rows)


def _slices(codes, size: int = 500):
    # SQLite caps the parameters of one statement; a national file has ~700,000 codes.
    codes = list(codes)
    return (codes[i:i + size] for i in range(0, len(codes), size))


def _region_ids(codes) -> dict[str, int]:
    from .models import Region

    return {code: pk for part in _slices(codes)
            for code, pk in Region.objects.filter(code__in=part).values_list("code", "pk")}


def _line_of(problem: str) -> int:
    return int(problem.split(" ", 2)[1]) if problem.startswith("第 ") else 0
