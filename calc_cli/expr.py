"""Immutable, interned expression nodes.

Every node is built through its class constructor, which interns it: two nodes
with the same class and the same children are the same object. Equality is
therefore identity, hashing is free, and a shared subtree is stored once.

The tree keeps the shape the user typed (``Div`` for ``/``, ``Neg`` for a
leading minus) so that ``calc parse`` can show how the input was read and the
differentiator can use the quotient rule where the input divides. The builder
functions at the bottom (``add``, ``mul``, ``neg`` ...) are the only way the
parser and the rest of the code make nodes; they apply the few normalisations
that keep ``parse(plain(e)) == e`` true (flattening, folding a sign into a
number or a leading factor).
"""

from __future__ import annotations

import sys
from fractions import Fraction
from itertools import count
from operator import attrgetter
from typing import Callable, ClassVar, Union

Rational = Union[int, Fraction]

# Known functions and how many arguments each takes.
FUNCTIONS: dict[str, tuple[int, ...]] = {
    "sin": (1,), "cos": (1,), "tan": (1,), "sec": (1,), "csc": (1,), "cot": (1,),
    "asin": (1,), "acos": (1,), "atan": (1,),
    "sinh": (1,), "cosh": (1,), "tanh": (1,),
    "exp": (1,), "ln": (1,), "log": (1, 2), "log10": (1,), "log2": (1,),
    "sqrt": (1,), "cbrt": (1,), "abs": (1,),
    # activation functions of neural networks (σ is sigmoid); heaviside is relu's derivative
    "sigmoid": (1,), "relu": (1,), "softplus": (1,), "heaviside": (1,),
}

CONSTANTS = ("pi", "e")


class Expr:
    """Base of all nodes. Subclasses define ``_set`` (their fields) and set ``args``."""

    # ``args`` is stored, not computed: walks over large DAGs read it for every node.
    __slots__ = ("__weakref__", "_serial", "args")
    _table: ClassVar[dict]  # every concrete class has its own: see _intern
    args: tuple["Expr", ...]

    def rebuild(self, args: tuple["Expr", ...]) -> "Expr":
        """The node of the same kind with new children."""
        return self

    def walk(self) -> list["Expr"]:
        """Every distinct node of the DAG, each once, children before parents (a list).

        Iterative depth-first, first child first; ``None`` on the stack marks that the node
        under it has all its children listed.
        """
        out: list[Expr] = []
        seen: set[Expr] = set()
        stack: list[Expr | None] = [self]
        pop, push, see, emit = stack.pop, stack.append, seen.add, out.append
        while stack:
            node = pop()
            if node is None:
                emit(pop())  # type: ignore[arg-type]
                continue
            if node in seen:
                continue
            see(node)
            args = node.args
            if not args:
                emit(node)
                continue
            push(node)
            push(None)
            for child in reversed(args):
                if child not in seen:
                    push(child)
        return out

    def free_vars(self) -> frozenset[str]:
        """The names of the variables in this expression (memoised per node).

        The walk stops at nodes already known, so asking bottom-up costs linear time.
        """
        known = _FREE_VARS.get(self)
        return known if known is not None else fill(self, _FREE_VARS, _names_in)

    def __repr__(self) -> str:
        from .render.plain import plain

        return f"{type(self).__name__}<{plain(self)}>"

    def __reduce__(self):  # nodes are values: copying gives the same node
        raise TypeError("expression nodes are not picklable")


# ------------------------------------------------------------------ memory
# Every node stays in its class's table, and memos keyed by nodes (here and in simplify.py)
# keep theirs, so a long batch (a million lines of `calc diff -`) would keep every node it
# ever built. ``shell.run_each`` therefore calls ``forget`` between inputs once
# ``node_count()`` passes ``shell.MAX_LIVE_NODES``: every registered memo is emptied (they are
# pure caches), then every node that nothing else uses leaves its table. A node still used
# (by a constant, a parent, a variable) stays, so identity, which equality relies on, is kept.
_MEMOS: list[Callable[[], object]] = []
_SERIALS = count()  # creation order: a parent is always made after its children


def memo(table: dict) -> dict:
    """Register a module-level memo (a dict keyed by nodes) with ``forget``; returns it."""
    _MEMOS.append(table.clear)
    return table


def memo_clear(clear: Callable[[], object]) -> None:
    """Register another cache's clear function with ``forget`` (an lru_cache's cache_clear)."""
    _MEMOS.append(clear)


def node_count() -> int:
    """How many nodes the tables hold."""
    return len(_NUMBERS) + sum(len(cls._table) for cls in _INTERNED)


def forget() -> None:
    """Empty every registered memo, then drop from the tables the nodes nothing else uses."""
    for clear in _MEMOS:
        clear()
    refcount = getattr(sys, "getrefcount", None)
    if refcount is None:
        return  # not CPython: without reference counts, keep every node
    # A node that only its table holds: its count, taken in the loop below, is what garbage
    # counts on this interpreter (the loop's own references vary between Python versions).
    sentinel = Var("\0unused")  # no input can name it: the lexer has no \0
    nodes = [node for table in [_NUMBERS, *(cls._table for cls in _INTERNED)]
             for node in table.values()]
    del sentinel  # from here only its table holds it
    nodes.sort(key=creation_order, reverse=True)  # parents before children; the sentinel first
    garbage = None
    for i in range(len(nodes)):
        node = nodes[i]
        nodes[i] = None
        held = refcount(node)
        if garbage is None:
            garbage = held
        if held == garbage:  # nothing but its table: drop it, and with it one use of each child
            table = _NUMBERS if type(node) is Num else type(node)._table
            del table[node._key()]
    node = None


# A node's place in the order of creation, as a sort key: a node is always made after its
# children, so sorting by it lists children before parents (forget, and simplify's walk).
creation_order: Callable[[Expr], int] = attrgetter("_serial")


_FREE_VARS: dict[Expr, frozenset[str]] = memo({})


def _intern(cls, key, *fields):
    """The node of class cls with these fields, made and remembered on first use.

    Each class keeps its own table (``cls._table``), keyed by the fields themselves (the
    tuple of terms of a sum, the name of a variable), so a lookup builds no extra tuple.
    """
    node = cls._table.get(key)
    if node is None:
        node = object.__new__(cls)
        node._set(*fields)
        object.__setattr__(node, "_serial", next(_SERIALS))
        cls._table[key] = node
    return node


# Numbers are interned by (numerator, denominator, decimal): ints hash at C speed, where a
# Fraction key would run Fraction.__hash__ and __eq__ (Python code) at every lookup.
_NUMBERS: dict[tuple[int, int, bool], "Num"] = {}


class Num(Expr):
    """An exact rational number; ``decimal`` remembers it was typed as a decimal.

    ``numerator`` and ``denominator`` (ints, the denominator positive) repeat ``value`` for
    quick tests: ``n.denominator == 1`` costs no Fraction method call.
    """

    __slots__ = ("decimal", "denominator", "numerator", "value")
    value: Fraction
    decimal: bool
    numerator: int
    denominator: int

    def __new__(cls, value: Rational, decimal: bool = False) -> "Num":
        decimal = decimal is True or bool(decimal)
        if type(value) is int:
            key = (value, 1, decimal)
        elif isinstance(value, Fraction):
            key = (value.numerator, value.denominator, decimal)
        elif isinstance(value, int):  # an int subclass, such as bool
            key = (int(value), 1, decimal)
        else:
            raise TypeError(f"Num needs an int or Fraction, not {type(value).__name__}")
        node = _NUMBERS.get(key)
        if node is None:
            node = object.__new__(cls)
            node._set(value if type(value) is Fraction else Fraction(key[0], key[1]), decimal)
            object.__setattr__(node, "_serial", next(_SERIALS))
            _NUMBERS[key] = node
        return node

    def _key(self) -> tuple[int, int, bool]:
        return (self.numerator, self.denominator, self.decimal)

    def _set(self, value, decimal):
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "decimal", decimal)
        object.__setattr__(self, "numerator", value.numerator)
        object.__setattr__(self, "denominator", value.denominator)
        object.__setattr__(self, "args", ())

    @property
    def is_integer(self) -> bool:
        return self.denominator == 1


class Var(Expr):
    """A variable, by name."""

    __slots__ = ("name",)
    _table: ClassVar[dict] = {}
    name: str

    def __new__(cls, name: str) -> "Var":
        node = cls._table.get(name)
        return node if node is not None else _intern(cls, name, name)

    def _key(self) -> str:
        return self.name

    def _set(self, name):
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "args", ())


class Const(Expr):
    """A named constant: ``pi`` or ``e``."""

    __slots__ = ("name",)
    _table: ClassVar[dict] = {}
    name: str

    def __new__(cls, name: str) -> "Const":
        if name not in CONSTANTS:
            raise ValueError(f"unknown constant {name!r}")
        return _intern(cls, name, name)

    def _key(self) -> str:
        return self.name

    def _set(self, name):
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "args", ())


class _Nary(Expr):
    __slots__ = ("terms",)
    terms: tuple[Expr, ...]

    def __new__(cls, *terms: Expr):
        node = cls._table.get(terms)
        if node is not None:
            return node
        if len(terms) < 2:
            raise ValueError(f"{cls.__name__} needs at least two operands")
        return _intern(cls, terms, terms)

    def _key(self) -> tuple[Expr, ...]:
        return self.terms

    def _set(self, terms):
        object.__setattr__(self, "terms", terms)
        object.__setattr__(self, "args", terms)

    def rebuild(self, args):
        return type(self)(*args)


class Add(_Nary):
    """A sum of two or more terms (subtraction is a term wrapped in ``Neg``)."""

    __slots__ = ()
    _table: ClassVar[dict] = {}


class Mul(_Nary):
    """A product of two or more factors."""

    __slots__ = ()
    _table: ClassVar[dict] = {}


class _Binary(Expr):
    __slots__ = ("left", "right")
    left: Expr
    right: Expr

    def __new__(cls, left: Expr, right: Expr):
        node = cls._table.get((left, right))
        return node if node is not None else _intern(cls, (left, right), left, right)

    def _key(self) -> tuple[Expr, Expr]:
        return (self.left, self.right)

    def _set(self, left, right):
        object.__setattr__(self, "left", left)
        object.__setattr__(self, "right", right)
        object.__setattr__(self, "args", (left, right))

    def rebuild(self, args):
        return type(self)(*args)


class Div(_Binary):
    """``left / right`` as typed."""

    __slots__ = ()
    _table: ClassVar[dict] = {}


class Pow(_Binary):
    """``left ^ right``: base and exponent."""

    __slots__ = ()
    _table: ClassVar[dict] = {}

    @property
    def base(self) -> Expr:
        return self.left

    @property
    def exp(self) -> Expr:
        return self.right


class Neg(Expr):
    """``-arg``."""

    __slots__ = ("arg",)
    _table: ClassVar[dict] = {}
    arg: Expr

    def __new__(cls, arg: Expr) -> "Neg":
        node = cls._table.get(arg)
        return node if node is not None else _intern(cls, arg, arg)

    def _key(self) -> Expr:
        return self.arg

    def _set(self, arg):
        object.__setattr__(self, "arg", arg)
        object.__setattr__(self, "args", (arg,))

    def rebuild(self, args):
        return Neg(*args)


class Func(Expr):
    """A function applied to its arguments: ``sin(x)``, ``log(x, 2)``, ``f'(x)``."""

    __slots__ = ("name", "fargs")
    _table: ClassVar[dict] = {}
    name: str
    fargs: tuple[Expr, ...]

    def __new__(cls, name: str, *fargs: Expr) -> "Func":
        key = (name, fargs)
        node = cls._table.get(key)
        return node if node is not None else _intern(cls, key, name, fargs)

    def _key(self) -> tuple[str, tuple[Expr, ...]]:
        return (self.name, self.fargs)

    def _set(self, name, fargs):
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "fargs", fargs)
        object.__setattr__(self, "args", fargs)

    def rebuild(self, args):
        return Func(self.name, *args)

    @property
    def arg(self) -> Expr:
        return self.fargs[0]


def _frozen(self, name, value):
    raise AttributeError("expression nodes are immutable")


Expr.__setattr__ = _frozen  # type: ignore[assignment]
Expr.__delattr__ = _frozen  # type: ignore[assignment]


# ---------------------------------------------------------------- builders
_INTERNED = (Var, Const, Add, Mul, Div, Pow, Neg, Func)  # the classes with a _table

ZERO = Num(0)
ONE = Num(1)
TWO = Num(2)
MINUS_ONE = Num(-1)


def num(value: Rational, decimal: bool = False) -> Num:
    return Num(value, decimal)


def add(*terms: Expr) -> Expr:
    """A flattened sum; one term is itself."""
    flat: list[Expr] = []
    for t in terms:
        flat.extend(t.terms if isinstance(t, Add) else (t,))
    return flat[0] if len(flat) == 1 else Add(*flat)


def mul(*factors: Expr) -> Expr:
    """A flattened product; one factor is itself."""
    flat: list[Expr] = []
    for f in factors:
        flat.extend(f.terms if isinstance(f, Mul) else (f,))
    return flat[0] if len(flat) == 1 else Mul(*flat)


def neg(x: Expr) -> Expr:
    """``-x`` with the sign folded into a number or a leading factor, as the parser reads it."""
    return _rebuild_lead(x, _negate_lead)


def _negate_lead(lead: Expr) -> Expr:
    if isinstance(lead, Num):
        return Num(-lead.numerator if lead.denominator == 1 else -lead.value, lead.decimal)
    if isinstance(lead, Neg):
        return lead.arg
    return Neg(lead)


def _rebuild_lead(x: Expr, change) -> Expr:
    """Apply ``change`` to the leading factor of x: down the first operands of Mul and Div.

    Iterative, because a long left-nested quotient (y/x/x/…/x) is deep.
    """
    path: list[Expr] = []
    node = x
    while isinstance(node, (Mul, Div)):
        path.append(node)
        node = node.terms[0] if isinstance(node, Mul) else node.left
    result = change(node)
    for parent in reversed(path):
        if isinstance(parent, Mul):
            result = Mul(result, *parent.terms[1:])
        else:
            result = Div(result, parent.right)
    return result


def _lead(x: Expr) -> Expr:
    while isinstance(x, (Mul, Div)):
        x = x.terms[0] if isinstance(x, Mul) else x.left
    return x


def sub(a: Expr, b: Expr) -> Expr:
    return add(a, neg(b))


def div(a: Expr, b: Expr) -> Expr:
    return Div(a, b)


def power(base: Expr, exp: Expr) -> Expr:
    return Pow(base, exp)


def func(name: str, *args: Expr) -> Expr:
    return Func(name, *args)


def is_negative_term(term: Expr) -> bool:
    """Whether a sum prints this term with a minus sign (``a - b``)."""
    lead = _lead(term)
    return isinstance(lead, Neg) or (isinstance(lead, Num) and lead.value < 0)


def strip_sign(term: Expr) -> Expr:
    """The term without its leading minus: ``neg(strip_sign(t)) is t`` for a negative term."""
    if not is_negative_term(term):
        raise ValueError("term has no sign to strip")
    return _rebuild_lead(term, _negate_lead)


def fill(e: Expr, memo: dict, compute: Callable[[Expr, list], object]):
    """``memo[e]``, first computing it for ``e`` and every descendant missing from ``memo``,
    children first: ``memo[n] = compute(n, [memo[a] for a in n.args])``. Iterative (any
    depth), and it stops at nodes already known, so asking bottom-up costs linear time."""
    if e in memo:
        return memo[e]
    stack = [e]
    while stack:
        node = stack[-1]
        if node in memo:
            stack.pop()
            continue
        missing = [a for a in node.args if a not in memo]
        if missing:
            stack.extend(missing)
            continue
        memo[node] = compute(node, [memo[a] for a in node.args])
        stack.pop()
    return memo[e]


def _names_in(node: Expr, children: list[frozenset[str]]) -> frozenset[str]:
    if isinstance(node, Var):
        return frozenset((node.name,))
    return frozenset().union(*children)


def written_size(e: Expr, sizes: dict[Expr, int], cap: int) -> int:
    """How many nodes ``e`` has as written out, each repeat of a shared subtree counted
    again (what printing it costs: a DAG of n nodes may print as 2^n), or ``cap`` if that
    is smaller, which keeps the counts small numbers. ``sizes`` memoises across calls made
    with the same cap, so sizing overlapping expressions costs their distinct nodes once."""
    return fill(e, sizes, lambda node, children: min(cap, 1 + sum(children)))


def substitute(e: Expr, target: Expr, replacement: Expr) -> Expr:
    """``e`` with every occurrence of the subtree ``target`` replaced (iteratively, shared once)."""
    done: dict[Expr, Expr] = {}
    for node in e.walk():
        if node is target:
            done[node] = replacement
        elif node.args:
            done[node] = node.rebuild(tuple(done[a] for a in node.args))
        else:
            done[node] = node
    return done[e]


def is_constant(e: Expr, wrt: str) -> bool:
    """True when ``e`` does not contain the variable ``wrt``."""
    return wrt not in e.free_vars()
