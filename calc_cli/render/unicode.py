"""The textbook printer for terminals: ``3x² + 2x + 1``, ``6x(x² + 1)²``, ``x·cos(x)``.

Integer exponents are raised (``x²``, ``x⁻¹``), other exponents follow a caret
(``2^x``, ``e^(x²)``); ``√x``, ``|x|``, ``π``, Greek names as letters and
``−`` (U+2212) for minus. Factors are juxtaposed only where that cannot be
misread (``2x``, ``2sin(x)``, ``x(x + 1)``); elsewhere they are joined by ``·``
(``x·y``, ``2·3``, ``sin(x)·cos(x)``). Brackets come from the shared table in
``precedence``, exactly as for ``plain``.
"""

from __future__ import annotations

import re

from ..expr import Const, Expr, Func, Mul, Num, Pow, Var
from .plain import PlainPrinter
from .precedence import Level, Piece, Role, cat, head_of, parenthesize, piece

GREEK = dict(zip(
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi "
    "omicron rho sigma tau upsilon phi chi psi omega".split(),
    "αβγδεζηθικλμνξορστυφχψω",
))
SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
ROOTS = {"sqrt": "√", "cbrt": "∛"}
CONSTANTS = {"pi": "π", "e": "e"}
DOT = "·"

_NAME = re.compile(r"([^\W\d_]+)(?:_?([^\W_]\w*))?")


def split_name(name: str) -> tuple[str, str]:
    """A variable name as stem and subscript: x1 → (x, 1), w_2 → (w, 2), theta → (theta, "")."""
    match = _NAME.fullmatch(name)
    return (match.group(1), match.group(2) or "") if match else (name, "")


def superscript(e: Expr) -> str | None:
    """An integer exponent raised, ``⁻¹``; None for any other exponent."""
    if isinstance(e, Num) and not e.decimal and e.is_integer:
        return str(e.value.numerator).translate(SUPERSCRIPTS)
    return None


class UnicodePrinter(PlainPrinter):
    """Textbook notation with Unicode symbols; brackets as in every printer."""

    minus = "\u2212"

    def scientific(self, mantissa: str, exponent: int) -> tuple[str, Level]:
        """1.5×10⁻⁷"""
        return f"{mantissa}×10{str(exponent).translate(SUPERSCRIPTS)}", Level.PRODUCT

    def variable(self, node: Var, parts: list[Piece]) -> Piece:
        """theta → θ, x1 → x₁, w_ab → w_ab"""
        stem, sub = split_name(node.name)
        letter = GREEK.get(stem, stem)
        if sub.isdigit():
            return piece(letter + sub.translate(SUBSCRIPTS), Level.ATOM)
        return piece(letter + node.name[len(stem):], Level.ATOM)

    def constant(self, node: Const, parts: list[Piece]) -> Piece:
        return piece(CONSTANTS[node.name], Level.ATOM)

    def product(self, node: Mul, parts: list[Piece]) -> Piece:
        """2x, x·y, 2(x + 1), sin(x)·cos(x)"""
        first, signed = self.lead(parts[0])
        out = [first]
        for i in range(1, len(parts)):
            text = self.place(parts[i], Role.FACTOR)
            role = Role.FIRST_FACTOR if i == 1 else Role.FACTOR
            out += [_joiner(node.terms[i - 1], parts[i - 1], role, node.terms[i], head_of(text)),
                    text]
        return piece(cat(*out), Level.PRODUCT, signed)

    def power(self, node: Pow, parts: list[Piece]) -> Piece:
        """x², x⁻¹, 2^x, e^(x²)"""
        base, exponent = parts
        raised = superscript(node.exp)
        if raised is not None:
            return piece(cat(self.place(base, Role.BASE), raised), Level.POWER)
        return piece(cat(self.place(base, Role.BASE), "^",
                         self.place(exponent, Role.CARET_EXPONENT)), Level.POWER)

    def call(self, node: Func, parts: list[Piece]) -> Piece:
        """√x, ∛x, |x|, sin(x)"""
        if node.name in ROOTS:
            return piece(cat(ROOTS[node.name], self.place(parts[0], Role.RADICAND)), Level.POWER)
        if node.name == "abs":
            return piece(cat("|", self.place(parts[0], Role.ENCLOSED), "|"), Level.ATOM)
        if node.name == "sigmoid":
            return piece(cat("σ(", self.place(parts[0], Role.ENCLOSED), ")"), Level.ATOM)
        return super().call(node, parts)


def _joiner(left: Expr, left_part: Piece, role: Role, right: Expr, head: str) -> str:
    """Nothing where juxtaposition reads unambiguously, else a dot.

    A number before a letter or a root (2x, 2√x, but 2·e, which looks like
    an exponent), and a number, name, raised power or bracket before a
    bracket (2(x + 1), x(x + 1), (x + 1)(x − 1), but sin(x)·(x + 1)). A
    number after anything keeps its dot (2·3, x·2), and so do bars, which
    nest ambiguously (2·|x|). ``head`` is how the right factor's text starts.
    """
    wrapped = parenthesize(left_part.level, role)
    coefficient = (isinstance(left, Num) and not wrapped
                   and str(left_part.body).replace(".", "", 1).isdigit())
    if head[0].isdigit() or head[0] == "|":
        return DOT
    if head[0] == "(":
        closed = wrapped or coefficient or isinstance(left, (Var, Const)) or (
            isinstance(left, Pow) and superscript(left.exp) is not None)
        return "" if closed else DOT
    return "" if coefficient and not _starts_with_e(right) else DOT


def _starts_with_e(e: Expr) -> bool:
    """Whether a factor is written starting with the constant e (e, e², e^x)."""
    while isinstance(e, Pow):
        e = e.base
    return e is Const("e")


_PRETTY = UnicodePrinter()


def pretty(e: Expr) -> str:
    """Textbook notation for a terminal: ``3x² + 2x + 1``."""
    return _PRETTY(e)
