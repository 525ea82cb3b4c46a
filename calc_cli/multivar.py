"""Many variables: partial derivatives, gradients, Hessians, Jacobians, directional derivatives.

Every partial of a gradient comes from one backward pass over the interned DAG
(reverse accumulation). The output has adjoint 1; walking from the output down
to the variables, each node passes to each child it depends on

    adjoint(child) += adjoint(node) · ∂node/∂child

so a node's adjoint is ∂f/∂node, and a variable's adjoint is ∂f/∂x. The local
partials ∂node/∂child come from ``local_partials``, which takes every function's
outer derivative from ``calc_cli.diff`` (``OUTER``, ``power_outer``,
``exponential_outer``): the rules of calculus live there, not here.

Symbolically, the adjoints are expressions that share subexpressions (an
adjoint is built once and referred to by every child it feeds), so all n
partials together cost about as much as the function itself, plus the size of
what they print. Numerically (``gradient_at``), the same pass runs on values:
forward values first, then adjoints, exact ``Fraction``s while everything is
rational, floats otherwise, exactly as ``calc_cli.evaluate`` computes.

Hessians are gradients of the gradient's components (upper triangle only, the
lower one mirrored: ∂²f/∂x∂y = ∂²f/∂y∂x for the smooth functions calc knows);
a Jacobian is one gradient per component.
"""

from __future__ import annotations

import heapq
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from fractions import Fraction

from .diff import OUTER, _Flattener, differentiate, exponential_outer, power_outer
from .errors import MathError, UsageError
from .evaluate import NodeValues, describe, describe_point, settle_within
from .expr import (
    MINUS_ONE,
    ONE,
    TWO,
    ZERO,
    Add,
    Div,
    Expr,
    Func,
    Mul,
    Neg,
    Num,
    Pow,
    Var,
    func,
    written_size,
)
from .numbers import Overflow, Value, exact_power, to_float
from .simplify import simplify

Number = Fraction | float | int
Point = Mapping[str, Number]
# A child and ∂node/∂child as constant·before·after, the child's own derivative going
# between before and after (see local_partials).
Partial = tuple[Expr, Expr, Expr, Expr]

# ------------------------------------------------------------------ variable order

# The Greek alphabet in order, as the parser spells the letters.
GREEK = [
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
    "lambda", "mu", "nu", "xi", "omicron", "pi", "rho", "sigma", "tau", "upsilon", "phi",
    "chi", "psi", "omega",
]
_GREEK_RANK = {name: rank for rank, name in enumerate(GREEK)}
_PIECES = re.compile(r"\d+|\D+")


def natural_order(names: Iterable[str]) -> list[str]:
    """The names in the order a person lists them: x, y, z; x1, x2, …, x10; alpha, beta, gamma.

    Digits compare as numbers (x2 before x10), Greek names by the Greek alphabet
    and after the Latin ones, anything else alphabetically.
    """
    return sorted(set(names), key=_name_key)


def _name_key(name: str) -> tuple:
    pieces = _PIECES.findall(name)
    greek = _greek_rank(pieces[0]) if pieces else None
    return (greek is not None, [_piece_key(p) for p in pieces])


def _piece_key(piece: str) -> tuple:
    """Digits as their number; a Greek name by its place in the alphabet; text as text."""
    if piece.isdigit():
        return (0, int(piece), "", piece)
    rank = _greek_rank(piece)
    return (1, -1 if rank is None else rank, piece.casefold(), piece)


def _greek_rank(piece: str) -> int | None:
    rank = _GREEK_RANK.get(piece.rstrip("_"))
    if rank is None and len(piece) == 1 and "GREEK" in unicodedata.name(piece, ""):
        letter = unicodedata.name(piece).split()[-1].lower().replace("lamda", "lambda")
        rank = _GREEK_RANK.get(letter)
    return rank


# ------------------------------------------------------------------ local partials

# Stands for a child while diff.py differentiates a node it has no outer rule for
# (log with a base, abstract functions); no name the parser makes contains a NUL.
_PLACEHOLDER = Var("\0u")


def local_partials(node: Expr, wrts: AbstractSet[str]) -> list[Partial]:
    """(child, constant, before, after) for each child occurrence that contains one of ``wrts``.

    ∂node/∂child = constant·before·after, arranged the way forward
    differentiation writes it: the chain rule f′(u)·u′ has the child's own
    derivative u′ after f′(u); the product rule d(f·g·h) = f′·g·h + f·g′·h + f·g·h′
    has g′ between f and h; and factors that share no variable with the child
    are a constant multiple in front, c·(f·g)′. The backward pass keeps that
    order, so a gradient prints as ``calc diff`` prints each partial.
    """
    if isinstance(node, Add):
        return [(t, ONE, ONE, ONE) for t in node.terms if _varies(t, wrts)]  # ∂(u + v)/∂u = 1
    if isinstance(node, Neg):
        return [(node.arg, ONE, MINUS_ONE, ONE)]  # ∂(−u)/∂u = −1
    if isinstance(node, Mul):
        return _product_partials(node, wrts)
    if isinstance(node, Div):
        return _quotient_partials(node, wrts)
    if isinstance(node, Pow):
        return _power_partials(node, wrts)
    if isinstance(node, Func):
        return _function_partials(node, wrts)
    return []  # a leaf: nothing below it


def _varies(e: Expr, wrts: AbstractSet[str]) -> bool:
    return not wrts.isdisjoint(e.free_vars())


def _product_partials(node: Mul, wrts: AbstractSet[str]) -> list[Partial]:
    """∂(c·f·g·h)/∂g = c·f·h: the constant factors c, the factors before g, those after it"""
    fs = node.terms
    names = [wrts & f.free_vars() for f in fs]  # the variables each factor brings
    partials = []
    for i, f in enumerate(fs):
        if not names[i]:
            continue
        held: list[Expr] = []
        before: list[Expr] = []
        after: list[Expr] = []
        for k, other in enumerate(fs):
            if k != i:
                side = held if names[i].isdisjoint(names[k]) else before if k < i else after
                side.append(other)
        partials.append((f, _product(held), _product(before), _product(after)))
    return partials


def _quotient_partials(node: Div, wrts: AbstractSet[str]) -> list[Partial]:
    """∂(f/g)/∂f = 1/g, ∂(f/g)/∂g = −f/g^2 (as in f′/g − f·g′/g^2)"""
    f, g = node.left, node.right
    partials: list[Partial] = []
    if _varies(f, wrts):
        partials.append((f, ONE, ONE, Div(ONE, g)))
    if _varies(g, wrts):
        partials.append((g, ONE, Neg(f), Div(ONE, Pow(g, TWO))))
    return partials


def _power_partials(node: Pow, wrts: AbstractSet[str]) -> list[Partial]:
    """∂(b^n)/∂b = n·b^(n−1), ∂(a^u)/∂u = ln(a)·a^u (diff.power_outer, diff.exponential_outer)"""
    partials: list[Partial] = []
    if _varies(node.base, wrts):
        partials.append((node.base, ONE, power_outer(node.base, node.exp), ONE))
    if _varies(node.exp, wrts):
        partials.append((node.exp, ONE, exponential_outer(node), ONE))
    return partials


def _function_partials(node: Func, wrts: AbstractSet[str]) -> list[Partial]:
    """∂f(u)/∂u = f′(u) from diff.OUTER; other functions via diff.py on a stand-in argument."""
    if node.name in OUTER and len(node.fargs) == 1:
        return [(node.arg, ONE, OUTER[node.name](node.arg), ONE)] if _varies(node.arg, wrts) else []
    return [(u, ONE, _partial_by_diff(node, i), ONE)
            for i, u in enumerate(node.fargs) if _varies(u, wrts)]


def _partial_by_diff(node: Func, i: int) -> Expr:
    """∂f(u1, …, un)/∂ui: diff.py differentiates f with a placeholder for ui, put back after."""
    args = node.fargs[:i] + (_PLACEHOLDER,) + node.fargs[i + 1:]
    outer = differentiate(node.rebuild(args), _PLACEHOLDER.name)
    return _substitute(outer, _PLACEHOLDER, node.fargs[i])


def _substitute(e: Expr, old: Var, new: Expr) -> Expr:
    """``e`` with the variable ``old`` replaced by ``new``; subtrees without it are not entered."""
    done: dict[Expr, Expr] = {}
    stack = [e]
    while stack:
        n = stack[-1]
        if n in done:
            stack.pop()
        elif old.name not in n.free_vars():
            done[n] = n
        elif n is old:
            done[n] = new
        else:
            missing = [a for a in n.args if a not in done]
            if missing:
                stack.extend(missing)
            else:
                done[n] = n.rebuild(tuple(done[a] for a in n.args))
    return done[e]


def _product(factors: Sequence[Expr]) -> Expr:
    """f1·…·fn without building a product of one factor (or of none: 1)."""
    if not factors:
        return ONE
    return factors[0] if len(factors) == 1 else Mul(*factors)


# ------------------------------------------------------------------ symbolic reverse mode


def _varying_nodes(e: Expr, wrts: AbstractSet[str]) -> list[Expr]:
    """The nodes of ``e`` that contain one of ``wrts``, children before parents."""
    # From the top first: free_vars() memoises every node below in one walk, where
    # asking each node from the bottom up would walk its subtree again (quadratic).
    e.free_vars()
    return [node for node in e.walk() if _varies(node, wrts)]


def _check_wrts(wrts: Sequence[str]) -> None:
    if isinstance(wrts, str):
        raise UsageError("give the variables as a list of names, not one string")
    for name in wrts:
        if not isinstance(name, str) or not name:
            raise UsageError("name each variable to differentiate by")


def adjoints(e: Expr, wrts: Sequence[str]) -> dict[Expr, Expr]:
    """∂e/∂node for every node of ``e`` that contains one of ``wrts`` (raw, not simplified).

    One backward pass, parents before children: a node's adjoint is complete
    when it is reached, because all its users come before it.
    """
    _check_wrts(wrts)
    pairs = _Backward(e, frozenset(wrts)).run()
    return {node: ZERO if pair is None else _scaled(*pair) for node, pair in pairs.items()}


# An adjoint as the factors before and after the place where the derivatives of the
# node's own children will go: ∂f/∂node = before·after. None is an adjoint of 0.
Adjoint = tuple[Expr, Expr] | None
Origin = tuple[int, int]  # (the user's place in the walk, the child's place in the user)


class _Backward:
    """One symbolic backward pass.

    A child's adjoint made from its user's adjoint (P, S) and the local partial
    (L, R) is (P·L, R·S), a *link* of the user's chain. When a node has several
    users, its adjoint Σ Pi·Li·Ri·Si is written with the common part of the
    chains taken out, P·(L1·R1 + L2·(…)·R2)·S, the nested form forward
    differentiation gives: for sin(y + sin(y + …)) the partial by y stays linear
    in the depth instead of a sum of ever longer products. Terms keep the order
    of their places in the expression, as forward mode has them.
    """

    def __init__(self, e: Expr, wrts: frozenset[str]):
        self.top = e
        self.wrts = wrts
        self.link: dict[tuple[Expr, Expr], tuple[tuple[Expr, Expr], Expr, Expr]] = {}
        self.depth: dict[tuple[Expr, Expr], int] = {}  # links from the start of the chain
        self.origin: dict[tuple[Expr, Expr], Origin] = {}
        # Steps spent climbing chains to factor them, bounded so that the pass
        # stays linear in the size of the DAG whatever its shape.
        self.budget = 1000

    def run(self) -> dict[Expr, Adjoint]:
        order = _varying_nodes(self.top, self.wrts)  # children before parents
        self.budget += 4 * len(order)
        incoming: dict[Expr, list[tuple[tuple[Expr, Expr], Origin]]] = {}
        result: dict[Expr, Adjoint] = {}
        for place in range(len(order) - 1, -1, -1):  # parents before children
            node = order[place]
            adjoint = (ONE, ONE) if node is self.top else self.collect(incoming.pop(node, []))
            result[node] = adjoint
            if adjoint is None:
                continue
            for k, (child, constant, before, after) in enumerate(local_partials(node, self.wrts)):
                # The constant multiple is a link of its own, shared by the children it
                # multiplies, so that c·(f′·g + f·g′) keeps c outside.
                outside: Adjoint = adjoint
                if constant is not ONE:
                    outside = self.extend(adjoint, constant, ONE, (place, -1))
                extended = outside
                if outside is not None and (before is not ONE or after is not ONE):
                    extended = self.extend(outside, before, after, (place, k))
                if extended is not None:
                    incoming.setdefault(child, []).append((extended, (place, k)))
        return result

    def extend(self, adjoint: tuple[Expr, Expr], left: Expr, right: Expr,
               origin: Origin) -> Adjoint:
        """(P, S) with a local partial L·R put in the middle: (P·L, R·S), remembered as a link."""
        new = (_scaled(adjoint[0], left), _scaled(right, adjoint[1]))
        if new[0] is ZERO or new[1] is ZERO:
            return None
        if new != adjoint and new not in self.link:
            self.link[new] = (adjoint, left, right)
            self.depth[new] = self.depth.get(adjoint, 0) + 1
            self.origin[new] = origin
        return new

    def collect(self, contributions: list[tuple[tuple[Expr, Expr], Origin]]) -> Adjoint:
        """Σ over the users, the chains' common parts factored out."""
        if len(contributions) <= 1:
            return contributions[0][0] if contributions else None
        contributions.sort(key=lambda c: c[1])
        ends: dict[tuple[Expr, Expr], list[Origin]] = {}
        for adjoint, origin in contributions:
            ends.setdefault(adjoint, []).append(origin)
        climbed, roots, kids = self.climb(list(ends))
        inner: dict[tuple[Expr, Expr], Expr] = {}
        first: dict[tuple[Expr, Expr], Origin] = {}  # the first place through each node
        for node in climbed + roots:  # deeper first: a node's kids are done before it
            if node not in kids and len(ends[node]) == 1:  # the common case: one end, 1
                inner[node], first[node] = ONE, ends[node][0]
                continue
            terms: list[tuple[Origin, Expr]] = [(origin, ONE) for origin in ends.get(node, ())]
            for kid in kids.get(node, ()):
                _, left, right = self.link[kid]
                terms.append((self.origin[kid], _scaled(_scaled(left, inner[kid]), right)))
            terms.sort(key=lambda t: t[0])
            inner[node] = _sum([t for _, t in terms])
            first[node] = min([*ends.get(node, ()), *(first[kid] for kid in kids.get(node, ()))])
        roots.sort(key=first.__getitem__)
        if len(roots) == 1:
            return self.extend(roots[0], inner[roots[0]], ONE, first[roots[0]])
        total = _sum([_scaled(_scaled(p, inner[(p, s)]), s) for p, s in roots])
        return (total, ONE)

    def climb(self, starts: list[tuple[Expr, Expr]]):
        """Walk the deepest chain up a link at a time, until the chains meet or end.

        Returns the nodes climbed past (deepest first), the nodes left (the roots
        of the factored sum) and each node's kids on the way up.
        """
        heap = [(-self.depth.get(a, 0), i, a) for i, a in enumerate(starts)]
        heapq.heapify(heap)
        frontier = set(starts)
        climbed: list[tuple[Expr, Expr]] = []
        kids: dict[tuple[Expr, Expr], list[tuple[Expr, Expr]]] = {}
        count = len(heap)
        while len(frontier) > 1 and self.budget > 0 and heap[0][0] < 0:
            _, _, node = heapq.heappop(heap)
            self.budget -= 1
            parent = self.link[node][0]
            frontier.discard(node)
            climbed.append(node)
            kids.setdefault(parent, []).append(node)
            if parent not in frontier:
                frontier.add(parent)
                count += 1
                heapq.heappush(heap, (-self.depth.get(parent, 0), count, parent))
        return climbed, [a for _, _, a in heap], kids


def _sum(terms: Sequence[Expr]) -> Expr:
    """A flat sum without zero terms (0 when none is left)."""
    flat: list[Expr] = []
    for t in terms:
        if isinstance(t, Add):
            flat.extend(t.terms)
        elif not (isinstance(t, Num) and t.value == 0):
            flat.append(t)
    if not flat:
        return ZERO
    return flat[0] if len(flat) == 1 else Add(*flat)


def _scaled(a: Expr, p: Expr) -> Expr:
    """a·p without factors of 1, with a sign or a number folded in; a·(u/v) is (a·u)/v."""
    if a is ONE:
        return p
    if p is ONE:
        return a
    if isinstance(a, Num) and a.value == 0 or isinstance(p, Num) and p.value == 0:
        return ZERO
    if isinstance(a, Num) and isinstance(p, Num):
        return Num(a.value * p.value, a.decimal or p.decimal)
    if p is MINUS_ONE:
        return Neg(a)  # not neg(): folding the sign into a long product would copy it
    if isinstance(p, Div) and not isinstance(p.left, Div):  # one level: no recursion
        return Div(_scaled(a, p.left), p.right)
    # Nested, not flattened: an adjoint deep in a chain must not copy the whole chain.
    return Mul(a, p)


def gradient(e: Expr, wrts: Sequence[str]) -> list[Expr]:
    """∇f = (∂f/∂x1, …, ∂f/∂xn), simplified, all from one backward pass.

    Example: f = x^2 + 3xy + y^2 gives [2*x + 3*y, 3*x + 2*y].
    """
    return simplify_all(_raw_gradient(e, wrts, _Flattener()))


def hessian(e: Expr, wrts: Sequence[str]) -> list[list[Expr]]:
    """H[i][j] = ∂²f/∂xi∂xj: the gradient of each ∂f/∂xi, upper triangle only, H[j][i] = H[i][j]."""
    flat = _Flattener()
    n = len(wrts)
    rows = [_raw_gradient(g, wrts[i:], flat) for i, g in enumerate(gradient(e, wrts))]
    simplified = simplify_all([entry for row in rows for entry in row])
    _check_written(simplified)
    entries = iter(simplified)
    h: list[list[Expr]] = [[ZERO] * n for _ in range(n)]
    for i in range(n):
        for j in range(i, n):
            h[i][j] = h[j][i] = next(entries)
    return h


def _check_written(entries: Sequence[Expr]) -> None:
    """Second derivatives are bounded as ``diff --order 2`` bounds them: by their size written
    out (a nest of log2 200 deep has a Hessian of 24 MB; 450 deep, minutes and 270 MB)."""
    from .diff import MAX_NODES

    sizes: dict[Expr, int] = {}
    for entry in entries:
        if written_size(entry, sizes, MAX_NODES + 1) > MAX_NODES:
            raise MathError(f"the Hessian is too large to compute (an entry has over "
                            f"{MAX_NODES:,} nodes written out)")


def jacobian(exprs: Sequence[Expr], wrts: Sequence[str]) -> list[list[Expr]]:
    """J[i][j] = ∂fi/∂xj: one backward pass per component fi."""
    flat = _Flattener()
    entries = iter(simplify_all([d for f in exprs for d in _raw_gradient(f, wrts, flat)]))
    return [[next(entries) for _ in wrts] for _ in exprs]


def _raw_gradient(e: Expr, wrts: Sequence[str], flat: _Flattener) -> list[Expr]:
    """The partials as the backward pass leaves them, products flattened for the simplifier."""
    adjoint = adjoints(e, wrts)
    # A chain of nested products is made flat once here, not at every level by simplify.
    return [flat(adjoint.get(Var(name), ZERO)) for name in wrts]


# Holds the entries of a vector while they are simplified together; never printed.
_VECTOR = "\0vector"


def simplify_all(exprs: Sequence[Expr]) -> list[Expr]:
    """Each expression simplified, in one pass over their shared DAG.

    The partials of a gradient share most of their subexpressions; simplifying
    them one at a time would redo the shared part n times. They go through the
    simplifier as the arguments of one opaque function, which it leaves alone
    (as it leaves a user's f(x)) apart from simplifying its arguments.
    """
    if len(exprs) == 1:
        return [simplify(exprs[0])]
    if not exprs:
        return []
    vector = simplify(Func(_VECTOR, *exprs))
    assert isinstance(vector, Func)  # an unknown function stays a function
    return list(vector.fargs)


def directional(e: Expr, wrts: Sequence[str], direction: Sequence[Number]) -> Expr:
    """D_v f = ∇f · v/|v|, the slope of f along the direction v (normalised; v ≠ 0)."""
    _check_direction(wrts, direction)
    decimal = any(isinstance(v, float) for v in direction)
    adjoint = adjoints(e, wrts)
    # Each component scaled by its own ui (not the sum divided by |v|), so that
    # sqrt(2)/2 meets the 2 in 2*x: sqrt(2)*x + sqrt(2)*y, not sqrt(2)*(2*x + 2*y)/2.
    terms = [_scaled(u, adjoint.get(Var(name), ZERO))
             for name, u in zip(wrts, _unit_exprs(direction, decimal))]
    return simplify(_Flattener()(_sum(terms)))


def _unit_exprs(direction: Sequence[Number], decimal: bool) -> list[Expr]:
    """u = v/|v| as exact numbers, or k/sqrt(s) with an integer s when |v| is irrational.

    The direction is first scaled to the smallest integer vector along it
    ((0.5, 0.5) → (1, 1)), so a root is always of an integer: sqrt(2), not sqrt(1/2).
    """
    exact = [_exact_number(v) for v in direction]
    if not any(exact):
        raise UsageError("the direction is the zero vector, which points nowhere")
    scale = math.lcm(*(v.denominator for v in exact))
    ints = [int(v * scale) for v in exact]
    common = math.gcd(*ints)
    ints = [k // common for k in ints]
    square = sum(k * k for k in ints)
    root = math.isqrt(square)
    if root * root == square:
        return [Num(Fraction(k, root), decimal) for k in ints]
    length = func("sqrt", Num(square))
    return [ZERO if k == 0 else Div(Num(k), length) for k in ints]


def _exact_number(v: Number) -> Fraction:
    """An exact rational for a direction component; a float as the decimal it prints as."""
    if isinstance(v, float):
        if not math.isfinite(v):
            raise UsageError(f"a direction component is not a finite number ({v})")
        return Fraction(repr(v))
    return Fraction(v)


def _check_direction(wrts: Sequence[str], direction: Sequence[Number]) -> None:
    if len(direction) != len(wrts):
        raise UsageError(f"the direction has {len(direction)} components "
                         f"but there are {len(wrts)} variables")


# ------------------------------------------------------------------ numeric reverse mode


def gradient_at(e: Expr, wrts: Sequence[str], point: Point) -> list[Value]:
    """∇f at a point by numeric reverse mode: values forward, then adjoints backward.

    ∇(x^2 + 3xy + y^2) at (1, 2) is exactly (8, 7). A point outside the domain of
    f or of a local partial raises ``MathError`` naming the subexpression.
    """
    return _gradient_at(e, wrts, NodeValues([e], point))


def _gradient_at(e: Expr, wrts: Sequence[str], values: NodeValues) -> list[Value]:
    """The forward pass (any domain error of f itself first), then ``backward_values``."""
    _check_wrts(wrts)
    values.inner(e)
    adjoint = dict(backward_values(e, wrts, values))
    return [_finite(adjoint.get(Var(name), Fraction(0)), name) for name in wrts]


# ∂node/∂child at a point, by child; None where it is undefined but does not matter (the
# node's adjoint is an exact 0).
LocalValues = dict[Expr, Value | None]


def backward_values(e: Expr, wrts: Sequence[str], values: NodeValues,
                    local: dict[Expr, LocalValues] | None = None) -> Iterator[tuple[Expr, Value]]:
    """Numeric reverse mode: adjoint(child) = Σ over its users u of adjoint(u)·∂u/∂child.

    Yields (node, adjoint) for every node of ``e`` that contains one of ``wrts``,
    parents before children, so that each adjoint is complete when it is yielded;
    the output's adjoint is 1. Values are exact while everything is rational. With a
    dict ``local`` (a computation graph shows them), each node's local partials are
    recorded there after it is yielded; without, a node whose adjoint is an exact 0
    is passed over, since it contributes nothing and its partials need not exist.
    """
    targets = frozenset(wrts)
    incoming: dict[Expr, list[Value]] = {}
    for node in reversed(_varying_nodes(e, targets)):  # parents before children
        try:
            a = Fraction(1) if node is e else _value_sum(incoming.pop(node, []))
        except Overflow:  # exact terms whose sum is too large to keep (1e4000 + 1e4000)
            raise too_large(node) from None
        yield node, a
        if local is None and a == 0 and isinstance(a, Fraction):
            continue
        partials = _local_values(node, targets, values, a)
        if local is not None:
            local[node] = partials
        for child, d in partials.items():
            if d is not None:
                try:
                    incoming.setdefault(child, []).append(_value_times(a, d))
                except Overflow:
                    raise too_large(child) from None


def too_large(node: Expr) -> Overflow:
    """The error of an adjoint (∂f/∂node) beyond the float range."""
    shown = describe(node)
    return Overflow(f"the derivative with respect to {shown} is too large to represent",
                    subexpr=shown)


def _local_values(node: Expr, targets: frozenset[str], values: NodeValues,
                  adjoint: Value) -> LocalValues:
    """∂node/∂child for each child containing a target (a child used twice: summed).

    ``local_partials`` gives each as constant·before·after, expressions over the node's
    children, evaluated here. One that is undefined is an error unless the node's
    adjoint is an exact 0 (then it is None: undefined, but multiplied by 0).
    """
    found: dict[Expr, list[Value]] = {}
    for child, *factors in local_partials(node, targets):
        try:
            d = _value_product(values, factors)
        except MathError as exc:
            if adjoint == 0 and isinstance(adjoint, Fraction):
                found.setdefault(child, [])
                continue
            raise _no_derivative(exc, node, values.point) from None
        found.setdefault(child, []).append(d)
    return {child: _value_sum(ds) if ds else None for child, ds in found.items()}


def _no_derivative(exc: MathError, node: Expr, point: Mapping[str, Value]) -> MathError:
    shown = describe(node)
    where = describe_point({name: point[name] for name in sorted(node.free_vars())})
    return type(exc)(f"{shown} has no derivative at {where}: {exc.message}", subexpr=shown)


# The value of an empty product: a·1 is a, so no multiplication is needed for it.
_EXACT_ONE = Fraction(1)


def _value_times(a: Value, b: Value) -> Value:
    """a·b, exact when both are (as ``evaluate.settle_within`` keeps it)."""
    if b is _EXACT_ONE:
        return a
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return settle_within(a * b, (a, b))
    if isinstance(a, Fraction) and a == 0 or isinstance(b, Fraction) and b == 0:
        return Fraction(0)  # an exact 0 times anything finite, as evaluate() has it
    return to_float(a) * to_float(b)


def _value_product(values: NodeValues, factors: Sequence[Expr]) -> Value:
    """The value of the product of ``factors`` (1s left out), exact when all are."""
    result: Value | None = None
    for f in factors:
        if f is not ONE:
            v = values(f)
            result = v if result is None else _value_times(result, v)
    return _EXACT_ONE if result is None else result


def _value_sum(terms: Sequence[Value]) -> Value:
    """Σ terms, exact when all are (an empty sum is an exact 0)."""
    if len(terms) == 1:  # the common case, quickly; as fsum has it, -0.0 becomes 0.0
        t = terms[0]
        return t if isinstance(t, Fraction) else t + 0.0
    exact = [t for t in terms if isinstance(t, Fraction)]
    if len(exact) == len(terms):
        return settle_within(sum(exact, Fraction(0)), exact) if exact else Fraction(0)
    return math.fsum(to_float(t) for t in terms)


def _finite(v: Value, name: str) -> Value:
    if isinstance(v, float) and not math.isfinite(v):
        raise Overflow(f"the partial derivative by {name} is too large to represent")
    return v


def hessian_at(e: Expr, wrts: Sequence[str], point: Point) -> list[list[Value]]:
    """The Hessian at a point: numeric reverse mode over each symbolic ∂f/∂xi (H symmetric)."""
    values = NodeValues([e], point)
    values.inner(e)  # f itself must be defined there, not only its simplified derivatives
    n = len(wrts)
    h: list[list[Value]] = [[Fraction(0)] * n for _ in range(n)]
    for i, g in enumerate(gradient(e, wrts)):
        for j, entry in enumerate(_gradient_at(g, wrts[i:], values), start=i):
            h[i][j] = h[j][i] = entry
    return h


def jacobian_at(exprs: Sequence[Expr], wrts: Sequence[str], point: Point) -> list[list[Value]]:
    """The Jacobian at a point: one numeric backward pass per component (values shared)."""
    values = NodeValues(exprs, point)
    return [_gradient_at(f, wrts, values) for f in exprs]


def directional_at(e: Expr, wrts: Sequence[str], direction: Sequence[Number],
                   point: Point) -> Value:
    """D_v f at a point = (∇f · v)/|v|, exact when the gradient and |v| are rational.

    With an exact gradient and direction, (∇f · v)/|v| = ±sqrt((∇f · v)²/|v|²) takes
    one square root of an exact number: exact when it is rational, else the float
    nearest to it (4/sqrt(2) is 2.8284271247461903, as 2*sqrt(2) is).
    """
    _check_direction(wrts, direction)
    vs = [_as_value(v) for v in direction]
    if not any(vs):
        raise UsageError("the direction is the zero vector, which points nowhere")
    grad = gradient_at(e, wrts, point)
    dot = _value_sum([_value_times(g, v) for g, v in zip(grad, vs)])
    exact = [v for v in vs if isinstance(v, Fraction)]
    if isinstance(dot, Fraction) and len(exact) == len(vs):
        ratio = dot * dot / sum((v * v for v in exact), Fraction(0))
        root = exact_power(ratio, Fraction(1, 2))
        size = root if root is not None else math.sqrt(to_float(ratio))
        return size if dot >= 0 else -size
    return to_float(dot) / to_float(norm(vs))


# ------------------------------------------------------------------ vectors


def _as_value(v: Number) -> Value:
    return v if isinstance(v, float) else Fraction(v)


def norm(values: Sequence[Number]) -> Value:
    """|v| = sqrt(v1² + … + vn²): exact when the components and the root are rational."""
    vs = [_as_value(v) for v in values]
    exact = [v for v in vs if isinstance(v, Fraction)]
    if len(exact) == len(vs):
        square = sum((v * v for v in exact), Fraction(0))
        root = exact_power(square, Fraction(1, 2))
        if root is not None:
            return root
    return math.hypot(*(to_float(v) for v in vs))


def unit(values: Sequence[Number]) -> list[Value]:
    """v/|v|, the unit vector along v (the direction of steepest ascent, for a gradient)."""
    length = norm(values)
    if length == 0:
        raise UsageError("the zero vector has no direction")
    if isinstance(length, Fraction) and all(not isinstance(v, float) for v in values):
        return [Fraction(v) / length for v in values]
    return [to_float(_as_value(v)) / to_float(length) for v in values]
