"""Derivation traces as text: indented plain lines for pipes, an align* block for LaTeX.

The words for each rule live here (``RULE_NAMES``); the trace itself is data
(``calc_cli.trace.Step``). The terminal's Rich tree reuses ``rule_title`` and
``claim`` so that every view says the same thing.
"""

from __future__ import annotations

import re
from typing import Callable, Iterator, Optional

from ..expr import Add, Div, Expr, Mul, Neg, Num, Var, substitute
from ..trace import FORMULAS, Step
from .latex import latex
from .plain import plain

RULE_NAMES = {
    "derivative": "derivative",
    "constant": "constant rule",
    "variable": "variable rule",
    "held_constant": "held constant",
    "constant_multiple": "constant multiple rule",
    "sum": "sum rule",
    "difference": "difference rule",
    "power": "power rule",
    "product": "product rule",
    "quotient": "quotient rule",
    "chain": "chain rule",
    "exp": "exponential rule",
    "log": "logarithm rule",
    "trig": "trigonometric rule",
    "inverse_trig": "inverse trigonometric rule",
    "hyperbolic": "hyperbolic rule",
    "general_power": "general power rule",
    "root": "root rule",
    "abs": "absolute value rule",
    "abstract": "abstract function",
    "activation": "activation function rule",
    "repeat": "as before",
    "simplify": "simplify",
}


def rule_title(step: Step) -> str:
    return RULE_NAMES.get(step.rule, step.rule.replace("_", " "))


# Rules whose step line is already the formula (d/du sin(u) = cos(u)), or that need none.
_SELF_EVIDENT = {"trig", "inverse_trig", "hyperbolic", "log", "exp", "root", "abs", "abstract",
                 "activation",
                 "repeat", "derivative", "simplify", "variable", "constant", "held_constant"}


def formula(step: Step) -> Optional[str]:
    """The general rule beside its name, for the rules that combine others."""
    if step.rule in _SELF_EVIDENT:
        return None
    text = FORMULAS.get(step.rule)
    # Drop a closing remark such as "(n factors: …)", keeping brackets of the formula itself.
    return re.sub(r" \([^()]* [^()]*\)$", "", text) if text else None


def grouped(e: Expr, printer: Callable[[Expr], str]) -> str:
    text = printer(e)
    compound = isinstance(e, (Add, Mul, Div, Neg)) or (isinstance(e, Num) and e.value < 0)
    return f"({text})" if compound else text


def claim(step: Step, var: str, printer: Callable[[Expr], str] = plain) -> str:
    """``d/dx (x^2 + 1) = 2*x`` — what the step establishes (``var`` "u": a chain's outer step)."""
    if step.rule == "simplify":
        if step.expr is step.result:
            return f"{printer(step.result)} (already in simplest form)"
        return f"{printer(step.expr)} = {printer(step.result)}"
    expr, result = in_terms_of_u(step) if var == "u" else (step.expr, step.result)
    return f"d/d{var} {grouped(expr, printer)} = {printer(result)}"


def in_terms_of_u(step: Step) -> tuple[Expr, Expr]:
    """A chain rule's outer step written with u for the inner expression: d/du u^3 = 3*u^2."""
    u = step.detail["u"]
    return substitute(step.expr, u, Var("u")), substitute(step.result, u, Var("u"))


def extras(step: Step, printer: Callable[[Expr], str] = plain) -> list[str]:
    """The chain rule's ``u = …``, a note, and references between repeated steps."""
    words = []
    if step.rule == "chain" and "u" in step.detail:
        words.append(f"u = {printer(step.detail['u'])}")
    if step.note:
        words.append(step.note)
    if step.label is not None:
        words.append(f"step {step.label}")
    if step.ref is not None:
        words.append(f"shown at step {step.ref}")
    return words


def walk(step: Step, depth: int = 0, wrt: str = "x") -> Iterator[tuple[int, Step, str]]:
    """Pre-order over the trace, iteratively: (depth, step, the variable it differentiates by).

    The first substep of a chain rule is the outer derivative f′(u): it is by ``u``.
    """
    stack = [(depth, step, wrt)]
    while stack:
        d, s, var = stack.pop()
        yield d, s, var
        for i in reversed(range(len(s.substeps))):
            outer = s.rule == "chain" and i == 0 and "u" in s.substeps[0].detail
            stack.append((d + 1, s.substeps[i], "u" if outer else wrt))


def plain_steps(top: Step, wrts: list[str], answer: Expr) -> str:
    """The trace as indented text: one step a line, rules nested as they nest."""
    lines = []
    for depth, step, wrt in with_variables(top, wrts):
        if step.rule == "derivative":
            lines.append(f"{'  ' * depth}{_derivative_heading(step, wrt)}")
            continue
        extra = "; ".join(extras(step))
        tail = f"   [{extra}]" if extra else ""
        lines.append(f"{'  ' * depth}{rule_title(step)}: {claim(step, wrt)}{tail}")
    lines.append(f"answer: {plain(answer)}")
    return "\n".join(lines)


def _derivative_heading(step: Step, wrt: str) -> str:
    return f"d/d{wrt} {grouped(step.expr, plain)}:"


def with_variables(top: Step, wrts: list[str]) -> Iterator[tuple[int, Step, str]]:
    """Each step with the variable it differentiates by, order after order."""
    if len(wrts) == 1:
        yield from walk(top, 0, wrts[0])
        return
    yield 0, top, wrts[0]
    for order, wrt in zip(top.substeps, wrts):
        yield from walk(order, 1, wrt)


def latex_steps(top: Step, wrts: list[str], answer: Expr) -> str:
    """The steps as an ``align*`` block, one rule a row, its name as a tag."""
    rows = []
    for _, step, wrt in with_variables(top, wrts):
        if step.rule == "derivative":
            continue
        if step.rule == "simplify":
            left, result = latex(step.expr), step.result
        else:
            expr, result = in_terms_of_u(step) if wrt == "u" else (step.expr, step.result)
            left = rf"\frac{{d}}{{d{_latex_var(wrt)}}}\left({latex(expr)}\right)"
        rows.append(rf"{left} &= {latex(result)} && \text{{{rule_title(step)}}}")
    rows.append(rf"\text{{answer}} &= {latex(answer)}")
    return "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}"


def _latex_var(name: str) -> str:
    return latex(Var(name)) if name != "u" else "u"


__all__ = ["plain_steps", "latex_steps", "claim", "extras", "rule_title", "formula", "walk"]
