"""The powers part of the API: 权责清单 items with their 裁量基准 tiers, and the 四张清单."""

from __future__ import annotations

from ninja import Field, Path, Query, Router, Schema

from jiandu.core.api import (
    ERRORS,
    KEY_PATTERN,
    USCC_PATTERN,
    after_field,
    found,
    limit_field,
    next_field,
)

from .choices import DiscretionLevel, FourList, MaxHarm, PowerKind
from .selectors import four_lists_page, power_by_code, powers_page

router = Router(tags=["权责清单"])

MONEY_PATTERN = r"^\d+(\.\d{1,2})?$"


class TierOut(Schema):
    level: DiscretionLevel
    min: str = Field(..., pattern=MONEY_PATTERN, description="下限（元，含）")
    max: str = Field(..., pattern=MONEY_PATTERN, description="上限（元，含）")


class PowerOut(Schema):
    code: str = Field(..., description="事项编码")
    name: str
    kind: PowerKind
    agency: str = Field(..., description="实施主体代码")
    legal_basis: str = Field(..., description="设定依据")
    discretion: list[TierOut] | None = Field(..., description="裁量基准档次")
    annual_inspection_cap: int | None = Field(..., description="同一相对人年度检查次数上限")
    limitation_years: int | None = Field(..., description="追责时效（年），空为 2 年")


class PowerPage(Schema):
    items: list[PowerOut]
    next: str | None = next_field()


class PowerFilters(Schema):
    kind: PowerKind | None = Field(None, description="事项类型")
    agency: str | None = Field(None, pattern=USCC_PATTERN, description="实施主体代码")
    after: str | None = after_field()
    limit: int = limit_field()


class FourListOut(Schema):
    code: str
    list: FourList
    power: str = Field(..., description="适用的事项编码")
    description: str = Field(..., description="违法行为及适用条件")
    max_harm: MaxHarm
    requires_corrected: bool
    first_offense_window_days: int | None = Field(..., description="首违认定期间（日）")


class FourListPage(Schema):
    items: list[FourListOut]
    next: str | None = next_field()


class FourListFilters(Schema):
    list: FourList | None = Field(None, description="清单类型")
    power: str | None = Field(None, max_length=64, pattern=KEY_PATTERN, description="事项编码")
    after: str | None = after_field()
    limit: int = limit_field()


@router.get("/powers", response={200: PowerPage, **ERRORS}, summary="权责清单事项列表",
            description="您数据范围内的权责清单事项及其裁量基准，按事项编码排序，游标分页。")
def list_powers(request, filters: Query[PowerFilters]):
    items, next_after = powers_page(request.auth, kind=filters.kind, agency=filters.agency,
                                    after=filters.after, limit=filters.limit)
    return {"items": items, "next": next_after}


@router.get("/powers/{path:code}", response={200: PowerOut, **ERRORS}, summary="权责清单事项详情",
            description="不在数据范围内的事项编码返回 404。")
def get_power(request, code: str = Path(..., max_length=64, pattern=KEY_PATTERN, description="事项编码")):
    return found(power_by_code(request.auth, code))


@router.get("/four-lists", response={200: FourListPage, **ERRORS}, summary="四张清单事项列表",
            description="您数据范围内事项的不予处罚、减轻处罚、从轻处罚、免予行政强制清单事项，按编码排序，游标分页。")
def list_four_lists(request, filters: Query[FourListFilters]):
    items, next_after = four_lists_page(request.auth, list_kind=filters.list, power=filters.power,
                                        after=filters.after, limit=filters.limit)
    return {"items": items, "next": next_after}
