"""Writes of the powers app: 权责清单 items with 裁量基准 tiers and 四张清单 items from the contract."""

from __future__ import annotations

from jiandu.records.interchange.pipeline import References, ReferenceStore
from jiandu.records.interchange.schema import FOUR_LISTS, POWERS

from .models import DiscretionTier, FourListItem, Power
from .selectors import four_list_to_contract, power_to_contract


class PowerStore(ReferenceStore):
    kind = POWERS
    model = Power
    key_field = "code"

    def __init__(self, *, run, source: str):
        super().__init__(run=run, source=source)
        self.refs = References(agencies=True)

    def check(self, row: dict) -> None:
        self.refs.agency(row["agency"])

    def model_fields(self, row: dict) -> dict:
        return {"code": row["code"], "name": row["name"], "kind": row["kind"],
                "agency_id": row["agency"], "legal_basis": row["legal_basis"],
                "annual_inspection_cap": row["annual_inspection_cap"],
                "limitation_years": row["limitation_years"]}

    def to_contract(self, obj: Power, *, reveal: bool) -> dict:
        return power_to_contract(obj)

    def after_save(self, obj: Power, row: dict, created: bool) -> None:
        if not created:
            obj.tiers.all().delete()
        DiscretionTier.objects.bulk_create(
            DiscretionTier(power=obj, level=t["level"], min_amount=t["min"], max_amount=t["max"])
            for t in row["discretion"] or ())


class FourListStore(ReferenceStore):
    kind = FOUR_LISTS
    model = FourListItem
    key_field = "code"

    def __init__(self, *, run, source: str):
        super().__init__(run=run, source=source)
        self.refs = References(powers=True)

    def check(self, row: dict) -> None:
        self.refs.power(row["power"])

    def model_fields(self, row: dict) -> dict:
        return {"code": row["code"], "list": row["list"], "power_id": row["power"],
                "description": row["description"], "max_harm": row["max_harm"],
                "requires_corrected": row["requires_corrected"],
                "first_offense_window_days": row["first_offense_window_days"]}

    def to_contract(self, obj: FourListItem, *, reveal: bool) -> dict:
        return four_list_to_contract(obj)
