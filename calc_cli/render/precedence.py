"""One precedence table and one bracket decision, shared by every printer.

A printer turns each node into a ``Piece``: its text, split into an optional
leading minus sign and the rest (``body``), and the ``Level`` of the notation
it used. Whether a child goes in brackets depends only on the child's level
and the ``Role`` it plays in its parent (``parenthesize``). Printers choose
notation (``*`` or ``·``, ``x^2`` or ``x²``, ``a/b`` or ``\\frac{a}{b}``) and
say how tightly that notation binds; they never decide brackets themselves.

``Printer`` walks the expression DAG children-first with ``Expr.walk`` (no
recursion, so 20,000-deep nests print) and formats each distinct node once
(shared subtrees cost once).

A node's text is a string while it is short (``SHORT`` characters) and a
``Rope`` beyond that: its parts, strings and the children's ropes, by
reference. Copying every subtree's full text into its parent, as strings do,
costs the sum of all subtrees' lengths, O(n³) for the O(n²) derivative of a
power tower x^x^…^x; a rope costs O(parts) per node, and the one string
printed is built once at the end (``flatten``), iteratively, in memory
proportional to its length. Short texts stay strings, so ordinary printing
is as fast as plain string formatting.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from enum import IntEnum

from ..expr import Add, Const, Div, Expr, Func, Mul, Neg, Num, Pow, Var


class Level(IntEnum):
    """How tightly a notation binds, loosest first, as the grammar reads it."""

    SUM = 1  # a + b, a - b
    PRODUCT = 2  # a*b, a/b, 2x: left-associative, one level
    NEG = 3  # -a: tighter than *, looser than ^ (-x^2 is -(x^2))
    POWER = 4  # a^b, x², √x, \frac{a}{b}: right-associative
    ATOM = 5  # 2, x, pi, sin(x), |x|, (…)


class Role:
    """The place a child takes in its parent's notation, and the loosest ``Level`` it accepts
    without brackets (``required``).

    A plain class, not an Enum: ``parenthesize`` runs for every child printed, and an Enum
    member is hashed and looked up in Python code each time.
    """

    __slots__ = ("name", "required")

    def __init__(self, name: str, required: Level) -> None:
        self.name = name
        self.required = required

    def __repr__(self) -> str:
        return f"Role.{self.name.upper().replace(' ', '_')}"

    TERM: Role  # the members, set just below
    FIRST_FACTOR: Role
    FACTOR: Role
    OPERAND: Role
    BASE: Role
    EXPONENT: Role
    CARET_EXPONENT: Role
    RADICAND: Role
    ENCLOSED: Role


# name, the loosest level accepted, and why
Role.TERM = Role("term", Level.PRODUCT)  # a term of a sum: a + b*c, but a + (b + c)
Role.FIRST_FACTOR = Role("first factor", Level.PRODUCT)  # the left of a/b: a/b*c, -a*b, (a + b)*c
Role.FACTOR = Role("factor", Level.POWER)  # a later factor: a*b^2, but a/(b*c), a*(b/c), a*(-b)
Role.OPERAND = Role("operand", Level.POWER)  # of unary minus: -x^2, but -(x*y), -(-x)
Role.BASE = Role("base", Level.ATOM)  # of a power: (x^y)^z, (-2)^2, (1/2)^x
Role.EXPONENT = Role("exponent", Level.POWER)  # on the line after ^: x^y^z is x^(y^z); x^(-1)
Role.CARET_EXPONENT = Role("caret exponent", Level.ATOM)  # where small ones are raised: e^(x²)
Role.RADICAND = Role("radicand", Level.ATOM)  # after a root sign: √x, √(x²), √(x + 1)
Role.ENCLOSED = Role("enclosed", Level.SUM)  # inside f(…), |…|, {…}: sin(a + b), never bracketed


def parenthesize(child: Level, role: Role) -> bool:
    """A child is bracketed when its notation binds more loosely than its role requires."""
    return child < role.required


# A text longer than this is kept as a Rope of its parts rather than copied into one string.
SHORT = 512
# A rope of at most this many parts is spliced into the rope that contains it, and strings
# next to each other in a rope are merged up to this length (see ``rope``).
SPLICE = 4
MERGE = 64
# How many leading characters a rope remembers: enough for the longest prefix a printer
# looks at to choose a separator (LaTeX's \left().
HEAD = 8


class Rope:
    """Text kept as its parts (strings and other ropes), copied into one string only by ``flatten``.

    Ropes share their parts, so a subtree printed many times is stored once.
    ``head`` is the text's first ``HEAD`` characters, for printers that choose a
    separator by how the next factor starts.
    """

    __slots__ = ("head", "length", "parts")

    def __init__(self, parts: tuple[Text, ...]):
        self.parts = parts
        self.length = sum(map(len, parts))
        head = ""
        for part in parts:
            head += head_of(part)
            if len(head) >= HEAD:
                break
        self.head = head[:HEAD]

    def __len__(self) -> int:
        return self.length

    def __str__(self) -> str:
        return flatten(self)


Text = str | Rope


def cat(*parts: Text) -> Text:
    """The parts as one text: a string while short (cheap to copy), else a rope of them.

    A rope is never short, so parts that fit in ``SHORT`` characters are all strings.
    """
    try:
        text = "".join(parts)  # type: ignore[arg-type]  # a rope among them raises at once
    except TypeError:
        return rope(parts)
    return text if len(text) <= SHORT else rope(parts)


def joined(separator: str, texts: list[Text]) -> Text:
    """``separator.join(texts)`` for texts that may be ropes; a rope when long, as ``cat``."""
    try:
        text = separator.join(texts)  # type: ignore[arg-type]
        if len(text) <= SHORT:
            return text
    except TypeError:
        pass
    parts: list[Text] = [texts[0]]
    for later in texts[1:]:
        parts += [separator, later]
    return rope(parts)


def rope(parts: Sequence[Text]) -> Rope:
    """A rope of the parts, with a small rope among them spliced in and short strings merged.

    A deep nest adds a few characters per level (``x^(`` … ``)``): a rope per
    level would make flattening cost a step per character or two. Splicing a
    rope of at most ``SPLICE`` parts copies only references, and merged strings
    stop growing at ``MERGE`` characters, so building a rope costs
    O(MERGE + parts) and a nest flattens in steps of up to ``MERGE`` characters.
    """
    out: list[Text] = []
    for part in parts:
        spliced = part.parts if isinstance(part, Rope) and len(part.parts) <= SPLICE else (part,)
        for item in spliced:
            if (isinstance(item, str) and out and isinstance(out[-1], str)
                    and len(out[-1]) + len(item) <= MERGE):
                out[-1] += item
            elif item:
                out.append(item)
    return Rope(tuple(out))


def head_of(text: Text) -> str:
    """The first ``HEAD`` characters (all of a shorter text)."""
    return text[:HEAD] if isinstance(text, str) else text.head


def flatten(text: Text) -> str:
    """The whole text as one string, by an iterative walk (ropes nest 20,000 deep)."""
    if isinstance(text, str):
        return text
    out: list[str] = []
    stack: list[Text] = [text]
    pop, push, emit = stack.pop, stack.extend, out.append  # the loop runs once per part
    while stack:
        part = pop()
        if type(part) is str:
            emit(part)
        else:
            push(reversed(part.parts))  # type: ignore[union-attr]
    return "".join(out)


class Piece:
    """A printed node: ``body``, after a minus sign when ``signed``, binding at ``level``.

    (A plain class: a dataclass would cost every command start-up time to build.)
    """

    __slots__ = ("body", "level", "signed")

    def __init__(self, body: Text, level: Level, signed: bool = False) -> None:
        self.body = body
        self.level = level
        self.signed = signed

    def __repr__(self) -> str:
        return f"Piece({self.body!r}, {self.level!r}, {self.signed!r})"


def piece(body: Text, level: Level, signed: bool = False) -> Piece:
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
    opening, closing = "(", ")"

    def __call__(self, e: Expr) -> str:
        methods = self._methods()
        done: dict[Expr, Piece] = {}
        for node in e.walk():
            done[node] = methods[type(node)](node, [done[child] for child in node.args])
        return flatten(self.text(done[e]))

    def _methods(self) -> dict[type, Callable[[Any, list[Piece]], Piece]]:
        """The bound method for each node class, looked up once per printer."""
        methods = self.__dict__.get("_bound")
        if methods is None:
            methods = self._bound = {kind: getattr(self, name) for kind, name in _METHODS.items()}
        return methods

    def wrap(self, text: Text) -> Text:
        return cat(self.opening, text, self.closing)

    def text(self, p: Piece) -> Text:
        return cat(self.minus, p.body) if p.signed else p.body

    def place(self, p: Piece, role: Role) -> Text:
        """The child's text in ``role``, bracketed as the table says."""
        text = self.text(p)
        return self.wrap(text) if parenthesize(p.level, role) else text

    def lead(self, p: Piece, role: Role = Role.FIRST_FACTOR) -> tuple[Text, bool]:
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
            out += [f" {self.minus} " if p.signed else " + ",
                    self.place(Piece(p.body, p.level), Role.TERM)]
        return piece(cat(*out), Level.SUM)

    def negation(self, node: Neg, parts: list[Piece]) -> Piece:
        """-a"""
        return piece(self.place(parts[0], Role.OPERAND), Level.NEG, signed=True)
