"""Hypothesis strategies for random expression trees, built as the parser builds them."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import strategies as st

from calc_cli.expr import Const, Num, Var, add, div, func, mul, neg, power, sub

VARIABLES = ("x", "y", "z")
UNARY = ("sin", "cos", "tan", "sec", "csc", "cot", "asin", "acos", "atan",
         "sinh", "cosh", "tanh", "exp", "ln", "log", "log10", "log2", "sqrt", "cbrt", "abs")

integers = st.integers(min_value=0, max_value=12).map(Num)
decimals = st.sampled_from(["0.5", "1.5", "0.25", "2.5", "0.1"]).map(lambda s: Num(Fraction(s), True))
variables = st.sampled_from(VARIABLES).map(Var)
constants = st.sampled_from(["pi", "e"]).map(Const)
leaves = st.one_of(integers, integers, decimals, variables, variables, variables, constants)


def _extend(children):
    return st.one_of(
        st.tuples(children, children).map(lambda p: add(*p)),
        st.tuples(children, children).map(lambda p: sub(*p)),
        st.tuples(children, children).map(lambda p: mul(*p)),
        st.tuples(children, children).map(lambda p: div(*p)),
        st.tuples(children, st.integers(min_value=-3, max_value=4)).map(
            lambda p: power(p[0], Num(p[1]) if p[1] >= 0 else neg(Num(-p[1])))),
        st.tuples(children, children).map(lambda p: power(*p)),
        children.map(neg),
        st.tuples(st.sampled_from(UNARY), children).map(lambda p: func(*p)),
        st.tuples(children, children).map(lambda p: func("log", *p)),
    )


def expressions(max_leaves: int = 12):
    """Random trees over x, y, z of every node kind."""
    return st.recursive(leaves, _extend, max_leaves=max_leaves)
