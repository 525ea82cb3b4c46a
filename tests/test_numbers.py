"""Exact arithmetic, real roots, size limits, formatting and option-value parsing."""

from __future__ import annotations

import math
import sys
import time
from fractions import Fraction as F

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calc_cli.errors import MathError, UsageError
from calc_cli.numbers import (
    MAX_EXACT_BITS,
    DivisionByZero,
    DomainError,
    Overflow,
    exact_log,
    exact_power,
    exact_string,
    fits,
    float_cbrt,
    format_value,
    integer_root,
    json_value,
    ln,
    parse_number,
    real_power_float,
    settle,
)


# ---------------------------------------------------------------- integer_root
@pytest.mark.parametrize("n, k, root", [
    (0, 2, 0), (1, 2, 1), (4, 2, 2), (9, 2, 3), (8, 3, 2), (27, 3, 3), (2, 2, None),
    (15, 2, None), (16, 4, 2), (-8, 3, -2), (-27, 3, -3), (-4, 2, None), (-1, 5, -1),
    (10 ** 40, 2, 10 ** 20), (10 ** 40 + 1, 2, None), (3 ** 300, 100, 27),
    (2 ** 100, 100, 2), (2 ** 100 + 1, 100, None), (5, 1, 5), (2, 10 ** 9, None), (7, 3, None),
])
def test_integer_root(n, k, root):
    assert integer_root(n, k) == root


def test_integer_root_rejects_order_zero():
    with pytest.raises(ValueError):
        integer_root(4, 0)


@given(st.integers(min_value=0, max_value=10 ** 60), st.integers(min_value=1, max_value=9))
@settings(max_examples=200, deadline=None)
def test_integer_root_of_a_power_is_exact(r, k):
    assert integer_root(r ** k, k) == r
    if r > 1 and k > 1:
        assert integer_root(r ** k + 1, k) is None


# ---------------------------------------------------------------- exact_power
@pytest.mark.parametrize("base, exp, result", [
    (F(4), F(1, 2), F(2)),
    (F(8), F(-2, 3), F(1, 4)),
    (F(-8), F(1, 3), F(-2)),
    (F(-8), F(2, 3), F(4)),
    (F(-8), F(-1, 3), F(-1, 2)),
    (F(2), F(1, 2), None),
    (F(9, 4), F(1, 2), F(3, 2)),
    (F(9, 4), F(-3, 2), F(8, 27)),
    (F(2, 9), F(1, 2), None),
    (F(3), F(4), F(81)),
    (F(2, 3), F(-2), F(9, 4)),
    (F(-2), F(3), F(-8)),
    (F(-2), F(-3), F(-1, 8)),
    (F(0), F(5), F(0)),
    (F(0), F(1, 2), F(0)),
    (F(0), F(0), F(1)),
    (F(7), F(0), F(1)),
    (F(1), F(10 ** 10), F(1)),
    (F(-1), F(10 ** 10 + 1), F(-1)),
    (F(-1), F(1, 3), F(-1)),
    (F(1), F(1, 10 ** 9), F(1)),
    (F(2), F(10 ** 10), None),
    (F(9), F(9 ** 9), None),
    (F(1, 2), F(10 ** 10), None),
    (F(2), F(1, 10 ** 9), None),
    (F(2), F(9_999), F(2 ** 9_999)),
    (F(2), F(10_000), None),
])
def test_exact_power(base, exp, result):
    assert exact_power(base, exp) == result


@pytest.mark.parametrize("base, exp, error", [
    (F(-8), F(1, 2), DomainError),
    (F(-1), F(1, 2), DomainError),
    (F(-4), F(3, 4), DomainError),
    (F(0), F(-1), DivisionByZero),
    (F(0), F(-1, 3), DivisionByZero),
])
def test_exact_power_errors(base, exp, error):
    with pytest.raises(error):
        exact_power(base, exp)


def test_huge_powers_answer_at_once():
    start = time.perf_counter()
    huge = [(9, 9 ** 9), (2, 10 ** 10), (10 ** 50, 10 ** 6), (3, 10 ** 100), (2, F(10 ** 9, 3))]
    for base, exp in huge:
        assert exact_power(F(base), F(exp)) is None
    assert time.perf_counter() - start < 5  # a hang would take hours


@given(st.fractions(min_value=-100, max_value=100, max_denominator=50),
       st.integers(min_value=-6, max_value=6))
@settings(max_examples=200, deadline=None)
def test_exact_integer_powers_match_python(base, n):
    if base == 0 and n < 0:
        return
    assert exact_power(base, F(n)) == base ** n


@given(st.fractions(min_value=1, max_value=50, max_denominator=20),
       st.integers(min_value=1, max_value=5), st.integers(min_value=-4, max_value=4))
@settings(max_examples=200, deadline=None)
def test_roots_of_powers_are_exact(root, q, p):
    """(r^q)^(p/q) = r^p, for positive r and for negative r with q odd."""
    assert exact_power(root ** q, F(p, q)) == root ** p
    if q % 2:
        assert exact_power((-root) ** q, F(p, q)) == (-root) ** p


# ---------------------------------------------------------------- size limits
@pytest.mark.parametrize("value, fit", [
    (F(2 ** (MAX_EXACT_BITS - 1)), True),
    (F(2 ** MAX_EXACT_BITS), False),
    (F(1, 2 ** MAX_EXACT_BITS), False),
    (F(3, 7), True),
])
def test_fits(value, fit):
    assert fits(value) is fit


def test_settle_keeps_small_values_and_floats_large_ones():
    assert settle(F(1, 3)) == F(1, 3)
    assert settle(F(2 ** 20_000 + 1, 2 ** 20_000)) == 1.0
    assert isinstance(settle(F(2 ** 20_000 + 1, 2 ** 20_000)), float)
    with pytest.raises(Overflow):
        settle(F(2 ** 20_000))


# ---------------------------------------------------------------- floats
@pytest.mark.parametrize("b, e, result", [
    (-8.0, F(1, 3), -2.0),
    (-8.0, F(2, 3), 4.0),
    (-8.0, F(-1, 3), -0.5),
    (8.0, F(1, 3), 2.0),
    (2.0, 0.5, math.sqrt(2)),
    (-2.0, 3.0, -8.0),
    (-2.0, 2.0, 4.0),
    (0.0, F(2), 0.0),
    (0.0, F(0), 1.0),
    (F(-27), F(1, 3), -3.0),
    (F(2 ** 3000), F(1, 1000), 8.0),
    (0.5, F(10 ** 10), 0.0),
])
def test_real_power_float(b, e, result):
    assert real_power_float(b, e) == pytest.approx(result, rel=1e-12)


@pytest.mark.parametrize("b, e, error", [
    (-8.0, F(1, 2), DomainError),
    (-8.0, 0.5, DomainError),
    (-8.0, 1 / 3, DomainError),  # a float exponent is not known to be 1/3
    (0.0, F(-1), DivisionByZero),
    (0.0, -0.5, DivisionByZero),
    (10.0, F(400), Overflow),
    (2.0, F(10 ** 400), Overflow),
])
def test_real_power_float_errors(b, e, error):
    with pytest.raises(error):
        real_power_float(b, e)


def test_error_kinds_are_math_errors():
    for kind in (DomainError, DivisionByZero, Overflow):
        assert issubclass(kind, MathError)
        assert kind("x").exit_code == 1


@pytest.mark.parametrize("v, result", [
    (F(1), 0.0), (F(10 ** 400), 400 * math.log(10)), (F(1, 10 ** 400), -400 * math.log(10)),
    (math.e, 1.0), (F(1, 2), -math.log(2)),
])
def test_ln(v, result):
    assert ln(v) == pytest.approx(result, rel=1e-14)


@pytest.mark.parametrize("x, cube_root", [(-8.0, -2.0), (27.0, 3.0), (0.0, 0.0), (-1e-9, -1e-3)])
def test_float_cbrt(x, cube_root):
    assert float_cbrt(x) == pytest.approx(cube_root, rel=1e-15)


@pytest.mark.parametrize("x, base, result", [
    (F(8), F(2), F(3)), (F(1, 8), F(2), F(-3)), (F(8), F(4), F(3, 2)), (F(1000), F(10), F(3)),
    (F(1), F(7), F(0)), (F(2), F(4), F(1, 2)), (F(3), F(2), None), (F(10), F(3), None),
    (F(2), F(1, 2), F(-1)), (F(2 ** 600), F(2), F(600)),
])
def test_exact_log(x, base, result):
    assert exact_log(x, base) == result


# ---------------------------------------------------------------- formatting
@pytest.mark.parametrize("v, decimal, text", [
    (F(17), False, "17"),
    (F(1, 2), False, "1/2"),
    (F(-3, 4), False, "-3/4"),
    (F(0), False, "0"),
    (F(-5), False, "-5"),
    (F(3, 10), True, "0.3"),
    (F(1, 2), True, "0.5"),
    (F(-3, 4), True, "-0.75"),
    (F(1, 8), True, "0.125"),
    (F(1), True, "1.0"),
    (F(0), True, "0.0"),
    (F(-12), True, "-12.0"),
    (F(1, 3), True, "0.3333333333333333"),
    (F(2, 3), True, "0.6666666666666666"),
    (F(-1, 7), True, "-0.14285714285714285"),
    (F(1, 10 ** 4), True, "0.0001"),
    (F(1, 10 ** 7), True, "1e-07"),
    (F(15, 10 ** 8), True, "1.5e-07"),
    (F(10 ** 15), True, "1000000000000000.0"),
    (F(10 ** 16), True, "1e+16"),
    (F(123456789, 1000), True, "123456.789"),
    (F(10 ** 4000), True, "1e+4000"),
    (F(1, 10 ** 4000), True, "1e-4000"),
    (F(10 ** 400, 3), True, "3.3333333333333333e+399"),
    (F(3, 2) ** 40, True, repr(float(F(3, 2) ** 40))),  # 48 exact digits: too many to print
    (F(123456789012345678901234567, 1000), True, "1.23456789012345678901234567e+23"),
    (F(123456789012345678901234567, 10 ** 15), True, "123456789012.345678901234567"),
    (0.5, False, "0.5"),
    (2.0, False, "2.0"),
    (0.1 + 0.2, False, "0.30000000000000004"),
    (-0.0, False, "0.0"),
    (1e100, False, "1e+100"),
    (1e-7, True, "1e-07"),
    (math.pi, False, "3.141592653589793"),
])
def test_format_value(v, decimal, text):
    assert format_value(v, decimal) == text


def test_format_value_prints_integers_beyond_pythons_digit_limit():
    n = 7 ** 6000  # 5,071 digits: str() refuses it by default
    text = format_value(F(n))
    if not hasattr(sys, "set_int_max_str_digits"):  # Python before the limit existed
        assert text == str(n)
        return
    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        assert text == str(n)
    finally:
        sys.set_int_max_str_digits(limit)
    assert format_value(F(-n)) == "-" + text
    assert format_value(F(1, n)) == "1/" + text


@pytest.mark.parametrize("v, error", [(math.inf, Overflow), (-math.inf, Overflow),
                                      (math.nan, DomainError)])
def test_format_value_rejects_non_finite(v, error):
    with pytest.raises(error):
        format_value(v)


@given(st.fractions(min_value=-10 ** 6, max_value=10 ** 6, max_denominator=10 ** 6), st.booleans())
@settings(max_examples=200, deadline=None)
def test_formatted_values_read_back(v, decimal):
    """The printed text is the exact value, or the float nearest to it."""
    text = format_value(v, decimal)
    back = parse_number(text).value
    assert back == v or float(back) == float(v)


@pytest.mark.parametrize("v, result", [
    (F(17), 17), (F(-3), -3), (F(1, 2), 0.5), (0.25, 0.25), (F(10 ** 30), 10 ** 30), (2.0, 2.0),
])
def test_json_value(v, result):
    assert json_value(v) == result
    assert type(json_value(v)) is type(result)


@pytest.mark.parametrize("v, result", [
    (F(1, 3), "1/3"), (F(-2, 7), "-2/7"), (F(4), None), (0.5, None),
])
def test_exact_string(v, result):
    assert exact_string(v) == result


# ---------------------------------------------------------------- parse_number
@pytest.mark.parametrize("text, value, decimal", [
    ("0.5", F(1, 2), True),
    ("-3", F(-3), False),
    ("1/3", F(1, 3), False),
    ("-1/3", F(-1, 3), False),
    ("1/-3", F(-1, 3), False),
    ("-1/-3", F(1, 3), False),
    ("1e-3", F(1, 1000), True),
    ("2E3", F(2000), True),
    (".5", F(1, 2), True),
    ("5.", F(5), True),
    ("+2", F(2), False),
    ("  7 ", F(7), False),
    ("−2", F(-2), False),
    ("0.1", F(1, 10), True),
    ("0.5/2", F(1, 4), True),
    ("1 / 4", F(1, 4), False),
    ("0", F(0), False),
    ("1e4000", F(10 ** 4000), True),
])
def test_parse_number(text, value, decimal):
    assert parse_number(text) == (value, decimal)
    assert parse_number(text).value == value and parse_number(text).decimal is decimal


@pytest.mark.parametrize("text", [
    "abc", "", "   ", "inf", "-inf", "nan", "NaN", "infinity", "1/0", "1/0.0", "1e4001", "1..2",
    "1/2/3", "x=1", "0x10", "1_000", "2pi", "--1", "1e", "e5", "/2",
])
def test_parse_number_rejects(text):
    with pytest.raises(UsageError):
        parse_number(text)


def test_parse_number_error_names_the_text():
    with pytest.raises(UsageError, match="'abc'"):
        parse_number("abc")
