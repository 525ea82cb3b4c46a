"""Backpropagation shown as the chain rule applied backwards over a computation graph.

``build_graph`` turns an expression into the graph a neural-network library would
record: one node per distinct subexpression of the interned DAG (so in
``sin(x*y) + x*y`` the product is one node with two users), numbered v1, v2, … in
topological order, the inputs (variables) first. ``forward`` computes every node's
value at a point; ``backward`` then walks the graph from the output down:

    adjoint(output) = 1
    adjoint(node)   = Σ over its users u of adjoint(u) · ∂u/∂node

so a node's adjoint is ∂f/∂node and an input's adjoint is ∂f/∂x. The local
derivatives ∂u/∂node come from ``calc_cli.multivar.local_partials`` (which takes
every function's outer derivative from ``calc_cli.diff``); this module only
evaluates them, one number per edge, so a view can show "∂v5/∂v3 = 2".

Constants. A subexpression without variables carries no gradient, so it is one
leaf node ("const 3", "const pi", "const sqrt(2)"), not a tree of its own, and its
adjoint is not computed (``None``). A constant exponent or base of a power is
folded into the power's label instead of being a node: ``u^2`` is the unary op
"^2" and ``e^u`` is "e^", as micrograd records ``x**2``. Every other constant
operand is a const node, an input of its user like any other.

Values are exact ``Fraction``s while everything is rational and floats otherwise,
as ``calc_cli.evaluate`` computes them; a point outside the domain of a node, or of
a local derivative that matters, raises ``MathError`` naming the subexpression.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .errors import MathError, UsageError
from .evaluate import _check_point, _outer, _value_at, describe
from .expr import ONE, Expr, Func, Pow, Var
from .multivar import local_partials, natural_order
from .numbers import Overflow, Value, format_value, json_value, settle, to_float
from .render.plain import plain

INPUT, CONST, OP = "input", "const", "op"

# ------------------------------------------------------------------ the graph


@dataclass(frozen=True)
class Node:
    """One node: ``id`` (v1, v2, …), a short ``op`` label, its inputs' ids and what it computes.

    ``kind`` is "input" (a variable), "const" (a subexpression without variables)
    or "op" (an operation on its inputs).
    """

    id: str
    op: str
    inputs: tuple[str, ...]
    expr: Expr
    kind: str


@dataclass(frozen=True)
class Graph:
    """The nodes in topological order (inputs first) and an index by expression.

    The output is the last node, unless the expression is a lone variable (then
    it is that input node, and any others in ``order`` follow it).
    """

    expr: Expr
    nodes: tuple[Node, ...]
    ids: Mapping[Expr, str]

    @property
    def output(self) -> Node:
        return self.node(self.ids[self.expr])

    @property
    def variables(self) -> list[str]:
        """The input variables, in the order of their nodes."""
        return [node.expr.name for node in self.nodes if node.kind == INPUT]  # type: ignore

    def node(self, node_id: str) -> Node:
        return self.nodes[int(node_id[1:]) - 1]


def build_graph(e: Expr, order: Sequence[str] | None = None) -> Graph:
    """The computation graph of ``e``; ``order`` lists the variables (default: natural order).

    Example: (w·input − target)^2 has nodes w, input, target, w·input, −target,
    w·input − target and (…)^2 (the exponent folded into the label "^2").
    """
    builder = _Builder()
    for name in _input_order(e, order):
        builder.add(Var(name), f"input {name}", (), INPUT)
    if not e.free_vars():
        builder.constant(e)
    for node in e.walk():
        if node.free_vars() and not isinstance(node, Var):
            builder.operation(node)
    return Graph(e, tuple(builder.nodes), builder.ids)


def _input_order(e: Expr, order: Sequence[str] | None) -> list[str]:
    """The variables of ``e`` in the given order (which must name each once), or natural order."""
    if order is None:
        return natural_order(e.free_vars())
    if isinstance(order, str) or len(set(order)) != len(order):
        raise UsageError("give the variable order as a list of distinct names")
    missing = natural_order(e.free_vars() - set(order))
    if missing:
        raise UsageError(f"the variable order does not name {', '.join(missing)}")
    return list(order)


class _Builder:
    """Numbers nodes as they are added: v1, v2, …"""

    def __init__(self) -> None:
        self.nodes: list[Node] = []
        self.ids: dict[Expr, str] = {}

    def add(self, expr: Expr, op: str, inputs: tuple[str, ...], kind: str) -> str:
        node_id = f"v{len(self.nodes) + 1}"
        self.nodes.append(Node(node_id, op, inputs, expr, kind))
        self.ids[expr] = node_id
        return node_id

    def constant(self, expr: Expr) -> str:
        """The const node of a subexpression without variables (made at its first use)."""
        known = self.ids.get(expr)
        return known if known is not None else self.add(expr, f"const {plain(expr)}", (), CONST)

    def operation(self, expr: Expr) -> None:
        """An op node; its constant operands become const nodes unless folded into the label."""
        op, operands = _label(expr)
        inputs = tuple(self.ids[a] if a.free_vars() else self.constant(a) for a in operands)
        self.add(expr, op, inputs, OP)


_SYMBOLS = {"Add": "+", "Mul": "*", "Div": "/", "Neg": "neg"}
_ATOM = re.compile(r"-?[\w.]+")


def _label(e: Expr) -> tuple[str, tuple[Expr, ...]]:
    """The op label and the operands that are inputs (a power's constant side is in the label)."""
    if isinstance(e, Pow):
        if not e.exp.free_vars():
            return "^" + _atom(e.exp), (e.base,)  # u^2: the unary op "^2"
        if not e.base.free_vars():
            return _atom(e.base) + "^", (e.exp,)  # e^u, 2^u
        return "^", e.args
    if isinstance(e, Func):
        return e.name, e.args
    return _SYMBOLS[type(e).__name__], e.args


def _atom(e: Expr) -> str:
    """A constant as it reads inside a label: 2, -1, pi, e, or (1/2) in brackets."""
    text = plain(e)
    return text if _ATOM.fullmatch(text) else f"({text})"


# ------------------------------------------------------------------ forward


class _Memo:
    """Values of nodes at one point, each computed once, as ``calc_cli.evaluate`` computes them.

    The memo keeps evaluate's inner values (exact multiples of pi), so that
    cos(pi·x) at x = 1 is exactly −1 when a local derivative needs it.
    """

    def __init__(self, graph: Graph, point: Mapping[str, Any]):
        self.point: dict[str, Value] = {}
        for name in graph.variables:  # every input, also one that f does not use
            self.point.update(_check_point(Var(name), point))
        self.memo: dict[Expr, Any] = {}

    def inner(self, e: Expr) -> Any:
        memo, stack = self.memo, [e]
        while stack:  # post-order, stopping at nodes already known
            node = stack[-1]
            if node in memo:
                stack.pop()
                continue
            missing = [a for a in node.args if a not in memo]
            if missing:
                stack.extend(missing)
                continue
            memo[node] = _value_at(node, [memo[a] for a in node.args], self.point)
            stack.pop()
        return memo[e]

    def __call__(self, e: Expr) -> Value:
        return _outer(self.inner(e))


def forward(graph: Graph, point: Mapping[str, Any]) -> dict[str, Value]:
    """Each node's value at ``point``, by id (exact where possible, as evaluate has it)."""
    values = _Memo(graph, point)
    values.inner(graph.expr)  # the whole expression first: any domain error of f itself
    return {node.id: values(node.expr) for node in graph.nodes}


# ------------------------------------------------------------------ backward

# ∂user/∂input for each op node, by input id; None where it is undefined but does not
# matter (the user's adjoint is exactly 0).
Locals = dict[str, dict[str, Value | None]]


def backward(graph: Graph, values: Mapping[str, Value]) -> tuple[dict[str, Value], Locals]:
    """(adjoints, local derivatives): adjoint(v) = Σ over users u of adjoint(u)·∂u/∂v.

    The adjoints are by id, for input and op nodes (const nodes carry no gradient);
    the local derivatives are by user id and then input id. ``values`` is what
    ``forward`` returned: the point is read from the input nodes.
    """
    point = {node.expr.name: values[node.id] for node in graph.nodes if node.kind == INPUT}  # type: ignore
    memo = _Memo(graph, point)
    wrts = frozenset(point)
    incoming: dict[str, list[Value]] = {}
    adjoints: dict[str, Value] = {}
    local: Locals = {}
    for node in reversed(graph.nodes):  # users before the nodes they use
        if node.kind == CONST and node is not graph.output:
            continue
        a = Fraction(1) if node is graph.output else _sum(incoming.pop(node.id, []))
        adjoints[node.id] = _finite(a, node)
        if node.kind == OP:
            local[node.id] = _local_derivatives(graph, node, wrts, memo, a)
            for input_id, d in local[node.id].items():
                if d is not None:
                    incoming.setdefault(input_id, []).append(_times(a, d))
    return adjoints, local


def _local_derivatives(graph: Graph, node: Node, wrts: frozenset[str], memo: _Memo,
                       adjoint: Value) -> dict[str, Value | None]:
    """∂node/∂input for each input that depends on a variable (an input used twice: summed).

    local_partials gives each as constant·before·after, expressions over the
    node's children, which are evaluated here at the point.
    """
    found: dict[str, list[Value]] = {}
    for child, *factors in local_partials(node.expr, wrts):
        try:
            d = _product([memo(f) for f in factors if f is not ONE])
        except MathError as exc:
            if adjoint == 0 and isinstance(adjoint, Fraction):
                found.setdefault(graph.ids[child], [])  # undefined, but times 0: no matter
                continue
            raise _no_derivative(exc, node.expr, memo.point) from None
        found.setdefault(graph.ids[child], []).append(d)
    return {i: _sum(ds) if ds else None for i, ds in found.items()}


def _no_derivative(exc: MathError, e: Expr, point: Mapping[str, Value]) -> MathError:
    shown = describe(e)
    where = ", ".join(f"{name} = {format_value(point[name])}" for name in sorted(e.free_vars()))
    return type(exc)(f"{shown} has no derivative at {where}: {exc.message}", subexpr=shown)


def _times(a: Value, b: Value) -> Value:
    """a·b, exact when both are; an exact 0 times anything is an exact 0."""
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return settle(a * b)
    if isinstance(a, Fraction) and a == 0 or isinstance(b, Fraction) and b == 0:
        return Fraction(0)
    return to_float(a) * to_float(b)


def _product(factors: Sequence[Value]) -> Value:
    result: Value = Fraction(1)
    for f in factors:
        result = _times(result, f)
    return result


def _sum(terms: Sequence[Value]) -> Value:
    """Σ terms, exact when all are (an empty sum is an exact 0)."""
    if all(isinstance(t, Fraction) for t in terms):
        return settle(sum(terms, Fraction(0)))  # type: ignore[arg-type]
    return math.fsum(to_float(t) for t in terms)


def _finite(v: Value, node: Node) -> Value:
    if isinstance(v, float) and not math.isfinite(v):
        shown = describe(node.expr)
        raise Overflow(f"the derivative with respect to {shown} is too large to represent",
                       subexpr=shown)
    return v


# ------------------------------------------------------------------ together


@dataclass(frozen=True)
class Backprop:
    """A forward and a backward pass at one point.

    ``values``, ``adjoints`` and ``local`` are by node id (see ``forward`` and
    ``backward``); ``value`` is f at the point and ``gradient`` maps each input
    variable to ∂f/∂x, in the order of the input nodes.
    """

    graph: Graph
    point: dict[str, Value]
    values: dict[str, Value]
    adjoints: dict[str, Value]
    local: Locals
    value: Value
    gradient: dict[str, Value]


def backprop(e: Expr, point: Mapping[str, Any], order: Sequence[str] | None = None) -> Backprop:
    """Build the graph of ``e``, run it forward at ``point``, then backward from the output.

    Example: (w·input − target)^2 at w = 2, input = 3, target = 10 has prediction
    w·input = 6, error −4, loss 16, and ∇ = (∂/∂w, ∂/∂input, ∂/∂target) = (−24, −16, 8).
    """
    graph = build_graph(e, order)
    values = forward(graph, point)
    adjoints, local = backward(graph, values)
    inputs = [node for node in graph.nodes if node.kind == INPUT]
    return Backprop(
        graph=graph,
        point={n.expr.name: values[n.id] for n in inputs},  # type: ignore[attr-defined]
        values=values,
        adjoints=adjoints,
        local=local,
        value=values[graph.output.id],
        gradient={n.expr.name: adjoints[n.id] for n in inputs},  # type: ignore[attr-defined]
    )


def to_json(bp: Backprop) -> dict:
    """The JSON object of ``calc backprop --json`` (numbers via ``json_value``).

    {"expr", "at", "value", "gradient", "nodes": [{"id", "op", "inputs", "expr",
    "value", "grad", "local"}]}: "grad" is null for const nodes, "local" (∂node/∂input
    by input id, null where undefined but multiplied by 0) only on op nodes. A node's
    "expr" is in plain syntax, or only its outer shape, ``sin(…)``, when it has more
    than ``evaluate.MAX_NAMED_NODES`` nodes as a tree.
    """
    return {
        "expr": plain(bp.graph.expr),
        "at": _numbers(bp.point),
        "value": json_value(bp.value),
        "gradient": _numbers(bp.gradient),
        "nodes": [_node_json(bp, node) for node in bp.graph.nodes],
    }


def _node_json(bp: Backprop, node: Node) -> dict:
    grad = bp.adjoints.get(node.id)
    obj: dict[str, Any] = {
        "id": node.id,
        "op": node.op,
        "inputs": list(node.inputs),
        "expr": describe(node.expr),  # in full unless huge: a deep chain would print n² text
        "value": json_value(bp.values[node.id]),
        "grad": None if grad is None else json_value(grad),
    }
    if node.kind == OP:
        obj["local"] = {i: None if d is None else json_value(d)
                        for i, d in bp.local[node.id].items()}
    return obj


def _numbers(values: Mapping[str, Value]) -> dict[str, Any]:
    return {name: json_value(v) for name, v in values.items()}
