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
every function's outer derivative from ``calc_cli.diff``), evaluated one number per
edge by ``calc_cli.multivar.backward_values``, the numeric pass that ``calc grad --at``
runs too; this module keeps those numbers by node, so a view can show "∂v5/∂v3 = 2".

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

from .errors import UsageError
from .evaluate import NodeValues, describe
from .expr import Expr, Func, Pow, Var
from .multivar import LocalValues, backward_values, natural_order, too_large
from .numbers import Value, json_value
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


def _node_values(graph: Graph, point: Mapping[str, Any]) -> NodeValues:
    """Values at ``point`` of the graph's nodes, each computed once, as evaluate has them.

    Every input needs a value, also one that f does not use.
    """
    return NodeValues([Var(name) for name in graph.variables], point)


def forward(graph: Graph, point: Mapping[str, Any]) -> dict[str, Value]:
    """Each node's value at ``point``, by id (exact where possible, as evaluate has it)."""
    values = _node_values(graph, point)
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
    ``forward`` returned: the point is read from the input nodes. The pass itself is
    ``multivar.backward_values``, the one ``calc grad --at`` runs, so both give the
    same numbers.
    """
    point = {node.expr.name: values[node.id] for node in graph.nodes if node.kind == INPUT}  # type: ignore
    by_expr: dict[Expr, Value] = {}
    local_by_expr: dict[Expr, LocalValues] = {}
    for expr, a in backward_values(graph.expr, list(point), _node_values(graph, point),
                                   local_by_expr):
        node = graph.node(graph.ids[expr])
        if node.kind == OP:
            _finite(a, node)  # before its local derivatives are evaluated, which may fail
        by_expr[expr] = a
    adjoints: dict[str, Value] = {}
    local: Locals = {}
    for node in reversed(graph.nodes):  # users before the nodes they use
        if node.kind == CONST and node is not graph.output:
            continue
        a = Fraction(1) if node is graph.output else by_expr.get(node.expr, Fraction(0))
        adjoints[node.id] = _finite(a, node)
        if node.kind == OP:
            local[node.id] = {graph.ids[child]: d for child, d in local_by_expr[node.expr].items()}
    return adjoints, local


def _finite(v: Value, node: Node) -> Value:
    if isinstance(v, float) and not math.isfinite(v):
        raise too_large(node.expr)
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
