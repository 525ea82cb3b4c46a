"""The value of an expression at a point: exact where possible, real always.

``evaluate`` keeps a ``Fraction`` while every step is rational (``3x^2+2x+1`` at
``x = 2`` is exactly ``17``, ``(-8)^(1/3)`` is ``-2``, ``sqrt(4)`` is ``2``) and
switches to floats once something irrational appears (``sin 1``, ``sqrt 2``). Rational
multiples of pi stay exact internally (``_PiMultiple``), so ``sin(pi) = 0``,
``cos(pi/2) = 0`` and ``tan(pi/2)`` is an error rather than 1.6e16.

A failure is a ``MathError`` (``DomainError``, ``DivisionByZero`` or ``Overflow``)
whose message names the failing subexpression in plain syntax and the values of the
variables it depends on. Conventions: ``0^0 = 1`` (as in Python and SymPy); ``log`` is
the natural logarithm; ``cbrt`` and odd roots of negatives are real.

The evaluator walks the DAG iteratively, children first, each distinct node once, so
shared subtrees cost nothing extra and deep nesting cannot overflow the stack.
``NodeValues`` does the same for many related expressions at one point (a gradient's
local partials, a computation graph's nodes), remembering every node across them.

Exact values stay within a size limit (``numbers.fits``), except that a literal or a
point beyond it (1e4000, 1e-4000) is kept, and rational arithmetic that makes nothing
wider than its operands stays exact: 1e4000·1e-4000 is 1. Messages show such numbers
in short scientific notation (``message_value``), never thousands of digits.
``compile_expr`` turns an expression into straight-line Python (one assignment per DAG
node, ``math`` calls only) for fast evaluation at many float points.
"""

from __future__ import annotations

import math
from decimal import Context, Decimal
from fractions import Fraction
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence, Union

from .errors import MathError, UndefinedVariable, UsageError
from .expr import FUNCTIONS, Add, Const, Div, Expr, Func, Mul, Neg, Num, Pow, Var, fill
from .numbers import (
    DivisionByZero,
    DomainError,
    Overflow,
    Value,
    exact_log,
    exact_power,
    fits,
    float_cbrt,
    format_value,
    ln,
    real_power_float,
    settle,
    to_float,
)

# A subexpression larger than this (as a tree) is named by its outer shape in messages,
# since printing a big shared DAG in full could be exponentially long.
MAX_NAMED_NODES = 200
# A number in a message whose numerator or denominator is wider than this (about 30
# digits) is shown in scientific notation with MESSAGE_DIGITS significant digits.
MESSAGE_BITS = 100
MESSAGE_DIGITS = 6
# One product is multiplied out exactly only while its factors together have at most this
# many bits (numerators and denominators), so that literals beyond the exact-size limit can
# cancel (1e4000·1e-4000 = 1) without a long product of large numbers being computed in full.
PRODUCT_BITS = 40_000


class _PiMultiple:
    """k·pi with k an exact nonzero rational: lets sin(pi) be exactly 0."""

    __slots__ = ("k",)

    def __init__(self, k: Fraction):
        self.k = k

    def __float__(self) -> float:
        return float(self.k) * math.pi


_Inner = Union[Fraction, float, _PiMultiple]


# ====================================================================== evaluate
def evaluate(e: Expr, point: Mapping[str, Union[Fraction, float]]) -> Value:
    """The value of ``e`` with each variable set from ``point`` (Fraction or float)."""
    values = check_point(e, point)
    memo: dict[Expr, _Inner] = {}
    for node in e.walk():
        memo[node] = _value_at(node, [memo[a] for a in node.args], values)
    try:
        return _outer(memo[e])
    except OverflowError:  # an exact multiple of pi beyond the float range
        raise _located(Overflow(), e, values) from None


def check_point(e: Expr, point: Mapping[str, Union[Fraction, float, int]]) -> dict[str, Value]:
    """The values of ``e``'s variables from ``point``, as the evaluator takes them.

    Integers become Fractions; a missing variable is ``UndefinedVariable`` (the first
    alphabetically), an infinite or NaN float a ``UsageError``.
    """
    missing = sorted(e.free_vars() - point.keys())
    if missing:
        raise UndefinedVariable(missing[0])
    values: dict[str, Value] = {}
    for name in e.free_vars():
        v = point[name]
        if isinstance(v, float):
            if not math.isfinite(v):
                raise UsageError(f"the value of {name} is not a finite number ({v})")
        elif not isinstance(v, Fraction):
            v = Fraction(v)
        values[name] = v
    return values


_check_point = check_point  # the former private name, still imported by descent.py


class NodeValues:
    """The values of many related subexpressions at one point, each DAG node computed once.

    For a gradient's local partials or a computation graph's nodes, which share most of
    their nodes: every node is evaluated as ``evaluate`` does it (exact where rational,
    the same error messages naming the failing subexpression) and remembered, so asking
    for a node already known costs a lookup. ``point`` holds the checked values of the
    variables of ``exprs`` (see ``check_point``).
    """

    def __init__(self, exprs: Iterable[Expr], point: Mapping[str, Fraction | float | int]):
        self.point: dict[str, Value] = {}
        for e in exprs:  # every variable of every expression needs a value
            self.point.update(check_point(e, point))
        self.memo: dict[Expr, _Inner] = {}

    def inner(self, e: Expr) -> _Inner:
        """The evaluator's own value of ``e``: an exact multiple of pi stays one.

        Kept so that a later node sees it: cos(pi·x) at x = 1 is exactly -1.
        """
        point = self.point
        return fill(e, self.memo, lambda node, children: _value_at(node, children, point))

    def __call__(self, e: Expr) -> Value:
        """The value of ``e`` at the point, a Fraction or a float, as ``evaluate`` gives it."""
        value = self.memo.get(e)
        if value is None:
            value = self.inner(e)
        try:
            return _outer(value)
        except OverflowError:  # an exact multiple of pi beyond the float range
            raise _located(Overflow(), e, self.point) from None


def _outer(v: _Inner) -> Value:
    """A finite Fraction or float, never an internal pi multiple."""
    if isinstance(v, _PiMultiple):
        return float(v)
    return v


def _value_at(node: Expr, args: list[_Inner], point: Mapping[str, Value]) -> _Inner:
    """One node's value from its children's, with errors turned into messages about ``node``."""
    try:
        result = _value(node, args, point)
        if isinstance(result, float) and not math.isfinite(result):
            raise Overflow() if math.isinf(result) else DomainError("the result is not a number")
        return result
    except (DomainError, DivisionByZero, Overflow) as exc:
        raise _located(exc, node, point) from None
    except ZeroDivisionError:
        raise _located(DivisionByZero("division by zero"), node, point) from None
    except OverflowError:
        raise _located(Overflow(), node, point) from None
    except ValueError:
        raise _located(DomainError("outside the domain of the function"), node, point) from None


def _value(node: Expr, args: list[_Inner], point: Mapping[str, Value]) -> _Inner:
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Var):
        return point[node.name]
    if isinstance(node, Const):
        return _PiMultiple(Fraction(1)) if node.name == "pi" else math.e
    if isinstance(node, Add):
        return _add(args)
    if isinstance(node, Mul):
        return _mul(args)
    if isinstance(node, Div):
        return _div(*args)
    if isinstance(node, Neg):
        return _neg(args[0])
    if isinstance(node, Pow):
        if node.left is Const("e"):
            return _exp(args[1])
        return _pow(*args)
    if isinstance(node, Func):
        return _call(node, args)
    raise TypeError(f"cannot evaluate a {type(node).__name__}")


# ---------------------------------------------------------------- messages
def _located(exc: MathError, node: Expr, point: Mapping[str, Value]) -> MathError:
    """The same kind of error, its message naming the subexpression and the point."""
    if exc.subexpr is not None:
        return exc
    shown = describe(node)
    where = describe_point({name: point[name] for name in sorted(node.free_vars())})
    if isinstance(exc, DomainError):
        at = f" at {where}" if where else ""
        message = f"{shown} is undefined{at}: {exc.message}"
    else:
        message = f"{shown}: {exc.message}" + (f" ({where})" if where else "")
    return type(exc)(message, subexpr=shown)


def describe(node: Expr) -> str:
    """The subexpression in plain syntax, or its outer shape when it is very large."""
    from .render.plain import plain  # at call time: render imports from here

    if _tree_size_at_most(node, MAX_NAMED_NODES):
        return plain(node)
    if isinstance(node, Func):
        return f"{node.name}(…)"
    symbol = {Add: " + ", Mul: "*", Div: "/", Pow: "^"}.get(type(node))
    if symbol is not None:
        return "(…)" + symbol + "(…)"
    return "-(…)" if isinstance(node, Neg) else "a subexpression"


def describe_point(point: Mapping[str, Value]) -> str:
    """``x = 1, y = 1/2``: the point in messages, in its order, huge numbers shortened."""
    return ", ".join(f"{name} = {message_value(v)}" for name, v in point.items())


def message_value(v: Value) -> str:
    """A value as messages show it: as calc prints it, unless it is an exact number too
    long to read, which is shown in scientific notation (``1e+4000``), with ``…`` after
    the digits when they are rounded (10^4000 + 1 is ``1.00000…e+4000``)."""
    if isinstance(v, Fraction) and max(v.numerator.bit_length(),
                                       v.denominator.bit_length()) > MESSAGE_BITS:
        return _scientific(v)
    return format_value(v)


# Decimal exponents of numbers calc can hold (literals reach 10^±100000) fit well inside.
_EXPONENTS = 10 ** 9


def _scientific(q: Fraction) -> str:
    """q ≠ 0 rounded to MESSAGE_DIGITS significant digits: 3.33333…e+3999.

    Only the leading 128 bits of a huge numerator or denominator are read (the rest
    cannot change six digits); whether the digits are exact is checked on q itself.
    """
    num, den = abs(q.numerator), q.denominator
    num_shift = max(num.bit_length() - 128, 0)
    den_shift = max(den.bit_length() - 128, 0)
    precise = Context(prec=40, Emax=_EXPONENTS, Emin=-_EXPONENTS)
    approx = precise.multiply(precise.divide(Decimal(num >> num_shift), Decimal(den >> den_shift)),
                              precise.power(Decimal(2), num_shift - den_shift))
    rounded = Context(prec=MESSAGE_DIGITS, Emax=_EXPONENTS, Emin=-_EXPONENTS).plus(approx)
    rounded = rounded.normalize(precise)
    _, digits, exponent = rounded.as_tuple()
    assert isinstance(exponent, int)
    leading = exponent + len(digits) - 1
    text = "".join(map(str, digits))
    rounded_off = Fraction(rounded) != abs(q)
    if rounded_off:  # every digit shown, then the dots
        text = text.ljust(MESSAGE_DIGITS, "0")
    mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "") + ("…" if rounded_off else "")
    return ("-" if q < 0 else "") + f"{mantissa}e{leading:+03d}"


def _tree_size_at_most(node: Expr, limit: int) -> bool:
    """Whether the tree (shared nodes counted each time) has at most ``limit`` nodes."""
    count = 0
    stack = [node]
    while stack:
        count += 1
        if count > limit:
            return False
        stack.extend(stack.pop().args)
    return True


# ---------------------------------------------------------------- arithmetic
# Floats that overflow (float(huge Fraction), 1e200 * 1e200) surface as OverflowError or
# inf, which ``_value_at`` reports as Overflow; so plain float() is safe below.
def _is_exact(v: _Inner) -> bool:
    return isinstance(v, Fraction)


def settle_within(q: Fraction, operands: Sequence[Fraction]) -> Value:
    """``q`` itself when it can stay exact, else the nearest float (``Overflow`` if none).

    It stays exact when it fits the exact-size limit (``numbers.fits``) or is no wider
    than its widest operand. Only a literal or a point can be wider than the limit
    (1e4000, 1e-4000), so rational arithmetic on them is exact (1e4000·1e-4000 = 1,
    1e-4000·1e-4000·1e4000 = 1e-4000) and never makes a number wider than the input had.
    """
    return q if _stays_exact(q, operands) else to_float(q)


def _stays_exact(q: Fraction, operands: Sequence[Fraction]) -> bool:
    return fits(q) or _width(q) <= max(map(_width, operands))


def _width(q: Fraction) -> int:
    return max(q.numerator.bit_length(), q.denominator.bit_length())


def _add(terms: list[_Inner]) -> _Inner:
    """a + b + …: exact when all are; a sum of pi multiples stays a pi multiple."""
    rationals = [t for t in terms if isinstance(t, Fraction)]
    if len(rationals) == len(terms):
        return settle_within(sum(rationals, Fraction(0)), rationals)
    pis = [t.k for t in terms if isinstance(t, _PiMultiple)]
    if len(pis) + len(rationals) == len(terms) and not any(rationals):
        return _pi_times(sum(pis, Fraction(0)))
    total = 0.0
    for t in terms:
        total += float(t)
    return total


def _mul(factors: list[_Inner]) -> _Inner:
    """a · b · …: exact 0 when any factor is exact 0 (the others are finite by now)."""
    if any(isinstance(f, Fraction) and f == 0 for f in factors):
        return Fraction(0)
    rationals = [f for f in factors if isinstance(f, Fraction)]
    pis = [f.k for f in factors if isinstance(f, _PiMultiple)]
    if len(rationals) + len(pis) == len(factors) and len(pis) <= 1:
        product = _exact_product(rationals + pis)
        if product is not None:
            return _pi_times(product) if pis else product
    result = 1.0
    for f in factors:
        result *= float(f)
    return result


def _exact_product(factors: list[Fraction]) -> Fraction | None:
    """The product when it can stay exact (see ``settle_within``), else None (then floats)."""
    product = Fraction(1)
    for f in factors:
        product *= f
        if not fits(product):
            return _wide_product(factors)
    return product


def _wide_product(factors: list[Fraction]) -> Fraction | None:
    """A product that outgrew the size limit on the way, multiplied out in full if it may.

    Numerators and denominators are multiplied separately and reduced once, so that
    factors beyond the limit cancel whatever their order (1e4000·1e-4000 = 1); only
    while the factors together have at most ``PRODUCT_BITS`` bits, so that a long
    product of large numbers is not computed to be thrown away.
    """
    if sum(q.numerator.bit_length() + q.denominator.bit_length() for q in factors) > PRODUCT_BITS:
        return None
    product = Fraction(math.prod(q.numerator for q in factors),
                       math.prod(q.denominator for q in factors))
    return product if _stays_exact(product, factors) else None


def _div(a: _Inner, b: _Inner) -> _Inner:
    """a / b; b = 0 is a division by zero; pi/pi = 1 exactly."""
    if b == 0:  # never true of a pi multiple, which is nonzero
        raise DivisionByZero("division by zero")
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return settle_within(a / b, (a, b))
    if isinstance(a, _PiMultiple) and isinstance(b, _PiMultiple):
        return settle(a.k / b.k)
    if isinstance(a, _PiMultiple) and isinstance(b, Fraction):
        return _pi_times(a.k / b)
    return float(a) / float(b)


def _neg(a: _Inner) -> _Inner:
    """-a."""
    return _PiMultiple(-a.k) if isinstance(a, _PiMultiple) else -a


def _pi_times(k: Fraction) -> _Inner:
    if k == 0:
        return Fraction(0)
    exact = settle(k)
    return _PiMultiple(exact) if isinstance(exact, Fraction) else exact * math.pi


def _pow(base: _Inner, exp: _Inner) -> _Inner:
    """base^exp over the reals; exact when rational and not too large, else floats."""
    if isinstance(base, Fraction) and isinstance(exp, Fraction):
        exact = exact_power(base, exp)
        if exact is not None:
            return exact
    if isinstance(base, _PiMultiple):
        base = float(base)
    if isinstance(exp, _PiMultiple):
        exp = float(exp)
    if _is_exact(exp) and exp == 0:
        return Fraction(1)  # x^0 = 1, also 0^0 (the convention of Python and SymPy)
    return real_power_float(base, exp)


# ---------------------------------------------------------------- functions
def _call(node: Func, args: list[_Inner]) -> _Inner:
    rule = _FUNCTION_VALUES.get(node.name)
    if rule is None:
        raise MathError(f"{node.name} is an abstract function; it has no value",
                        subexpr=describe(node))
    if len(args) not in FUNCTIONS[node.name]:
        raise MathError(f"{node.name} takes {FUNCTIONS[node.name][0]} argument(s), not {len(args)}",
                        subexpr=describe(node))
    return rule(*args)


def _exp(x: _Inner) -> _Inner:
    """exp(0) = 1 exactly; e^x for large x overflows."""
    if _is_exact(x) and x == 0:
        return Fraction(1)
    if isinstance(x, Fraction) and x < -800:
        return 0.0  # underflow, and float(x) may itself be out of range
    return math.exp(float(x))


def _ln(x: _Inner) -> _Inner:
    """ln x for x > 0; ln 1 = 0 exactly."""
    if isinstance(x, _PiMultiple):
        x = float(x)
    if x <= 0:
        raise DomainError(f"the logarithm needs a positive argument (got {message_value(x)})")
    if x == 1 and _is_exact(x):
        return Fraction(0)
    return ln(x)


def _log(x: _Inner, base: Optional[_Inner] = None) -> _Inner:
    """log x = ln x; log(x, b) = ln x / ln b, exact when b^(p/q) = x."""
    if base is None:
        return _ln(x)
    return _log_base(x, base, None)


def _log_base(x: _Inner, base: _Inner, in_floats: Optional[Callable[[float], float]]) -> _Inner:
    """log_b x = ln x / ln b; ``in_floats`` is math.log10 or math.log2 for those bases."""
    if isinstance(base, _PiMultiple):
        base = float(base)
    if base <= 0 or base == 1:
        raise DomainError(f"the base of a logarithm must be positive and not 1 "
                          f"(got {message_value(base)})")
    lx = _ln(x)
    if isinstance(x, Fraction) and isinstance(base, Fraction):
        exact = exact_log(x, base)
        if exact is not None:
            return exact
    if in_floats is not None:
        try:
            return in_floats(float(x))
        except OverflowError:  # a huge exact x: fall through to logs of its parts
            pass
    return float(lx) / ln(base)


def _sqrt(x: _Inner) -> _Inner:
    """√x for x ≥ 0; exact for perfect squares."""
    if isinstance(x, _PiMultiple):
        x = float(x)
    if x < 0:
        raise DomainError(f"the square root needs a non-negative argument (got {message_value(x)})")
    if isinstance(x, Fraction):
        exact = exact_power(x, Fraction(1, 2))
        if exact is not None:
            return exact
    return _float_root(x, 2, math.sqrt)


def _cbrt(x: _Inner) -> _Inner:
    """The real cube root: cbrt(-8) = -2."""
    if isinstance(x, _PiMultiple):
        x = float(x)
    if isinstance(x, Fraction):
        exact = exact_power(x, Fraction(1, 3))
        if exact is not None:
            return exact
    return _float_root(x, 3, float_cbrt)


def _float_root(x: Union[Fraction, float], k: int, in_floats: Callable[[float], float]) -> float:
    """The k-th root in floats; by logarithms when x is an exact value beyond the float range."""
    try:
        return in_floats(float(x))
    except OverflowError:
        return real_power_float(x, Fraction(1, k))


def _abs(x: _Inner) -> _Inner:
    """|x|, exact for exact x."""
    if isinstance(x, _PiMultiple):
        return _PiMultiple(abs(x.k))
    return abs(x) if isinstance(x, Fraction) else math.fabs(x)


# ------------------------------------------------------------- trigonometry
def _sin(x: _Inner) -> _Inner:
    """sin x; exact at multiples of pi/6 where the value is rational."""
    if isinstance(x, _PiMultiple):
        return _sin_pi(x.k)
    if _is_exact(x) and x == 0:
        return Fraction(0)
    return math.sin(float(x))


def _cos(x: _Inner) -> _Inner:
    """cos x = sin(x + pi/2) on pi multiples; cos 0 = 1."""
    if isinstance(x, _PiMultiple):
        return _sin_pi(x.k + Fraction(1, 2))
    if _is_exact(x) and x == 0:
        return Fraction(1)
    return math.cos(float(x))


# sin(r·pi) for the r in [0, 2) where it is rational.
_RATIONAL_SINES = {
    Fraction(0): Fraction(0), Fraction(1, 6): Fraction(1, 2), Fraction(1, 2): Fraction(1),
    Fraction(5, 6): Fraction(1, 2), Fraction(1): Fraction(0), Fraction(7, 6): Fraction(-1, 2),
    Fraction(3, 2): Fraction(-1), Fraction(11, 6): Fraction(-1, 2),
}


def _sin_pi(k: Fraction) -> _Inner:
    """sin(k·pi): reduce k mod 2 (exactly), then a table or the float sine."""
    r = k % 2
    return _RATIONAL_SINES.get(r, math.sin(float(r) * math.pi))


# tan(r·pi) for the r in [0, 1) where it is rational (r = 1/2 is a pole).
_RATIONAL_TANGENTS = {Fraction(0): Fraction(0), Fraction(1, 4): Fraction(1),
                      Fraction(3, 4): Fraction(-1)}


def _tan(x: _Inner) -> _Inner:
    """tan x = sin x / cos x, undefined where cos x = 0 (tan has period pi)."""
    if isinstance(x, _PiMultiple):
        r = x.k % 1
        if r == Fraction(1, 2):
            raise DomainError("the tangent is undefined where the cosine is 0")
        return _RATIONAL_TANGENTS.get(r, math.tan(float(r) * math.pi))
    if _is_exact(x) and x == 0:
        return Fraction(0)
    return math.tan(float(x))


def _cot(x: _Inner) -> _Inner:
    """cot x = cos x / sin x, undefined where sin x = 0."""
    if isinstance(x, _PiMultiple) and x.k % 1 == Fraction(1, 2):
        return Fraction(0)
    return _reciprocal(_tan(x), "the cotangent is undefined where the sine is 0")


def _sec(x: _Inner) -> _Inner:
    """sec x = 1 / cos x."""
    return _reciprocal(_cos(x), "the secant is undefined where the cosine is 0")


def _csc(x: _Inner) -> _Inner:
    """csc x = 1 / sin x."""
    return _reciprocal(_sin(x), "the cosecant is undefined where the sine is 0")


def _reciprocal(v: _Inner, undefined: str) -> _Inner:
    if v == 0:
        raise DomainError(undefined)
    return 1 / v if isinstance(v, Fraction) else 1.0 / float(v)


# asin of the rational values whose arcsine is a rational multiple of pi.
_RATIONAL_ARCSINES = {Fraction(0): Fraction(0), Fraction(1, 2): Fraction(1, 6),
                      Fraction(1): Fraction(1, 2)}


def _asin(x: _Inner) -> _Inner:
    """asin x for -1 ≤ x ≤ 1; asin(1/2) = pi/6 exactly."""
    x = _unit_interval(x, "asin")
    if isinstance(x, Fraction) and abs(x) in _RATIONAL_ARCSINES:
        k = _RATIONAL_ARCSINES[abs(x)]
        return _pi_times(k if x >= 0 else -k)
    return math.asin(x)


def _acos(x: _Inner) -> _Inner:
    """acos x = pi/2 - asin x, for -1 ≤ x ≤ 1."""
    x = _unit_interval(x, "acos")
    if isinstance(x, Fraction) and abs(x) in _RATIONAL_ARCSINES:
        k = _RATIONAL_ARCSINES[abs(x)]
        return _pi_times(Fraction(1, 2) - (k if x >= 0 else -k))
    return math.acos(x)


def _unit_interval(x: _Inner, name: str) -> Union[Fraction, float]:
    if isinstance(x, _PiMultiple):
        x = float(x)
    if not -1 <= x <= 1:
        raise DomainError(f"{name} needs an argument between -1 and 1 (got {message_value(x)})")
    return x


def _atan(x: _Inner) -> _Inner:
    """atan x; atan(±1) = ±pi/4, atan 0 = 0 exactly."""
    if isinstance(x, Fraction) and abs(x) in (0, 1):
        return _pi_times(x / 4)
    return math.atan(float(x))


def _hyperbolic(function: Callable[[float], float], at_zero: int) -> Callable[[_Inner], _Inner]:
    def value(x: _Inner) -> _Inner:
        if _is_exact(x) and x == 0:
            return Fraction(at_zero)
        return function(float(x))

    value.__doc__ = f"{function.__name__} x; exactly {at_zero} at 0."
    return value


def _sigmoid(x: _Inner) -> _Inner:
    """σ(x) = 1/(1 + e^(−x)); σ(0) = 1/2 exactly; no overflow for large |x|."""
    if _is_exact(x) and x == 0:
        return Fraction(1, 2)
    return sigmoid_float(float(x))


def sigmoid_float(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _relu(x: _Inner) -> _Inner:
    """relu(x) = max(0, x), exact for exact x."""
    if isinstance(x, _PiMultiple):
        x = float(x)
    return x if x > 0 else (Fraction(0) if isinstance(x, Fraction) else 0.0)


def relu_float(x: float) -> float:
    return x if x > 0 else 0.0


def _softplus(x: _Inner) -> _Inner:
    """softplus(x) = ln(1 + e^x), computed without overflow."""
    return softplus_float(float(x))


def softplus_float(x: float) -> float:
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


# heaviside is relu's derivative, so its missing value at 0 is relu's missing derivative:
# the message names the function typed (heaviside) and says where it comes from.
HEAVISIDE_AT_ZERO = ("heaviside has no value at 0, where relu (whose derivative it is) is not "
                     "differentiable; deep-learning frameworks such as PyTorch and TensorFlow "
                     "use 0 there")


def _heaviside(x: _Inner) -> _Inner:
    """heaviside(x) = 1 for x > 0, 0 for x < 0: relu's derivative, which has no value at 0."""
    if isinstance(x, _PiMultiple):
        x = float(x)
    if x == 0:
        raise DomainError(HEAVISIDE_AT_ZERO)
    return Fraction(1) if x > 0 else Fraction(0)


def heaviside_float(x: float) -> float:
    if x == 0:
        raise ValueError(HEAVISIDE_AT_ZERO)
    return 1.0 if x > 0 else 0.0


_FUNCTION_VALUES: dict[str, Callable[..., _Inner]] = {
    "sin": _sin, "cos": _cos, "tan": _tan, "sec": _sec, "csc": _csc, "cot": _cot,
    "asin": _asin, "acos": _acos, "atan": _atan,
    "sinh": _hyperbolic(math.sinh, 0), "cosh": _hyperbolic(math.cosh, 1),
    "tanh": _hyperbolic(math.tanh, 0),
    "exp": _exp, "ln": _ln, "log": _log,
    "log10": lambda x: _log_base(x, Fraction(10), math.log10),
    "log2": lambda x: _log_base(x, Fraction(2), math.log2),
    "sqrt": _sqrt, "cbrt": _cbrt, "abs": _abs,
    "sigmoid": _sigmoid, "relu": _relu, "softplus": _softplus, "heaviside": _heaviside,
}


# ====================================================================== compile_expr
def compile_expr(e: Expr, names: Sequence[str]) -> Callable[..., float]:
    """A fast float function of ``names`` (in that order) with ``evaluate``'s real semantics.

    The expression becomes straight-line Python, one assignment per distinct DAG node
    (``t17 = _m.sin(t16)``), so common subexpressions are computed once and depth costs
    no stack. Constant subtrees are folded exactly at compile time, so ``x^(1/3)`` keeps
    its real odd root. The source holds only ``math`` calls, operators, float literals and
    the argument names ``a0, a1, …``: never any text the user typed.

    The returned function raises ``MathError`` where ``evaluate`` would, with the same
    message: on any float failure it re-runs ``evaluate`` at that point to explain it.
    An intermediate overflow that later vanishes (``1/(10^200·10^200)``) is not detected.
    """
    index = {name: i for i, name in enumerate(names)}
    if len(index) != len(names):
        raise ValueError("duplicate variable names")
    missing = sorted(e.free_vars() - index.keys())
    if missing:
        raise UndefinedVariable(missing[0])
    source = _Generator(index).source(e)
    namespace: dict[str, Any] = {"__builtins__": {}, **_RUNTIME}
    exec(compile(source, "<calc expression>", "exec"), namespace)  # generated code only
    return _guarded(namespace["_f"], e, list(names))


def _guarded(fast: Callable[..., float], e: Expr, names: list[str]) -> Callable[..., float]:
    isfinite = math.isfinite

    def value(*point: float) -> float:
        try:
            result = fast(*point)
        except (ArithmeticError, ValueError):
            return _slow_path(e, names, point)
        if isfinite(result):
            return result
        return _slow_path(e, names, point)

    return value


def _slow_path(e: Expr, names: list[str], point: Sequence[float]) -> float:
    """Floats failed: ``evaluate`` raises the precise error (or, rarely, succeeds)."""
    value = evaluate(e, {name: float(v) for name, v in zip(names, point, strict=True)})
    try:
        return float(value)
    except OverflowError:  # an exact value beyond the float range
        raise _located(Overflow(), e, dict(zip(names, point))) from None


def _real_power(b: float, e: float) -> float:
    """b^e at run time: a negative base needs an integral exponent."""
    if b < 0 and not float(e).is_integer():
        raise ValueError("negative base to a non-integer power")
    return math.pow(b, e)


def _odd_root_power(b: float, e: float, odd_numerator: bool) -> float:
    """b^(p/q) with q odd, over the reals: the sign follows p."""
    magnitude = math.pow(abs(b), e)
    return -magnitude if odd_numerator and b < 0 else magnitude


def _overflow() -> float:
    raise OverflowError("constant beyond the float range")


def _fail() -> float:
    raise ArithmeticError("a constant subexpression has no value")


_RUNTIME = {"_m": math, "_rpow": _real_power, "_oddpow": _odd_root_power,
            "_cbrt": float_cbrt, "_overflow": _overflow, "_fail": _fail,
            "_sigmoid": sigmoid_float, "_softplus": softplus_float, "_step": heaviside_float, "_relu": relu_float}

_TEMPLATES = {
    "sin": "_m.sin({0})", "cos": "_m.cos({0})", "tan": "_m.tan({0})",
    "sec": "1.0 / _m.cos({0})", "csc": "1.0 / _m.sin({0})", "cot": "1.0 / _m.tan({0})",
    "asin": "_m.asin({0})", "acos": "_m.acos({0})", "atan": "_m.atan({0})",
    "sinh": "_m.sinh({0})", "cosh": "_m.cosh({0})", "tanh": "_m.tanh({0})",
    "exp": "_m.exp({0})", "ln": "_m.log({0})", "log": "_m.log({0})",
    "log10": "_m.log10({0})", "log2": "_m.log2({0})",
    "sqrt": "_m.sqrt({0})", "cbrt": "_cbrt({0})", "abs": "_m.fabs({0})",
    "sigmoid": "_sigmoid({0})", "softplus": "_softplus({0})", "relu": "_relu({0})",
    "heaviside": "_step({0})",
}


class _Generator:
    """Python source for an expression: each node's operand is a literal, ``a<i>`` or ``t<j>``."""

    def __init__(self, index: Mapping[str, int]):
        self.index = index
        self.operand: dict[Expr, str] = {}
        self.folded: dict[Expr, _Inner] = {}
        self.lines: list[str] = []

    def source(self, e: Expr) -> str:
        for node in e.walk():
            self.operand[node] = self._operand(node)
        params = ", ".join(f"a{i}" for i in range(len(self.index)))
        body = [f"    {line}" for line in self.lines]
        return "\n".join([f"def _f({params}):", *body, f"    return {self.operand[e]}", ""])

    def _operand(self, node: Expr) -> str:
        if isinstance(node, Var):
            return f"a{self.index[node.name]}"
        if all(a in self.folded for a in node.args):  # a constant: fold it exactly now
            return _literal(self.folded[node]) if self._fold(node) else "_fail()"
        name = f"t{len(self.lines)}"
        self.lines.append(f"{name} = {self._code(node, [self.operand[a] for a in node.args])}")
        return name

    def _fold(self, node: Expr) -> bool:
        """Evaluate a constant node exactly now; False when it fails (then the code fails too)."""
        try:
            self.folded[node] = _value_at(node, [self.folded[a] for a in node.args], {})
        except MathError:
            if isinstance(node, Func) and node.name not in _TEMPLATES:
                raise
            return False
        return True

    def _code(self, node: Expr, ops: list[str]) -> str:
        if isinstance(node, Add):
            return " + ".join(ops)
        if isinstance(node, Mul):
            return " * ".join(ops)
        if isinstance(node, Div):
            return f"{ops[0]} / {ops[1]}"
        if isinstance(node, Neg):
            return f"-{ops[0]}"
        if isinstance(node, Pow):
            return self._power(node, ops)
        if isinstance(node, Func):
            return self._call(node, ops)
        raise TypeError(f"cannot compile a {type(node).__name__}")

    def _power(self, node: Pow, ops: list[str]) -> str:
        """An exact exponent keeps real odd roots; e^u is exp(u)."""
        exponent = self.folded.get(node.right)
        if node.left is Const("e"):
            return f"_m.exp({ops[1]})"
        if not isinstance(exponent, Fraction):
            return f"_rpow({ops[0]}, {ops[1]})"
        if exponent.denominator == 1:
            return f"{ops[0]} ** {ops[1]}"
        if exponent.denominator % 2:
            return f"_oddpow({ops[0]}, {ops[1]}, {bool(exponent.numerator % 2)})"
        return f"_m.pow({ops[0]}, {ops[1]})"

    def _call(self, node: Func, ops: list[str]) -> str:
        if node.name not in _TEMPLATES or len(ops) not in FUNCTIONS[node.name]:
            _call(node, [Fraction(0)] * len(ops))  # raises the evaluator's error
        if node.name == "log" and len(ops) == 2:
            return f"_m.log({ops[0]}) / _m.log({ops[1]})"
        return _TEMPLATES[node.name].format(*ops)


def _literal(v: _Inner) -> str:
    """A float literal (its repr round-trips exactly); a constant beyond floats fails when run."""
    try:
        text = repr(float(v))
    except OverflowError:
        return "_overflow()"
    return f"({text})" if text.startswith("-") else text
