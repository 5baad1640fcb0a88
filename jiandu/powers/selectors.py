"""Reads of the powers app."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Prefetch

from .models import DiscretionTier, FourListItem, Power


def power_to_contract(obj: Power, tiers=None) -> dict:
    tiers = list(obj.tiers.all()) if tiers is None else tiers
    return {
        "code": obj.code, "name": obj.name, "kind": obj.kind, "agency": obj.agency_id,
        "legal_basis": obj.legal_basis,
        "discretion": [{"level": t.level, "min": t.min_amount, "max": t.max_amount}
                       for t in sorted(tiers, key=lambda t: (t.min_amount, t.max_amount, t.level))]
        or None,
        "annual_inspection_cap": obj.annual_inspection_cap,
        "limitation_years": obj.limitation_years,
    }


def four_list_to_contract(obj: FourListItem) -> dict:
    return {"code": obj.code, "list": obj.list, "power": obj.power_id,
            "description": obj.description, "max_harm": obj.max_harm,
            "requires_corrected": obj.requires_corrected,
            "first_offense_window_days": obj.first_offense_window_days}


def power_rows() -> Iterator[dict]:
    qs = Power.objects.order_by("code").prefetch_related(
        Prefetch("tiers", queryset=DiscretionTier.objects.all()))
    for obj in qs.iterator(chunk_size=2000):
        yield power_to_contract(obj)


def four_list_rows() -> Iterator[dict]:
    for obj in FourListItem.objects.order_by("code").iterator(chunk_size=2000):
        yield four_list_to_contract(obj)
