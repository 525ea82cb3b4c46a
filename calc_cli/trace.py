"""Derivation traces: a tree of small rule steps, data rather than prose.

A ``Step`` says "the derivative of ``expr`` is ``result``, by ``rule``", with the
sub-derivations the rule needed as ``substeps``. Renderers choose the words;
``to_dict`` is a straight, versioned serialisation of the same tree.

Rule ids (stable: JSON consumers and renderers key on them):

=================  ================================================================
rule               meaning
=================  ================================================================
constant           a number, pi, e, or an expression of them: derivative 0
variable           the variable we differentiate by: derivative 1
held_constant      another variable, or a subtree without the variable: derivative 0
constant_multiple  c·u, u/c or −u with c free of the variable: c·u′ (detail c, u)
sum                u + v + …: the derivative of each term
difference         a sum with subtracted terms: u′ − v′
power              u^n with a constant exponent n: n·u^(n−1)
product            u·v·…, two or more varying factors (detail f, g, h or f1 … fn)
quotient           f/g with a varying denominator (detail f, g)
chain              f(u) for an inner u other than the bare variable (detail u);
                   substeps: the outer derivative (with respect to u), then u′
exp                e^u, a^u with a constant base, exp(u)
log                ln, log, log10, log2, log(u, b)
trig               sin cos tan sec csc cot
inverse_trig       asin acos atan
hyperbolic         sinh cosh tanh
general_power      f^g with both depending on the variable (detail f, g)
root               sqrt, cbrt
abs                abs(u) (not differentiable where u = 0)
abstract           a declared function f(u): f′(u)
activation         sigmoid, softplus, relu (and heaviside, relu's derivative)
repeat             a derivation already shown: ``ref`` is the ``label`` of that step
simplify           the raw derivative rewritten in simplest form (same value)
=================  ================================================================

The outer-derivative substep of a ``chain`` step carries ``detail = {"u": u}``:
it is the derivative with respect to ``u``, not with respect to the variable.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from .expr import Expr

TRACE_VERSION = 1

# Deeper steps than this are cut (with a note): renderers and JSON stay shallow.
MAX_TRACE_DEPTH = 200
OMITTED_NOTE = "… (deeper steps omitted)"

FORMULAS: dict[str, str] = {
    "constant": "d/dx c = 0",
    "variable": "d/dx x = 1",
    "held_constant": "d/dx y = 0 (y does not depend on x)",
    "constant_multiple": "d/dx (c·u) = c·u′",
    "sum": "d/dx (u + v) = u′ + v′",
    "difference": "d/dx (u − v) = u′ − v′",
    "power": "d/dx x^n = n·x^(n−1)",
    "product": "d/dx (f·g) = f′·g + f·g′ (n factors: n terms, one factor differentiated in each)",
    "quotient": "d/dx (f/g) = (f′·g − f·g′)/g^2",
    "chain": "d/dx f(u) = f′(u)·u′",
    "exp": "d/dx e^x = e^x; d/dx a^x = ln(a)·a^x; d/dx exp(x) = exp(x)",
    "log": "d/dx ln(x) = 1/x; d/dx log(x, b) = 1/(ln(b)·x); log10: b = 10, log2: b = 2",
    "trig": "d/dx sin(x) = cos(x); cos → −sin(x); tan → sec(x)^2; sec → sec(x)·tan(x); "
            "csc → −csc(x)·cot(x); cot → −csc(x)^2",
    "inverse_trig": "d/dx asin(x) = 1/sqrt(1 − x^2); acos → −1/sqrt(1 − x^2); atan → 1/(1 + x^2)",
    "hyperbolic": "d/dx sinh(x) = cosh(x); cosh → sinh(x); tanh → 1 − tanh(x)^2",
    "general_power": "d/dx f^g = f^g·(g′·ln(f) + g·f′/f)",
    "root": "d/dx sqrt(x) = 1/(2·sqrt(x)); d/dx cbrt(x) = 1/(3·cbrt(x)^2)",
    "abs": "d/dx abs(x) = x/abs(x) (x ≠ 0)",
    "abstract": "d/dx f(x) = f′(x)",
    "activation": "d/dx sigmoid(x) = sigmoid(x)·(1 − sigmoid(x)); softplus → sigmoid(x); "
                  "relu → heaviside(x) (1 for x > 0, 0 for x < 0, none at 0)",
    "repeat": "the same derivative as the step it refers to",
    "simplify": "the same value, written in simplest form",
}

RULES = tuple(FORMULAS)


def _empty() -> Mapping[str, Expr]:
    return MappingProxyType({})


_FIELDS = ("rule", "expr", "result", "substeps", "note", "detail", "label", "ref")


class Step:
    """The derivative of ``expr`` is ``result``, by ``rule``.

    ``label`` numbers a step that a later ``repeat`` step refers to by ``ref``. Immutable.
    (A plain class, not a frozen dataclass: building one costs every command start-up time.)
    """

    __slots__ = _FIELDS
    rule: str
    expr: Expr
    result: Expr
    substeps: tuple[Step, ...]
    note: str | None
    detail: Mapping[str, Expr]
    label: int | None
    ref: int | None

    def __init__(self, rule: str, expr: Expr, result: Expr, substeps: tuple[Step, ...] = (),
                 note: str | None = None, detail: Mapping[str, Expr] | None = None,
                 label: int | None = None, ref: int | None = None) -> None:
        values = (rule, expr, result, substeps, note,
                  _empty() if detail is None else detail, label, ref)
        for name, value in zip(_FIELDS, values):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"Step is immutable: cannot assign to {name!r}")

    def replace(self, **changes: Any) -> Step:
        """A copy with some fields changed."""
        fields = {name: getattr(self, name) for name in _FIELDS}
        fields.update(changes)
        return Step(**fields)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Step):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in _FIELDS)

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, n) for n in _FIELDS if n != "detail"))

    def __repr__(self) -> str:
        shown = ", ".join(f"{n}={getattr(self, n)!r}" for n in _FIELDS)
        return f"Step({shown})"


def to_dict(
    step: Step, printer: Callable[[Expr], str], wrt: str | None = None
) -> dict[str, Any]:
    """The trace as JSON-ready nested dicts, with ``version`` (and ``wrt``) on the top level."""
    top: dict[str, Any] = {"version": TRACE_VERSION}
    if wrt is not None:
        top["wrt"] = wrt
    top.update(_step_dict(step, printer))
    return top


def _step_dict(step: Step, printer: Callable[[Expr], str]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "rule": step.rule,
        "expr": printer(step.expr),
        "result": printer(step.result),
        "substeps": [_step_dict(s, printer) for s in step.substeps],
    }
    if step.note is not None:
        out["note"] = step.note
    if step.detail:
        out["detail"] = {k: printer(v) for k, v in step.detail.items()}
    if step.label is not None:
        out["label"] = step.label
    if step.ref is not None:
        out["ref"] = step.ref
    return out


def share_repeats(top: Step, max_depth: int = MAX_TRACE_DEPTH) -> Step:
    """A step DAG (equal sub-derivations are one shared object) as a readable tree.

    The first time a compound step appears (in reading order) it is shown in
    full; every later appearance becomes a ``repeat`` step whose ``ref`` is
    the first one's ``label``. Steps below ``max_depth`` lose their substeps
    and say so in a note. Leaf steps (no substeps) are simply shown again.
    """
    survey = _Layout(max_depth, labels=None)
    survey.place(top, 0)
    final = _Layout(max_depth, labels={}, referenced=survey.referenced)
    return final.place(top, 0)


class _Layout:
    """One reading-order pass; run twice so labels go only on steps referred to."""

    def __init__(self, max_depth: int, labels: dict[int, int] | None,
                 referenced: frozenset[int] | set[int] = frozenset()):
        self.max_depth = max_depth
        self.labels = labels
        self.referenced = set(referenced) if labels is not None else set()
        self.shown: set[int] = set()

    def place(self, step: Step, depth: int) -> Step:
        if not step.substeps:
            return step
        key = id(step)
        if key in self.shown:
            return self._repeat(step)
        if depth >= self.max_depth:
            note = OMITTED_NOTE if step.note is None else f"{step.note}; {OMITTED_NOTE}"
            return step.replace(substeps=(), note=note)
        self.shown.add(key)
        label = None
        if self.labels is not None and key in self.referenced:
            label = self.labels[key] = len(self.labels) + 1
        subs = tuple(self.place(s, depth + 1) for s in step.substeps)
        return step.replace(substeps=subs, label=label)

    def _repeat(self, step: Step) -> Step:
        if self.labels is None:
            self.referenced.add(id(step))
            return step
        return Step("repeat", step.expr, step.result, ref=self.labels[id(step)])
