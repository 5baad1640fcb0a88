"""Check-digit validators for 统一社会信用代码 (GB 32100-2015) and 居民身份证号 (GB 11643-1999)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def uscc_check_char(body: str) -> str:
    """The 18th character of a USCC whose first 17 characters are ``body``."""
    total = sum(_USCC_VALUE[c] * w for c, w in zip(body, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def is_uscc(code: str) -> bool:
    if not isinstance(code, str) or len(code) != 18:
        return False
    if any(c not in _USCC_VALUE for c in code):
        return False
    return uscc_check_char(code[:17]) == code[17]


def id_check_char(body: str) -> str:
    """The 18th character of a 身份证号 whose first 17 digits are ``body``."""
    total = sum(int(c) * w for c, w in zip(body, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]


def is_id_number(number: str) -> bool:
    """An 18-character 身份证号 with a valid birth date and check character."""
    if not isinstance(number, str) or len(number) != 18:
        return False
    body, check = number[:17], number[17]
    if not body.isascii() or not body.isdigit():
        return False
    try:
        dt.date(int(body[6:10]), int(body[10:12]), int(body[12:14]))
    except ValueError:
        return False
    return id_check_char(body) == check


def validate_uscc(value: str) -> None:
    if not is_uscc(value):
        raise ValidationError(
            "统一社会信用代码无效：应为18位且校验码正确 (invalid unified social credit code)",
            code="uscc",
        )


def validate_id_number(value: str) -> None:
    if not is_id_number(value):
        raise ValidationError(
            "居民身份证号无效：应为18位、出生日期合法且校验码正确 (invalid resident ID number)",
            code="id_number",
        )


def is_region_code(code: str) -> bool:
    """GB/T 2260 (6 digits) or 统计用区划代码 (9 or 12 digits)."""
    return isinstance(code, str) and len(code) in (6, 9, 12) and code.isascii() and code.isdigit()


def validate_region_code(value: str) -> None:
    if not is_region_code(value):
        raise ValidationError(
            "行政区划代码应为6、9或12位数字 (region code must be 6, 9 or 12 digits)",
            code="region",
        )
