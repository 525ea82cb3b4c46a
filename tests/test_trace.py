"""Rule traces: which rules appear, repeats, depth limits, JSON, and that every step is true."""

from __future__ import annotations

import inspect
import json

import pytest
import sympy
from hypothesis import HealthCheck, given, settings

from calc_cli import diff, trace
from calc_cli.diff import derive, differentiate
from calc_cli.expr import Div, Expr, Func, Num, Var
from calc_cli.parse import parse
from calc_cli.trace import (
    FORMULAS,
    MAX_TRACE_DEPTH,
    OMITTED_NOTE,
    RULES,
    Step,
    share_repeats,
    to_dict,
)
from tests.oracle import symbol, to_sympy
from tests.test_diff import POINTS, _subs, close, real_value, with_variable


def steps_of(top: Step):
    """Every step of the shown tree with its parent, in reading order."""
    stack = [(top, None)]
    while stack:
        step, parent = stack.pop()
        yield step, parent
        stack.extend((s, step) for s in reversed(step.substeps))


def rules_of(top: Step) -> list[str]:
    return [s.rule for s, _ in steps_of(top)]


def depth_of(top: Step) -> int:
    deepest, stack = 0, [(top, 1)]
    while stack:
        step, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((s, depth + 1) for s in step.substeps)
    return deepest


def sympy_str(e: Expr) -> str:
    return str(to_sympy(e))


# ------------------------------------------------------------------ which rules appear


@pytest.mark.parametrize(
    "text, wrt, rules",
    [
        ("7", "x", ["constant"]),
        ("pi", "x", ["constant"]),
        ("x", "x", ["variable"]),
        ("y", "x", ["held_constant"]),
        ("3x", "x", ["constant_multiple", "variable"]),
        ("-x", "x", ["constant_multiple", "variable"]),
        ("x/3", "x", ["constant_multiple", "variable"]),
        ("x^2 + 1", "x", ["sum", "power", "constant"]),
        ("x^2 - x", "x", ["difference", "power", "variable"]),
        ("x - 3x", "x", ["difference", "variable", "constant_multiple", "variable"]),
        ("x^3", "x", ["power"]),
        ("x sin x", "x", ["product", "variable", "trig"]),
        ("x/(x+1)", "x", ["quotient", "variable", "sum", "variable", "constant"]),
        ("sin(x^2)", "x", ["chain", "trig", "power"]),
        ("e^x", "x", ["exp"]),
        ("2^x", "x", ["exp"]),
        ("exp(x)", "x", ["exp"]),
        ("ln(x)", "x", ["log"]),
        ("log(x, 2)", "x", ["log"]),
        ("log(x, x+1)", "x", ["log", "quotient", "log", "chain", "log", "sum", "variable",
                              "constant"]),
        ("asin(x)", "x", ["inverse_trig"]),
        ("tanh(x)", "x", ["hyperbolic"]),
        ("x^x", "x", ["general_power", "variable", "variable"]),
        ("sqrt(x)", "x", ["root"]),
        ("cbrt(x)", "x", ["root"]),
        ("abs(x)", "x", ["abs"]),
        ("3y^2", "x", ["held_constant"]),
        ("sin(2)", "x", ["constant"]),
        ("2 x sin(x)", "x", ["constant_multiple", "product", "variable", "trig"]),
    ],
)
def test_rules_in_reading_order(text, wrt, rules):
    assert rules_of(derive(parse(text), wrt).trace) == rules


def test_abstract_function_rule():
    top = derive(parse("f(x^2)", functions=["f"]), "x").trace
    assert rules_of(top) == ["chain", "abstract", "power"]
    assert top.substeps[0].result is parse("f'(x^2)", functions=["f"])


def test_chain_step_names_the_inner_function():
    top = derive(parse("sin(x^2 + 1)"), "x").trace
    u = parse("x^2 + 1")
    assert top.rule == "chain" and top.detail == {"u": u}
    outer, inner = top.substeps
    assert (outer.rule, outer.expr, outer.result) == ("trig", parse("sin(x^2 + 1)"),
                                                      parse("cos(x^2 + 1)"))
    assert outer.detail == {"u": u}  # the outer derivative is taken with respect to u
    assert (inner.rule, inner.expr, inner.result) == ("sum", u, parse("2x"))
    assert top.result is parse("2*cos(x^2+1)*x")


def test_no_chain_step_for_the_bare_variable():
    top = derive(parse("sin(x)"), "x").trace
    assert (top.rule, top.substeps, dict(top.detail)) == ("trig", (), {})


def test_product_and_quotient_name_their_parts():
    product = derive(parse("x sin(x) e^x"), "x").trace
    assert product.rule == "product"
    assert product.detail == {"f": Var("x"), "g": parse("sin x"), "h": parse("e^x")}
    quotient = derive(parse("sin(x)/x"), "x").trace
    assert quotient.detail == {"f": parse("sin x"), "g": Var("x")}


def test_constant_multiple_names_the_constant():
    top = derive(parse("3 y x^2"), "x").trace
    assert (top.rule, dict(top.detail)) == ("constant_multiple",
                                            {"c": parse("3y"), "u": parse("x^2")})


def test_held_constant_notes_name_the_variable():
    top = derive(parse("x^2 + 3x y + y^2"), "x").trace
    rules = {s.expr: s for s, _ in steps_of(top)}
    assert rules[parse("y^2")].rule == "held_constant"
    held = "does not contain x (y is held constant): its derivative is 0"
    assert rules[parse("y^2")].note == held
    assert derive(parse("y"), "x").trace.note == "y is held constant"
    both = derive(parse("3 y z"), "x").trace
    assert both.note == "does not contain x (y, z are held constant): its derivative is 0"
    assert derive(parse("sin(2)"), "x").trace.note == "does not contain x"


def test_abs_step_warns_about_zero():
    top = derive(parse("abs(x)"), "x").trace
    assert top.note == "abs is not differentiable where its argument is 0"


def test_change_of_base_is_noted():
    top = derive(parse("log(x, x+1)"), "x").trace
    assert top.note == "change of base: log(u, b) = ln(u)/ln(b)"
    assert top.substeps[0].expr is Div(parse("ln(x)"), parse("ln(x+1)"))


# ------------------------------------------------------------------ repeats


def test_a_repeated_sub_derivation_is_shown_once_and_referred_to():
    top = derive(parse("(x^2+1)^3 sin(x^2+1)"), "x").trace
    u = parse("x^2+1")
    about_u = [s for s, _ in steps_of(top) if s.expr is u]
    assert [s.rule for s in about_u] == ["sum", "repeat"]
    first, again = about_u
    assert first.label == 1 and first.ref is None and len(first.substeps) == 2
    assert again.ref == 1 and again.substeps == () and again.result is first.result
    assert [s.label for s, _ in steps_of(top) if s.label is not None] == [1]


def test_labels_count_up_in_reading_order():
    top = derive(parse("sin(x^2+1) cos(x^2+1) + tan(x^3+x) sec(x^3+x)"), "x").trace
    labelled = [(s.label, s.expr) for s, _ in steps_of(top) if s.label is not None]
    assert labelled == [(1, parse("x^2+1")), (2, parse("x^3+x"))]
    refs = [s.ref for s, _ in steps_of(top) if s.rule == "repeat"]
    assert refs == [1, 2]


def test_leaf_steps_are_shown_again_not_repeated():
    top = derive(parse("x x"), "x").trace
    assert rules_of(top) == ["product", "variable", "variable"]


def test_share_repeats_on_a_hand_made_dag():
    x = Var("x")
    leaf = Step("variable", x, Num(1))
    shared = Step("sum", parse("x+1"), Num(1), (leaf, Step("constant", Num(1), Num(0))))
    top = Step("product", parse("(x+1)(x+1)"), parse("2(x+1)"), (shared, shared))
    tree = share_repeats(top)
    assert [s.rule for s in tree.substeps] == ["sum", "repeat"]
    assert tree.substeps[0].label == 1 and tree.substeps[1].ref == 1


# ------------------------------------------------------------------ depth limit


@pytest.mark.parametrize("depth", [1000, 10_000])
def test_deep_traces_are_cut_with_a_note(depth):
    e = Var("x")
    for _ in range(depth):
        e = Func("sin", e)
    d = derive(e, "x")
    assert d.trace.result is d.raw is differentiate(e, "x")
    assert depth_of(d.trace) == MAX_TRACE_DEPTH + 1  # cut steps keep their own line
    cut = [s for s, _ in steps_of(d.trace) if s.note == OMITTED_NOTE]
    assert len(cut) == 1 and cut[0].rule == "chain" and cut[0].substeps == ()
    json.dumps(to_dict(d.trace, lambda e: type(e).__name__))


# ------------------------------------------------------------------ serialisation


def test_to_dict_exactly():
    top = derive(parse("x^2 + y"), "x").trace
    assert to_dict(top, sympy_str, wrt="x") == {
        "version": 1,
        "wrt": "x",
        "rule": "sum",
        "expr": "x**2 + y",
        "result": "2*x",
        "substeps": [
            {"rule": "power", "expr": "x**2", "result": "2*x", "substeps": []},
            {"rule": "held_constant", "expr": "y", "result": "0", "substeps": [],
             "note": "y is held constant"},
        ],
    }


def test_to_dict_carries_detail_labels_and_refs():
    top = derive(parse("sin(x^2+1) cos(x^2+1)"), "x").trace
    data = to_dict(top, sympy_str)
    text = json.dumps(data, ensure_ascii=False)
    assert json.loads(text) == data
    assert list(data)[:5] == ["version", "rule", "expr", "result", "substeps"]
    chain = data["substeps"][0]
    assert chain["rule"] == "chain" and chain["detail"] == {"u": "x**2 + 1"}
    assert chain["substeps"][1]["label"] == 1
    repeat = data["substeps"][1]["substeps"][1]
    assert repeat == {"rule": "repeat", "expr": "x**2 + 1", "result": "2*x", "substeps": [],
                      "ref": 1}


def test_to_dict_keys_are_from_a_fixed_set():
    allowed = {"rule", "expr", "result", "substeps", "note", "detail", "label", "ref"}
    top = derive(parse("abs(x^x) + log(x, x) + (x^2+1)^2 sqrt(x^2+1) - 3y"), "x").trace
    stack = [to_dict(top, sympy_str)]
    assert {"version", "rule", "expr", "result", "substeps"} <= set(stack[0])
    stack[0] = {k: v for k, v in stack[0].items() if k != "version"}
    while stack:
        node = stack.pop()
        assert set(node) <= allowed and node["rule"] in RULES
        stack.extend(node["substeps"])


# ------------------------------------------------------------------ the rule table


def test_every_rule_has_a_formula_and_a_line_in_the_module_table():
    assert set(FORMULAS) == set(RULES)
    for rule in RULES:
        assert f"\n{rule} " in trace.__doc__, rule
    assert FORMULAS["product"].startswith("d/dx (f·g) = f′·g + f·g′")


def test_every_rule_function_states_its_formula():
    rule_functions = [f for name, f in inspect.getmembers(diff, inspect.isfunction)
                      if name.endswith("_rule") or name in ("chain", "power_outer",
                                                            "exponential_outer")]
    assert len(rule_functions) >= 12
    for f in rule_functions:
        assert f.__doc__ and f.__doc__.startswith("d/d"), f.__name__


def test_chain_rule_lives_in_one_function():
    source = inspect.getsource(diff)
    assert source.count('"chain"') == 1  # only chain() makes chain steps


def test_steps_are_immutable():
    top = derive(parse("sin(x^2)"), "x").trace
    with pytest.raises(AttributeError):
        top.rule = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        top.detail["u"] = Var("x")  # type: ignore[index]


# ------------------------------------------------------------------ every step is true


def _replace(e: Expr, old: Expr, new: Expr) -> Expr:
    memo: dict[Expr, Expr] = {}
    for node in e.walk():
        memo[node] = new if node is old else node.rebuild(tuple(memo[a] for a in node.args))
    return memo[e]


def _step_is_true(step: Step, parent: Step | None, wrt: str) -> bool:
    """The step's result agrees with SymPy's derivative of its expression at two sample points."""
    try:
        ours = to_sympy(step.result)
        if parent is not None and parent.rule == "chain" and step is parent.substeps[0]:
            # The outer derivative is d/du f(u), evaluated at u.
            u, t = step.detail["u"], Var("t_outer")
            f_of_t = to_sympy(_replace(step.expr, u, t))
            reference = sympy.diff(f_of_t, symbol("t_outer")).subs(symbol("t_outer"),
                                                                   to_sympy(u))
        else:
            reference = sympy.diff(to_sympy(step.expr), symbol(wrt))
    except ValueError:
        # SymPy refuses some everywhere-undefined pieces as it builds them (the real cube
        # root of log(x, 0) = log(x)/log(0) is zoo/log(x)): nothing to compare.
        return True
    for point in POINTS[:2]:
        subs = _subs(point)
        if real_value(to_sympy(step.expr), subs) is None:
            continue  # the function itself is undefined here
        a, b = real_value(ours, subs), real_value(reference, subs)
        if a is not None and b is not None and not close(a, b):
            return False
    return True


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(with_variable(max_leaves=5))
def test_every_step_of_a_trace_is_a_true_derivative(case):
    e, wrt = case
    d = derive(e, wrt)
    assert d.trace.result is d.raw and d.trace.expr is e
    for step, parent in steps_of(d.trace):
        assert step.rule in RULES
        assert _step_is_true(step, parent, wrt), (step.rule, step.expr, step.result)
