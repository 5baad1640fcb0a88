"""Property tests of the USCC (GB 32100-2015) and 身份证号 (GB 11643-1999) check characters."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import assume, given
from hypothesis import strategies as st

from jiandu.core.validators import (
    ID_CHECK,
    USCC_ALPHABET,
    USCC_WEIGHTS,
    id_check_char,
    is_id_number,
    is_uscc,
    uscc_check_char,
    validate_id_number,
    validate_uscc,
)

VALID_USCC = ("91350100M000100Y43", "91110000600037341L")
VALID_ID = "11010519491231002X"

uscc_bodies = st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17)


@st.composite
def id_bodies(draw):
    region = draw(st.text(alphabet="0123456789", min_size=6, max_size=6))
    born = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31)))
    sequence = draw(st.text(alphabet="0123456789", min_size=3, max_size=3))
    return f"{region}{born:%Y%m%d}{sequence}"


@st.composite
def valid_usccs(draw):
    body = draw(uscc_bodies)
    return body + uscc_check_char(body)


@st.composite
def valid_id_numbers(draw):
    body = draw(id_bodies())
    return body + id_check_char(body)


class TestUscc:
    def test_weights_are_powers_of_three_mod_31_and_never_zero(self):
        assert list(USCC_WEIGHTS) == [pow(3, i, 31) for i in range(17)]
        assert all(w % 31 for w in USCC_WEIGHTS)

    @pytest.mark.parametrize("code", VALID_USCC)
    def test_known_valid_codes(self, code):
        assert is_uscc(code)
        assert uscc_check_char(code[:17]) == code[17]
        validate_uscc(code)

    @given(valid_usccs())
    def test_body_plus_computed_check_char_is_valid(self, code):
        assert is_uscc(code)

    @given(valid_usccs(), st.integers(min_value=0, max_value=17), st.sampled_from(USCC_ALPHABET))
    def test_any_single_change_within_the_alphabet_is_invalid(self, code, position, replacement):
        # 31 is prime and no weight is 0 mod 31, so changing one value changes the sum mod 31.
        assume(code[position] != replacement)
        changed = code[:position] + replacement + code[position + 1:]
        assert not is_uscc(changed)

    @pytest.mark.parametrize("code", VALID_USCC)
    def test_every_single_change_of_the_known_codes_is_invalid(self, code):
        for position in range(18):
            for replacement in USCC_ALPHABET:
                if replacement != code[position]:
                    assert not is_uscc(code[:position] + replacement + code[position + 1:])

    @given(valid_usccs(), st.integers(min_value=0, max_value=17), st.sampled_from("IOSVZiosvz a-"))
    def test_characters_outside_the_alphabet_are_invalid(self, code, position, replacement):
        assert not is_uscc(code[:position] + replacement + code[position + 1:])

    @given(valid_usccs(), st.integers(min_value=0, max_value=16))
    def test_swapping_two_different_neighbours_is_invalid(self, code, position):
        # adjacent weights differ by a factor of 3, so a transposition always shows
        assume(code[position] != code[position + 1])
        swapped = code[:position] + code[position + 1] + code[position] + code[position + 2:]
        assert not is_uscc(swapped)

    @pytest.mark.parametrize("value", ["", "91350100M000100Y4", "91350100M000100Y433", None, 913501])
    def test_wrong_length_or_type_is_invalid(self, value):
        assert not is_uscc(value)

    def test_validate_raises_a_coded_error(self):
        with pytest.raises(ValidationError) as caught:
            validate_uscc("91350100M000100Y44")
        assert caught.value.code == "uscc"


class TestIdNumber:
    def test_known_valid_number(self):
        assert is_id_number(VALID_ID)
        assert id_check_char(VALID_ID[:17]) == "X"
        validate_id_number(VALID_ID)

    @given(valid_id_numbers())
    def test_body_plus_computed_check_char_is_valid(self, number):
        assert is_id_number(number)

    @given(valid_id_numbers(), st.integers(min_value=0, max_value=17), st.sampled_from(ID_CHECK))
    def test_any_single_change_is_invalid(self, number, position, replacement):
        # 11 is prime and no weight is 0 mod 11; a digit may also break the birth date,
        # and X is only allowed as the check character.
        assume(number[position] != replacement)
        changed = number[:position] + replacement + number[position + 1:]
        assert not is_id_number(changed)

    @pytest.mark.parametrize(
        "birth", ["19490230", "20230229", "19491301", "19490100", "19490000", "21000229"],
    )
    def test_impossible_birth_dates_are_rejected_even_with_a_correct_check_char(self, birth):
        body = f"110105{birth}002"
        assert not is_id_number(body + id_check_char(body))
        with pytest.raises(ValidationError) as caught:
            validate_id_number(body + id_check_char(body))
        assert caught.value.code == "id_number"

    def test_leap_day_of_a_leap_year_is_a_birth_date(self):
        body = "11010520000229002"
        assert is_id_number(body + id_check_char(body))

    @pytest.mark.parametrize(
        "value", ["", "11010519491231002", "11010519491231002XX", "1101051949123100２X", None, 110105],
    )
    def test_wrong_length_digits_or_type_is_invalid(self, value):
        assert not is_id_number(value)
