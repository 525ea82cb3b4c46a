"""Activation functions: sigmoid (σ), relu, softplus, tanh, and relu's derivative heaviside."""

import math
from fractions import Fraction

import pytest
import sympy
from click.testing import CliRunner

from calc_cli.cli import cli
from calc_cli.diff import nth_derivative
from calc_cli.errors import MathError
from calc_cli.evaluate import compile_expr, evaluate
from calc_cli.parse import parse
from calc_cli.render.plain import plain
from calc_cli.render.unicode import pretty
from tests.oracle import symbol, to_sympy


def run(*args, input=None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


@pytest.mark.parametrize("text, derivative", [
    ("sigmoid(x)", "sigmoid(x)*(1 - sigmoid(x))"),
    ("σ(x)", "sigmoid(x)*(1 - sigmoid(x))"),
    ("tanh(x)", "1 - tanh(x)^2"),
    ("softplus(x)", "sigmoid(x)"),
    ("relu(x)", "heaviside(x)"),
    ("relu(3x)", "3*heaviside(3*x)"),
    ("sigmoid(2x)", "2*sigmoid(2*x)*(1 - sigmoid(2*x))"),
])
def test_practitioners_forms(text, derivative):
    assert plain(nth_derivative(parse(text), ["x"])) == derivative


@pytest.mark.parametrize("at, value", [("2", "1"), ("-2", "0"), ("0.5", "1.0")])
def test_relu_slope_is_one_or_zero(at, value):
    result = run("diff", "relu(x)", "--at", at)
    assert result.exit_code == 0 and result.stdout.strip() == value


def test_relu_at_zero_is_not_differentiable_and_says_what_frameworks_do():
    result = run("diff", "relu(x)", "--at", "0")
    assert result.exit_code == 1
    assert "not differentiable at x = 0" in result.stderr
    assert "frameworks" in result.stderr and "use 0" in result.stderr


def test_heaviside_at_zero_names_heaviside():
    result = run("eval", "heaviside(0)")
    assert result.exit_code == 1
    assert result.stderr == (
        "calc: heaviside(0) is undefined: heaviside has no value at 0, where relu (whose "
        "derivative it is) is not differentiable; deep-learning frameworks such as PyTorch "
        "and TensorFlow use 0 there\n")
    points = run("eval", "heaviside(x)", "--points", "-", input="x=0\n")  # the compiled path
    assert "heaviside has no value at 0" in points.stderr


@pytest.mark.parametrize("text", ["sigmoid(x^2 - y)", "softplus(x*y)", "tanh(sigmoid(x))",
                                  "sigmoid(x)*softplus(-x)", "σ(σ(x))"])
@pytest.mark.parametrize("var", ["x", "y"])
def test_derivatives_agree_with_sympy(text, var):
    e = parse(text)
    ours = to_sympy(nth_derivative(e, [var]))
    theirs = sympy.diff(to_sympy(e), symbol(var))
    for point in ({"x": Fraction(1, 3), "y": Fraction(-2)}, {"x": Fraction(-5, 2), "y": Fraction(1)}):
        subs = {symbol(k): v for k, v in point.items()}
        assert float(ours.subs(subs)) == pytest.approx(float(theirs.subs(subs)), rel=1e-12)


def test_values_exact_and_stable():
    assert evaluate(parse("sigmoid(0)"), {}) == Fraction(1, 2)
    assert evaluate(parse("relu(-3) + relu(5/2)"), {}) == Fraction(5, 2)
    assert evaluate(parse("sigmoid(-1000)"), {}) == pytest.approx(0.0)
    assert evaluate(parse("sigmoid(1000)"), {}) == pytest.approx(1.0)
    assert evaluate(parse("softplus(1000)"), {}) == pytest.approx(1000.0)
    assert evaluate(parse("softplus(0)"), {}) == pytest.approx(math.log(2))
    with pytest.raises(MathError):
        evaluate(parse("heaviside(x)"), {"x": Fraction(0)})


def test_compiled_agrees_with_evaluate():
    e = parse("sigmoid(x) + relu(x - 1) + softplus(-x) + heaviside(x + 3)")
    f = compile_expr(e, ["x"])
    for x in (-2.5, -0.1, 0.3, 1.7, 4.0):
        assert f(x) == pytest.approx(float(evaluate(e, {"x": x})), rel=1e-12)


def test_printers():
    assert pretty(parse("sigmoid(x)")) == "σ(x)"
    assert parse(pretty(parse("sigmoid(x)*(1 - sigmoid(x))"))) is parse("σ(x)*(1 - σ(x))")


def test_backprop_through_a_neuron_matches_grad():
    args = ["--at", "w=1/2,x=2,b=-1"]
    bp = run("backprop", "sigmoid(w*x + b)^2", *args, "--json").stdout
    import json

    gradient = json.loads(bp)["gradient"]
    grad = [float(Fraction(v)) for v in run("grad", "sigmoid(w*x + b)^2", "--wrt", "w,x,b", *args)
            .stdout.split()]
    assert [gradient[v] for v in ("w", "x", "b")] == pytest.approx(grad)
