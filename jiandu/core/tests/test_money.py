"""Tests of money parsing and of exact sums of MoneyField columns in the database."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Sum
from hypothesis import given, settings
from hypothesis import strategies as st

from jiandu.core.money import MoneyError, format_yuan, from_fen, parse_money, to_fen
from jiandu.core.validators import is_uscc, uscc_check_char
from jiandu.org.models import Agency
from jiandu.powers.choices import DiscretionLevel
from jiandu.powers.models import DiscretionTier, Power

amounts = st.decimals(min_value=0, max_value=Decimal("99999999.99"), places=2)


class TestParseMoney:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [(5136, Decimal("5136.00")), ("12.50", Decimal("12.50")), (0.1, Decimal("0.10")),
         (" 7 ", Decimal("7.00")), (Decimal("0.05"), Decimal("0.05"))],
    )
    def test_accepts(self, value, expected):
        parsed = parse_money(value)
        assert parsed == expected
        assert parsed.as_tuple().exponent == -2

    @pytest.mark.parametrize(
        "value",
        [1.234, "1.234", "abc", "", True, False, None, float("nan"), "NaN", float("inf"),
         "Infinity", 0.1 + 0.2],
    )
    def test_rejects(self, value):
        with pytest.raises(MoneyError):
            parse_money(value)

    @given(amounts)
    def test_fen_round_trip(self, amount):
        assert from_fen(to_fen(amount)) == amount
        assert parse_money(str(amount)) == amount

    def test_format_is_the_shortest_exact_text(self):
        assert format_yuan(Decimal("5136.00")) == "5136"
        assert format_yuan(Decimal("12.50")) == "12.5"
        assert format_yuan(Decimal("0.05")) == "0.05"
        assert format_yuan(Decimal("100.00")) == "100"


def make_powers(count: int) -> list[Power]:
    body = "11370117MB0000001"
    agency = Agency.objects.create(
        code=body + uscc_check_char(body), name="钢城区市场监督管理局", type="administrative_organ",
        level="district", region_code="370117", content_hash="x",
    )
    assert is_uscc(agency.code)
    return Power.objects.bulk_create(
        Power(code=f"P{i:05d}", name=f"事项{i}", kind="penalty", agency=agency,
              legal_basis="《中华人民共和国行政处罚法》", content_hash="x")
        for i in range(count)
    )


def make_tiers(powers: list[Power], values: list[Decimal]) -> None:
    levels = list(DiscretionLevel)
    DiscretionTier.objects.bulk_create(
        DiscretionTier(power=powers[i // len(levels)], level=levels[i % len(levels)],
                       min_amount=amount, max_amount=amount)
        for i, amount in enumerate(values)
    )


@pytest.mark.django_db
class TestMoneyInTheDatabase:
    def test_a_thousand_dimes_sum_to_exactly_one_hundred_yuan(self):
        assert sum([0.1] * 1000) != 100  # what a float column would give
        make_tiers(make_powers(250), [Decimal("0.10")] * 1000)
        total = DiscretionTier.objects.aggregate(total=Sum("min_amount"))["total"]
        assert total == Decimal("100.00")
        assert isinstance(total, Decimal)

    def test_amounts_round_trip_through_the_database(self):
        make_tiers(make_powers(1), [Decimal("5136.00")])
        tier = DiscretionTier.objects.get()
        assert tier.min_amount == Decimal("5136.00")
        assert isinstance(tier.min_amount, Decimal)

    def test_database_sum_equals_the_decimal_sum(self):
        powers = make_powers(25)

        @given(st.lists(amounts, min_size=1, max_size=100))
        @settings(max_examples=40, deadline=None)
        def check(values):
            DiscretionTier.objects.all().delete()
            make_tiers(powers, values)
            total = DiscretionTier.objects.aggregate(total=Sum("max_amount"))["total"]
            assert total == sum(values)

        check()

    def test_range_constraint_holds_in_fen(self):
        power = make_powers(1)[0]
        with pytest.raises(IntegrityError), transaction.atomic():
            DiscretionTier.objects.create(power=power, level="general", min_amount=Decimal("0.02"),
                                          max_amount=Decimal("0.01"))
