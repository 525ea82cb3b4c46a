"""Gradient descent: exact first steps, convergence, divergence, the domain, thinning, JSON."""

from __future__ import annotations

import json
import math
import weakref
from fractions import Fraction
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calc_cli.descent import (
    CONVERGED,
    DIVERGED,
    LEFT_DOMAIN,
    MAX_STEPS,
    Descending,
    descend,
    json_text,
    thin,
    to_json,
)
from calc_cli.errors import MathError, UndefinedVariable, UsageError
from calc_cli.expr import Num, Var, add, mul, power
from calc_cli.parse import parse

# ------------------------------------------------------------------ exact steps


def test_worked_example_first_step_is_exactly_2_24():
    d = descend(parse("(3w - 10)^2"), {"w": 2}, Fraction(1, 100), steps=3)
    start, first = d.path[0], d.path[1]
    assert (start.step, start.point, start.value, start.gradient, start.step_size) == (
        0, {"w": 2}, 16, {"w": -24}, 0)
    # w1 = 2 − 0.01·(2·3·(3·2 − 10)) = 2 + 0.24
    assert first.point == {"w": Fraction(56, 25)}
    assert first.value == Fraction(6724, 625)  # (3·2.24 − 10)^2 = 3.28^2
    assert first.step_size == Fraction(6, 25)
    assert all(type(v) is Fraction for it in d.path for v in [*it.point.values(), it.value])
    assert (d.status, d.steps) == (MAX_STEPS, 3)


def test_exact_steps_give_way_to_floats_when_the_numbers_grow():
    d = descend(parse("(3w - 10)^2"), {"w": 2}, Fraction(1, 100), steps=200)
    kinds = [type(it.point["w"]) for it in d.path]
    switch = kinds.index(float)
    assert 5 < switch < 20  # the denominator 50^k passes 64 bits after about 11 steps
    assert kinds[switch:] == [float] * (len(kinds) - switch)
    assert d.status == CONVERGED
    assert d.final.point["w"] == pytest.approx(10 / 3, abs=1e-8)


def test_an_exact_step_to_the_minimum_converges_exactly():
    d = descend(parse("(x - 3)^2"), {"x": 0}, Fraction(1, 2), steps=10)
    assert [it.point for it in d.path] == [{"x": 0}, {"x": 3}]
    assert (d.status, d.final.value, d.final.gradient) == (CONVERGED, 0, {"x": 0})


def test_a_float_learning_rate_runs_in_floats():
    d = descend(parse("(x - 3)^2"), {"x": 0}, 0.25, steps=2)
    assert [it.point["x"] for it in d.path] == [0, 1.5, 2.25]
    assert type(d.path[1].point["x"]) is float


def test_starting_at_the_minimum_converges_at_step_0():
    d = descend(parse("x^2 + y^2"), {"x": 0, "y": 0}, Fraction(1, 10), steps=100)
    assert (d.status, d.steps, d.converged, d.diverged) == (CONVERGED, 0, True, False)


# ------------------------------------------------------------------ convergence


def test_convex_quadratic_converges_to_its_minimum():
    d = descend(parse("(x - 3)^2 + 2(y + 1)^2"), {"x": 0, "y": 0}, Fraction(1, 10), steps=1000)
    assert d.status == CONVERGED
    assert math.hypot(*d.final.gradient.values()) <= 1e-8
    assert d.final.point["x"] == pytest.approx(3, abs=1e-8)
    assert d.final.point["y"] == pytest.approx(-1, abs=1e-8)
    assert d.steps < 200  # the slow direction contracts by 0.8 a step


def test_ten_thousand_steps_run_to_the_end():
    d = descend(parse("(x - 3)^2 + 2(y + 1)^2"), {"x": 0, "y": 0}, Fraction(1, 1000),
                steps=10_000, tol=0)
    assert (d.status, d.steps, len(d.path)) == (MAX_STEPS, 10_000, 10_001)
    assert d.final.point["x"] == pytest.approx(3, abs=1e-6)
    assert d.final.point["y"] == pytest.approx(-1, abs=1e-6)


def quadratic(a, b):
    """f(v) = vᵀAv + bᵀv for a symmetric A over the variables x0, x1, …"""
    n = len(b)
    xs = [Var(f"x{i}") for i in range(n)]
    terms = [mul(Num(a[i][i]), power(xs[i], Num(2))) for i in range(n)]
    terms += [mul(Num(2 * a[i][j]), xs[i], xs[j]) for i in range(n) for j in range(i + 1, n)
              if a[i][j]]
    terms += [mul(Num(b[i]), xs[i]) for i in range(n) if b[i]]
    return add(*terms)


def solve(m, v):
    """m·x = v by exact Gaussian elimination (m invertible)."""
    n = len(v)
    rows = [[Fraction(x) for x in row] + [Fraction(v[i])] for i, row in enumerate(m)]
    for c in range(n):
        pivot = next(r for r in range(c, n) if rows[r][c] != 0)
        rows[c], rows[pivot] = rows[pivot], rows[c]
        for r in range(n):
            if r != c and rows[r][c]:
                k = rows[r][c] / rows[c][c]
                rows[r] = [x - k * y for x, y in zip(rows[r], rows[c])]
    return [rows[i][n] / rows[i][i] for i in range(n)]


@st.composite
def positive_definite_problems(draw):
    """A = MᵀM + I (so λ ≥ 1), b, and a start, all small integers."""
    n = draw(st.integers(min_value=1, max_value=3))
    entry = st.integers(min_value=-2, max_value=2)
    m = [[draw(entry) for _ in range(n)] for _ in range(n)]
    a = [[sum(m[k][i] * m[k][j] for k in range(n)) + (i == j) for j in range(n)]
         for i in range(n)]
    b = [draw(st.integers(min_value=-5, max_value=5)) for _ in range(n)]
    start = [draw(st.integers(min_value=-4, max_value=4)) for _ in range(n)]
    return a, b, start


@settings(max_examples=30, deadline=None)
@given(positive_definite_problems())
def test_random_positive_definite_quadratics_converge(problem):
    a, b, start = problem
    n = len(b)
    names = [f"x{i}" for i in range(n)]
    hessian = [[2 * x for x in row] for row in a]  # ∇f = 2Av + b, ∇²f = 2A
    lr = Fraction(1, sum(hessian[i][i] for i in range(n)) + 1)  # trace ≥ λmax = L: lr < 1/L
    d = descend(quadratic(a, b), dict(zip(names, start)), lr, steps=20_000)
    assert d.status == CONVERGED, d.reason
    minimum = solve(hessian, [-v for v in b])  # 2Av* = −b
    for name, v in zip(names, minimum):
        # ‖v − v*‖ ≤ ‖∇f‖/λmin(2A) ≤ 1e-8/2
        assert abs(float(d.final.point[name]) - float(v)) <= 1e-7


# ------------------------------------------------------------------ failures as results


@pytest.mark.parametrize("lr", [1.5, Fraction(3, 2)])
def test_too_large_a_learning_rate_diverges_without_raising(lr):
    d = descend(parse("x^2"), {"x": 1}, lr, steps=1000)
    # x → x − 1.5·2x = −2x: the value quadruples until it passes 1e12·(1 + 1)
    assert (d.status, d.diverged, d.converged) == (DIVERGED, True, False)
    assert d.steps == 21 and d.final.point == {"x": -(2**21)}
    assert "grew beyond" in d.reason
    assert [it.point["x"] for it in d.path[:4]] == [1, -2, 4, -8]


def test_an_overflow_is_divergence():
    d = descend(parse("-exp(x^2)"), {"x": 1}, 1, steps=1000)
    assert d.status == DIVERGED and d.diverged


def test_exp_of_minus_x_runs_out_of_steps():
    d = descend(parse("exp(-x)"), {"x": 0}, Fraction(1, 10), steps=300)
    assert (d.status, d.steps, d.converged, d.diverged) == (MAX_STEPS, 300, False, False)
    assert d.path[-1].point["x"] > d.path[-2].point["x"] > 0  # still creeping downhill


def test_leaving_the_domain_is_reported():
    # ln(x) has slope 1/x: from x = 1 with lr 1/2, x goes to 1/2, then 1/2 − 1 = −1/2
    d = descend(parse("ln(x)"), {"x": 1}, Fraction(1, 2), steps=100)
    assert (d.status, d.diverged, d.steps) == (LEFT_DOMAIN, True, 1)
    assert d.final.point == {"x": Fraction(1, 2)}
    assert "step 2" in d.reason and "ln(x)" in d.reason and "-1/2" in d.reason


def test_a_gradient_undefined_where_f_is_defined_is_leaving_the_domain():
    d = descend(parse("sqrt(x)"), {"x": 1}, Fraction(2), steps=10)  # x: 1 → 1 − 2·(1/2) = 0
    assert d.status == LEFT_DOMAIN and d.final.point == {"x": 1}


def test_a_start_outside_the_domain_is_an_error():
    with pytest.raises(MathError):
        descend(parse("ln(x)"), {"x": -1}, Fraction(1, 10), steps=10)


@pytest.mark.parametrize("kwargs", [
    {"lr": 0}, {"lr": -1}, {"lr": math.inf}, {"tol": -1}, {"wrts": "x"}, {"wrts": ["x", "x"]},
    {"steps": -1}, {"steps": 2.5},
])
def test_bad_options_are_usage_errors(kwargs):
    options = {"e": parse("x^2"), "start": {"x": 1}, "lr": Fraction(1, 10), "steps": 5, **kwargs}
    with pytest.raises(UsageError):
        descend(**options)


def test_a_missing_start_value_is_an_undefined_variable():
    with pytest.raises(UndefinedVariable):
        descend(parse("x*y"), {"x": 1}, Fraction(1, 10), steps=5)


# ------------------------------------------------------------------ options and hooks


def test_other_variables_are_held_at_their_start_values():
    loss = parse("(w*input - target)^2", variables=["input", "target"])
    d = descend(loss, {"w": 2, "input": 3, "target": 10}, Fraction(1, 100), steps=500, wrts=["w"])
    assert d.vars == ("w",) and d.fixed == {"input": 3, "target": 10}
    assert d.path[1].point == {"w": Fraction(56, 25)}
    assert d.status == CONVERGED and d.final.point["w"] == pytest.approx(10 / 3)


def test_the_callback_sees_every_iteration_in_order():
    seen = []
    d = descend(parse("(x - 3)^2"), {"x": 0}, Fraction(1, 10), steps=50, on_step=seen.append)
    assert seen == d.path and [it.step for it in seen] == list(range(51))


# ------------------------------------------------------------------ thinning and JSON


@pytest.mark.parametrize("n, limit, expected", [
    (5, 10, [0, 1, 2, 3, 4]),
    (100, 2, [0, 99]),
    (100, 3, [0, 50, 99]),
    (100, 1, [99]),
    (101, 10, [0, 1, 20, 40, 60, 80, 99, 100]),
    (21, 20, [0, 1, 2, 3, 4, 6, 8, 10, 12, 14, 16, 17, 18, 19, 20]),
    (10_001, 20, [0, 1, 2, 3, 4, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000,
                  9996, 9997, 9998, 9999, 10_000]),
])
def test_thin_examples(n, limit, expected):
    assert thin(list(range(n)), limit) == expected


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=30_000), st.integers(min_value=2, max_value=60))
def test_thin_keeps_the_ends_and_spreads_the_rest(n, limit):
    picked = thin(list(range(n)), limit)
    assert min(n, limit) // 2 <= len(picked) <= min(n, limit)
    assert picked[0] == 0 and picked[-1] == n - 1
    assert picked == sorted(set(picked))  # distinct, in order
    if n > limit >= 8:
        assert picked[:2] == [0, 1] and picked[-2:] == [n - 2, n - 1]  # a few at each end
        ends = min(5, limit // 4)
        middle = picked[ends:len(picked) - ends]
        gaps = {b - a for a, b in pairwise(middle)}
        assert len(gaps) <= 1 and all(v % min(gaps, default=1) == 0 for v in middle)


def test_thin_rejects_a_limit_of_zero():
    with pytest.raises(ValueError):
        thin([1, 2], 0)


def test_json():
    d = descend(parse("(3w - 10)^2"), {"w": 2}, Fraction(1, 100), steps=2)
    obj = to_json(d)
    assert json.loads(json.dumps(obj)) == obj
    assert obj == {
        "expr": "(3*w - 10)^2", "vars": ["w"], "lr": 0.01, "tol": 1e-08, "fixed": {},
        "path": [
            {"step": 0, "point": {"w": 2}, "value": 16, "gradient": {"w": -24}, "step_size": 0},
            {"step": 1, "point": {"w": 2.24}, "value": 10.7584, "gradient": {"w": -19.68},
             "step_size": 0.24},
            {"step": 2, "point": {"w": 2.4368}, "value": 7.23394816,
             "gradient": {"w": -16.1376}, "step_size": 0.1968},
        ],
        "final": {"point": {"w": 2.4368}, "value": 7.23394816},
        "converged": False, "diverged": False, "status": "max_steps", "reason": None, "steps": 2,
    }


def test_json_of_a_long_run_is_thinned_on_request():
    d = descend(parse("(x - 3)^2 + 2(y + 1)^2"), {"x": 0, "y": 0}, 0.001, steps=5000, tol=0)
    obj = to_json(d, limit=20)
    assert obj["steps"] == 5000
    assert [it["step"] for it in obj["path"]] == [
        0, 1, 2, 3, 4, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 4500,
        4996, 4997, 4998, 4999, 5000]
    json.dumps(obj)


def test_json_of_a_diverged_run():
    obj = to_json(descend(parse("ln(x)"), {"x": 1}, Fraction(1, 2), steps=100))
    assert (obj["status"], obj["diverged"], obj["converged"], obj["steps"]) == (
        "left_domain", True, False, 1)
    assert obj["final"] == {"point": {"x": 0.5}, "value": math.log(0.5)}


# ------------------------------------------------------------------ one step at a time

LOSS = parse("(w*input - target)^2", variables=["input", "target"])
# One run of each ending, exact and in floats, with a variable held fixed.
RUNS = {
    "converges": (parse("(3w - 10)^2"), {"w": 2}, Fraction(1, 100), 200, {}),
    "at the minimum": (parse("x^2 + y^2"), {"x": 0, "y": 0}, Fraction(1, 10), 100, {}),
    "runs out": (parse("(x - 3)^2 + 2(y + 1)^2"), {"x": 0, "y": 0}, 0.001, 300, {"tol": 0}),
    "diverges": (parse("x^2"), {"x": 1}, Fraction(3, 2), 1000, {}),
    "leaves the domain": (parse("ln(x)"), {"x": 1}, Fraction(1, 2), 100, {}),
    "holds inputs": (LOSS, {"w": 2, "input": 3, "target": 10}, Fraction(1, 100), 50,
                     {"wrts": ["w"]}),
}


@pytest.mark.parametrize("name", RUNS)
def test_descending_yields_the_path_descend_keeps(name):
    e, start, lr, steps, options = RUNS[name]
    kept = descend(e, start, lr, steps, **options)
    run = Descending(e, start, lr, steps, **options)
    assert run.status is None  # not known before the run
    assert list(run) == kept.path
    assert (run.status, run.reason, run.final, run.steps, run.converged, run.diverged) == (
        kept.status, kept.reason, kept.final, kept.steps, kept.converged, kept.diverged)


@pytest.mark.parametrize("name", RUNS)
def test_json_text_is_the_json_of_the_whole_run(name):
    e, start, lr, steps, options = RUNS[name]
    whole = json.dumps(to_json(descend(e, start, lr, steps, **options)), ensure_ascii=False)
    assert "".join(json_text(Descending(e, start, lr, steps, **options))) == whole


def test_descending_keeps_no_iteration_it_has_passed():
    run = Descending(parse("x^2"), {"x": 1}, 1, steps=1000)  # oscillates: 1, -1, 1, …
    steps = iter(run)
    first = weakref.ref(next(steps))
    assert sum(1 for _ in steps) == 1000
    assert first() is None and run.final.step == 1000


def test_a_run_is_taken_once():
    run = Descending(parse("x^2"), {"x": 1}, Fraction(1, 10), steps=5)
    list(run)
    with pytest.raises(RuntimeError):
        iter(run)


def test_a_bad_start_fails_before_the_first_iteration():
    with pytest.raises(MathError):
        Descending(parse("ln(x)"), {"x": -1}, Fraction(1, 10), steps=10)


@pytest.mark.parametrize("e, wrts, message", [
    (parse("5"), None, "5 has no variables to descend along"),
    (parse("x^2"), [], "x^2 has no variables to descend along"),
    (parse("+".join(["1"] * 30)), None, "the expression has no variables to descend along"),
])
def test_a_function_without_variables_has_nothing_to_descend(e, wrts, message):
    with pytest.raises(UsageError) as caught:
        Descending(e, {"x": 1}, Fraction(1, 10), steps=10, wrts=wrts)
    assert caught.value.message == message

