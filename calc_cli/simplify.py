"""The simplifier: any tree in, the textbook form out (``6*x*(x^2 + 1)^2``, ``-1/x^2``).

``simplify(e)`` makes two passes over the DAG, both iterative (children before parents,
each distinct node once), so deep nesting cannot overflow the stack and a shared subtree is
simplified once. What depends only on its operands is memoised across calls (until
``expr.forget`` empties every memo, which a long batch does now and then):
the canonical product, sum, power or function of given canonical operands, and the display
of a canonical node; the derivative repeats much of its input, and a batch of expressions
shares small parts (``x^2``, ``sin(x)``), so most of these are met again. Whole results are
cached too.

1. **canon** rewrites each node bottom-up into a canonical form made of the same node
   classes under stricter rules:

   - no ``Div`` and no ``Neg``: ``a/b`` is ``a*b^-1`` and ``-a`` is ``-1*a``;
   - a product is ``Mul(c, f1, ..., fn)``: an optional number ``c ≠ 1`` first, then factors
     with distinct bases (``x*x^2`` is ``x^3``), ordered constants first (``pi``,
     ``ln(2)``, ``sqrt(2)``), then variables and their numeric powers by name, then
     everything else in order of first appearance;
   - in a product, a power common to every term of a sum cancels against a negative power
     of the same base (``(x^3*u + x^5*v)/x^4`` is ``(u + x^2*v)/x``), and ``|u|`` takes the
     even part of a power of ``u`` beside it (``x^2/|x|`` is ``|x|``): without these, higher
     derivatives of quotients and of ``|x|`` grow exponentially;
   - a sum has distinct monomials (``2*x + 3*x`` is ``5*x``) in order of first appearance,
     or sorted by degree when every term is a polynomial monomial, with a positive term
     first when there is one (``1 - x``); ``c*(u + v)`` inside a sum spreads out (so does
     a whole expression ``-(u + v)``, but ``3*(x + 1)`` stays), and a factor that is a sum
     of negative terms is ``-1`` times a sum of positive ones;
   - ``sqrt(u)`` is ``u^(1/2)`` and ``u^(p/3)`` is ``cbrt(u)^p``; ``exp(u)`` stays ``exp(u)``
     (the user's spelling) and is never merged with ``e^u``;
   - numbers are exact ``Fraction``s; a decimal operand makes a result decimal unless the
     result is an integer or has no finite decimal expansion (then it prints as p/q);
   - a division by zero anywhere in a product or sum makes it ``1/0`` (``0/0`` stays).

   Like terms and equal bases are found by content, whatever the order of factors and
   terms inside them: ``x*y + y*x`` is ``2*x*y``, ``(x + 1)*(1 + x)`` is ``(x + 1)^2``; the
   one written first keeps its place and spelling. A product used only as a factor of
   another product (``((x/a)/b)/c``), or a sum only as a term of another sum, is not
   built on the way up: its parts go straight to the parent, which keeps long chains linear.

2. **display** writes the canonical form the way a textbook does, in the shape the parser
   builds (flat products and sums, a sign folded into the leading factor by ``expr.neg``),
   so that the result prints and re-parses to itself: negative numeric exponents and the
   denominator of a rational coefficient go below a fraction bar (``3*x/(2*y)``), and so do
   powers of positive constants with a negative exponent (``1/2^x``, but ``e^(-x)`` as
   usually written); ``u^(1/2)`` is ``sqrt(u)``; a coefficient ``-1`` is a leading minus.

What it never does: expand a power or a product of sums (``(x + 1)^1000000`` stays),
factor, or use an identity that is false somewhere on the reals (``(x^2)^(1/2)`` is
``abs(x)``, never ``x``). Like other computer algebra systems it cancels ``x/x`` to ``1``,
``x^0`` to ``1``, ``0*u`` to ``0`` (and so ``x^2/x`` to ``x``, ``x^2/|x|`` to ``|x|``), which
may define a result where the input was not; it never makes a defined expression undefined.
Powers are real, as in ``calc_cli.evaluate``: ``(-8)^(1/3)`` is ``-2``. Exact powers of
numbers are kept only up to ``numbers.MAX_EXACT_BITS``; ``9^9^9`` stays ``9^387420489``.

``canonical``, ``display`` and ``together`` expose the passes for ``diff.nth_derivative``,
which differentiates canonical forms (the power rule on ``y^-k``) from the second order on.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from fractions import Fraction
from functools import lru_cache
from typing import Any, TypeGuard, cast

from .errors import MathError
from .expr import (
    MINUS_ONE,
    ONE,
    TWO,
    ZERO,
    Add,
    Const,
    Div,
    Expr,
    Func,
    Mul,
    Neg,
    Num,
    Pow,
    Var,
    creation_order,
    memo,
    memo_clear,
    neg,
)
from .numbers import exact_log, exact_power

HALF = Num(Fraction(1, 2))
UNDEFINED = Pow(ZERO, MINUS_ONE)  # 1/0, what every division by zero becomes
THIRD = Fraction(1, 3)
E = Const("e")
PI = Const("pi")
# How deep ``_nonnegative`` looks into sums and products before answering "not known".
SIGN_DEPTH = 6
# sqrt(8) = 2*sqrt(2): square (cube, ...) factors up to SURD_TRIALS^q come out of integers up to
# SURD_BITS bits; larger integers stay under the root as they are.
SURD_TRIALS = 1000
SURD_BITS = 256


@lru_cache(maxsize=4096)
def simplify(e: Expr) -> Expr:
    """``e`` in simplest textbook form, with the same value wherever ``e`` is defined."""
    return _display(_Canon().run(e))


memo_clear(simplify.cache_clear)


def canonical(e: Expr) -> Expr:
    """The first pass alone: ``e`` as a sum of products of powers, with no ``Div`` or ``Neg``
    (``x/y`` is ``x*y^-1``). ``display(canonical(e)) is simplify(e)``.

    Higher derivatives differentiate this form (``diff.nth_derivative``): the power rule on
    ``y^-k`` raises the exponent by one, where the quotient rule would square the denominator.
    """
    return _Canon().run(e)


def display(c: Expr) -> Expr:
    """The second pass alone: a canonical form written as a textbook writes it."""
    return _display(c)


def together(c: Expr) -> Expr:
    """A canonical sum over its common denominator, when every term has one (canonical too):
    ``11/x^4 - 6*ln(x)/x^4`` is ``(11 - 6*ln(x))/x^4``, ``1/x - 1/x^2`` is ``(x - 1)/x^2``.

    For the final form of a higher derivative (``diff.nth_derivative``), which the power rule
    leaves as a sum of fractions. Only a base with a negative power in every term is taken:
    each term is multiplied by b^M and the sum divided by it (M the largest such power), which
    keeps the value and the domain, since every term was already undefined where b is 0.
    """
    return _Canon().together(c)


# ------------------------------------------------------------------ numbers
def _num(value: Fraction, decimal: bool = False) -> Num:
    """A number node; decimal only when non-integral and finitely expressible in decimal."""
    return Num(value, decimal and value.denominator != 1 and _terminates(value))


def _terminates(q: Fraction) -> bool:
    """Whether q has a finite decimal expansion: its denominator is 2^a·5^b."""
    den = q.denominator
    den >>= (den & -den).bit_length() - 1
    while den % 5 == 0:
        den //= 5
    return den == 1


def _minus(n: Num) -> Num:
    """-n, staying decimal as ``_num`` says."""
    if n.denominator == 1:
        return Num(-n.numerator)
    return _num(-n.value, n.decimal)


def _times(a: Num, b: Num) -> Num:
    if a.denominator == 1 and b.denominator == 1:  # integers, never decimal (see _num)
        return Num(a.numerator * b.numerator)
    return _num(a.value * b.value, a.decimal or b.decimal)


def _plus(a: Num, b: Num) -> Num:
    if a.denominator == 1 and b.denominator == 1:
        return Num(a.numerator + b.numerator)
    return _num(a.value + b.value, a.decimal or b.decimal)


def _below(a: Num, b: Num) -> bool:
    """a < b, compared in ints (denominators are positive): Fraction's comparison is Python code."""
    return a.numerator * b.denominator < b.numerator * a.denominator


def _split(term: Expr) -> tuple[Num, tuple[Expr, ...]]:
    """A canonical term as coefficient and factors: 3·x·y is (3, (x, y)); 5 is (5, ())."""
    kind = type(term)
    if kind is Num:
        return term, ()  # type: ignore[return-value]
    if kind is Mul:
        factors = term.terms  # type: ignore[attr-defined]
        return (factors[0], factors[1:]) if type(factors[0]) is Num else (ONE, factors)
    return ONE, (term,)


def _is_integer(e: Expr) -> TypeGuard[Num]:
    return isinstance(e, Num) and e.denominator == 1


def _divides_by_zero(b: Expr, e: Expr) -> bool:
    """Whether b^e is 0 to a negative power."""
    return b is ZERO and isinstance(e, Num) and e.numerator < 0


def _base_exp(f: Expr) -> tuple[Expr, Expr]:
    """A factor as base and exponent: ``x^3`` is (x, 3), ``sin(x)`` is (sin(x), 1)."""
    return (f.left, f.right) if isinstance(f, Pow) else (f, ONE)


def _coefficient(term: Expr) -> Num:
    """The numeric coefficient of a canonical term."""
    kind = type(term)
    if kind is Num:
        return term  # type: ignore[return-value]
    if kind is Mul and type(term.terms[0]) is Num:  # type: ignore[attr-defined]
        return term.terms[0]  # type: ignore[attr-defined]
    return ONE


def _all_negative(s: Add) -> bool:
    """Whether every term of a canonical sum has a negative coefficient (-u - v)."""
    for t in s.terms:
        if _coefficient(t).numerator >= 0:
            return False  # usually the first: a sum puts a positive term first when it has one
    return True


def _perfect_power_part(v: Fraction, q: int) -> tuple[int, Fraction]:
    """(k, m) with v = k^q·m for an integer v > 1, k as large as trial division finds; (1, v) else."""
    if v.denominator != 1 or v <= 1 or v.numerator.bit_length() > SURD_BITS:
        return 1, v
    n, k, d = v.numerator, 1, 2
    if q > n.bit_length():  # then 2^q > n already: no q-th power divides n
        return 1, v
    while d <= SURD_TRIALS and d ** q <= n:
        while n % d ** q == 0:
            n //= d ** q
            k *= d
        d += 1
    return k, Fraction(n)


def _atom_data(node: Expr) -> object:
    """What besides its children tells a node apart: a number's value, a name."""
    if isinstance(node, Num):
        return (node.numerator, node.denominator, node.decimal)
    if isinstance(node, (Var, Const, Func)):
        return node.name
    return None


def _pi_multiple(u: Expr) -> Fraction | None:
    """k when u is k·pi (0 counts as 0·pi)."""
    if u is ZERO:
        return Fraction(0)
    if u is PI:
        return Fraction(1)
    if isinstance(u, Mul) and len(u.terms) == 2 and u.terms[1] is PI and isinstance(u.terms[0], Num):
        return u.terms[0].value
    return None


# Facts that depend on a node alone, memoised across calls (nodes are interned: a subtree met
# again, in this call or a later one, is the same key) until expr.forget empties every
# memo of the process, which a long batch does now and then to bound its memory.
_CONSTANT: dict[Expr, bool] = memo({})  # whether it has no variables
_RANKS: dict[Expr, tuple[int, str]] = memo({})  # its place among the factors of a product
_GRADES: dict[Expr, tuple | None] = memo({})  # its graded degrees as a term, None if not a monomial


def _is_constant(node: Expr) -> bool:
    """True when the node has no variables; iterative, so any depth is fine. Stops at the
    first variable, or at a part known to have one."""
    known = _CONSTANT.get(node)
    if known is not None:
        return known
    constant = type(node) is not Var
    stack = [node]
    met = {node}
    while stack and constant:
        for child in stack.pop().args:
            known = _CONSTANT.get(child)
            if known is None:
                if type(child) is Var:
                    constant = False
                    break
                if child.args and child not in met:
                    met.add(child)
                    stack.append(child)
            elif not known:
                constant = False
                break
    _CONSTANT[node] = constant
    return constant


# ------------------------------------------------------------------ pass 1: canonical form
class _Factors:
    """The factors of a product that is only ever a factor of one other product.

    ``((x/a)/b)/c`` would cost quadratic time if each quotient were multiplied out on the
    way up; instead the inner ones hand their factors to the outermost, which merges once.
    """

    __slots__ = ("parts",)

    def __init__(self, parts: list[Any]) -> None:
        self.parts = parts


class _Terms:
    """The terms of a sum (times a number) that is only ever a term of one other sum."""

    __slots__ = ("coeff", "parts")

    def __init__(self, coeff: Num, parts: list[Any]) -> None:
        self.coeff = coeff
        self.parts = parts


def _factor_parts(n: Expr, args: list[Any], canon: _Canon) -> list[Any]:
    """The factors of a product-like node: a·b·c; a/b = a·b^-1; -a = -1·a."""
    if isinstance(n, Div):
        return [args[0], canon.pow(args[1], MINUS_ONE)]
    if isinstance(n, Neg):
        return [MINUS_ONE, args[0]]
    return args


def _flatten(parts: list[Any]) -> list[Any]:
    """The canonical factors inside nested ``_Factors``, in order (iterative)."""
    for item in parts:
        if type(item) is _Factors:
            break
    else:
        return parts  # nothing pending: the common case
    out: list[Expr] = []
    stack = [iter(parts)]
    while stack:
        for item in stack[-1]:
            if type(item) is _Factors:
                stack.append(iter(item.parts))
                break
            out.append(item)
        else:
            stack.pop()
    return out


# The classes of the nodes that a parent may merge: products and sums (see _absorbed).
_MERGEABLE = frozenset((Mul, Div, Neg, Add))
# How a node takes part in a merge (see _absorbed), as bits: it hands its factors to the
# product it is a factor of, or its terms to the sum it is a term of, or it takes the parts
# of an absorbed child.
_AS_FACTORS = 1
_AS_TERMS = 2
_HOST = 4
_CREATED = creation_order  # children before parents


def _plan(e: Expr, memo: dict[Expr, Any]) -> tuple[list[Expr], dict[Expr, int]]:
    """The inner nodes of e, each once, children before parents, and how each node that
    takes part in a merge does (see ``_absorbed``). Every leaf goes straight into memo as
    its own canonical form: most nodes of an input are leaves.

    One walk finds the nodes, the first parent of each and which are used more than once;
    creation order then puts children before parents.
    """
    inner = [e]
    parent: dict[Expr, Expr] = {}  # the first met, which is the only one for a node used once
    shared: set[Expr] = set()
    for node in inner:  # (grows while it is read)
        for child in node.args:
            if not child.args:  # a leaf: canonical as it is, but for an integral decimal (2.0)
                memo[child] = child if type(child) is not Num or not child.decimal \
                    else _num(child.value, True)  # type: ignore[attr-defined]
            elif child in parent:
                shared.add(child)
            else:
                parent[child] = node
                inner.append(child)
    inner.sort(key=_CREATED)
    return inner, _absorbed(parent, shared)


def _absorbed(parent: dict[Expr, Expr], shared: set[Expr]) -> dict[Expr, int]:
    """Nodes used exactly once whose parent merges them: products (Mul, Div, Neg) that are a
    factor of another product (_AS_FACTORS), and sums (u + v, -u, 2·u) that are a term of a
    sum (_AS_TERMS), unless that changes nothing (see ``_plain_term``); and their parents
    (_HOST). ``parent`` has each node's first parent in the order the nodes were met: a
    parent before its children, as the chain test needs."""
    plan: dict[Expr, int] = {}
    mergeable = _MERGEABLE
    for n, p in parent.items():
        kind = type(n)
        if kind not in mergeable or n in shared:
            continue
        # a sum, or a sum times a number: u + v, -u, 2·u
        sum_like = kind is Add or kind is Neg or (
            kind is Mul and len(n.terms) == 2 and type(n.terms[0]) is Num)  # type: ignore
        parent_kind = type(p)
        if parent_kind is Add:
            if not sum_like or (kind is not Add and _plain_term(n, shared)):
                continue
            plan[n] = _AS_TERMS
        elif sum_like and plan.get(p, 0) & _AS_TERMS:
            plan[n] = _AS_TERMS
        elif kind is not Add and (parent_kind is Mul or parent_kind is Neg or (
                parent_kind is Div and p.left is n)):  # type: ignore[attr-defined]
            plan[n] = _AS_FACTORS  # a factor, a numerator, a negated
        else:
            continue
        plan[p] = plan.get(p, 0) | _HOST
    return plan


def _plain_term(n: Expr, shared: set[Expr]) -> bool:
    """Whether a term -u or c·u (c ≠ 1) of a sum (not itself a sum) has an ordinary u, one
    that hands on no parts: then the sum would merge c·u just as ``_Canon.run`` makes it
    (the same canonical product of the same operands), so it is not absorbed, which saves
    the pending terms and the sum's flattening."""
    if type(n) is Neg:
        u = n.arg  # type: ignore[attr-defined]
    else:
        c, u = n.terms  # type: ignore[attr-defined]
        if c.numerator == c.denominator:
            return False  # 1·u: the sum takes u itself
    return type(u) not in _MERGEABLE or u in shared


def _term_parts(n: Expr, args: list[Any]) -> _Terms:
    """u + v, -1·(u), c·(u) as pending terms."""
    if isinstance(n, Neg):
        return _Terms(MINUS_ONE, args)
    if isinstance(n, Mul):
        return _Terms(args[0], args[1:])
    return _Terms(ONE, args)


# Content keys of canonical nodes, and the shapes they number (see _Canon.key). A key
# depends on a node's content only, so keys are shared by every call: a subtree met again
# (the derivative repeats much of its input) is not keyed again.
_KEYS: dict[Expr, int] = memo({})
_SHAPES: dict[tuple, int] = memo({})
# The canonical product, sum, power and function of canonical operands, by operands. Each is
# a function of its operands alone, so results are shared by every call: the derivative
# repeats much of its input, and inputs share their small parts (x^2, sin(x), x + 1).
# (The canonical form of a node is not shared: whether a parent absorbs a child depends on
# the whole expression, and can change the order of factors.)
_PRODUCTS: dict[tuple[Expr, ...], Expr] = memo({})
_SUMS: dict[tuple[Expr, ...], Expr] = memo({})
_POWERS: dict[tuple[Expr, Expr], Expr] = memo({})
_FUNCTIONS: dict[tuple[str, tuple[Expr, ...]], Expr] = memo({})
# the content key of the product of these factors (see _Canon.monomial_key)
_MONOMIALS: dict[tuple[Expr, ...], int] = memo({})
# a term as coefficient, factors and their monomial key (see _Canon.monomial_of)
_MONOMIAL_OF: dict[Expr, tuple[Num, tuple[Expr, ...], int]] = memo({})


def _collect(collected: dict[int, list], k: int, c: Num, rest: tuple[Expr, ...],
             term: Expr | None) -> None:
    """Add c·(rest), of monomial key k, into the collection of a sum (see ``_Canon._sum``):
    a like term keeps the place of the first."""
    entry = collected.get(k)
    if entry is None:
        collected[k] = [c, rest, term]
    else:
        entry[0] = _plus(entry[0], c)
        entry[2] = None


class _Canon:
    """One simplify call: the canonical form of each node met (``memo``), and the rules.

    Two canonical nodes have the same key when they are equal up to the order of the
    factors of a product or the terms of a sum, at any depth (sin(a·b) and sin(b·a)).
    Keys decide what merges; the order a user sees is always the node's own.
    """

    def __init__(self) -> None:
        self.memo: dict[Expr, Any] = {}  # canonical forms, or _Factors / _Terms pending

    def run(self, e: Expr) -> Expr:
        """The canonical form of e; a whole -(u + v) becomes -u - v."""
        if not e.args:
            return _num(e.value, True) if type(e) is Num and e.decimal else e  # type: ignore
        memo = self.memo
        order, plan = _plan(e, memo)
        canonical_of = memo.__getitem__
        for n in order:  # each node from the canonical forms of its children
            kind = type(n)
            how = plan.get(n)
            if how is not None:
                memo[n] = self.merging(n, list(map(canonical_of, n.args)), how)
            elif kind is Mul:
                memo[n] = self.mul(map(canonical_of, n.terms))  # type: ignore[attr-defined]
            elif kind is Pow:
                memo[n] = self.pow(memo[n.left], memo[n.right])  # type: ignore[attr-defined]
            elif kind is Add:
                memo[n] = self.add(map(canonical_of, n.terms))  # type: ignore[attr-defined]
            elif kind is Func:
                memo[n] = self.func(n.name, tuple(map(canonical_of, n.fargs)))  # type: ignore
            elif kind is Div:  # a/b = a·b^-1
                memo[n] = self.mul((memo[n.left], self.pow(memo[n.right], MINUS_ONE)))  # type: ignore
            elif kind is Neg:  # -a = -1·a
                memo[n] = self.mul((MINUS_ONE, memo[n.arg]))  # type: ignore[attr-defined]
            else:
                raise TypeError(f"cannot simplify {kind.__name__}")
        result = memo[e]
        if isinstance(result, Mul) and len(result.terms) == 2 and result.terms[0] is MINUS_ONE \
                and isinstance(result.terms[1], Add):
            return self.add([result])  # spreads as it does inside a sum; 3·(x + 1) stays
        return result

    def merging(self, n: Expr, args: list[Any], how: int) -> Any:
        """A node that takes part in a merge (see ``_absorbed``): its parts pending for its
        parent, or its canonical form from the parts of its absorbed children."""
        if how & _AS_TERMS:
            return _term_parts(n, args)
        if how & _AS_FACTORS:
            return _Factors(_factor_parts(n, args, self))
        if type(n) is Add:
            return self.add(self._flatten_terms(args))
        return self.mul(_flatten(_factor_parts(n, args, self)))

    def _flatten_terms(self, parts: list[Any]) -> list[Expr]:
        """The canonical terms inside nested ``_Terms``, signs applied (iterative)."""
        for item in parts:
            if type(item) is _Terms or type(item) is _Factors:
                break
        else:
            return parts  # nothing pending: the common case
        out: list[Expr] = []
        stack = [(iter(parts), ONE)]
        while stack:
            items, c = stack[-1]
            for item in items:
                if type(item) is _Terms:
                    stack.append((iter(item.parts), _times(c, item.coeff)))
                    break
                if type(item) is _Factors:
                    item = self.mul(_flatten(item.parts))
                out.append(item if c is ONE else self.mul([c, item]))
            else:
                stack.pop()
        return out

    # -------------------------------------------------------------- content keys
    def key(self, node: Expr) -> int:
        """The content key of a canonical node (iterative: any depth)."""
        keys = _KEYS
        known = keys.get(node)
        if known is not None:
            return known
        shapes = _SHAPES
        stack = [node]
        while stack:
            top = stack[-1]
            if top in keys:
                stack.pop()
                continue
            children = list(map(keys.get, top.args))
            if None in children:
                stack += [a for a in top.args if a not in keys]
                continue
            kind = type(top)
            if kind is Add or kind is Mul:
                shape: tuple = (kind, tuple(sorted(children)))
            else:
                shape = (kind, _atom_data(top), tuple(children))
            keys[top] = shapes.setdefault(shape, len(shapes))
            stack.pop()
        return keys[node]

    def product(self, coeff: Num, factors: Sequence[Expr]) -> Expr:
        """c·f1·…·fn from ordered, merged factors."""
        if not factors:
            return coeff
        if coeff is ONE and len(factors) == 1:
            return factors[0]
        return Mul(*factors) if coeff is ONE else Mul(coeff, *factors)

    # -------------------------------------------------------------- sums
    def add(self, terms: Iterable[Expr]) -> Expr:
        """Collect like terms: a·m + b·m = (a + b)·m; numbers add; c·(u + v) = c·u + c·v."""
        operands = tuple(terms)
        known = _SUMS.get(operands)
        if known is None:
            known = _SUMS[operands] = self._sum(operands)
        return known

    def _sum(self, terms: tuple[Expr, ...]) -> Expr:
        """``add`` on a first meeting with these terms."""
        # key of the monomial -> [coefficient, its factors, the term as it came (None once
        # its coefficient changed)]; the first of like terms keeps its place and spelling.
        collected: dict[int, list] = {}
        for t in terms:
            for u in t.terms if type(t) is Add else (t,):  # type: ignore[attr-defined]
                c, rest, k = _MONOMIAL_OF.get(u) or self.monomial_of(u)
                if len(rest) == 1 and type(rest[0]) is Add:  # c·(v + w) = c·v + c·w
                    self._spread(collected, c, rest[0])  # type: ignore[arg-type]
                    continue
                entry = collected.get(k)  # (as _collect does: this is the usual case)
                if entry is None:
                    collected[k] = [c, rest, u]
                else:
                    entry[0] = _plus(entry[0], c)
                    entry[2] = None
        if _KEYS.get(UNDEFINED) in collected:  # (no key yet: no term has been 1/0)
            return UNDEFINED  # u + 1/0 is as undefined as 1/0
        kept: list[Expr] = []
        for c, rest, term in collected.values():
            if c.numerator != 0:
                kept.append(term if term is not None else self.product(c, rest))
        if not kept:
            return ZERO
        return kept[0] if len(kept) == 1 else Add(*_order_terms(kept))

    def _spread(self, collected: dict[int, list], c: Num, s: Add) -> None:
        """Collect the terms of c·s, a term of a sum (see ``_sum``)."""
        for v in s.terms:
            c2, rest2, k2 = _MONOMIAL_OF.get(v) or self.monomial_of(v)
            _collect(collected, k2, _times(c, c2), rest2, None)

    def monomial_of(self, term: Expr) -> tuple[Num, tuple[Expr, ...], int]:
        """A canonical term as its coefficient, its other factors and the content key of
        their product: 3·x·y is (3, (x, y), key of x·y); 5 is (5, (), key of 1)."""
        c, rest = _split(term)
        known = _MONOMIAL_OF[term] = (c, rest, self.monomial_key(rest))
        return known

    def monomial_key(self, factors: tuple[Expr, ...]) -> int:
        """The content key of the product of these canonical factors (1 for none), without
        building the product."""
        if len(factors) == 1:
            known = _KEYS.get(factors[0])
            return known if known is not None else self.key(factors[0])
        known = _MONOMIALS.get(factors)
        if known is None:
            if not factors:
                known = self.key(ONE)
            else:
                shape = (Mul, tuple(sorted([self.key(f) for f in factors])))
                known = _SHAPES.setdefault(shape, len(_SHAPES))
            _MONOMIALS[factors] = known
        return known

    def negated(self, s: Add) -> Expr:
        """-(t1 + … + tn) = -t1 - … - tn."""
        return self.add([self.mul([MINUS_ONE, t]) for t in s.terms])

    def together(self, c: Expr) -> Expr:
        """See ``together``: a sum, a number times a sum (the number goes above the bar), or
        each sum that is a factor of a product."""
        if isinstance(c, Add):
            return self._over_common_denominator(ONE, c) or c
        if not isinstance(c, Mul):
            return c
        if len(c.terms) == 2 and isinstance(c.terms[0], Num) and isinstance(c.terms[1], Add):
            return self._over_common_denominator(c.terms[0], c.terms[1]) or c
        factors = [self._over_common_denominator(ONE, f) if isinstance(f, Add) else None
                   for f in c.terms]
        if not any(factors):
            return c
        return self.mul([new or f for new, f in zip(factors, c.terms)])

    def _over_common_denominator(self, coeff: Num, s: Add) -> Expr | None:
        """coeff·s as one fraction, or None when its terms have no common denominator."""
        common = self._common_denominator(s)
        if not common:
            return None
        above = [b if e is MINUS_ONE else Pow(b, _minus(e)) for b, e in common]
        top = self.add([self.mul([coeff, t, *above]) for t in s.terms])
        return self.mul([top, *(Pow(b, e) for b, e in common)])

    def _common_denominator(self, s: Add) -> list[tuple[Expr, Num]]:
        """(b, -M) for each base b with a negative numeric power in every term, M the largest."""
        common: dict[int, tuple[Expr, Num]] | None = None
        for t in s.terms:
            found: dict[int, tuple[Expr, Num]] = {}
            for f in t.terms if isinstance(t, Mul) else (t,):
                b, e = _base_exp(f)
                if isinstance(e, Num) and e.numerator < 0:
                    k = self.key(b)
                    if common is None or k in common:
                        lowest = e if common is None or _below(e, common[k][1]) else common[k][1]
                        found[k] = (b, lowest)
            common = found
            if not common:
                return []
        return list(common.values()) if common else []

    # -------------------------------------------------------------- products
    def mul(self, factors: Iterable[Expr]) -> Expr:
        """Numbers multiply, equal bases add exponents: c·x^a·x^b = c·x^(a+b)."""
        operands = tuple(factors)
        known = _PRODUCTS.get(operands)
        if known is None:
            known = _PRODUCTS[operands] = self._product(operands)
        return known

    def _product(self, factors: tuple[Expr, ...]) -> Expr:
        """``mul`` on a first meeting with these factors."""
        coeff = ONE
        # key of a base -> the factor with that base, merged so far (the first keeps its place)
        powers: dict[int, Expr] = {}
        work = list(factors)  # grows while it is read: a merged factor goes round again
        for f in work:
            kind = type(f)
            if kind is Num:
                coeff = f if coeff is ONE else _times(coeff, f)  # type: ignore[assignment,arg-type]
            elif kind is Mul:  # canonical: a number first, then factors that are neither
                for g in f.terms:  # type: ignore[attr-defined]
                    if type(g) is Num:
                        coeff = g if coeff is ONE else _times(coeff, g)  # type: ignore
                    else:
                        self._put(powers, g, work)
            elif kind is Add and _all_negative(f):  # type: ignore[arg-type]
                coeff = _times(coeff, MINUS_ONE)  # (-u - v)·w = -(u + v)·w
                self._put(powers, self.negated(f), work)  # type: ignore[arg-type]
            else:
                self._put(powers, f, work)
        zero = powers.get(_KEYS.get(ZERO))  # type: ignore[arg-type]  # (None: no 0 met yet)
        if zero is not None and _divides_by_zero(*_base_exp(zero)):
            # u/0 is 1/0 and 0/0 stays 0/0: nothing else survives a division by zero
            return self.product(coeff if coeff is ZERO else ONE, [UNDEFINED])
        if coeff.numerator == 0:
            return ZERO  # 0·u = 0
        if len(powers) > 1:
            changed = self._second_look(powers)
            if changed is not None:
                return self.mul([coeff, *(self.pow(b, e) for b, e in changed.values())])
        return self.product(coeff, _by_rank(list(powers.values())))

    def _put(self, powers: dict[int, Expr], f: Expr, work: list[Expr]) -> None:
        """Put factor f = b^e into powers, merging b^a·b^e = b^(a+e)."""
        base = f.left if type(f) is Pow else f  # type: ignore[attr-defined]
        k = _KEYS.get(base)
        if k is None:
            k = self.key(base)
        first = powers.get(k)
        if first is None:
            powers[k] = f
            return
        first_base, first_exp = _base_exp(first)
        merged = self.pow(first_base, self.add([first_exp, _base_exp(f)[1]]))
        kind = type(merged)
        if kind is not Num and kind is not Mul \
                and self.key(merged.left if kind is Pow else merged) == k:  # type: ignore[attr-defined]
            powers[k] = merged  # keeps the first factor's place
        else:
            del powers[k]  # became a number or something else: merge it afresh
            work.append(merged)

    def _second_look(self, powers: dict[int, Expr]) -> dict[int, tuple[Expr, Expr]] | None:
        """The two rules that look at several merged factors at once: |u| beside a power of
        u, and a sum beside a negative power. The factors as bases and exponents, changed,
        if one did; None if neither applies."""
        absolute: list[int] = []
        sums: list[int] = []
        below: list[int] = []
        for k, f in powers.items():
            kind = type(f)
            if kind is Pow:
                b, e = f.left, f.right  # type: ignore[attr-defined]
                if type(e) is Num:
                    if e.numerator < 0:  # type: ignore[attr-defined]
                        below.append(k)
                    if type(b) is Func and b.name == "abs":  # type: ignore[attr-defined]
                        absolute.append(k)
            elif kind is Add:
                sums.append(k)
            elif kind is Func and f.name == "abs":  # type: ignore[attr-defined]
                absolute.append(k)
        if not absolute and not (sums and below):
            return None
        pairs = {k: _base_exp(f) for k, f in powers.items()}
        if absolute and self._abs_absorbs_even_powers(pairs, absolute):
            return pairs
        if sums and below and self._cancel_into_sums(pairs, sums, below):
            return pairs
        return None

    def _abs_absorbs_even_powers(self, powers: dict[int, tuple[Expr, Expr]],
                                 absolute: list[int]) -> bool:
        """u^n·|u|^m = u^(n−2j)·|u|^(m+2j) for the even part 2j of an integer n (toward 0):
        x^2/|x| = |x|, x^3/|x| = x·|x|, |x|/x^2 = 1/|x|. Changes powers in place.

        Why: derivatives of |u| are quotients by |u| (d/dx |x| = x/|x|), and without this
        |x| - x^2/|x| never cancels, so each order of |x| grew sevenfold (bench/FUZZ.md, 9).
        Domain: u^(2j) = |u|^(2j) everywhere, so the value is unchanged wherever the input is
        defined; only at u = 0, where |u|^m with m < 0 made the input undefined, may the
        result be defined (x^2/|x| is 0 there). That is the same cancellation as x^2/x = x,
        which the simplifier makes anyway, and it never makes a defined product undefined.
        """
        changed = False
        for k in absolute:
            b, m = cast(tuple[Func, Num], powers[k])
            ku = self.key(b.arg)
            if ku not in powers or ku == k:
                continue
            u, n = powers[ku]
            if not _is_integer(n) or -2 < n.numerator < 2:
                continue
            even = n.numerator - (n.numerator % 2 if n.numerator > 0 else -(n.numerator % 2))
            powers[ku] = (u, Num(n.numerator - even))
            powers[k] = (b, _plus(m, Num(even)))
            changed = True
        return changed

    def _cancel_into_sums(self, powers: dict[int, tuple[Expr, Expr]], sums: list[int],
                          below: list[int]) -> bool:
        """(x^3·u + x^5·v)/x^4 = (u + x^2·v)/x: a power b^a (a > 0) common to every term of a
        sum cancels against b^-m in the same product, up to b^m. Changes powers in place.

        Why: the quotient rule gives (f′·g − f·g′)/g^2, and for g = x^k the numerator's terms
        share x^(k−1): without this cancellation the denominator squares at every order
        (x^4096 at order 14 of ln(x)^2) and higher derivatives grow exponentially.
        Domain: with j the power taken out, b^a = b^j·b^(a−j) wherever b^a is defined, for
        0 < j ≤ a (calc's real powers: a term with an even root of b already makes the sum
        undefined for b < 0); at b = 0 both the sum and b^j·(…) are 0 (an a = j term leaves
        b^0 = 1). So the numerator keeps its value and domain, and only cancelling b^j against
        b^-m may define the product at b = 0, as x^2/x = x does; never the other way round.
        """
        changed = False
        for ks in sums:
            s = powers[ks][0]
            for kb in below:
                b, e = cast(tuple[Expr, Num], powers[kb])
                if not (isinstance(s, Add) and e.numerator < 0):
                    continue
                taken = self._common_power(s, kb, _minus(e))
                if taken is None:
                    continue
                s = self.add([self.mul([t, Pow(b, _minus(taken))]) for t in s.terms])
                powers[kb] = (b, _plus(e, taken))
                changed = True
            powers[ks] = (s, ONE)
        return changed

    def _common_power(self, s: Add, kb: int, most: Num) -> Num | None:
        """The largest j ≤ most with b^j (b of key kb) a numeric power in every term of s
        (a decimal exponent stays decimal: x^0.5, not sqrt(x))."""
        common = most
        for t in s.terms:
            for f in t.terms if type(t) is Mul else (t,):  # type: ignore[attr-defined]
                base, exp = (f.left, f.right) if type(f) is Pow else (f, ONE)  # type: ignore
                if type(exp) is Num and (_KEYS.get(base) or self.key(base)) == kb:
                    common = exp if _below(exp, common) else common
                    break
            else:
                return None
        return common if common.numerator > 0 else None

    # -------------------------------------------------------------- powers
    def pow(self, b: Expr, e: Expr) -> Expr:
        """b^e, with u^0 = 1 and u^1 = u, then the first power rule that applies."""
        known = _POWERS.get((b, e))
        if known is None:
            known = _POWERS[b, e] = self._power(b, e)
        return known

    def _power(self, b: Expr, e: Expr) -> Expr:
        """``pow`` on a first meeting with this base and exponent."""
        if type(e) is Num:
            if e.denominator == 1:  # type: ignore[attr-defined]
                if e.numerator == 0:  # type: ignore[attr-defined]
                    return ONE
                if e.numerator == 1:  # type: ignore[attr-defined]
                    return b
        elif type(b) is not Num and type(b) is not Pow:
            return Pow(b, e)  # a symbolic exponent: only 1^u and (a^c)^u have rules
        for rule in _POWER_RULES.get(type(b), _OTHER_POWER_RULES):
            result = rule(self, b, e)
            if result is not None:
                return result
        return Pow(b, e)

    def _number_power(self, b: Expr, e: Expr) -> Expr | None:
        """Exact powers of numbers: 2^10 = 1024, 8^(2/3) = 4, 2^(3/2) = 2·sqrt(2), 1^u = 1."""
        if not isinstance(b, Num):
            return None
        if b.numerator == 1 and b.denominator == 1:
            return ONE
        if not isinstance(e, Num):
            return None
        decimal = b.decimal or e.decimal
        try:
            exact = exact_power(b.value, e.value)
        except MathError:  # (-4)^(1/2) is left as written; 0^-2 is 1/0, like 0^-1
            return Pow(b, MINUS_ONE if b is ZERO else e)
        if exact is not None:
            return _num(exact, decimal)
        whole = math.floor(e.value)
        if whole == e.value or e.decimal:
            return Pow(b, e)  # too large to compute, or irrational as typed: 6^1.5
        whole_power = exact_power(b.value, Fraction(whole))
        if whole_power is None:
            return Pow(b, e)
        rest = _num(e.value - whole, e.decimal)
        return self.mul([_num(whole_power, decimal), self._root(b, rest)])

    def _root(self, b: Num, r: Num) -> Expr:
        """b^r for 0 < r < 1 irrational: 8^(1/2) = 2·2^(1/2); cbrt(b)^p when r = p/3."""
        if r.decimal:
            return Pow(b, r)
        p, q = r.numerator, r.denominator
        outside, inside = _perfect_power_part(b.value, q)
        if outside != 1:  # (k^q·m)^(p/q) = k^p·m^(p/q)
            return self.mul([_num(Fraction(outside) ** p, b.decimal),
                             self._root(_num(inside, b.decimal), r)])
        if q == 3:
            return self.pow(self.func("cbrt", [b]), Num(p))
        return Pow(b, r)

    def _power_of_power(self, b: Expr, e: Expr) -> Expr | None:
        """(a^c)^e = a^(c·e) if e is an integer, c has an odd numerator or a ≥ 0;
        (a^c)^e = |a|^(c·e) if c has an even numerator (a^c = |a|^c ≥ 0)."""
        if not isinstance(b, Pow):
            return None
        a, c = b.left, b.right
        odd_c = isinstance(c, Num) and c.numerator % 2 == 1
        if _is_integer(e) or odd_c or _nonnegative(a):
            return self.pow(a, self.mul([c, e]))
        if isinstance(c, Num) and isinstance(e, Num):
            return self.pow(self.func("abs", [a]), self.mul([c, e]))
        return None

    def _power_of_product(self, b: Expr, e: Expr) -> Expr | None:
        """(u·v)^n = u^n·v^n for an integer n; (c·u)^r = c^r·u^r when c > 0 and c^r is rational."""
        if not isinstance(b, Mul):
            return None
        if _is_integer(e):
            return self.mul([self.pow(f, e) for f in b.terms])
        c = b.terms[0]
        if isinstance(c, Num) and c.numerator > 0 and isinstance(e, Num):
            root = self._number_power(c, e)
            if isinstance(root, Num):
                return self.mul([root, self.pow(self.product(ONE, b.terms[1:]), e)])
        return None

    def _power_of_negative_sum(self, b: Expr, e: Expr) -> Expr | None:
        """(-u - v)^n = (-1)^n·(u + v)^n for an integer n."""
        if not (isinstance(b, Add) and _is_integer(e)):
            return None
        if not _all_negative(b):
            return None
        sign = MINUS_ONE if e.numerator % 2 else ONE
        return self.mul([sign, self.pow(self.negated(b), e)])

    def _power_of_abs(self, b: Expr, e: Expr) -> Expr | None:
        """|u|^n = u^n for an even integer n."""
        if isinstance(b, Func) and b.name == "abs" and _is_integer(e) and e.numerator % 2 == 0:
            return self.pow(b.arg, e)
        return None

    def _power_of_cbrt(self, b: Expr, e: Expr) -> Expr | None:
        """cbrt(u)^(3k) = u^k (the real cube root)."""
        if isinstance(b, Func) and b.name == "cbrt" and _is_integer(e) and e.numerator % 3 == 0:
            return self.pow(b.arg, Num(e.value / 3))
        return None

    def _cube_root_power(self, b: Expr, e: Expr) -> Expr | None:
        """u^(p/3) = cbrt(u)^p."""
        if isinstance(e, Num) and not e.decimal and e.denominator == 3:
            return self.pow(self.func("cbrt", [b]), Num(e.numerator))
        return None

    # -------------------------------------------------------------- functions
    def func(self, name: str, args: Sequence[Expr]) -> Expr:
        """A function of canonical arguments, folded where the value is exact and certain."""
        key = (name, tuple(args))
        known = _FUNCTIONS.get(key)
        if known is None:
            known = _FUNCTIONS[key] = self._function(name, args)
        return known

    def _function(self, name: str, args: Sequence[Expr]) -> Expr:
        """``func`` on a first meeting with this function and arguments."""
        rule = _FUNCTION_RULES.get((name, len(args)))
        if rule is not None:
            result = rule(self, *args)
            if result is not None:
                return result
        return Func(name, *args)

    def positive_part(self, u: Expr) -> Expr | None:
        """v when u = -v visibly (a negative coefficient, or every term negative), else None."""
        if isinstance(u, Num):
            return _minus(u) if u.numerator < 0 else None
        if isinstance(u, Mul) and _coefficient(u).numerator < 0:
            return self.mul([MINUS_ONE, u])
        if isinstance(u, Add) and _all_negative(u):
            return self.negated(u)
        return None

    def odd(self, name: str, u: Expr) -> Expr | None:
        """f(-u) = -f(u) for an odd function."""
        v = self.positive_part(u)
        return None if v is None else self.mul([MINUS_ONE, self.func(name, [v])])

    def even(self, name: str, u: Expr) -> Expr | None:
        """f(-u) = f(u) for an even function."""
        v = self.positive_part(u)
        return None if v is None else self.func(name, [v])


# The power rules in the order they are tried, by the class of the base (each rule
# answers None for a base of another class, so only these can apply).
_POWER_RULES: dict[type, tuple[Callable[[_Canon, Expr, Expr], Expr | None], ...]] = {
    Num: (_Canon._number_power, _Canon._cube_root_power),
    Pow: (_Canon._power_of_power, _Canon._cube_root_power),
    Mul: (_Canon._power_of_product, _Canon._cube_root_power),
    Add: (_Canon._power_of_negative_sum, _Canon._cube_root_power),
    Func: (_Canon._power_of_abs, _Canon._power_of_cbrt, _Canon._cube_root_power),
}
_OTHER_POWER_RULES = (_Canon._cube_root_power,)


def _by_rank(factors: list[Expr]) -> list[Expr]:
    """Constants first, then variables and their numeric powers by name, then the rest
    (sorted in place: the sort is stable, so the rest keep their order)."""
    if len(factors) > 1:
        ranks = _RANKS
        for f in factors:
            if f not in ranks:
                ranks[f] = _rank(f)
        factors.sort(key=ranks.__getitem__)
    return factors


def _rank(f: Expr) -> tuple[int, str]:
    """The place of f among the factors of a product (see ``_by_rank``), on a first meeting."""
    if type(f) is Var:
        return (1, f.name)  # type: ignore[attr-defined]
    if type(f) is Pow and type(f.left) is Var:  # type: ignore[attr-defined]
        return (1, f.left.name) if type(f.right) is Num else (2, "")  # type: ignore
    constant = _CONSTANT.get(f)
    if constant is None:
        constant = _is_constant(f)
    return (0, "") if constant else (2, "")


def _order_terms(terms: list[Expr]) -> list[Expr]:
    """Polynomials by descending degree (then by variable name), others as they came;
    then the first positive term moves to the front: 1 - x, not -x + 1."""
    graded = []
    for t in terms:
        grade = _GRADES.get(t, False)
        if grade is False:
            degrees = _monomial_degrees(t)
            grade = _GRADES[t] = None if degrees is None else _graded(degrees)
        if grade is None:
            break
        graded.append(grade)
    else:
        terms = [terms[i] for i in sorted(range(len(terms)), key=graded.__getitem__)]
    if _coefficient(terms[0]).numerator > 0:
        return terms  # the usual case
    for i, t in enumerate(terms):
        if _coefficient(t).numerator > 0:
            return [t, *terms[:i], *terms[i + 1:]]
    return terms


def _monomial_degrees(t: Expr) -> dict[str, int] | None:
    """{variable: exponent} of c·x^a·y^b with natural exponents, else None."""
    degrees: dict[str, int] = {}
    for f in t.terms if isinstance(t, Mul) else (t,):
        if isinstance(f, Var):
            degrees[f.name] = 1
        elif isinstance(f, Pow) and isinstance(f.left, Var) and _is_integer(f.right) \
                and f.right.numerator > 0:
            degrees[f.left.name] = f.right.numerator
        elif not isinstance(f, Num):
            return None
    return degrees


def _graded(degrees: dict[str, int]) -> tuple:
    """Graded lexicographic order: higher total degree first, then x before y, x^2 before x*y."""
    return (-sum(degrees.values()), sorted((name, -k) for name, k in degrees.items()))


def _positive(u: Expr) -> bool:
    """Whether u > 0 wherever it is defined, as far as its shape shows: 2, pi, e^x, 3^y."""
    if isinstance(u, Num):
        return u.numerator > 0
    if isinstance(u, Const):
        return True
    if isinstance(u, Func):
        return u.name in ("exp", "cosh")
    return isinstance(u, Pow) and isinstance(u.left, (Num, Const)) and _positive(u.left)


def _nonnegative(u: Expr, depth: int = SIGN_DEPTH) -> bool:
    """Whether u ≥ 0 wherever it is defined, as far as its shape shows."""
    if isinstance(u, Num):
        return u.numerator >= 0
    if isinstance(u, Const):
        return True
    if isinstance(u, Func):
        return u.name in ("abs", "exp", "cosh")
    if depth == 0:
        return False
    if isinstance(u, Pow):
        b, e = u.left, u.right
        if isinstance(e, Num) and (e.numerator % 2 == 0 or e.denominator % 2 == 0):
            return True  # x^2, x^(2/3), x^(1/2)
        return _nonnegative(b, depth - 1)
    if isinstance(u, (Mul, Add)):
        return all(_nonnegative(t, depth - 1) for t in u.terms)
    return False


# ------------------------------------------------------------------ function rules
def _sqrt(c: _Canon, u: Expr) -> Expr:
    """sqrt(u) = u^(1/2)."""
    return c.pow(u, HALF)


def _cbrt(c: _Canon, u: Expr) -> Expr | None:
    """cbrt(8) = 2, cbrt(16) = 2·cbrt(2), cbrt(u^3) = u, cbrt(-u) = -cbrt(u), cbrt(8·u) = 2·cbrt(u)."""
    if isinstance(u, Num):
        root = exact_power(u.value, THIRD)
        if root is not None:
            return _num(root, u.decimal)
        outside, inside = _perfect_power_part(abs(u.value), 3)
        if outside != 1:
            sign = -1 if u.numerator < 0 else 1
            return c.mul([_num(Fraction(sign * outside), u.decimal), c.func("cbrt", [_num(inside)])])
    if isinstance(u, Pow) and _is_integer(u.right) and u.right.numerator % 3 == 0:
        return c.pow(u.left, Num(u.right.value / 3))
    if isinstance(u, Mul) and isinstance(u.terms[0], Num):
        root = exact_power(u.terms[0].value, THIRD)
        if root is not None:
            return c.mul([_num(root, u.terms[0].decimal), c.func("cbrt", [c.product(ONE, u.terms[1:])])])
    return c.odd("cbrt", u)


def _abs(c: _Canon, u: Expr) -> Expr | None:
    """|u| = u for u ≥ 0, |-3| = 3, |c·u| = |c|·|u|."""
    if _nonnegative(u):
        return u
    if isinstance(u, Num):
        return _num(abs(u.value), u.decimal)
    if isinstance(u, Mul) and isinstance(u.terms[0], Num):
        k = u.terms[0]
        return c.mul([_num(abs(k.value), k.decimal), c.func("abs", [c.product(ONE, u.terms[1:])])])
    return c.even("abs", u)


def _exp(c: _Canon, u: Expr) -> Expr | None:
    """exp(0) = 1."""
    return ONE if u is ZERO else None


def _logarithm(name: str, base: Expr) -> Callable[[_Canon, Expr], Expr | None]:
    """The rule for a logarithm of one argument: ln and log (base e), log10, log2."""
    def rule(c: _Canon, u: Expr) -> Expr | None:
        if u is ONE:
            return ZERO  # log(1) = 0
        if u is base:
            return ONE  # log_b(b) = 1
        if isinstance(u, Func) and u.name == "exp" and base is E:
            return u.arg  # ln(exp(u)) = u
        if isinstance(u, Pow) and _positive_constant(u.left):
            # log(a^k) = k·log(a) for a > 0: ln(e^x) = x, ln(2^x) = x·ln(2)
            return c.mul([u.right, c.func(name, [u.left])])
        return _exact_log(u, base)

    return rule


def _log_base(c: _Canon, u: Expr, b: Expr) -> Expr | None:
    """log(1, b) = 0, log(b, b) = 1, log(8, 2) = 3, log(u, e) = log(u), log(e, b) = 1/ln(b),
    log(a^k, b) = k·log(a, b) for a > 0."""
    if u is ONE:
        return ZERO
    if c.key(u) == c.key(b):
        return ONE
    if b is E:
        return c.func("log", [u])
    if u is E:
        return c.pow(c.func("ln", [b]), MINUS_ONE)
    if isinstance(u, Pow) and _positive_constant(u.left):
        return c.mul([u.right, c.func("log", [u.left, b])])
    return _exact_log(u, b)


def _positive_constant(a: Expr) -> bool:
    return isinstance(a, Const) or (isinstance(a, Num) and a.numerator > 0)


def _exact_log(u: Expr, b: Expr) -> Num | None:
    """log_b(u) for numbers when it is rational: log10(1000) = 3."""
    if not (isinstance(u, Num) and isinstance(b, Num)):
        return None
    if u.numerator <= 0 or b.numerator <= 0 or b.value == 1:
        return None
    k = exact_log(u.value, b.value)
    return None if k is None else _num(k)


def _sin(c: _Canon, u: Expr) -> Expr | None:
    """sin(k·pi) = 0, sin(pi/2 + k·pi) = (-1)^k, sin(-u) = -sin(u)."""
    k = _pi_multiple(u)
    if k is not None and k.denominator == 1:
        return ZERO
    if k is not None and k.denominator == 2:
        return ONE if (k - Fraction(1, 2)) % 2 == 0 else MINUS_ONE
    return c.odd("sin", u)


def _cos(c: _Canon, u: Expr) -> Expr | None:
    """cos(k·pi) = (-1)^k, cos(pi/2 + k·pi) = 0, cos(-u) = cos(u)."""
    k = _pi_multiple(u)
    if k is not None and k.denominator == 1:
        return ONE if k % 2 == 0 else MINUS_ONE
    if k is not None and k.denominator == 2:
        return ZERO
    return c.even("cos", u)


def _tan(c: _Canon, u: Expr) -> Expr | None:
    """tan(k·pi) = 0, tan(-u) = -tan(u)."""
    k = _pi_multiple(u)
    if k is not None and k.denominator == 1:
        return ZERO
    return c.odd("tan", u)


def _sec(c: _Canon, u: Expr) -> Expr | None:
    """sec(k·pi) = (-1)^k, sec(-u) = sec(u)."""
    k = _pi_multiple(u)
    if k is not None and k.denominator == 1:
        return ONE if k % 2 == 0 else MINUS_ONE
    return c.even("sec", u)


def _odd_at_zero(name: str) -> Callable[[_Canon, Expr], Expr | None]:
    """f(0) = 0 and f(-u) = -f(u), for the odd functions asin, atan, sinh, tanh, csc, cot."""
    def rule(c: _Canon, u: Expr) -> Expr | None:
        if u is ZERO and name not in ("csc", "cot"):
            return ZERO
        return c.odd(name, u)

    rule.__doc__ = f"{name}(-u) = -{name}(u)" + ("" if name in ("csc", "cot") else f", {name}(0) = 0")
    return rule


def _cosh(c: _Canon, u: Expr) -> Expr | None:
    """cosh(0) = 1, cosh(-u) = cosh(u)."""
    return ONE if u is ZERO else c.even("cosh", u)


def _acos(c: _Canon, u: Expr) -> Expr | None:
    """acos(1) = 0."""
    return ZERO if u is ONE else None


_FUNCTION_RULES: dict[tuple[str, int], Callable[..., Expr | None]] = {
    ("sqrt", 1): _sqrt, ("cbrt", 1): _cbrt, ("abs", 1): _abs, ("exp", 1): _exp,
    ("ln", 1): _logarithm("ln", E), ("log", 1): _logarithm("log", E), ("log", 2): _log_base,
    ("log10", 1): _logarithm("log10", Num(10)), ("log2", 1): _logarithm("log2", TWO),
    ("sin", 1): _sin, ("cos", 1): _cos, ("tan", 1): _tan, ("sec", 1): _sec,
    ("cosh", 1): _cosh, ("acos", 1): _acos,
    **{(name, 1): _odd_at_zero(name) for name in ("asin", "atan", "sinh", "tanh", "csc", "cot")},
}


# ------------------------------------------------------------------ pass 2: display form
# The display of each canonical node whose own display was needed, shared by every call: it
# depends on the node alone, and the derivative repeats much of its input.
_SHOWN: dict[Expr, Expr] = memo({})


def _display(c: Expr) -> Expr:
    """The canonical form written as a textbook writes it.

    Iterative: first the nodes whose own display is used (see ``_display_parts``), not
    below a node already shown, then each shown in order of creation (children first).
    """
    shown = _SHOWN
    known = shown.get(c)
    if known is not None:
        return known
    todo = [c]
    met = {c}
    for node in todo:  # (grows while it is read)
        for part in node.args if type(node) is not Mul else _display_parts(node):
            if part not in shown and part not in met:
                met.add(part)
                todo.append(part)
    todo.sort(key=_CREATED)
    for node in todo:
        shown[node] = _show(node, shown)
    return shown[c]


def _display_parts(node: Expr) -> list[Expr]:
    """The nodes whose display the display of a product is made from (for any other node,
    its children). A power that is a factor of a product is shown through its base and
    exponent (x^-2 goes below the bar), never as itself."""
    parts: list[Expr] = []
    for f in node.terms:  # type: ignore[attr-defined]
        if type(f) is Pow:
            parts += f.args
        else:
            parts.append(f)
    return parts


def _show(node: Expr, shown: dict[Expr, Expr]) -> Expr:
    kind = type(node)
    if kind is Mul:
        lead = node.terms[0]  # type: ignore[attr-defined]
        if type(lead) is Num:
            return _show_product(lead, node.terms[1:], shown)  # type: ignore[attr-defined]
        return _show_product(ONE, node.terms, shown)  # type: ignore[attr-defined]
    if kind is Pow:
        return _show_product(ONE, (node,), shown)
    if kind is Add:  # (the display of a term is never a sum: nothing to flatten)
        return Add(*map(shown.__getitem__, node.args))
    if kind is Func:
        return Func(node.name, *map(shown.__getitem__, node.args))  # type: ignore[attr-defined]
    if kind is Num:
        return _show_number(node)  # type: ignore[arg-type]
    if kind is Var or kind is Const:
        return node
    raise TypeError(f"not a canonical node: {type(node).__name__}")


def _show_number(n: Num) -> Expr:
    """Integers and decimals as they are; p/q as a quotient, which is how it parses."""
    if n.decimal or n.denominator == 1:
        return n
    return _show_product(n, (), {})


def _show_product(coeff: Num, factors: Sequence[Expr], shown: dict[Expr, Expr]) -> Expr:
    """c·x^2·y^-3 → c·x^2/y^3; (3/2)·x → 3*x/2; -1·u → -u; (1/2)·x^(-1/2) → 1/(2*sqrt(x));
    2^(-x) → 1/2^x, but e^(-x) stays as it is usually written, and so does y^(-z): at
    y = 0 and z < 0 it is 0 while 1/y^z is undefined."""
    above: list[Expr] = []
    below: list[Expr] = []
    for f in factors:
        if type(f) is not Pow:
            above.append(shown[f])  # f^1
            continue
        base, exp = f.left, f.right  # type: ignore[attr-defined]
        if type(exp) is Num:
            if exp.numerator < 0:  # type: ignore[attr-defined]
                below.append(_show_power(base, _minus(exp), shown))  # type: ignore[arg-type]
            else:
                above.append(_show_power(base, exp, shown))  # type: ignore[arg-type]
        elif base is not E and _coefficient(exp).numerator < 0 and _positive(base):
            below.append(Pow(shown[base], _show_negated(exp, shown)))  # 2^(-x) → 1/2^x
        else:
            above.append(Pow(shown[base], shown[exp]))
    if coeff is ONE:
        pass  # the usual case
    elif coeff.decimal:
        above.insert(0, _num(abs(coeff.value), True))
    else:
        n = coeff.numerator
        if n not in (1, -1):
            above.insert(0, coeff if n > 0 and coeff.denominator == 1 else Num(abs(n)))
        if coeff.denominator != 1:
            below.insert(0, Num(coeff.denominator))
    # No displayed factor is itself a product (a factor of a canonical product is not, and
    # neither is a power, root, number or function shown): nothing to flatten.
    result = (above[0] if len(above) == 1 else Mul(*above)) if above else ONE
    if below:
        result = Div(result, below[0] if len(below) == 1 else Mul(*below))
    return neg(result) if coeff.numerator < 0 else result


def _show_negated(exp: Expr, shown: dict[Expr, Expr]) -> Expr:
    """The display of -exp for a product exp with a negative coefficient."""
    assert isinstance(exp, Mul) and isinstance(exp.terms[0], Num)
    coeff = exp.terms[0]
    return _show_product(_minus(coeff), exp.terms[1:], shown)


def _show_power(base: Expr, exp: Num, shown: dict[Expr, Expr]) -> Expr:
    """b^1 = b, b^(1/2) = sqrt(b), otherwise b^e."""
    if exp.numerator == 1:
        if exp.denominator == 1:
            return shown[base]
        if exp.denominator == 2 and not exp.decimal:
            return Func("sqrt", shown[base])
    return Pow(shown[base], exp if exp.denominator == 1 or exp.decimal else _show_number(exp))
