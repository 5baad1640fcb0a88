"""Parsers for the contract's field types: each takes a raw value and returns it normalised or raises.

A parser receives what a JSON line holds (or the text of a CSV/XLSX cell, already turned into
the JSON shape by ``formats``) and returns the canonical value: dates stay ``YYYY-MM-DD``
strings, money becomes a ``Decimal``. Errors carry a Chinese and an English reason.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from jiandu.core.money import MoneyError, parse_money
from jiandu.core.validators import is_id_number, is_region_code, is_uscc


class FieldError(ValueError):
    """A field's value breaks the contract; ``field`` names it with dots (``party.id``)."""

    def __init__(self, field: str, zh: str, en: str):
        super().__init__(f"{field}: {zh} ({en})")
        self.field = field
        self.zh = zh
        self.en = en

    @property
    def reason(self) -> str:
        return f"{self.zh} ({self.en})"


MISSING = object()
Parser = Callable[[str, Any], Any]

_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_date_cache: dict[str, str] = {}


def text(max_length: int = 500) -> Parser:
    def parse(field: str, value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise FieldError(field, "应为文本", "must be a string")
        value = str(value).strip()
        if not value:
            raise FieldError(field, "不能为空", "must not be empty")
        if len(value) > max_length:
            raise FieldError(field, f"长度不能超过{max_length}个字符", f"longer than {max_length} characters")
        return value

    return parse


def enum(values: Iterable[str]) -> Parser:
    allowed = frozenset(values)
    shown = "、".join(sorted(allowed))

    def parse(field: str, value: Any) -> str:
        if value not in allowed:
            raise FieldError(field, f"取值 {value!r} 无效，应为：{shown}", f"unknown value {value!r}")
        return value

    return parse


def date(field: str, value: Any) -> str:
    if isinstance(value, str):
        hit = _date_cache.get(value)
        if hit is not None:
            return hit
        if _DATE_RE.fullmatch(value):
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                pass
            else:
                if len(_date_cache) < 100_000:
                    _date_cache[value] = value
                return value
    raise FieldError(field, f"日期 {value!r} 无效，应为存在的 YYYY-MM-DD 日期", f"invalid date {value!r}")


def money(field: str, value: Any) -> Decimal:
    try:
        amount = parse_money(value)
    except MoneyError as exc:
        zh, _, en = str(exc).partition(" (")
        raise FieldError(field, zh, en.rstrip(")")) from exc
    if amount < 0:
        raise FieldError(field, "金额不能为负数", "amount must not be negative")
    return amount


def boolean(field: str, value: Any) -> bool:
    if value is True or value is False:
        return value
    raise FieldError(field, "应为 true 或 false", "must be true or false")


def count(maximum: int) -> Parser:
    """A non-negative integer up to ``maximum``: 0 is a value like any other (a cap of 0
    inspections, a window of 0 days), the contract types these fields ``int?``."""

    def parse(field: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise FieldError(field, "应为非负整数", "must be a non-negative integer")
        if value > maximum:
            raise FieldError(field, f"不应大于 {maximum}", f"must be at most {maximum}")
        return value

    return parse


# Codes repeat across a file (the same agencies, the same businesses): remember the good ones.
_valid_uscc: set[str] = set()
_valid_ids: set[str] = set()


def _remember(seen: set[str], value: str) -> str:
    if len(seen) < 500_000:
        seen.add(value)
    return value


def uscc(field: str, value: Any) -> str:
    if isinstance(value, str) and value in _valid_uscc:
        return value
    if not isinstance(value, str) or not is_uscc(value):
        raise FieldError(field, f"统一社会信用代码 {value!r} 无效（位数、字符或校验码错误）",
                         "invalid unified social credit code (GB 32100)")
    return _remember(_valid_uscc, value)


def id_number(field: str, value: Any) -> str:
    if isinstance(value, str) and value in _valid_ids:
        return value
    if not isinstance(value, str) or not is_id_number(value):
        raise FieldError(field, "居民身份证号无效（位数、出生日期或校验码错误）",
                         "invalid resident ID number (GB 11643)")
    return _remember(_valid_ids, value)


def region(field: str, value: Any) -> str:
    if not isinstance(value, str) or not is_region_code(value):
        raise FieldError(field, "行政区划代码应为6、9或12位数字", "region code must be 6, 9 or 12 digits")
    return value


def text_list(max_length: int = 64) -> Parser:
    """A list of texts. An item may not hold ";": CSV/XLSX cells join a list's items with it
    (the contract), and the stored record keeps them so joined, so such an item could not be
    told from two."""
    item = text(max_length)

    def parse(field: str, value: Any) -> list[str]:
        if not isinstance(value, list):
            raise FieldError(field, "应为列表", "must be a list")
        items = [item(field, v) for v in value]
        for v in items:
            if ";" in v:
                raise FieldError(field, f"列表项 {v!r} 不得含分号（分号用于分隔列表项）",
                                 f"item {v!r} contains ';', the list separator")
        return items

    return parse


def enum_list(values: Iterable[str]) -> Parser:
    item = enum(values)

    def parse(field: str, value: Any) -> list[str]:
        if not isinstance(value, list):
            raise FieldError(field, "应为列表", "must be a list")
        return [item(field, v) for v in value]

    return parse
