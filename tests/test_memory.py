"""Bounded memory for long batches: expr.forget empties the memos and drops unused nodes,
never one that is still in use (identity is what equality of nodes relies on)."""

from __future__ import annotations

from click.testing import CliRunner

import calc_cli.shell as shell
from calc_cli.cli import cli
from calc_cli.diff import nth_derivative
from calc_cli.expr import Add, Func, Num, Pow, Var, forget, node_count
from calc_cli.parse import parse
from calc_cli.simplify import simplify


def test_forget_drops_what_nothing_uses_and_keeps_what_is_used():
    forget()
    before = node_count()
    held = Add(Var("x"), Num(3))
    in_a_list = [Pow(Var("y"), Num(7))]
    for i in range(300):
        simplify(Pow(Add(Var("x"), Num(i)), Num(2)))  # garbage, kept by the memos until forget
    assert node_count() > before + 300
    forget()
    # held: x + 3, x, 3; in the list: y^7, y, 7
    assert node_count() <= before + 6
    assert held is Add(Var("x"), Num(3)) and in_a_list[0] is Pow(Var("y"), Num(7))
    assert held.terms[1] is Num(3)


def test_forget_drops_a_deep_unused_nest_in_one_pass():
    forget()
    before = node_count()
    e = Var("nest")  # a name no other test uses: every node below is new
    for _ in range(3000):
        e = Func("sin", Add(e, Num(1)))
    assert node_count() >= before + 6000
    e = None
    forget()
    assert node_count() <= before + 1


def test_results_after_forget_are_the_same_nodes_as_before():
    texts = ["x sin x", "(x^2+1)^3", "sqrt(x)/(1 + x^2)", "x^x", "exp(-x^2) tanh(2x)"]
    first = [nth_derivative(parse(t), ["x"]) for t in texts]
    forget()
    again = [nth_derivative(parse(t), ["x"]) for t in texts]
    assert all(a is b for a, b in zip(first, again))


def test_a_long_batch_forgets_now_and_then_and_answers_the_same(monkeypatch):
    lines = [f"sin({k}x)^2 + x^{k % 7 + 2}/(x + {k})" for k in range(1, 120)]
    stdin = "\n".join(lines) + "\n"
    forget()
    plain = CliRunner().invoke(cli, ["diff", "-"], input=stdin)
    calls = []
    monkeypatch.setattr(shell, "MAX_LIVE_NODES", 300)
    monkeypatch.setattr(shell, "forget", lambda: (calls.append(1), forget()))
    forgetting = CliRunner().invoke(cli, ["diff", "-"], input=stdin)
    assert forgetting.exit_code == plain.exit_code == 0
    assert forgetting.stdout == plain.stdout
    assert len(calls) > 5  # it did forget, more than once
    assert node_count() < 300 + 2000  # the bound, plus at most one input's nodes
