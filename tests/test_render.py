"""The plain, unicode and LaTeX printers and their shared bracket logic."""

from __future__ import annotations

import re
import tracemalloc
from contextlib import contextmanager
from fractions import Fraction
from unittest import mock

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from calc_cli.diff import nth_derivative
from calc_cli.expr import (
    Add, Const, Div, Func, Mul, Neg, Num, Pow, Var, add, func, is_negative_term, mul, neg,
    power, strip_sign, sub,
)
from calc_cli.parse import parse
from calc_cli.render import precedence
from calc_cli.render.latex import latex
from calc_cli.render.plain import PlainPrinter, decimal_parts, plain
from calc_cli.render.precedence import Level, Role, Rope, cat, flatten, joined, parenthesize
from calc_cli.render.unicode import pretty
from tests.oracle import to_sympy
from tests.strategies import expressions

x, y, z = Var("x"), Var("y"), Var("z")


def dec(text: str) -> Num:
    return Num(Fraction(text), decimal=True)


# ------------------------------------------------------------------ plain
PLAIN = [
    ("3x^2+2x+1", "3*x^2 + 2*x + 1"),
    ("x-y", "x - y"),
    ("a-3x", "a - 3*x"),
    ("x - y + z", "x - y + z"),
    ("-x + y", "-x + y"),
    ("a - b - c", "a - b - c"),
    ("a-(b-c)", "a - (b - c)"),
    ("a-(b+c)", "a - (b + c)"),
    ("-(x+y)", "-(x + y)"),
    ("-x^2", "-x^2"),
    ("(-x)^2", "(-x)^2"),
    ("(-2)^2", "(-2)^2"),
    ("-2^2", "-2^2"),
    ("x*(-y)", "x*(-y)"),
    ("3*-x", "3*(-x)"),
    ("x/(-y)", "x/(-y)"),
    ("x^-1", "x^(-1)"),
    ("x⁻¹", "x^(-1)"),
    ("x^(-1/2)", "x^(-1/2)"),
    ("2^3^2", "2^3^2"),
    ("2^(3^2)", "2^3^2"),
    ("(2^3)^2", "(2^3)^2"),
    ("(x^y)^z", "(x^y)^z"),
    ("1/2x", "1/2*x"),
    ("x/(y/z)", "x/(y/z)"),
    ("(x/y)/z", "x/y/z"),
    ("x*(y/z)", "x*(y/z)"),
    ("x/(y z)", "x/(y*z)"),
    ("x/y*z", "x/y*z"),
    ("-x/y", "-x/y"),
    ("a - x/y", "a - x/y"),
    ("a-b*c/d", "a - b*c/d"),
    ("(a+b)(a-b)", "(a + b)*(a - b)"),
    ("2(x+1)^3", "2*(x + 1)^3"),
    ("(x+1)/(x-1)", "(x + 1)/(x - 1)"),
    ("x^2 - 2x*y + y^2", "x^2 - 2*x*y + y^2"),
    ("sin^2 x", "sin(x)^2"),
    ("sin(x^2)", "sin(x^2)"),
    ("sin(x+1)", "sin(x + 1)"),
    ("sin x cos x", "sin(x)*cos(x)"),
    ("-sin(x)", "-sin(x)"),
    ("-(x+1)^2", "-(x + 1)^2"),
    ("exp(-x^2)", "exp(-x^2)"),
    ("log(x,2)", "log(x, 2)"),
    ("log10 x", "log10(x)"),
    ("|x|", "abs(x)"),
    ("√x", "sqrt(x)"),
    ("√x^2", "sqrt(x^2)"),
    ("∛x", "cbrt(x)"),
    ("e^x", "e^x"),
    ("e^(x^2)", "e^x^2"),
    ("e^-x", "e^(-x)"),
    ("x^(y+1)", "x^(y + 1)"),
    ("2pi x", "2*pi*x"),
    ("θ", "theta"),
    ("x1 w_2", "x1*w_2"),
    ("0.1", "0.1"),
    ("0.1+0.2", "0.1 + 0.2"),
    ("0.25 x", "0.25*x"),
    ("-0.5x", "-0.5*x"),
    ("x - 0.5", "x - 0.5"),
    ("x^0.5", "x^0.5"),
    ("2.0", "2.0"),
    ("1.5e-7", "1.5e-7"),
    ("1e20", "1e20"),
    ("0.0001", "0.0001"),
    ("1e-5", "1e-5"),
    ("a - -b", "a + b"),
]


@pytest.mark.parametrize("text, expected", PLAIN)
def test_plain(text, expected):
    assert plain(parse(text)) == expected


@pytest.mark.parametrize("text", [t for t, _ in PLAIN] + ["f'(x) + f(x^2)"])
def test_plain_reads_back_as_the_same_tree(text):
    e = parse(text, functions=["f"])
    assert parse(plain(e), functions=["f"]) is e


def test_user_functions():
    assert plain(parse("f'(x)*f''(x^2)", functions=["f"])) == "f'(x)*f''(x^2)"


@settings(max_examples=400, deadline=None)
@given(expressions(max_leaves=12))
def test_plain_round_trip(e):
    assert parse(plain(e)) is e


@settings(max_examples=150, deadline=None)
@given(expressions(max_leaves=8), expressions(max_leaves=8))
def test_sums_subtract_what_strip_sign_leaves(a, b):
    """A negative later term prints as `a - strip_sign(term)`, as expr defines it."""
    term = neg(b)
    total = add(a, term)
    if not isinstance(total, Add) or total.terms[-1] is not term:
        return
    if is_negative_term(term):
        assert plain(total).endswith(" - " + _as_term(strip_sign(term)))
    else:
        assert plain(total).endswith(" + " + _as_term(term))


def _as_term(e):
    return f"({plain(e)})" if isinstance(e, Add) else plain(e)


# ----------------------------------------------------------------- numbers
NUMBERS = [
    (Num(0), "0"),
    (Num(-7), "-7"),
    (Num(Fraction(1, 2)), "1/2"),
    (Num(Fraction(-3, 4)), "-3/4"),
    (dec("0"), "0.0"),
    (dec("2"), "2.0"),
    (dec("-0.5"), "-0.5"),
    (dec("0.1"), "0.1"),
    (dec("100"), "100.0"),
    (dec("0.00015"), "0.00015"),
    (dec("1.5e-7"), "1.5e-7"),
    (dec("-2e-30"), "-2e-30"),
    (dec("123456789012345.5"), "123456789012345.5"),
    (dec("1e16"), "1e16"),
    (dec("1.25e300"), "1.25e300"),
    (Num(Fraction(1, 2**20), True), "9.5367431640625e-7"),
    (Num(Fraction(1, 30), True), "0.03333333333333333"),
    (Num(Fraction(2, 3), True), "0.6666666666666666"),
    (Num(Fraction(10**20, 3), True), "3.333333333333333e19"),
    (Num(Fraction(1, 3 * 10**400), True), "3.3333333333333333e-401"),
]


@pytest.mark.parametrize("number, expected", NUMBERS)
def test_numbers(number, expected):
    assert plain(number) == expected


@pytest.mark.parametrize("value, parts", [
    (Fraction(1, 4), ("0.25", None)),
    (Fraction(2), ("2.0", None)),
    (Fraction(3, 20000000), ("1.5", -7)),
    (Fraction(10**20), ("1", 20)),
])
def test_decimal_parts(value, parts):
    assert decimal_parts(value) == parts


@settings(max_examples=300, deadline=None)
@given(st.integers(-10**25, 10**25), st.integers(0, 80), st.integers(0, 80))
def test_terminating_decimals_read_back_exactly(numerator, twos, fives):
    number = Num(Fraction(numerator, 2**twos * 5**fives), decimal=True)
    text = plain(number)
    assert parse(text) is number
    assert len(text) <= 110  # exact digits, never a run of padding zeros


def test_a_recurring_decimal_reads_back_as_the_nearest_float():
    number = Num(Fraction(1, 30), decimal=True)
    back = parse(plain(number))
    assert back.decimal and float(back.value) == float(number.value)


def test_fractions_are_bracketed_where_a_slash_would_reassociate():
    half = Num(Fraction(1, 2))
    assert plain(Pow(half, x)) == "(1/2)^x"
    assert plain(Mul(x, half)) == "x*(1/2)"
    assert plain(Div(x, half)) == "x/(1/2)"
    assert plain(Mul(half, x)) == "1/2*x"
    assert plain(Pow(x, half)) == "x^(1/2)"
    assert plain(sub(x, half)) == "x - 1/2"


# Trees the builders never make still print with their meaning.
ODD_TREES = [
    (Neg(Num(2)), "-2"),
    (Neg(Num(-2)), "-(-2)"),
    (Neg(Neg(x)), "-(-x)"),
    (Neg(Mul(x, y)), "-(x*y)"),
    (Neg(Div(x, y)), "-(x/y)"),
    (Mul(x, Neg(y), z), "x*(-y)*z"),
    (Mul(Neg(x), y), "-x*y"),
    (Div(Neg(x), Neg(y)), "-x/(-y)"),
    (Pow(Neg(x), Neg(y)), "(-x)^(-y)"),
    (Add(x, Neg(Neg(y))), "x - (-y)"),
    (Add(x, Add(y, z)), "x + (y + z)"),
    (Add(Add(x, y), z), "(x + y) + z"),
    (Mul(x, Mul(y, z)), "x*(y*z)"),
    (Add(x, Mul(Neg(y), z)), "x - y*z"),
    (Func("sin", Neg(x)), "sin(-x)"),
]


@pytest.mark.parametrize("tree, expected", ODD_TREES)
def test_odd_trees_print_safely(tree, expected):
    assert plain(tree) == expected
    assert sympy.simplify(to_sympy(parse(expected)) - to_sympy(tree)) == 0


# ---------------------------------------------------------------- unicode
PRETTY = [
    ("3x^2+2x+1", "3x² + 2x + 1"),
    ("6x(x^2+1)^2", "6x(x² + 1)²"),
    ("sin(x)+x cos(x)", "sin(x) + x·cos(x)"),
    ("√x", "√x"),
    ("√(x+1)", "√(x + 1)"),
    ("√(x^2)", "√(x²)"),
    ("(√x)^2", "(√x)²"),
    ("∛x", "∛x"),
    ("pi", "π"),
    ("2pi", "2π"),
    ("theta", "θ"),
    ("x1 + w_2", "x₁ + w₂"),
    ("x^-1", "x⁻¹"),
    ("1/x", "1/x"),
    ("x^-2", "x⁻²"),
    ("2^x", "2^x"),
    ("e^(x^2)", "e^(x²)"),
    ("e^-x", "e^(−x)"),
    ("x^(1/2)", "x^(1/2)"),
    ("x^0.5", "x^0.5"),
    ("|x|", "|x|"),
    ("2 abs(x)", "2·|x|"),
    ("x-y", "x − y"),
    ("a-3x", "a − 3x"),
    ("-x^2", "−x²"),
    ("(-x)^2", "(−x)²"),
    ("(-2)^2", "(−2)²"),
    ("2*3", "2·3"),
    ("x*2", "x·2"),
    ("x y z", "x·y·z"),
    ("2 sin x", "2sin(x)"),
    ("sin x cos x", "sin(x)·cos(x)"),
    ("sin(x)^2", "sin(x)²"),
    ("(x+1)(x-1)", "(x + 1)(x − 1)"),
    ("2(x+1)", "2(x + 1)"),
    ("x(x+1)", "x(x + 1)"),
    ("x^2(x+1)", "x²(x + 1)"),
    ("sin(x)(x+1)", "sin(x)·(x + 1)"),
    ("2^x(x+1)", "2^x·(x + 1)"),
    ("2e^x", "2·e^x"),
    ("x*(-y)", "x(−y)"),
    ("x/(y z)", "x/(y·z)"),
    ("-x/y", "−x/y"),
    ("1/2 x", "1/2·x"),
    ("1.5e-7 x", "1.5×10⁻⁷·x"),
    ("0.5x", "0.5x"),
    ("-(x+1)^2", "−(x + 1)²"),
    ("x^y^z", "x^(y^z)"),
    ("(x^y)^z", "(x^y)^z"),
    ("log(x, 2)", "log(x, 2)"),
]


@pytest.mark.parametrize("text, expected", PRETTY)
def test_pretty(text, expected):
    assert pretty(parse(text)) == expected


@settings(max_examples=200, deadline=None)
@given(expressions(max_leaves=12))
def test_pretty_is_unambiguous(e):
    """Over x, y, z and short decimals, calc even reads the textbook form back."""
    assert parse(pretty(e)) is e


def test_pretty_keeps_the_tree_shape():
    assert pretty(Pow(x, Num(-1))) == "x⁻¹"
    assert pretty(Div(Num(1), x)) == "1/x"
    assert pretty(Pow(x, Num(2, decimal=True))) == "x^2.0"
    assert pretty(Mul(Num(Fraction(1, 2)), Pow(x, Num(2)))) == "1/2·x²"


# ------------------------------------------------------------------ latex
LATEX = [
    ("3x^2+2x+1", r"3 x^{2} + 2 x + 1"),
    ("6x(x^2+1)^2", r"6 x \left(x^{2} + 1\right)^{2}"),
    ("sin(x)+x cos(x)", r"\sin\left(x\right) + x \cos\left(x\right)"),
    ("1/x", r"\frac{1}{x}"),
    ("-x/y", r"-\frac{x}{y}"),
    ("a - x/y", r"a - \frac{x}{y}"),
    ("x*(y/z)", r"x \frac{y}{z}"),
    ("2*(1/x)", r"2 \cdot \frac{1}{x}"),
    ("(1/x)^2", r"\left(\frac{1}{x}\right)^{2}"),
    ("√x", r"\sqrt{x}"),
    ("(√x)^2", r"\left(\sqrt{x}\right)^{2}"),
    ("∛x", r"\sqrt[3]{x}"),
    ("ln x", r"\ln\left(x\right)"),
    ("log x", r"\ln\left(x\right)"),
    ("log10(x)", r"\log_{10}\left(x\right)"),
    ("log(x, 2)", r"\log_{2}\left(x\right)"),
    ("asin x", r"\arcsin\left(x\right)"),
    ("|x|", r"\left| x \right|"),
    ("pi", r"\pi"),
    ("theta_0 + x1", r"\theta_{0} + x_{1}"),
    ("2*3", r"2 \cdot 3"),
    ("x*2", r"x \cdot 2"),
    ("x y", r"x y"),
    ("sin(x)(x+1)", r"\sin\left(x\right) \cdot \left(x + 1\right)"),
    ("x^-1", r"x^{-1}"),
    ("e^(x^2)", r"e^{x^{2}}"),
    ("(x^y)^z", r"\left(x^{y}\right)^{z}"),
    ("(-2)^2", r"\left(-2\right)^{2}"),
    ("x*(-y)", r"x \left(-y\right)"),
    ("-(x+1)^2", r"-\left(x + 1\right)^{2}"),
    ("1.5e-7 x", r"1.5 \times 10^{-7} x"),
    ("sin(x)^2", r"\sin\left(x\right)^{2}"),
]


@pytest.mark.parametrize("text, expected", LATEX)
def test_latex(text, expected):
    assert latex(parse(text)) == expected


@pytest.mark.parametrize("name, unicode, tex", [
    ("x", "x", "x"),
    ("theta", "θ", r"\theta"),
    ("x12", "x₁₂", "x_{12}"),
    ("w_2", "w₂", "w_{2}"),
    ("theta_0", "θ₀", r"\theta_{0}"),
    ("w_ab", "w_ab", "w_{ab}"),
    ("x_", "x_", r"\mathit{x\_}"),
])
def test_variable_names(name, unicode, tex):
    assert (pretty(Var(name)), latex(Var(name))) == (unicode, tex)


def test_latex_user_functions_and_fractions():
    assert latex(parse("f'(x)", functions=["f"])) == r"f'\left(x\right)"
    assert latex(Func("speed", x)) == r"\operatorname{speed}\left(x\right)"
    assert latex(Var("speed")) == r"\mathit{speed}"
    assert latex(Pow(Num(Fraction(-1, 2)), x)) == r"\left(-\frac{1}{2}\right)^{x}"


# ------------------------------------------------------ shared brackets
@pytest.mark.parametrize("level, role, expected", [
    (Level.SUM, Role.TERM, True),
    (Level.PRODUCT, Role.TERM, False),
    (Level.SUM, Role.FIRST_FACTOR, True),
    (Level.PRODUCT, Role.FIRST_FACTOR, False),
    (Level.NEG, Role.FIRST_FACTOR, False),
    (Level.PRODUCT, Role.FACTOR, True),
    (Level.NEG, Role.FACTOR, True),
    (Level.POWER, Role.FACTOR, False),
    (Level.NEG, Role.OPERAND, True),
    (Level.POWER, Role.OPERAND, False),
    (Level.POWER, Role.BASE, True),
    (Level.ATOM, Role.BASE, False),
    (Level.NEG, Role.EXPONENT, True),
    (Level.POWER, Role.EXPONENT, False),
    (Level.POWER, Role.CARET_EXPONENT, True),
    (Level.SUM, Role.ENCLOSED, False),
])
def test_parenthesize(level, role, expected):
    assert parenthesize(level, role) is expected


def _brackets(text: str) -> str:
    text = text.replace(r"\left(", "(").replace(r"\right)", ")")
    return re.sub(r"[^()]", "", text)


# Trees whose notation is linear in all three printers (no fractions, roots,
# bars or exponents other than small integers): the brackets must coincide.
_linear_leaves = st.one_of(
    st.integers(0, 12).map(Num), st.sampled_from([x, y, z, Const("pi"), Const("e")]),
    st.sampled_from(["0.5", "2.5"]).map(dec),
)


def _linear(children):
    return st.one_of(
        st.tuples(children, children).map(lambda p: add(*p)),
        st.tuples(children, children).map(lambda p: sub(*p)),
        st.tuples(children, children).map(lambda p: mul(*p)),
        children.map(neg),
        st.tuples(children, st.integers(0, 4)).map(lambda p: power(p[0], Num(p[1]))),
        st.tuples(st.sampled_from(["sin", "exp", "ln", "log10"]), children).map(
            lambda p: func(*p)),
    )


@settings(max_examples=300, deadline=None)
@given(st.recursive(_linear_leaves, _linear, max_leaves=10))
def test_printers_agree_on_brackets(e):
    assert _brackets(pretty(e)) == _brackets(plain(e)) == _brackets(latex(e))


def test_bracket_agreement_is_not_vacuous():
    e = parse("-(x+1)^2*(y-(-2)^3)*sin(x)")
    assert plain(e) == "-(x + 1)^2*(y - (-2)^3)*sin(x)"
    assert pretty(e) == "−(x + 1)²·(y − (−2)³)·sin(x)"
    assert latex(e) == (r"-\left(x + 1\right)^{2} \left(y - \left(-2\right)^{3}\right) "
                        r"\sin\left(x\right)")
    assert _brackets(plain(e)) == "()(())()"


# ------------------------------------------------------- depth and sharing
DEPTH = 3000


def _nest(make, leaf=x, depth=DEPTH):
    e = leaf
    for _ in range(depth):
        e = make(e)
    return e


@pytest.mark.parametrize("printer", [plain, pretty, latex])
def test_deep_nesting_prints_without_recursion(printer):
    sines = _nest(lambda e: func("sin", e))
    assert printer(sines).count("sin") == DEPTH
    powers = _nest(lambda e: power(e, Num(2)))
    assert len(printer(powers)) > 2 * DEPTH
    halves = add(y, _nest(lambda e: Div(e, Num(2)), Neg(x)))
    assert printer(halves)[:4] in ("y - ", "y − ")  # the sign found at the foot of the spine
    assert printer(halves).count("2") == DEPTH


def test_deep_nesting_in_plain_reads_like_the_tree():
    assert plain(_nest(lambda e: func("sin", e))) == "sin(" * DEPTH + "x" + ")" * DEPTH
    assert plain(add(y, _nest(lambda e: Div(e, Num(2)), Neg(x)))) == "y - x" + "/2" * DEPTH


class _Counting(PlainPrinter):
    def __init__(self):
        self.calls = 0

    def product(self, node, parts):
        self.calls += 1
        return super().product(node, parts)


def test_a_shared_subtree_is_printed_once():
    shared = mul(Num(3), x, func("sin", y))
    printer = _Counting()
    assert printer(mul(shared, shared)) == "3*x*sin(y)*3*x*sin(y)"
    many = add(*[mul(Num(i + 1), add(shared, x)) for i in range(2000)])
    printer.calls = 0
    text = printer(many)
    assert printer.calls == 2001  # each product once, the shared one included
    assert text.count("3*x*sin(y)") == 2000


# ------------------------------------------------------- long texts (ropes)
@contextmanager
def _ropes_everywhere(short: int, merge: int):
    """Texts longer than ``short`` become ropes: with 0, every text a printer joins does."""
    with mock.patch.object(precedence, "SHORT", short), \
            mock.patch.object(precedence, "MERGE", merge):
        yield


# (SHORT, MERGE): every text a rope, unmerged or merged; ropes over a few characters.
ROPE_SIZES = [(0, 0), (0, 3), (2, 8), (12, 64)]
TABLES = ([(plain, parse(t), out) for t, out in PLAIN] + [(plain, t, out) for t, out in ODD_TREES]
          + [(pretty, parse(t), out) for t, out in PRETTY]
          + [(latex, parse(t), out) for t, out in LATEX])


@pytest.mark.parametrize("short, merge", ROPE_SIZES)
def test_ropes_print_the_pinned_outputs(short, merge):
    """Separators chosen by how the next factor starts (2(x + 1), x \\cdot 2) read a rope's head."""
    with _ropes_everywhere(short, merge):
        assert [printer(e) for printer, e, _ in TABLES] == [out for _, _, out in TABLES]


@settings(max_examples=150, deadline=None)
@given(expressions(max_leaves=12), st.sampled_from(ROPE_SIZES))
def test_ropes_print_what_strings_print(e, sizes):
    expected = [plain(e), pretty(e), latex(e)]
    with _ropes_everywhere(*sizes):
        assert [plain(e), pretty(e), latex(e)] == expected


def test_a_rope_keeps_its_parts_by_reference():
    long = "x" * (precedence.SHORT + 1)
    text = cat("sin(", long, ")")
    assert isinstance(text, Rope) and long in text.parts
    assert len(text) == len(long) + 5 and text.head == "sin(xxxx"
    assert flatten(joined(" + ", [text, "y", text])) == f"sin({long}) + y + sin({long})"
    assert cat("a", "b") == "ab" and joined(", ", ["a", "b"]) == "a, b"  # short: plain strings


def _pieces(text):
    """How many strings and ropes ``flatten`` visits."""
    strings = ropes = 0
    stack = [text]
    while stack:
        part = stack.pop()
        if isinstance(part, str):
            strings += 1
        else:
            ropes += 1
            stack.extend(part.parts)
    return strings, ropes


def test_a_nest_of_ropes_splices_small_ones():
    """Levels adding "sin(" and ")" merge into strings of up to MERGE characters.

    Without splicing, 100 levels would be 100 ropes and 201 strings to visit.
    """
    long = "x" * (precedence.SHORT + 1)
    text = long
    for _ in range(100):
        text = cat("sin(", text, ")")
    assert flatten(text) == "sin(" * 100 + long + ")" * 100
    assert _pieces(text) == (15, 4)


def _peak_while(make):
    """The result of ``make()`` and the most memory Python held at once while making it."""
    tracemalloc.start()
    try:
        return make(), tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# x^x^…^x, 300 high: the derivative prints 185 kB (plain). Each subtree's full string,
# memoised, held 38 MB (O(n^3)); ropes hold less than 1 MB.
@pytest.mark.parametrize("printer", [plain, pretty, latex])
def test_a_power_towers_derivative_prints_in_memory_proportional_to_its_length(printer):
    derivative = nth_derivative(parse("^".join(["x"] * 300)), ["x"])
    text, peak = _peak_while(lambda: printer(derivative))
    assert text.startswith(("x^x^x^", "x^(x^(x^", "x^{x^{x^")) and len(text) > 180_000
    assert peak < 20 * len(text)


# 5,000 deep: 25 kB of output; strings held 63 MB (O(depth^2)), ropes about 3 MB.
def test_a_deep_nest_prints_in_memory_proportional_to_its_depth():
    sines = _nest(lambda e: func("sin", e), depth=5000)
    text, peak = _peak_while(lambda: plain(sines))
    assert text == "sin(" * 5000 + "x" + ")" * 5000
    assert peak < 10 << 20


def test_a_20000_deep_nest_prints():
    depth = 20_000
    assert plain(_nest(lambda e: func("sin", e), depth=depth)) == (
        "sin(" * depth + "x" + ")" * depth)
    halves = _nest(lambda e: Div(e, Num(2)), add(y, Div(x, Num(2))), depth=depth)
    assert latex(halves) == r"\frac{" * depth + r"y + \frac{x}{2}" + "}{2}" * depth


def test_repr_uses_plain():
    assert repr(parse("3x^2 - 1")) == "Add<3*x^2 - 1>"
    assert repr(x) == "Var<x>"
