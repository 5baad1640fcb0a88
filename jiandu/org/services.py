"""Writes of the org app: agencies and officers from the interchange contract."""

from __future__ import annotations

from jiandu.core.crypto import encrypt_text, keyed_hash
from jiandu.records.interchange.fields import FieldError
from jiandu.records.interchange.pipeline import Pending, ReferenceStore
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
        self.agencies = set(Agency.objects.values_list("code", flat=True))

    def check(self, row: dict) -> None:
        if row["agency"] not in self.agencies:
            raise FieldError("agency", f"执法主体 {row['agency']} 不存在，请先导入执法主体", "unknown agency")
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
