"""One precedence table and one bracket decision, shared by every printer.

A printer turns each node into a ``Piece``: its text, split into an optional
leading minus sign and the rest (``body``), and the ``Level`` of the notation
it used. Whether a child goes in brackets depends only on the child's level
and the ``Role`` it plays in its parent (``parenthesize``). Printers choose
notation (``*`` or ``·``, ``x^2`` or ``x²``, ``a/b`` or ``\\frac{a}{b}``) and
say how tightly that notation binds; they never decide brackets themselves.

``Printer`` walks the expression DAG children-first with ``Expr.walk`` (no
recursion, so 3,000-deep nests print) and formats each distinct node once
(shared subtrees cost once).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, IntEnum

from ..expr import Add, Const, Div, Expr, Func, Mul, Neg, Num, Pow, Var


class Level(IntEnum):
    """How tightly a notation binds, loosest first, as the grammar reads it."""

    SUM = 1  # a + b, a - b
    PRODUCT = 2  # a*b, a/b, 2x: left-associative, one level
    NEG = 3  # -a: tighter than *, looser than ^ (-x^2 is -(x^2))
    POWER = 4  # a^b, x², √x, \frac{a}{b}: right-associative
    ATOM = 5  # 2, x, pi, sin(x), |x|, (…)


class Role(Enum):
    """The place a child takes in its parent's notation."""

    TERM = "term"  # a term of a sum; a later one stands after ' + ' or ' - '
    FIRST_FACTOR = "first factor"  # the first factor of a product, the left of a/b
    FACTOR = "factor"  # a later factor, the right of a/b
    OPERAND = "operand"  # the operand of unary minus
    BASE = "base"  # the base of a power
    EXPONENT = "exponent"  # an exponent written on the line after ^
    CARET_EXPONENT = "caret exponent"  # the same where small exponents are raised (x²)
    RADICAND = "radicand"  # after a root sign: √x
    ENCLOSED = "enclosed"  # inside delimiters the notation supplies: f(…), |…|, {…}


# The loosest level each role accepts without brackets.
REQUIRED: dict[Role, Level] = {
    Role.TERM: Level.PRODUCT,  # a + b*c, but a + (b + c)
    Role.FIRST_FACTOR: Level.PRODUCT,  # a/b*c and -a*b, but (a + b)*c
    Role.FACTOR: Level.POWER,  # a*b^2, but a/(b*c), a*(b/c), a*(-b)
    Role.OPERAND: Level.POWER,  # -x^2, but -(x*y), -(-x)
    Role.BASE: Level.ATOM,  # (x^y)^z, (-2)^2, (1/2)^x
    Role.EXPONENT: Level.POWER,  # x^y^z is x^(y^z); x^(-1)
    Role.CARET_EXPONENT: Level.ATOM,  # e^(x²) never reads as (e^x)²
    Role.RADICAND: Level.ATOM,  # √x, √(x²), √(x + 1)
    Role.ENCLOSED: Level.SUM,  # sin(a + b): never bracketed
}


def parenthesize(child: Level, role: Role) -> bool:
    """A child is bracketed when its notation binds more loosely than its role requires."""
    return child < REQUIRED[role]


@dataclass(frozen=True, slots=True)
class Piece:
    """A printed node: ``body``, after a minus sign when ``signed``, binding at ``level``."""

    body: str
    level: Level
    signed: bool = False


def piece(body: str, level: Level, signed: bool = False) -> Piece:
    """Text that starts with a minus sign binds no tighter than unary minus."""
    return Piece(body, min(level, Level.NEG) if signed else level, signed)


_METHODS = {
    Num: "number", Var: "variable", Const: "constant", Add: "sum", Mul: "product",
    Div: "quotient", Pow: "power", Neg: "negation", Func: "call",
}


class Printer:
    """Formats a DAG children-first, each distinct node once; subclasses supply notation.

    Subclasses define ``number``, ``variable``, ``constant``, ``product``,
    ``quotient``, ``power`` and ``call``, each ``(node, parts) -> Piece`` where
    ``parts`` are the children's pieces.
    """

    minus = "-"

    def __call__(self, e: Expr) -> str:
        done: dict[Expr, Piece] = {}
        for node in e.walk():
            method = getattr(self, _METHODS[type(node)])
            done[node] = method(node, [done[child] for child in node.args])
        return self.text(done[e])

    def wrap(self, text: str) -> str:
        return f"({text})"

    def text(self, p: Piece) -> str:
        return self.minus + p.body if p.signed else p.body

    def place(self, p: Piece, role: Role) -> str:
        """The child's text in ``role``, bracketed as the table says."""
        text = self.text(p)
        return self.wrap(text) if parenthesize(p.level, role) else text

    def lead(self, p: Piece, role: Role = Role.FIRST_FACTOR) -> tuple[str, bool]:
        """A leading operand's text, its minus sign moved out to the front of the whole.

        ``-a*b`` is signed with body ``a*b``, so a sum prints ``c - a*b`` for
        ``c + (-a)*b`` exactly as ``expr.strip_sign`` says; doing it on pieces
        keeps it iterative and memoised.
        """
        if p.signed and not parenthesize(p.level, role):
            return p.body, True
        return self.place(p, role), False

    def sum(self, node: Add, parts: list[Piece]) -> Piece:
        """a + b - c: a later signed term is written as the subtraction of its body."""
        out = [self.place(parts[0], Role.TERM)]
        for p in parts[1:]:
            operator = self.minus if p.signed else "+"
            out.append(f" {operator} {self.place(Piece(p.body, p.level), Role.TERM)}")
        return piece("".join(out), Level.SUM)

    def negation(self, node: Neg, parts: list[Piece]) -> Piece:
        """-a"""
        return piece(self.place(parts[0], Role.OPERAND), Level.NEG, signed=True)
