"""The expression language: every syntax form, the name splitting, and syntax errors."""

from fractions import Fraction

import pytest

from calc_cli.errors import ParseError
from calc_cli.expr import Add, Const, Div, Func, Mul, Neg, Num, Pow, Var, add, div, func, mul, neg, power
from calc_cli.parse import parse, parse_with_notes

x, y, z = Var("x"), Var("y"), Var("z")


def n(value, decimal=False):
    return Num(Fraction(value), decimal)


# Two spellings that must read as the same expression: (typed, explicit).
SAME = [
    ("3x^2+2x+1", "3*x^2 + 2*x + 1"),
    ("3x²+2x+1", "3*x^2+2*x+1"),
    ("2xy", "2*x*y"),
    ("2 x y", "2*x*y"),
    ("xy", "x*y"),
    ("xyz", "x*y*z"),
    ("2(x+1)", "2*(x+1)"),
    ("(x+1)(x-1)", "(x+1)*(x-1)"),
    ("x sin(x)", "x*sin(x)"),
    ("x sin x", "x*sin(x)"),
    ("2pi x", "2*pi*x"),
    ("2πx", "2*pi*x"),
    ("1/2x", "(1/2)*x"),
    ("1/2 x", "(1/2)*x"),
    ("x/2y", "(x/2)*y"),
    ("a/b/c", "(a/b)/c"),
    ("a-b-c", "(a-b)-c"),
    ("2^3^2", "2^(3^2)"),
    ("2**3**2", "2^(3^2)"),
    ("x**2", "x^2"),
    ("-x^2", "-(x^2)"),
    ("-2^2", "-(2^2)"),
    ("x^-1", "x^(-1)"),
    ("x⁻¹", "x^(-1)"),
    ("x³", "x^3"),
    ("x²y", "x^2*y"),
    ("x·y", "x*y"),
    ("x×y", "x*y"),
    ("x÷y", "x/y"),
    ("x−y", "x-y"),
    ("√x", "sqrt(x)"),
    ("√(x+7)", "sqrt(x+7)"),
    ("2√x", "2*sqrt(x)"),
    ("∛x", "cbrt(x)"),
    ("π", "pi"),
    ("|x-5|", "abs(x-5)"),
    ("|x|+|y|", "abs(x)+abs(y)"),
    ("||x|-1|", "abs(abs(x)-1)"),
    ("sin x", "sin(x)"),
    ("sin 2x", "sin(2*x)"),
    ("sin x y", "sin(x*y)"),
    ("sin x^2", "sin(x^2)"),
    ("sin x cos x", "sin(x)*cos(x)"),
    ("sin x * y", "sin(x)*y"),
    ("sinx", "sin(x)"),
    ("sin2x", "sin(2*x)"),
    ("sin^2(x)", "(sin(x))^2"),
    ("sin^2 x", "(sin(x))^2"),
    ("sin²x", "(sin(x))^2"),
    ("sin^-1(x)", "asin(x)"),
    ("cos^-1 x", "acos(x)"),
    ("tan^-1(x)", "atan(x)"),
    ("arcsin(x)", "asin(x)"),
    ("arccos(x)", "acos(x)"),
    ("arctan(x)", "atan(x)"),
    ("ln x", "ln(x)"),
    ("log(x)", "log(x)"),
    ("log(x, 2)", "log(x,2)"),
    ("log10 x", "log10(x)"),
    ("log2(x)", "log2(x)"),
    ("e^x", "e^x"),
    ("e^-x", "e^(-x)"),
    ("e^(2x)", "e^(2*x)"),
    ("exp(x)", "exp(x)"),
    ("x e", "x*e"),
    ("xe", "x*e"),
    ("θ", "theta"),
    ("2θ", "2*theta"),
    ("sin θ", "sin(theta)"),
    ("x1 + x2", "x1+x2"),
    ("w_2 x", "w_2*x"),
    ("2x1", "2*x1"),
    ("a - 3x", "a - 3*x"),
    ("x*-y", "x*(-y)"),
    ("--x", "x"),
    ("+x", "x"),
    ("3 - -2", "3 - (-2)"),
    ("(((x)))", "x"),
    ("x ^ 2", "x^2"),
    ("  x  +  1  ", "x+1"),
    ("sinh x + cosh x + tanh x", "sinh(x)+cosh(x)+tanh(x)"),
    ("sec x csc x cot x", "sec(x)*csc(x)*cot(x)"),
]


@pytest.mark.parametrize("typed, explicit", SAME)
def test_typed_forms_read_as_explicit_forms(typed, explicit):
    assert parse(typed) is parse(explicit)


# Inputs whose exact structure pins precedence and the node kinds.
STRUCTURE = [
    ("x^2", Pow(x, n(2))),
    ("-x^2", Neg(Pow(x, n(2)))),
    ("2^3^2", Pow(n(2), Pow(n(3), n(2)))),
    ("1/2x", Mul(Div(n(1), n(2)), x)),
    ("x - y", Add(x, Neg(y))),
    ("x - 3y", Add(x, Mul(n(-3), y))),
    ("-3", n(-3)),
    ("-x*y", Mul(Neg(x), y)),
    ("x + y + z", Add(x, y, z)),
    ("x*y*z", Mul(x, y, z)),
    ("0.5", n("0.5", True)),
    (".5", n("0.5", True)),
    ("1e-3", n("0.001", True)),
    ("2.0", n(2, True)),
    ("1/3", Div(n(1), n(3))),
    ("pi", Const("pi")),
    ("e", Const("e")),
    ("sqrt(x)", Func("sqrt", x)),
    ("log(x, 2)", Func("log", x, n(2))),
    ("(-8)^(1/3)", Pow(n(-8), Div(n(1), n(3)))),
    ("theta", Var("theta")),
    ("w_2", Var("w_2")),
]


@pytest.mark.parametrize("text, expected", STRUCTURE)
def test_structure(text, expected):
    assert parse(text) is expected


def test_declared_names_stay_whole():
    e = parse("(w*input - target)^2", variables=["input", "target"])
    assert e.free_vars() == {"w", "input", "target"}
    assert parse("(w*input - target)^2").free_vars() >= {"i", "n", "p", "u", "t"}


def test_declared_functions_apply_and_take_primes():
    assert parse("f(g(x))", functions=["f", "g"]) is Func("f", Func("g", x))
    assert parse("f'(x)", functions=["f"]) is Func("f'", x)
    assert parse("f(x)") is Mul(Var("f"), x)


@pytest.mark.parametrize("text, value", [
    ("0", 0), ("007", 7), ("12345678901234567890", 12345678901234567890), ("١٢", 12),
])
def test_integers_read_as_exact_numbers(text, value):
    assert parse(text) is n(value)


def test_declarations_change_how_a_word_reads_from_one_parse_to_the_next():
    assert parse("xy", variables=["xy"]) is Var("xy")
    assert parse("xy") is Mul(x, y)
    assert parse("f(x)", functions=["f"]) is Func("f", x)
    assert parse("f(x)") is Mul(Var("f"), x)
    assert parse("xy", variables=["xy"]) is Var("xy")


def test_notes_say_how_a_split_name_was_read():
    parsed = parse_with_notes("2xy")
    assert any("'xy' was read as x·y" in note for note in parsed.notes)
    assert parse_with_notes("x + y").notes == []


def test_builders_fold_signs_as_the_parser_does():
    assert neg(mul(n(3), x)) is parse("-3x")
    assert add(x, neg(y)) is parse("x-y")
    assert div(n(1), power(x, n(2))) is parse("1/x^2")
    assert func("sin", x) is parse("sin(x)")


ERRORS = [
    # text, column of the caret, words the message must contain
    ("", 1, "empty"),
    ("   ", 1, "empty"),
    ("2+", 3, "ended too soon"),
    ("(x+1", 5, "')'"),
    ("x+)", 3, "unexpected ')'"),
    ("x^^2", 3, "unexpected '^'"),
    ("3 $ 4", 3, "'$'"),
    ("__import__('os')", 1, "'_'"),
    ("__import__('os').system('true')", 1, "'_'"),
    ("sin(x, y)", 1, "sin takes 1 argument"),
    ("log(x, 2, 3)", 1, "log takes 1 or 2 arguments"),
    ("sin'(x)", 1, "prime"),
    ("sec^-1(x)", 1, "inverse"),
    ("1e99999", 1, "out of range"),
    ("x,y", 2, "unexpected ','"),
    ("2 * * 3", 5, "unexpected '*'"),
    ("()", 2, "unexpected ')'"),
    ("x + 1 )", 7, "unexpected ')'"),
]


@pytest.mark.parametrize("text, column, words", ERRORS)
def test_syntax_errors_point_at_the_column(text, column, words):
    with pytest.raises(ParseError) as info:
        parse(text)
    assert info.value.column == column
    assert words in info.value.message
    assert "Token" not in info.value.message and "LPAR" not in info.value.message
    caret_line = info.value.caret().splitlines()[-1]
    assert caret_line.index("^") - 2 == column - 1


def test_long_sums_and_deep_nesting_parse():
    assert len(parse("+".join(["x"] * 5000)).terms) == 5000
    deep = "(" * 3000 + "x" + ")" * 3000
    assert parse(deep) is x
    nested = "sin(" * 1000 + "x" + ")" * 1000
    e = parse(nested)
    for _ in range(1000):
        assert e.name == "sin"
        e = e.arg
    assert e is x


def test_a_long_input_shows_a_window_around_the_column():
    text = "x+" * 200 + ")" + "+x" * 200
    with pytest.raises(ParseError) as info:
        parse(text)
    shown, caret = info.value.caret().splitlines()
    assert len(shown) < 110 and shown.startswith("  …") and shown.endswith("…")
    assert shown[caret.index("^")] == ")"
