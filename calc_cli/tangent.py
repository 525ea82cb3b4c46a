"""The tangent line y = f(a) + f′(a)·(x − a) of a function of one variable."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from .diff import nth_derivative
from .errors import MathError
from .evaluate import evaluate, message_value
from .expr import Expr, Num, Var, add, mul, substitute
from .numbers import Value, format_value
from .simplify import simplify


@dataclass(frozen=True)
class Tangent:
    """f, its variable, the point a, f(a), the slope f′(a), the derivative and the line."""

    expr: Expr
    var: str
    a: Value
    value: Value
    slope: Value
    derivative: Expr
    line: Expr

    def curve(self, point: Mapping[str, Value]) -> Expr:
        """f as a function of its variable alone: the other variables fixed at the point."""
        fixed = self.expr
        for name, value in point.items():
            if name != self.var:
                fixed = substitute(fixed, Var(name), number_node(value))
        return fixed


def tangent(e: Expr, var: str, point: Mapping[str, Value]) -> Tangent:
    """y = f(a) + f′(a)·(x − a), written as m·x + b (b = f(a) − m·a)."""
    a = point[var]
    derivative = nth_derivative(e, [var])
    try:
        value = evaluate(e, point)
    except MathError as exc:
        raise MathError(f"no tangent: f is undefined at {var} = {short_value(a)}: "
                        f"{exc.message}", exc.subexpr) from None
    try:
        slope = evaluate(derivative, point)
    except MathError as exc:
        raise MathError(f"no tangent: f is not differentiable at {var} = {short_value(a)} "
                        f"({exc.message})", exc.subexpr) from None
    try:
        intercept = value - slope * a
    except OverflowError:  # an exact f(a) beyond floats, with a float point or slope
        raise MathError(f"no tangent: f({var} = {short_value(a)}) = {short_value(value)} is "
                        f"beyond the range of floating-point numbers") from None
    line = simplify(add(mul(number_node(slope), Var(var)), number_node(intercept)))
    return Tangent(e, var, a, value, slope, derivative, line)


def number_node(v: Value) -> Num:
    """An exact number node; a float becomes the decimal it prints as (0.1, not 2⁻⁵⁵-close)."""
    if isinstance(v, Fraction):
        return Num(v)
    return Num(Fraction(repr(float(v))), decimal=True)


def short_value(v: Value) -> str:
    """A value for a message: exact when short (3, 1/2), else a decimal (1e+400, not 401 digits)."""
    text = format_value(v)
    return text if len(text) <= 20 else message_value(v)
