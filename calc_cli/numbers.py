"""Exact rationals, decimals and real roots, shared by the simplifier and the evaluator.

A value is a ``Fraction`` while every operation that made it was rational, and a
``float`` once something irrational (``sin 1``, ``sqrt 2``, ``pi``) touched it.
Everything here is *real*: ``(-8)^(1/3)`` is ``-2`` (the real odd root), never the
complex principal root, and an even root of a negative number is an error.

Size limit. Exact arithmetic can explode (``9^9^9`` has 370 million digits), so
an exact result is only kept while its numerator and denominator each fit in
``MAX_EXACT_BITS`` bits (10,000 bits, about 3,000 decimal digits). Past that the
caller falls back to floats, where such a number is an overflow (an error) or
underflows to ``0.0``. The limit also keeps computed integers below Python's
4,300-digit ``int``/``str`` conversion limit (``format_value`` prints larger ones too).
"""

from __future__ import annotations

import math
import re
from decimal import Context, Decimal
from fractions import Fraction
from typing import Callable, NamedTuple, Optional, Union

from .errors import MathError, UsageError

Value = Union[Fraction, float]

MAX_EXACT_BITS = 10_000
# Longest exact decimal expansion printed digit by digit; a longer one (1.5^40) prints as
# the shortest float repr, which is what a reader of a decimal answer wants.
MAX_DECIMAL_DIGITS = 30
# Same bound as the parser puts on number literals (1e4000).
MAX_DECIMAL_EXPONENT = 4000


# ------------------------------------------------------------------ error kinds
class DomainError(MathError):
    """Outside the real domain: ``ln(-1)``, ``sqrt(-4)``, ``asin(2)``, ``(-8)^(1/2)``."""


class DivisionByZero(MathError):
    """A division by zero, including ``0`` to a negative power."""


class Overflow(MathError):
    """A result too large to represent as a float."""

    def __init__(self, message: str = "overflow, the value is too large to represent",
                 subexpr: Optional[str] = None):
        super().__init__(message, subexpr)


# ------------------------------------------------------------------ exact arithmetic
def fits(q: Fraction) -> bool:
    """Whether an exact value is small enough to keep exact (see ``MAX_EXACT_BITS``)."""
    return (q.numerator.bit_length() <= MAX_EXACT_BITS
            and q.denominator.bit_length() <= MAX_EXACT_BITS)


def settle(q: Fraction) -> Value:
    """``q`` itself when it fits, else the nearest float (raising ``Overflow`` if none)."""
    if fits(q):
        return q
    return to_float(q)


def to_float(v: Value) -> float:
    """The nearest float; ``Overflow`` when the magnitude is beyond the float range."""
    try:
        return float(v)
    except OverflowError:
        raise Overflow() from None


def integer_root(n: int, k: int) -> Optional[int]:
    """The integer ``r`` with ``r^k = n`` exactly, or None (odd roots of negatives are real)."""
    if k < 1:
        raise ValueError("root order must be a positive integer")
    if n < 0:
        if k % 2 == 0:
            return None
        root = integer_root(-n, k)
        return None if root is None else -root
    if n < 2:
        return n
    if k > n.bit_length():  # 1 < root < 2: not an integer
        return None
    root = _floor_root(n, k)
    return root if root ** k == n else None


def _floor_root(n: int, k: int) -> int:
    """⌊n^(1/k)⌋ by integer Newton iteration from above (n ≥ 2, k ≤ bit length of n)."""
    x = 1 << -(-n.bit_length() // k)  # 2^⌈bits/k⌉ ≥ n^(1/k)
    while True:
        y = ((k - 1) * x + n // x ** (k - 1)) // k
        if y >= x:
            return x
        x = y


def exact_power(base: Fraction, exp: Fraction) -> Optional[Fraction]:
    """``base^exp`` as a Fraction when it is rational and fits, else None.

    Real semantics: ``(-8)^(1/3) = -2``. Raises ``DomainError`` for an even root of a
    negative number and ``DivisionByZero`` for ``0`` to a negative power; ``0^0 = 1``
    (as in Python and SymPy). None means "irrational or too large": use floats.
    """
    p, q = exp.numerator, exp.denominator
    if base == 0:
        return _zero_power(exp)
    if base < 0 and q % 2 == 0:
        raise DomainError(
            f"a negative number has no real root of even order {q} (got {format_value(base)})")
    if abs(base) == 1:
        return Fraction(-1 if base < 0 and p % 2 else 1)
    root = _exact_root(abs(base), q)
    if root is None:
        return None
    magnitude = _bounded_integer_power(root, abs(p))
    if magnitude is None:
        return None
    if base < 0 and p % 2:
        magnitude = -magnitude
    return 1 / magnitude if p < 0 else magnitude


def _zero_power(exp: Fraction) -> Fraction:
    """0^e = 0 for e > 0, 1 for e = 0 (the convention of Python and SymPy); e < 0 divides by 0."""
    if exp < 0:
        raise DivisionByZero("division by zero, 0 to a negative power")
    return Fraction(1 if exp == 0 else 0)


def _exact_root(q: Fraction, k: int) -> Optional[Fraction]:
    """q^(1/k) for q > 0 when rational: a reduced fraction's root is the roots of its parts."""
    if k == 1:
        return q
    num = integer_root(q.numerator, k)
    if num is None:
        return None
    den = integer_root(q.denominator, k)
    return None if den is None else Fraction(num, den)


def _bounded_integer_power(q: Fraction, n: int) -> Optional[Fraction]:
    """q^n (q > 0, n ≥ 0) unless it would exceed ``MAX_EXACT_BITS``; checked before computing."""
    widest = max(q.numerator.bit_length(), q.denominator.bit_length())
    # x^n has at least n·(bits(x) − 1) + 1 bits: reject before doing the work.
    if n * (widest - 1) >= MAX_EXACT_BITS:
        return None
    result = q ** n
    return result if fits(result) else None


def exact_log(x: Fraction, base: Fraction) -> Optional[Fraction]:
    """log_base(x) when it is a simple rational p/q (q ≤ 12): log(8, 2) = 3, log(8, 4) = 3/2.

    The guess comes from floats, the answer is verified exactly. Needs x > 0, base > 0, base ≠ 1.
    """
    if x == 1:
        return Fraction(0)
    guess = ln(x) / ln(base)
    if not abs(guess) < MAX_EXACT_BITS:
        return None
    candidate = Fraction(guess).limit_denominator(12)
    try:
        return candidate if exact_power(base, candidate) == x else None
    except MathError:
        return None


# ------------------------------------------------------------------ float arithmetic
def ln(v: Value) -> float:
    """Natural log of a positive value, exact-input-aware: works beyond the float range."""
    try:
        as_float = float(v)
    except OverflowError:
        as_float = math.inf
    if isinstance(v, Fraction) and not (0.0 < as_float < math.inf):
        return math.log(v.numerator) - math.log(v.denominator)  # math.log takes huge ints
    return math.log(as_float)


def real_power_float(b: Value, e: Value) -> float:
    """``b^e`` over the reals, as a float.

    A negative base needs an integer exponent or an exact exponent p/q with q odd (a real
    odd root: (-8)^(1/3) = -2, (-8)^(2/3) = 4). ``0`` to a negative power is
    ``DivisionByZero``; a result beyond the float range is ``Overflow``.
    """
    if b == 0:
        return float(_zero_power(Fraction(e)))
    if b > 0:
        return _positive_power(b, e)
    if isinstance(e, Fraction) and e.denominator % 2 == 1:
        magnitude = _positive_power(-b, e)
        return -magnitude if e.numerator % 2 else magnitude
    if isinstance(e, float) and e.is_integer():
        return _positive_power(-b, e) * (-1.0 if e % 2 else 1.0)
    raise DomainError(
        f"a negative number to the power {format_value(e)} is not real (got {format_value(b)})")


def float_cbrt(x: float) -> float:
    """The real cube root of a float (math.cbrt from Python 3.11)."""
    if _CBRT is not None:
        return _CBRT(x)
    return math.copysign(abs(x) ** (1 / 3), x)


_CBRT: Optional[Callable[[float], float]] = getattr(math, "cbrt", None)


def _positive_power(b: Value, e: Value) -> float:
    """b^e for b > 0 in floats; via exp(e·ln b) when b itself is beyond the float range."""
    try:
        exponent = float(e)
    except OverflowError:
        raise Overflow() from None
    try:
        return math.pow(float(b), exponent)
    except OverflowError:
        pass
    try:
        return math.exp(exponent * ln(b))
    except OverflowError:
        raise Overflow() from None


# ------------------------------------------------------------------ formatting
def format_value(v: Value, decimal: bool = False) -> str:
    """A value as calc prints it: ``17``, ``1/2``, ``-3/4``; with ``decimal``, ``0.3``.

    A float prints as its shortest round-trip repr (``2.0``, ``0.1``, ``1e+100``). With
    ``decimal`` (the input had a decimal literal) a Fraction prints as a decimal, exactly
    when it terminates in at most ``MAX_DECIMAL_DIGITS`` digits, else like a float; an
    integral one keeps a ``.0`` (``0.5*2`` → ``1.0``). Infinities and NaN are errors.
    """
    if isinstance(v, float):
        return _format_float(v)
    if not isinstance(v, Fraction):
        raise TypeError(f"not a calc value: {v!r}")
    if decimal:
        return _format_decimal(v)
    if v.denominator == 1:
        return _int_str(v.numerator)
    return f"{_int_str(v.numerator)}/{_int_str(v.denominator)}"


def _format_float(v: float) -> str:
    if math.isnan(v):
        raise DomainError("the result is not a number")
    if math.isinf(v):
        raise Overflow()
    return repr(v + 0.0)  # + 0.0 turns -0.0 into 0.0


def _format_decimal(q: Fraction) -> str:
    """A terminating decimal exactly (0.1 + 0.2 → 0.3); otherwise the shortest float repr."""
    sign = "-" if q < 0 else ""
    q = abs(q)
    exact = _terminating_digits(q)
    if exact is not None:
        return sign + _decimal_string(*exact)
    try:
        return sign + repr(float(q))
    except OverflowError:  # beyond the float range: 17 significant digits, by Decimal
        rounded = Context(prec=17).divide(Decimal(q.numerator), Decimal(q.denominator))
        _, digits, exponent = rounded.as_tuple()
        return sign + _decimal_string("".join(map(str, digits)), -int(exponent))


def _terminating_digits(q: Fraction) -> Optional[tuple[str, int]]:
    """(digits, k) with q = digits · 10^-k when q ≥ 0 terminates within the digit budget."""
    den = q.denominator
    twos = (den & -den).bit_length() - 1
    fives = 0
    rest = den >> twos
    while rest % 5 == 0:
        rest //= 5
        fives += 1
    if rest != 1:
        return None
    k = max(twos, fives)
    scaled = q.numerator * (10 ** k // den)
    if scaled.bit_length() > MAX_DECIMAL_DIGITS * 3.33:  # ≈ digit count × log2(10)
        stripped = _strip_zeros(scaled, k)
        if len(_int_str(stripped[0])) > MAX_DECIMAL_DIGITS:
            return None
        scaled, k = stripped
    return _int_str(scaled), k


def _strip_zeros(n: int, k: int) -> tuple[int, int]:
    while n and n % 10 == 0:
        n //= 10
        k -= 1
    return n, k


def _decimal_string(digits: str, k: int) -> str:
    """int(digits)·10^-k written like Python's float repr: positional for 1e-4 ≤ |x| < 1e16."""
    stripped = digits.rstrip("0") or "0"
    k -= len(digits) - len(stripped)
    digits = stripped
    if digits == "0":
        return "0.0"
    exponent = len(digits) - 1 - k  # scientific exponent of the leading digit
    if -4 <= exponent < 16:
        if k <= 0:
            return digits + "0" * -k + ".0"
        padded = digits.rjust(k + 1, "0")
        return f"{padded[:-k]}.{padded[-k:]}"
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return f"{mantissa}e{exponent:+03d}"


def _int_str(n: int) -> str:
    """str(n) for any size (Python refuses str() beyond 4,300 digits); split by powers of 10."""
    if n.bit_length() < 12_000:
        return str(n)
    if n < 0:
        return "-" + _int_str(-n)
    half = int(n.bit_length() * 0.30103) // 2  # about half the number of digits
    high, low = divmod(n, 10 ** half)
    return _int_str(high) + _int_str(low).rjust(half, "0")


def json_value(v: Value) -> Union[int, float]:
    """For ``--json``: an exact integer as an int, anything else as a float."""
    if isinstance(v, Fraction) and v.denominator == 1:
        return v.numerator
    result = to_float(v)
    if not math.isfinite(result):
        raise Overflow() if math.isinf(result) else DomainError("the result is not a number")
    return result


def exact_string(v: Value) -> Optional[str]:
    """``"1/3"`` for a non-integer Fraction (the exact form beside a float), else None."""
    if isinstance(v, Fraction) and v.denominator != 1:
        return format_value(v)
    return None


# ------------------------------------------------------------------ parsing option values
class ParsedNumber(NamedTuple):
    value: Fraction
    decimal: bool


_NUMBER = r"(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_NUMBER_TEXT = re.compile(rf"([-+]?)({_NUMBER})(?:/([-+]?)({_NUMBER}))?")


def parse_number(text: str) -> ParsedNumber:
    """An option value such as ``0.5``, ``-3``, ``1/3`` or ``1e-3`` as an exact Fraction.

    ``decimal`` tells whether it was written with a decimal point or exponent. Raises
    ``UsageError`` for anything else (``abc``, empty text, ``inf``, ``nan``, ``1/0``).
    """
    cleaned = text.strip().replace("−", "-").replace(" ", "")
    match = _NUMBER_TEXT.fullmatch(cleaned)
    if match is None:
        raise UsageError(f"not a number: {text!r} (write e.g. 3, -0.5, 1/3 or 1e-3)")
    sign, numerator, den_sign, denominator = match.groups()
    value = _literal(numerator, text)
    if denominator is not None:
        divisor = _literal(denominator, text)
        if divisor == 0:
            raise UsageError(f"not a number: {text!r} divides by zero")
        value /= divisor
    if (sign == "-") != (den_sign == "-"):
        value = -value
    decimal = any(mark in (numerator + (denominator or "")).lower() for mark in ".e")
    return ParsedNumber(value, decimal)


def _literal(text: str, whole: str) -> Fraction:
    _, _, exponent = text.lower().partition("e")
    if exponent and abs(int(exponent)) > MAX_DECIMAL_EXPONENT:
        raise UsageError(
            f"number {whole!r} is out of range (exponent beyond ±{MAX_DECIMAL_EXPONENT})")
    return Fraction(text)
