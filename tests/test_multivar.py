"""Gradients, Hessians, Jacobians and directional derivatives, against SymPy and each other."""

from __future__ import annotations

import cmath
import math
from fractions import Fraction

import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calc_cli.diff import nth_derivative
from calc_cli.errors import MathError, UndefinedVariable, UsageError
from calc_cli.evaluate import evaluate
from calc_cli.expr import Var, add, func, mul
from calc_cli.multivar import (
    directional,
    directional_at,
    gradient,
    gradient_at,
    hessian,
    hessian_at,
    jacobian,
    jacobian_at,
    natural_order,
    norm,
    unit,
)
from calc_cli.parse import parse
from calc_cli.render.plain import plain
from tests.oracle import symbol, to_sympy
from tests.strategies import expressions

XYZ = ["x", "y", "z"]
SYMBOLS = [symbol(n) for n in XYZ]
LOSS_VARIABLES = ["input", "target"]


def printed(exprs) -> list:
    """Expressions (or nested lists of them) as plain text."""
    return [printed(e) if isinstance(e, list) else plain(e) for e in exprs]


# ------------------------------------------------------------------ worked examples


def test_gradient_of_the_worked_example():
    f = parse("x^2 + 3xy + y^2")
    assert printed(gradient(f, ["x", "y"])) == ["2*x + 3*y", "3*x + 2*y"]


def test_gradient_at_a_point_is_exact():
    f = parse("x^2 + 3xy + y^2")
    grad = gradient_at(f, ["x", "y"], {"x": 1, "y": 2})
    assert grad == [8, 7]
    assert all(type(g) is Fraction for g in grad)


def test_hessian_of_the_worked_example():
    f = parse("x^2 + 3xy + y^2")
    assert printed(hessian(f, ["x", "y"])) == [["2", "3"], ["3", "2"]]
    assert hessian_at(f, ["x", "y"], {"x": 1, "y": 2}) == [[2, 3], [3, 2]]


def test_squared_error_loss():
    loss = parse("(w*input - target)^2", variables=LOSS_VARIABLES)
    wrts = ["w", "input", "target"]
    assert gradient_at(loss, wrts, {"w": 2, "input": 3, "target": 10}) == [-24, -16, 8]
    assert printed(gradient(loss, wrts)) == [
        "2*input*(input*w - target)", "2*w*(input*w - target)", "-2*(input*w - target)"]


def test_jacobian_of_polar_coordinates():
    r, theta = "r", "theta"
    x, y = parse("r cos(theta)", variables=[r]), parse("r sin(theta)", variables=[r])
    assert printed(jacobian([x, y], [r, theta])) == [
        ["cos(theta)", "-r*sin(theta)"], ["sin(theta)", "r*cos(theta)"]]
    assert jacobian_at([x, y], [r, theta], {r: 2, theta: 0}) == [[1, 0], [0, 2]]


@pytest.mark.parametrize("text", [
    "x^2*y + sin(x*y)",
    "exp(x*y)*sqrt(x^2 + y^2)",
    "atan(y/x)",
    "sin(x*y + x)",
    "x^y",
    "ln(x^2 + y^2)",
    "x*y*sin(x)",
    "cos(x)^2*y^3",
    "f(x*y)",
])
def test_partials_print_as_the_one_variable_derivatives_do(text):
    e = parse(text, functions=["f"])
    assert printed(gradient(e, ["x", "y"])) == [plain(nth_derivative(e, [v])) for v in "xy"]


def test_partial_by_an_absent_variable_is_zero():
    assert printed(gradient(parse("x^2"), ["x", "y"])) == ["2*x", "0"]
    assert gradient_at(parse("x^2"), ["x", "y"], {"x": 3}) == [6, 0]
    assert gradient(parse("x"), []) == []


# ------------------------------------------------------------------ natural order


@pytest.mark.parametrize("names, expected", [
    (["z", "y", "x"], ["x", "y", "z"]),
    (["x10", "x2", "x1"], ["x1", "x2", "x10"]),
    ([f"x{i}" for i in range(12, 0, -1)], [f"x{i}" for i in range(1, 13)]),
    (["w_10", "w_2", "w_1"], ["w_1", "w_2", "w_10"]),
    (["omega", "theta", "chi", "beta", "alpha"], ["alpha", "beta", "theta", "chi", "omega"]),
    (["theta", "x", "a"], ["a", "x", "theta"]),
    (["y", "x", "y"], ["x", "y"]),
    (["θ", "α"], ["α", "θ"]),
    (["b2", "a10", "a9"], ["a9", "a10", "b2"]),
])
def test_natural_order(names, expected):
    assert natural_order(names) == expected


def test_natural_order_takes_any_iterable():
    assert natural_order(parse("x10 + x9 + sin(x1)").free_vars()) == ["x1", "x9", "x10"]


# ------------------------------------------------------------------ directional derivatives


def test_directional_derivative_along_the_diagonal():
    f = parse("x^2 + y^2")
    d = directional(f, ["x", "y"], [1, 1])
    assert plain(d) == "sqrt(2)*x + sqrt(2)*y"
    assert directional_at(f, ["x", "y"], [1, 1], {"x": 1, "y": 1}) == 2 * math.sqrt(2)  # the nearest float
    assert float(evaluate(d, {"x": Fraction(1), "y": Fraction(1)})) == pytest.approx(2.8284271247461903)


def test_directional_derivative_is_exact_for_a_rational_unit_vector():
    f = parse("x^2 + y^2")
    assert plain(directional(f, ["x", "y"], [3, 4])) == "6*x/5 + 8*y/5"
    assert directional_at(f, ["x", "y"], [3, 4], {"x": 1, "y": 1}) == Fraction(14, 5)
    assert directional_at(f, ["x", "y"], [6, 8], {"x": 1, "y": 1}) == Fraction(14, 5)


def test_directional_derivative_ignores_the_length_of_the_direction():
    f = parse("x^2 + y^2")
    assert directional(f, ["x", "y"], [0.5, 0.5]) is directional(f, ["x", "y"], [1, 1])
    assert plain(directional(f, ["x", "y"], [1.5, 2])) == "1.2*x + 1.6*y"


def test_directional_derivative_along_an_axis_is_the_partial():
    f = parse("x^2 + 3xy + y^2")
    assert directional(f, ["x", "y"], [0, 5]) is gradient(f, ["x", "y"])[1]
    assert directional_at(f, ["x", "y"], [-2, 0], {"x": 1, "y": 2}) == -8


@pytest.mark.parametrize("direction", [[0, 0], [0.0, 0]])
def test_zero_direction_is_a_usage_error(direction):
    f = parse("x^2 + y^2")
    with pytest.raises(UsageError, match="zero vector"):
        directional(f, ["x", "y"], direction)
    with pytest.raises(UsageError, match="zero vector"):
        directional_at(f, ["x", "y"], direction, {"x": 1, "y": 1})


def test_direction_must_match_the_variables():
    with pytest.raises(UsageError, match="2 components but there are 3 variables"):
        directional(parse("x"), XYZ, [1, 2])


def test_norm_and_unit_are_exact_where_possible():
    assert norm([3, 4]) == 5 and type(norm([3, 4])) is Fraction
    assert norm([Fraction(1, 2), Fraction(1, 2)]) == pytest.approx(math.sqrt(0.5))
    assert norm([1, 1]) == pytest.approx(math.sqrt(2))
    assert norm([3.0, 4.0]) == 5.0
    assert unit([3, 4]) == [Fraction(3, 5), Fraction(4, 5)]
    assert unit([8, 7]) == pytest.approx([8 / math.sqrt(113), 7 / math.sqrt(113)])
    with pytest.raises(UsageError):
        unit([0, 0])


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize("text, point, shown", [
    ("sqrt(x) + y", {"x": 0, "y": 1}, "sqrt(x)"),  # defined, but no derivative there
    ("abs(x)*y", {"x": 0, "y": 2}, "abs(x)"),
    ("ln(x)*y", {"x": -1, "y": 1}, "ln(x)"),  # not even defined
])
def test_domain_errors_name_the_subexpression(text, point, shown):
    with pytest.raises(MathError) as info:
        gradient_at(parse(text), ["x", "y"], point)
    assert info.value.subexpr == shown
    assert info.value.exit_code == 1


def test_missing_value_is_an_undefined_variable():
    with pytest.raises(UndefinedVariable, match="no value for variable y"):
        gradient_at(parse("x*y"), ["x"], {"x": 1})


def test_wrts_must_be_names():
    with pytest.raises(UsageError):
        gradient(parse("x"), "x")
    with pytest.raises(UsageError):
        gradient(parse("x"), [""])


# ------------------------------------------------------------------ against SymPy

POINT_VALUES = st.sampled_from(
    ["-2.3", "-1.7", "-1.1", "-0.6", "-0.3", "0.2", "0.45", "0.7", "1.3", "1.9", "2.6"])
points = st.fixed_dictionaries({name: POINT_VALUES for name in XYZ})


def real_value(expr: sympy.Expr, point: dict) -> float | None:
    """The value at 30 digits as a float, or None where it is undefined, complex or huge.

    The point's coordinates are decimal strings or exact Fractions.
    """
    subs = {symbol(name): sympy.Float(value, 30) if isinstance(value, str)
            else sympy.Rational(value.numerator, value.denominator)
            for name, value in point.items()}
    try:
        value = complex(expr.evalf(30, subs=subs))
    except (TypeError, ValueError, ZeroDivisionError, OverflowError, ArithmeticError):
        return None
    if not cmath.isfinite(value) or abs(value.real) > 1e12:
        return None
    if abs(value.imag) > 1e-12 * max(1.0, abs(value.real)):
        return None
    return value.real


def agree(ours, reference: sympy.Expr, point: dict, function: sympy.Expr | None = None) -> bool:
    """True when both are defined there and equal (rel tol 1e-6); False when either is not.

    With ``function``, also False where the function itself is undefined (SymPy
    differentiates x + 0/0 = x + nan to 0).
    """
    if function is not None and real_value(function, point) is None:
        return False
    a, b = real_value(to_sympy(ours), point), real_value(reference, point)
    if a is None or b is None:
        return False
    assert abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b)), (
        f"at {point}: ours {a} = {plain(ours)}, SymPy {b} = {reference}")
    return True


SLOW = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow], "database": None}


def test_gradient_agrees_with_sympy():
    compared = []

    @settings(max_examples=120, **SLOW)
    @given(expressions(max_leaves=7), points)
    def check(e, point):
        f = to_sympy(e)
        for ours, v in zip(gradient(e, XYZ), SYMBOLS):
            compared.append(agree(ours, sympy.diff(f, v), point, f))

    check()
    assert sum(compared) > len(compared) / 3


def test_hessian_agrees_with_sympy():
    compared = []

    @settings(max_examples=40, **SLOW)
    @given(expressions(max_leaves=5), points)
    def check(e, point):
        f = to_sympy(e)
        reference = sympy.hessian(f, SYMBOLS)
        ours = hessian(e, XYZ)
        for i in range(3):
            for j in range(i, 3):
                compared.append(agree(ours[i][j], reference[i, j], point, f))

    check()
    assert sum(compared) > len(compared) / 3


def test_jacobian_agrees_with_sympy():
    compared = []

    @settings(max_examples=40, **SLOW)
    @given(st.lists(expressions(max_leaves=5), min_size=1, max_size=3), points)
    def check(exprs, point):
        functions = [to_sympy(e) for e in exprs]
        reference = sympy.Matrix(functions).jacobian(SYMBOLS)
        for i, row in enumerate(jacobian(exprs, XYZ)):
            for j, ours in enumerate(row):
                compared.append(agree(ours, reference[i, j], point, functions[i]))

    check()
    assert sum(compared) > len(compared) / 3


# ------------------------------------------------------------------ symbolic against numeric

exact_points = st.fixed_dictionaries(
    {name: st.fractions(min_value=-3, max_value=3, max_denominator=4) for name in XYZ})
float_points = st.fixed_dictionaries(
    {name: st.floats(min_value=-3, max_value=3).map(lambda v: round(v, 3)) for name in XYZ})


def close(a, b) -> bool:
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return a == b  # both exact: exactly equal
    a, b = float(a), float(b)
    return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))


def test_symbolic_gradient_equals_numeric_reverse_mode():
    compared = []

    @settings(max_examples=150, **SLOW)
    @given(expressions(max_leaves=8), st.one_of(exact_points, float_points))
    def check(e, point):
        try:
            numeric = gradient_at(e, XYZ, point)
            symbolic = [evaluate(g, point) for g in gradient(e, XYZ)]
        except MathError:
            compared.append(False)
            return  # undefined there (one way or the other): nothing to compare
        if any(abs(float(v)) > 1e8 for v in numeric + symbolic):
            compared.append(False)
            return  # floats this large have lost the digits a comparison needs
        for s, n in zip(symbolic, numeric):
            assert close(s, n), f"{plain(e)} at {point}: symbolic {symbolic}, numeric {numeric}"
        compared.append(True)

    check()
    assert sum(compared) > len(compared) / 3


def test_numeric_gradient_stays_exact_through_pi():
    assert gradient_at(parse("x*pi + y^2"), ["x", "y"], {"x": 0, "y": 3}) == [
        pytest.approx(math.pi), 6]
    assert gradient_at(parse("sin(x)*y"), ["x", "y"], {"x": 0, "y": 3}) == [3, 0]


def test_mixed_partials_agree():
    compared = []

    @settings(max_examples=40, **SLOW)
    @given(expressions(max_leaves=5), points)
    def check(e, point):
        first = gradient(e, XYZ)
        h = hessian(e, XYZ)
        for i in range(3):
            for j in range(i + 1, 3):
                one_way = gradient(first[i], [XYZ[j]])[0]  # ∂/∂xj ∂f/∂xi
                other_way = gradient(first[j], [XYZ[i]])[0]  # ∂/∂xi ∂f/∂xj
                assert h[i][j] is h[j][i] is one_way
                compared.append(agree(other_way, to_sympy(one_way), point, to_sympy(e)))

    check()
    assert sum(compared) > len(compared) / 3


def test_hessian_at_is_symmetric_and_matches_the_symbolic_hessian():
    e = parse("sin(x*y) + x^3*z - exp(y*z)/(1 + x^2)")
    point = {"x": Fraction(1, 2), "y": Fraction(-3, 2), "z": Fraction(2)}
    numeric = hessian_at(e, XYZ, point)
    symbolic = hessian(e, XYZ)
    for i in range(3):
        for j in range(3):
            assert numeric[i][j] == numeric[j][i]
            assert close(numeric[i][j], evaluate(symbolic[i][j], point))
            reference = sympy.diff(to_sympy(e), SYMBOLS[i], SYMBOLS[j])
            assert agree(symbolic[i][j], reference, point)


# ------------------------------------------------------------------ scale


def test_two_hundred_variables():
    names = [f"x{i}" for i in range(1, 201)]
    xs = [Var(n) for n in names]
    f = add(*(mul(a, b) for i, a in enumerate(xs) for b in xs[i + 1:]),
            *(func("sin", x) for x in xs))
    wrts = natural_order(f.free_vars())
    assert wrts == names
    grad = gradient(f, wrts)
    assert plain(grad[0]) == " + ".join(names[1:]) + " + cos(x1)"
    assert plain(grad[199]) == " + ".join(names[:199]) + " + cos(x200)"
    point = {n: Fraction(i) for i, n in enumerate(names, 1)}
    numeric = gradient_at(f, wrts, point)
    total = sum(range(1, 201))
    for i in (1, 100, 200):
        assert numeric[i - 1] == pytest.approx(total - i + math.cos(i))


def test_deep_nesting_neither_overflows_the_stack_nor_blows_up():
    """sin(y + sin(y + …)): the partial by y keeps forward mode's nested, linear form."""
    x, y = Var("x"), Var("y")
    e = x
    for i in range(2000):
        e = func("sin", add(e, y) if i % 2 else e)
    grad = gradient(e, ["x", "y"])
    assert grad[0] is nth_derivative(e, ["x"])
    assert grad[1] is nth_derivative(e, ["y"])
    numeric = gradient_at(e, ["x", "y"], {"x": 0.5, "y": 0.25})
    assert float(evaluate(grad[1], {"x": 0.5, "y": 0.25})) == pytest.approx(numeric[1])


def test_a_long_chain_of_quotients():
    """y/x/x/…/x nests 1500 deep on the left: no recursion, and both modes agree."""
    e = parse("y" + "/x" * 1500)
    point = {"x": 1.0001, "y": 2.0}
    numeric = gradient_at(e, ["x", "y"], point)
    symbolic = [float(evaluate(g, point)) for g in gradient(e, ["x", "y"])]
    assert symbolic == pytest.approx(numeric, rel=1e-9)
    assert numeric == pytest.approx([-1500 * 2 / 1.0001 ** 1501, 1 / 1.0001 ** 1500], rel=1e-9)


def test_recurrent_net_partials_match_forward_mode():
    """h_k = tanh(w·h_(k-1) + u·x_k): w and u are used at every step, as in backprop through time."""
    w, u, h = Var("w"), Var("u"), Var("h0")
    names = ["w", "u", "h0"]
    for k in range(1, 9):
        h = func("tanh", add(mul(w, h), mul(u, Var(f"x{k}"))))
        names.append(f"x{k}")
    assert gradient(h, names) == [nth_derivative(h, [v]) for v in names]


# ------------------------------------------------------------------ beyond the float range


def test_a_pi_multiple_beyond_floats_in_a_partial_is_a_math_error():
    # ∂/∂y sin(pi·x·y) needs pi·x, beyond floats at x = 10^400: was an OverflowError (exit 3)
    with pytest.raises(MathError) as caught:
        gradient_at(parse("sin(pi*x*y)"), ["x", "y"], {"x": Fraction(10) ** 400, "y": 0})
    assert caught.value.message == (
        "pi*x*y has no derivative at x = 1e+400, y = 0: "
        "pi*x: overflow, the value is too large to represent (x = 1e+400)")


def test_hessian_and_jacobian_at_share_one_evaluation_of_the_point():
    e = parse("x^2*y + sin(x)")
    assert hessian_at(e, ["x", "y"], {"x": 0, "y": 3}) == [[6, 0], [0, 0]]
    assert jacobian_at([e, parse("x*y")], ["x", "y"], {"x": 0, "y": 3}) == [[1, 0], [3, 0]]


def test_literals_beyond_floats_stay_exact_in_gradients_as_in_evaluate():
    e = parse("1e4000*x*y")
    assert gradient_at(e, ["x", "y"], {"x": 1, "y": Fraction(1, 10 ** 4000)}) == [1, 10 ** 4000]


def test_an_exact_adjoint_too_large_to_keep_is_named():
    with pytest.raises(MathError) as caught:  # 2·2e4000 is wider than anything in the input
        gradient_at(parse("2e4000*x^2"), ["x"], {"x": 1})
    assert caught.value.message == "the derivative with respect to x is too large to represent"
