"""Keyset pagination: pages cut by a unique key (``?after=`` / ``?before=``), never by OFFSET or COUNT."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

PAGE_SIZE = 50


@dataclass
class KeysetPage:
    items: list
    next_cursor: str | None
    prev_cursor: str | None
    size: int

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_prev(self) -> bool:
        return self.prev_cursor is not None

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_prev


def _parse(value: str | None, numeric: bool) -> Any:
    if value is None or value == "":
        return None
    if numeric:
        try:
            return int(value)
        except ValueError:
            return None
    return value[:200]


def keyset_page(qs: QuerySet, *, key: str, descending: bool = False, after: str | None = None,
                before: str | None = None, size: int = PAGE_SIZE) -> KeysetPage:
    """One page of ``qs`` ordered by the unique column ``key``.

    ``after`` gives the page that follows the row with that key, ``before`` the page that precedes
    it; neither gives the first page. An unreadable cursor also gives the first page, so an edited
    URL never errors. One query per page: a row beyond the page tells whether another page follows.
    """
    field = qs.model._meta.get_field(key)
    numeric = field.get_internal_type() in {"AutoField", "BigAutoField", "IntegerField",
                                            "BigIntegerField", "PositiveIntegerField"}
    after_value, before_value = _parse(after, numeric), _parse(before, numeric)
    forward_op, backward_op = ("lt", "gt") if descending else ("gt", "lt")
    forward_order, backward_order = (f"-{key}", key) if descending else (key, f"-{key}")

    if before_value is not None and after_value is None:
        rows = list(qs.filter(**{f"{key}__{backward_op}": before_value})
                    .order_by(backward_order)[: size + 1])
        has_prev = len(rows) > size
        rows = rows[:size][::-1]
        # The page was reached backwards from a later one, so that later page exists.
        has_next = True
    else:
        page_qs = qs.order_by(forward_order)
        if after_value is not None:
            page_qs = page_qs.filter(**{f"{key}__{forward_op}": after_value})
        rows = list(page_qs[: size + 1])
        has_next = len(rows) > size
        rows = rows[:size]
        has_prev = after_value is not None

    def cursor(row) -> str:
        value = row[key] if isinstance(row, dict) else getattr(row, field.attname)
        return str(value)

    if not rows:
        # Nothing beyond the cursor (rows changed since the link was made): offer the first page.
        cursorless = after_value is None and before_value is None
        return KeysetPage([], None, None if cursorless else "", size)
    return KeysetPage(
        rows,
        cursor(rows[-1]) if has_next else None,
        cursor(rows[0]) if has_prev else None,
        size,
    )
