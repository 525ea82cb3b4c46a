"""Rich views for a terminal. With cli.py, the only importer of rich (lazily, at call time)."""

from __future__ import annotations

from typing import Mapping, Optional

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from ..expr import Add, Const, Div, Expr, Func, Mul, Neg, Num, Pow, Var
from .unicode import pretty

ANSWER = "bold green"
NOTE = "dim italic"
LABEL = "cyan"


def make_console(color: Optional[bool] = None, width: Optional[int] = None) -> Console:
    """A console for stdout; ``color`` None follows the environment (NO_COLOR, FORCE_COLOR, TERM)."""
    if color is None:
        return Console(width=width, highlight=False)
    if color:
        return Console(force_terminal=True, width=width, highlight=False)
    return Console(no_color=True, color_system=None, width=width, highlight=False)


def notes_view(notes) -> Optional[Text]:
    """Dimmed notes; ``notes`` is a Parsed (its products printed in Unicode) or a list."""
    if hasattr(notes, "all_notes"):
        notes = notes.all_notes(pretty)
    if not notes:
        return None
    return Text("\n".join(f"note: {n}" for n in notes), style=NOTE)


def _kind(e: Expr) -> str:
    if isinstance(e, Num):
        return "number"
    if isinstance(e, Var):
        return "variable"
    if isinstance(e, Const):
        return "constant"
    if isinstance(e, Add):
        return "sum"
    if isinstance(e, Mul):
        return "product"
    if isinstance(e, Div):
        return "quotient"
    if isinstance(e, Pow):
        return "power"
    if isinstance(e, Neg):
        return "negation"
    if isinstance(e, Func):
        return f"function {e.name}"
    return type(e).__name__


def expr_tree(e: Expr, max_nodes: int = 200) -> Tree:
    """The expression as a tree: each node's kind and its value in textbook form."""
    root = Tree(_label(e))
    stack = [(root, e)]
    shown = 1
    while stack:
        branch, node = stack.pop(0)
        for child in node.args:
            if shown >= max_nodes:
                branch.add(Text("…", style=NOTE))
                stack.clear()
                break
            shown += 1
            stack.append((branch.add(_label(child)), child))
    return root


def _label(e: Expr) -> Text:
    text = Text()
    text.append(_kind(e), style=LABEL)
    if e.args:
        text.append("  ")
        text.append(pretty(e), style="dim")
    else:
        text.append("  ")
        text.append(pretty(e), style="bold")
    return text


def show_parse(console: Console, text: str, parsed) -> None:
    parts = [Text.assemble(("read as  ", LABEL), (pretty(parsed.expr), ANSWER)), expr_tree(parsed.expr)]
    notes = notes_view(parsed)
    if notes:
        parts.append(notes)
    console.print(Panel(Group(*parts), title=Text(text), title_align="left", expand=False))


def point_text(values: Mapping[str, object]) -> str:
    from ..numbers import format_value

    return ", ".join(f"{pretty(Var(k))} = {format_value(v)}" for k, v in values.items())


def show_eval(console: Console, text: str, parsed, values, value, shown: str) -> None:
    title = pretty(parsed.expr)
    if values:
        title += f"  at  {point_text(values)}"
    body = [Text.assemble(("= ", LABEL), (shown, ANSWER))]
    notes = notes_view(parsed)
    if notes:
        body.append(notes)
    console.print(Panel(Group(*body), title=Text(title), title_align="left", expand=False))


def values_table(rows) -> Table:
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style=LABEL)
    table.add_column()
    for label, value in rows:
        table.add_row(label, value)
    return table


_SUPERSCRIPT_DIGITS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def operator_text(wrts, partial: bool) -> str:
    """d/dx, d²/dx², ∂/∂x or ∂²/∂y∂x (the last variable applied is written first)."""
    d = "∂" if partial else "d"
    order = len(wrts)
    names = [pretty(Var(v)) for v in wrts]
    top = d if order == 1 else d + str(order).translate(_SUPERSCRIPT_DIGITS)
    if len(set(wrts)) == 1:
        power = "" if order == 1 else str(order).translate(_SUPERSCRIPT_DIGITS)
        return f"{top}/{d}{names[0]}{power}"
    return f"{top}/" + "".join(f"{d}{n}" for n in reversed(names))


def prime_name(wrts, partial: bool) -> str:
    if partial or len(set(wrts)) > 1:
        return operator_text(wrts, True) + " f"
    return "f" + "′" * len(wrts) if len(wrts) <= 3 else f"f⁽{len(wrts)}⁾"


def arguments_text(values: Mapping[str, object]) -> str:
    """The point as a function's arguments: f(1) or f(1, 2)."""
    from ..numbers import format_value

    return ", ".join(format_value(v) for v in values.values())


def show_diff(console: Console, parsed, wrts, derivative, values, shown) -> None:
    e = parsed.expr
    partial = len(e.free_vars()) > 1
    title = f"{operator_text(wrts, partial)} {grouped(e, pretty)}"
    body = [Text.assemble((prime_name(wrts, partial) + " = ", LABEL), (pretty(derivative), ANSWER))]
    if values is not None:
        at = arguments_text(values)
        body.append(Text(""))
        body.append(values_table([
            (f"f({at})", shown[0]),
            (f"{prime_name(wrts, partial)}({at})", Text(shown[1], style=ANSWER)),
        ]))
    notes = notes_view(parsed)
    if notes:
        body.append(notes)
    console.print(Panel(Group(*body), title=Text(title), title_align="left", expand=False))


def steps_tree(top, wrts) -> Tree:
    """The derivation as a Rich tree: each branch a rule, its formula beside its name."""
    from .steps import claim, extras, formula, rule_title, with_variables

    root: Optional[Tree] = None
    parents: list[Tree] = []
    for depth, step, wrt in with_variables(top, wrts):
        label = Text()
        if step.rule == "derivative":
            label.append(f"d/d{pretty(Var(wrt))} ", style="bold")
            label.append(pretty(step.expr), style="bold")
        else:
            label.append(rule_title(step), style="bold " + LABEL)
            rule_formula = formula(step)
            if rule_formula and step.rule not in ("repeat",):
                label.append(f"   {rule_formula}", style="dim")
            label.append("\n")
            label.append(claim(step, wrt, pretty), style=ANSWER if step.rule == "simplify" else "")
            more = extras(step, pretty)
            if more:
                label.append("   " + "; ".join(more), style=NOTE)
        if root is None:
            root = Tree(label)
            parents = [root]
            continue
        del parents[depth:]
        parents.append(parents[-1].add(label))
    return root if root is not None else Tree("")


def grouped(e, printer):
    from .steps import grouped as group

    return group(e, printer)


def show_explain(console: Console, parsed, wrts, top, derivative, values, shown) -> None:
    e = parsed.expr
    partial = len(e.free_vars()) > 1
    title = f"{operator_text(wrts, partial)} {grouped(e, pretty)}"
    body = [steps_tree(top, wrts), Text(""),
            Text.assemble((prime_name(wrts, partial) + " = ", LABEL), (pretty(derivative), ANSWER))]
    if values is not None:
        at = arguments_text(values)
        body.append(values_table([
            (f"f({at})", shown[0]),
            (f"{prime_name(wrts, partial)}({at})", Text(shown[1], style=ANSWER)),
        ]))
    notes = notes_view(parsed)
    if notes:
        body.append(notes)
    console.print(Panel(Group(*body), title=Text(title), title_align="left", expand=False))


def _partial_label(var: str, f: str = "f") -> str:
    return f"∂{f}/∂{pretty(Var(var))}"


def show_grad(console: Console, parsed, wrts, grad, values, at_point, lr, decimal,
              directional) -> None:
    """∇f with labelled partials; at a point: values, length, ascent direction, one descent step."""
    from ..multivar import norm, unit
    from ..numbers import format_value

    e = parsed.expr
    table = Table(box=None, pad_edge=False, show_header=values is not None)
    table.add_column("", style=LABEL)
    table.add_column("")
    if values is not None:
        table.add_column(f"at {point_text(values)}", style=ANSWER, justify="right")
    for i, (var, g) in enumerate(zip(wrts, grad)):
        row = [_partial_label(var), Text(pretty(g), style="" if values is not None else ANSWER)]
        if values is not None:
            row.append(format_value(at_point[i], decimal))
        table.add_row(*row)
    body = [table]
    if values is not None:
        length = norm(at_point)
        body.append(Text(""))
        body.append(values_table([
            ("|∇f|", format_value(length, decimal)),
            ("steepest ascent", "(" + ", ".join(format_value(u, decimal or isinstance(u, float))
                                                for u in unit(at_point)) + ")"
             if length != 0 else "none: the gradient is zero (a stationary point)"),
        ]))
        step = [format_value(_step(values[v], lr, g), True) for v, g in zip(wrts, at_point)]
        old = ", ".join(format_value(values[v], decimal) for v in wrts)
        body.append(Text.assemble(
            ("one descent step ", LABEL), (f"new = old − {format_value(lr, True)} × ∇f", "dim"), ":  (", old, ") → (",
            (", ".join(step), ANSWER), ")"))
    dir_values, along, slope = directional
    if along is not None:
        body.append(Text(""))
        direction = ", ".join(format_value(v) for v in dir_values)
        line = Text.assemble(("slope along ", LABEL), f"({direction})", ("  ", ""),
                             (pretty(along), ANSWER if slope is None else ""))
        if slope is not None:
            line.append(f"  =  {format_value(slope, decimal)}", style=ANSWER)
        body.append(line)
    notes = notes_view(parsed)
    if notes:
        body.append(notes)
    title = f"∇ {pretty(e)}"
    console.print(Panel(Group(*body), title=Text(title), title_align="left", expand=False))


def _step(old, lr, g):
    """new = old − lr·g, exact when all three are."""
    from fractions import Fraction

    from ..numbers import to_float

    if all(isinstance(v, Fraction) for v in (old, lr, g)):
        return old - lr * g
    return to_float(old) - to_float(lr) * to_float(g)


def show_matrix(console: Console, name, notes, fs, wrts, rows, values, at_rows, decimal) -> None:
    """A Hessian or Jacobian as a table whose headers are the variables."""
    from ..numbers import format_value

    table = Table(title=None, show_lines=False, header_style=LABEL)
    table.add_column("")
    for var in wrts:
        table.add_column(f"∂/∂{pretty(Var(var))}", justify="center")
    labels = ([f"∂f/∂{pretty(Var(v))}" for v in wrts] if name == "Hessian"
              else [pretty(f) for f in fs])
    for label, row in zip(labels, rows):
        table.add_row(Text(label, style=LABEL), *[Text(pretty(x)) for x in row])
    body = [table]
    if at_rows is not None:
        at = Table(title=f"at {point_text(values)}", header_style=LABEL)
        at.add_column("")
        for var in wrts:
            at.add_column(f"∂/∂{pretty(Var(var))}", justify="right")
        for label, row in zip(labels, at_rows):
            at.add_row(Text(label, style=LABEL),
                       *[Text(format_value(v, decimal), style=ANSWER) for v in row])
        body.append(at)
    view = notes_view(notes)
    if view:
        body.append(view)
    title = f"{name} of " + ", ".join(pretty(f) for f in fs)
    console.print(Panel(Group(*body), title=Text(title), title_align="left", expand=False))


def _short(e: Expr, limit: int = 40) -> str:
    """A node's expression in Unicode, abbreviated when long (a deep graph has huge subtrees)."""
    from ..evaluate import describe

    text = pretty(e) if sum(1 for _ in zip(range(60), e.walk())) < 60 else describe(e)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def show_backprop(console: Console, parsed, bp, decimal: bool) -> None:
    """The graph as a table: forward values, local derivatives, adjoints; then ∂f/∂v."""
    from ..numbers import format_value

    def number(v):
        return "—" if v is None else format_value(v, decimal)

    table = Table(header_style=LABEL, box=None, pad_edge=False)
    for column, justify in (("node", "left"), ("op", "left"), ("inputs", "left"),
                            ("computes", "left"), ("value", "right"),
                            ("local ∂node/∂input", "left"), ("gradient ∂f/∂node", "right")):
        table.add_column(column, justify=justify)
    for node in bp.graph.nodes:
        local = bp.local.get(node.id, {})
        table.add_row(
            node.id, node.op, " ".join(node.inputs), _short(node.expr),
            number(bp.values[node.id]),
            ", ".join(f"{k}: {number(v)}" for k, v in local.items()),
            Text(number(bp.adjoints.get(node.id)), style=ANSWER if node.kind == "input" else ""))
    summary = values_table([(f"∂f/∂{pretty(Var(v))}", Text(number(g), style=ANSWER))
                            for v, g in bp.gradient.items()])
    explain = Text(
        "forward: each node's value from its inputs.  backward: the output's gradient is 1; "
        "each node's gradient is Σ over its users of (user's gradient × local derivative).",
        style=NOTE)
    body = [Text.assemble(("at ", LABEL), point_text(bp.point)), table, Text(""),
            Text.assemble(("f = ", LABEL), (number(bp.value), ANSWER)), summary, explain]
    notes = notes_view(parsed)
    if notes:
        body.append(notes)
    title = f"backpropagation through {pretty(parsed.expr)}"
    console.print(Panel(Group(*body), title=Text(title), title_align="left", expand=False))


class _Progress:
    """A progress bar on stderr for long runs; never in a pipe or with --json."""

    def __init__(self, color: Optional[bool], total: int):
        from rich.progress import Progress

        self._progress = Progress(console=Console(stderr=True, no_color=color is False),
                                  transient=True)
        self._task = self._progress.add_task("descending", total=total)
        self._progress.start()

    def advance(self, iteration) -> None:
        if iteration.step % 100 == 0:
            self._progress.update(self._task, completed=iteration.step)

    def close(self) -> None:
        self._progress.stop()


def progress_bar(color: Optional[bool], total: int) -> _Progress:
    return _Progress(color, total)


def short_number(v, decimal: bool = False) -> str:
    """A number for a table cell: exact when short, else six significant digits."""
    from ..numbers import format_value

    text = format_value(v, decimal)
    if len(text) <= 10:
        return text
    return f"{float(v):.5g}"


def show_descent(console: Console, parsed, run, decimal: bool) -> None:
    """Thinned table of iterations, the loss curve, and how the run ended."""
    from ..descent import thin
    from ..numbers import format_value

    def format_value(v, decimal):  # noqa: F811 - table cells stay narrow
        return short_number(v, decimal)

    table = Table(header_style=LABEL, box=None, pad_edge=False)
    table.add_column("step", justify="right")
    for v in run.vars:
        table.add_column(pretty(Var(v)), justify="right")
    table.add_column("f", justify="right")
    for v in run.vars:
        table.add_column(f"∂f/∂{pretty(Var(v))}", justify="right")
    table.add_column("step size", justify="right")
    shown = thin(run.path, 20)
    previous = None
    for it in shown:
        if previous is not None and it.step != previous + 1:
            table.add_row("…", *[""] * (2 * len(run.vars) + 2))
        previous = it.step
        table.add_row(str(it.step), *[format_value(it.point[v], decimal) for v in run.vars],
                      format_value(it.value, decimal),
                      *[format_value(it.gradient[v], decimal) if it.gradient else "—"
                        for v in run.vars],
                      format_value(it.step_size, decimal))
    body = [Text.assemble(("new = old − ", "dim"), (format_value(run.lr, True), "bold"),
                          (" × ∇f", "dim")), table]
    plot = _loss_plot(run, console)
    if plot:
        body += [Text(""), plot]
    from ..commands.learning import descent_summary

    style = ANSWER if run.status == "converged" else "bold yellow"
    body.append(Text(descent_summary(run), style=style))
    notes = notes_view(parsed)
    if notes:
        body.append(notes)
    title = f"gradient descent on {pretty(parsed.expr)}"
    console.print(Panel(Group(*body), title=Text(title), title_align="left", expand=False))


def _loss_plot(run, console: Console):
    """The loss curve from render.plot, when there is a curve to draw."""
    import math

    from ..numbers import to_float

    values = [to_float(it.value) for it in run.path]
    if len(values) < 2 or not any(math.isfinite(v) for v in values):
        return None
    try:
        from .plot import loss_curve
    except ImportError:
        return None
    width = max(40, min(console.width - 6, 100))
    text = loss_curve(values, width=width, height=14, color=console.is_terminal and
                      not console.no_color and console.color_system is not None)
    return Text.from_ansi(text)


def show_tangent(console: Console, parsed, t, values, decimal: bool, picture) -> None:
    """f(a), f′(a) and the tangent line, with the plot when asked for."""
    from ..numbers import format_value

    var = pretty(Var(t.var))
    at = format_value(t.a, decimal)
    rows = [(f"f({at})", format_value(t.value, decimal)),
            (f"f′({at})", f"{format_value(t.slope, decimal)}   (the slope)"),
            ("f′", pretty(t.derivative))]
    body = [values_table(rows), Text(""),
            Text.assemble(("tangent  ", LABEL), (f"y = {pretty(t.line)}", ANSWER)),
            Text(f"y = f({at}) + f′({at})·({var} − {at})", style="dim")]
    if picture:
        body += [Text(""), Text.from_ansi(picture)]
    notes = notes_view(parsed)
    if notes:
        body.append(notes)
    title = f"tangent to {pretty(t.expr)} at {var} = {at}"
    console.print(Panel(Group(*body), title=Text(title), title_align="left", expand=False))


def show_check(console: Console, parsed, var, verdict) -> None:
    """✔ or ✘, the right derivative, where they differ, and the likely mistake."""
    from ..commands.learning import _shown

    e = parsed.expr
    title = f"is {pretty(verdict.answer)} the derivative of {pretty(e)}?"
    if verdict.correct:
        body = [Text("✔ correct", style=ANSWER),
                Text.assemble(("d/d" + pretty(Var(var)) + " = ", LABEL), pretty(verdict.derivative))]
    else:
        body = [Text("✘ not quite", style="bold red"),
                Text.assemble(("the derivative is  ", LABEL), (pretty(verdict.derivative), ANSWER))]
        if verdict.point is not None:
            at = point_text(verdict.point)
            body.append(values_table([(f"at {at}", ""),
                                      ("  the derivative", _shown(verdict.expected)),
                                      ("  your answer", _shown(verdict.got))]))
        if verdict.explanation:
            body.append(Text(verdict.explanation, style="yellow"))
    console.print(Panel(Group(*body), title=Text(title), title_align="left", expand=False))
