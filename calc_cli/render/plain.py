"""The plain printer: one line of ASCII that calc reads back as the same tree.

``parse(plain(e)) is e`` for every tree built with the builders of
``calc_cli.expr``, except:

- a decimal whose value is not a terminating decimal fraction (``0.1/3``
  folded into one number) prints as the shortest float that rounds to it,
  ``0.03333333333333333``, which reads back as a nearby terminating decimal;
- a fraction that is not a decimal, ``Num(1/2)``, prints as ``1/2`` and reads
  back as ``Div(1, 2)``, the same value;
- multi-letter variable names and user functions (``f'(x)``) read back only
  when declared (``--vars``, ``--funcs``).

Products use an explicit ``*`` everywhere, so nothing relies on juxtaposition.
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Optional

from ..expr import Const, Div, Expr, Func, Mul, Num, Pow, Var
from .precedence import Level, Piece, Printer, Role, cat, joined, piece

POSITIONAL = range(-4, 16)  # powers of ten written out in full, as Python's float repr does
FLOAT_DIGITS = 17  # significant digits when a value is beyond the range of a float


def decimal_parts(value: Fraction) -> tuple[str, Optional[int]]:
    """A non-negative decimal as (mantissa, power of ten or None).

    0.25 → ('0.25', None), 2 → ('2.0', None), 1.5e-7 → ('1.5', -7), 1e20 → ('1', 20).
    """
    digits, exponent = _significant_digits(value)
    scientific = len(digits) - 1 + exponent
    if scientific in POSITIONAL:
        return _positional(digits, exponent), None
    return digits[0] + ("." + digits[1:] if len(digits) > 1 else ""), scientific


def _significant_digits(value: Fraction) -> tuple[str, int]:
    """value = digits·10^exponent, without trailing zeros; exact when the decimal terminates."""
    if value == 0:
        return "0", 0
    shift = _terminating_shift(value.denominator)
    if shift is not None:
        return _strip_zeros(value.numerator * 10**shift // value.denominator, -shift)
    _, digits, exponent = _nearest_float(value).as_tuple()
    return _strip_zeros(int("".join(map(str, digits))), int(exponent))


def _terminating_shift(denominator: int) -> Optional[int]:
    """The k with denominator | 10^k when it has no prime factors but 2 and 5, else None."""
    twos = fives = 0
    while denominator % 2 == 0:
        denominator //= 2
        twos += 1
    while denominator % 5 == 0:
        denominator //= 5
        fives += 1
    return max(twos, fives) if denominator == 1 else None


def _nearest_float(value: Fraction) -> Decimal:
    """The shortest repr of the nearest float; 17 digits where a float over- or underflows."""
    try:
        nearest = float(value)
    except OverflowError:
        nearest = 0.0
    if nearest != 0.0:
        return Decimal(repr(nearest))
    with localcontext() as context:
        context.prec = FLOAT_DIGITS
        return Decimal(value.numerator) / Decimal(value.denominator)


def _strip_zeros(mantissa: int, exponent: int) -> tuple[str, int]:
    while mantissa % 10 == 0:
        mantissa //= 10
        exponent += 1
    return str(mantissa), exponent


def _positional(digits: str, exponent: int) -> str:
    """digits·10^exponent written out: ('25', -2) → 0.25, ('2', 0) → 2.0."""
    if exponent >= 0:
        return digits + "0" * exponent + ".0"
    point = len(digits) + exponent
    if point > 0:
        return digits[:point] + "." + digits[point:]
    return "0." + "0" * -point + digits


class PlainPrinter(Printer):
    """ASCII, explicit ``*`` and ``^``, spaces around binary ``+`` and ``-`` only."""

    def number(self, node: Num, parts: list[Piece]) -> Piece:
        """Integers as integers, other fractions as a/b, decimals exactly (1.5e-7 when tiny)."""
        numerator, denominator = abs(node.numerator), node.denominator  # ints: no Fraction calls
        if node.decimal:
            mantissa, exponent = decimal_parts(abs(node.value))
            body, level = (mantissa, Level.ATOM) if exponent is None else self.scientific(
                mantissa, exponent)
        elif denominator == 1:
            body, level = str(numerator), Level.ATOM
        else:
            body, level = self.fraction(numerator, denominator)
        return piece(body, level, signed=node.numerator < 0)

    def scientific(self, mantissa: str, exponent: int) -> tuple[str, Level]:
        return f"{mantissa}e{exponent}", Level.ATOM

    def fraction(self, numerator: int, denominator: int) -> tuple[str, Level]:
        return f"{numerator}/{denominator}", Level.PRODUCT

    def variable(self, node: Var, parts: list[Piece]) -> Piece:
        return piece(node.name, Level.ATOM)

    def constant(self, node: Const, parts: list[Piece]) -> Piece:
        return piece(node.name, Level.ATOM)

    def product(self, node: Mul, parts: list[Piece]) -> Piece:
        """a*b*c"""
        return self._chain("*", parts)

    def quotient(self, node: Div, parts: list[Piece]) -> Piece:
        """a/b"""
        return self._chain("/", parts)

    def _chain(self, operator: str, parts: list[Piece]) -> Piece:
        first, signed = self.lead(parts[0])
        rest = [self.place(p, Role.FACTOR) for p in parts[1:]]
        return piece(joined(operator, [first, *rest]), Level.PRODUCT, signed)

    def power(self, node: Pow, parts: list[Piece]) -> Piece:
        """a^b"""
        base, exponent = parts
        return piece(cat(self.place(base, Role.BASE), "^", self.place(exponent, Role.EXPONENT)),
                     Level.POWER)

    def call(self, node: Func, parts: list[Piece]) -> Piece:
        """f(a, b)"""
        args = joined(", ", [self.place(p, Role.ENCLOSED) for p in parts])
        return piece(cat(node.name, "(", args, ")"), Level.ATOM)


_PLAIN = PlainPrinter()


def plain(e: Expr) -> str:
    """One line of ASCII that ``parse`` reads back as ``e``: ``3*x^2 + 2*x + 1``."""
    return _PLAIN(e)
