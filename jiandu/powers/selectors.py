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


# ---------------------------------------------------------------- staff pages (#3)

def powers_for(user):
    from jiandu.accounts.selectors import scoped

    return scoped(Power.objects.select_related("agency"), user)


def _powers_with_tiers(user):
    return powers_for(user).prefetch_related(
        Prefetch("tiers", queryset=DiscretionTier.objects.order_by("min_amount", "max_amount")))


def powers_filtered(user, filters: dict):
    """Powers in scope by kind and agency; the term matches a code exactly or a name in part."""
    from django.db.models import Q

    qs = _powers_with_tiers(user)
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("agency"):
        qs = qs.filter(agency_id=filters["agency"])
    term = (filters.get("q") or "").strip()
    if term:
        qs = qs.filter(Q(code=term) | Q(name__icontains=term))
    return qs


def power_or_404(user, code: str) -> Power:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(powers_for(user), code=code)


def power_detail(power: Power) -> dict:
    return {
        "tiers": list(power.tiers.order_by("min_amount", "max_amount")),
        "four_list_items": list(power.four_list_items.order_by("code")),
    }


POWER_EXPORT_HEADERS = ("事项编码", "事项名称", "事项类型", "实施主体", "设定依据", "裁量基准",
                        "年度检查次数上限", "追责时效（年）")


def tiers_text(tiers) -> str:
    """Discretion tiers in one line: 从轻 0–500；一般 500–2000."""
    from jiandu.core.money import format_yuan

    return "；".join(f"{t.get_level_display()} {format_yuan(t.min_amount)}–{format_yuan(t.max_amount)}"
                    for t in tiers)


def power_export_rows(qs) -> Iterator[tuple]:
    for obj in qs.order_by("code").iterator(chunk_size=2000):
        yield (obj.code, obj.name, obj.get_kind_display(), obj.agency.name, obj.legal_basis,
               tiers_text(obj.tiers.all()), obj.annual_inspection_cap, obj.limitation_years)


def power_to_api(obj: Power) -> dict:
    """A power in the contract's shape, amounts as exact decimal text (5136, 12.5)."""
    from jiandu.core.money import format_yuan

    row = power_to_contract(obj)
    if row["discretion"]:
        row["discretion"] = [{**t, "min": format_yuan(t["min"]), "max": format_yuan(t["max"])}
                             for t in row["discretion"]]
    return row


def powers_page(user, *, kind: str | None = None, agency: str | None = None,
                after: str | None = None, limit: int = 100) -> tuple[list[dict], str | None]:
    """Powers in the user's scope with their 裁量基准 tiers in code order, keyset-paginated."""
    from jiandu.core.selectors import keyset_page

    qs = powers_filtered(user, {"kind": kind, "agency": agency})
    rows, next_after = keyset_page(qs, key="code", after=after, limit=limit)
    return [power_to_api(obj) for obj in rows], next_after


def power_by_code(user, code: str) -> dict | None:
    """One power if the user's scope holds it; None otherwise, as if unknown."""
    obj = _powers_with_tiers(user).filter(code=code).first()
    return None if obj is None else power_to_api(obj)


def four_lists_page(user, *, list_kind: str | None = None, power: str | None = None,
                    after: str | None = None, limit: int = 100) -> tuple[list[dict], str | None]:
    """四张清单 items of the powers in the user's scope in code order, keyset-paginated."""
    from jiandu.accounts.selectors import scoped
    from jiandu.core.selectors import keyset_page

    qs = scoped(FourListItem.objects.all(), user, agency_field="power__agency")
    if list_kind:
        qs = qs.filter(list=list_kind)
    if power:
        qs = qs.filter(power_id=power)
    rows, next_after = keyset_page(qs, key="code", after=after, limit=limit)
    return [four_list_to_contract(obj) for obj in rows], next_after
