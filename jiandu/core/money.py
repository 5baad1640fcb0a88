"""Money as Decimal yuan in Python and whole fen (分) in the database, so sums are exact."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import models

CENT = Decimal("0.01")


class MoneyError(ValueError):
    pass


def parse_money(value: object) -> Decimal:
    """Yuan from a JSON number or decimal string with at most two decimals."""
    if isinstance(value, bool) or value is None:
        raise MoneyError("金额应为数字 (amount must be a number)")
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise MoneyError("金额格式无效 (amount is not a number)") from exc
    if not amount.is_finite():
        raise MoneyError("金额格式无效 (amount is not a number)")
    if amount != amount.quantize(CENT, rounding=ROUND_HALF_UP):
        raise MoneyError("金额最多两位小数 (amount has more than two decimals)")
    return amount.quantize(CENT)


def to_fen(amount: Decimal) -> int:
    return int(amount * 100)


def from_fen(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(CENT)


def format_yuan(amount: Decimal) -> str:
    """The shortest exact text: 5136, 12.5, 0.05."""
    text = format(amount.normalize(), "f")
    return text


def format_fen(fen: int) -> str:
    """``format_yuan(from_fen(fen))`` in integer arithmetic, without a Decimal: for texts that name
    amounts by the hundred thousand (a first check at a million records writes that many)."""
    sign, fen = ("-", -fen) if fen < 0 else ("", fen)
    whole, cents = divmod(fen, 100)
    if not cents:
        return f"{sign}{whole}"
    if cents % 10 == 0:
        return f"{sign}{whole}.{cents // 10}"
    return f"{sign}{whole}.{cents:02d}"


class MoneyField(models.BigIntegerField):
    """Yuan as Decimal in Python, stored as an integer count of fen."""

    description = "Money in yuan, stored as fen"

    def from_db_value(self, value, expression, connection):
        return None if value is None else from_fen(int(value))

    def to_python(self, value):
        if value is None or isinstance(value, Decimal):
            return value
        try:
            return parse_money(value)
        except MoneyError as exc:
            from django.core.exceptions import ValidationError

            raise ValidationError(str(exc), code="money") from exc

    def get_prep_value(self, value):
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            value = Decimal(value)
        return to_fen(self.to_python(value))

    def formfield(self, **kwargs):
        from django import forms

        return forms.DecimalField(max_digits=16, decimal_places=2, **kwargs)
