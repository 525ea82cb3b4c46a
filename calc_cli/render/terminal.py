"""Rich views for a terminal. With cli.py, the only importer of rich (lazily, at call time)."""

from __future__ import annotations

from collections import deque
from typing import Mapping, Optional

from rich.cells import cell_len
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from ..expr import Add, Const, Div, Expr, Func, Mul, Neg, Num, Pow, Var
from .unicode import pretty as pretty_in_full

# The most characters of one expression a view shows (about 250 lines of 80 columns). Rich
# lays out every character it is given: a derivative of 10 MB took 20-40 s to draw (bench/
# FUZZ.md, run 31) and nobody reads it on a screen; the plain output prints it whole, fast.
MAX_SHOWN = 20_000

ANSWER = "bold green"
NOTE = "dim italic"
LABEL = "cyan"


def pretty(e: Expr) -> str:
    """The expression in Unicode maths, its beginning only when it is longer than MAX_SHOWN."""
    text = pretty_in_full(e)
    if len(text) <= MAX_SHOWN:
        return text
    return f"{text[:MAX_SHOWN]}… ({len(text):,} characters in all: --plain prints them)"


def make_console(color: Optional[bool] = None, width: Optional[int] = None) -> Console:
    """A console for stdout; ``color`` None follows the environment (NO_COLOR, FORCE_COLOR, TERM)."""
    if color is None:
        return Console(width=width, highlight=False)
    if color:
        return Console(force_terminal=True, width=width, highlight=False)
    return Console(no_color=True, color_system=None, width=width, highlight=False)


def print_panel(console: Console, title: str, body: list, short: str) -> None:
    """The view in a panel whose title restates the question.

    Rich cuts a title that is wider than the panel without a mark, so a title
    too long for the terminal becomes the panel's first line (where it wraps)
    and ``short`` names the view in the border instead.
    """
    if cell_len(title) > console.width - 6:  # the corners, a rule and a space each side
        body = [Text(title, style="bold"), *body]
        title = short
    console.print(Panel(Group(*body), title=Text(title), title_align="left", expand=False))


def fits(console: Console, renderable) -> bool:
    """Whether ``renderable`` fits inside a panel at its natural width (nothing wrapped or cut)."""
    wide = console.options.update_width(10_000)
    return console.measure(renderable, options=wide).maximum <= console.width - 4


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


def expr_tree(e: Expr, max_nodes: int = 200, width: int = 80) -> Tree:
    """The expression as a tree: each node's kind and its value in textbook form.

    Big inputs are cut, so that the view stays readable and quick: at most ``max_nodes``
    nodes, as many levels as fit ``width`` (a note says how much deeper it goes), and each
    node's value shortened to one line.
    """
    max_depth = max(3, min(12, (width - 30) // 4))

    def label(node: Expr, depth: int) -> Text:
        room = width - 4 * depth - len(_kind(node)) - 8  # tree guides, panel borders
        return _label(node, max(12, room))

    root = Tree(label(e, 0))
    queue = deque([(root, e, 0)])
    shown = 1
    while queue:
        branch, node, depth = queue.popleft()
        if depth + 1 >= max_depth and node.args:
            branch.add(Text(f"… {_depth(node)} more levels", style=NOTE))
            continue
        for child in node.args:
            if shown >= max_nodes:
                branch.add(Text("…", style=NOTE))
                queue.clear()
                break
            shown += 1
            queue.append((branch.add(label(child, depth + 1)), child, depth + 1))
    return root


def _depth(e: Expr) -> int:
    """How many levels lie below ``e`` (iteratively: inputs may nest thousands deep)."""
    below: dict[Expr, int] = {}
    for node in e.walk():  # children before parents
        below[node] = 1 + max((below[c] for c in node.args), default=0)
    return below[e] - 1


def _label(e: Expr, max_label: int = 80) -> Text:
    text = Text()
    text.append(_kind(e), style=LABEL)
    text.append("  ")
    shown = pretty(e)
    if len(shown) > max_label:
        shown = shown[: max_label - 1] + "…"
    text.append(shown, style="dim" if e.args else "bold")
    return text


def show_parse(console: Console, text: str, parsed) -> None:
    parts = [Text.assemble(("read as  ", LABEL), (pretty(parsed.expr), ANSWER)), expr_tree(parsed.expr, width=console.width)]
    notes = notes_view(parsed)
    if notes:
        parts.append(notes)
    print_panel(console, text, parts, "parse")


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
    print_panel(console, title, body, "value")


def values_table(rows) -> Table:
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style=LABEL)
    table.add_column(overflow="fold")  # a long value wraps; none of it is cut
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
    print_panel(console, title, body, operator_text(wrts, partial))


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
    print_panel(console, title, body, operator_text(wrts, partial))


def _partial_label(var: str, f: str = "f") -> str:
    return f"∂{f}/∂{pretty(Var(var))}"


def show_grad(console: Console, parsed, wrts, grad, values, at_point, lr, decimal,
              directional) -> None:
    """∇f with labelled partials; at a point: values, length, ascent direction, one descent step."""
    from ..multivar import norm, unit
    from ..numbers import format_value

    e = parsed.expr
    table = Table(box=None, pad_edge=False, show_header=values is not None)
    table.add_column("", style=LABEL, no_wrap=True)
    table.add_column("", overflow="fold")  # a long partial wraps; none of it is cut
    if values is not None:
        table.add_column(f"at {point_text(values)}", style=ANSWER, justify="right", no_wrap=True)
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
    print_panel(console, title, body, "∇f")


def _step(old, lr, g):
    """new = old − lr·g, exact when all three are."""
    from fractions import Fraction

    from ..numbers import to_float

    if all(isinstance(v, Fraction) for v in (old, lr, g)):
        return old - lr * g
    return to_float(old) - to_float(lr) * to_float(g)


def show_matrix(console: Console, name, notes, fs, wrts, rows, values, at_rows, decimal) -> None:
    """A Hessian or Jacobian as a grid headed by the variables, or as a list when that is too wide.

    A grid whose entries would wrap inside their cells is hard to read, so when
    either grid (the expressions, or the values at the point) is wider than the
    terminal both become lists of labelled entries (∂²f/∂y∂x, or ∂f₂/∂x with the
    functions named f₁, f₂, … first) whose long entries wrap across the width.
    """
    from ..numbers import format_value

    entries = [[Text(pretty(x)) for x in row] for row in rows]
    values_at = None if at_rows is None else [
        [Text(format_value(v, decimal), style=ANSWER) for v in row] for row in at_rows]
    at = None if values is None else f"at {point_text(values)}"
    row_labels = ([_partial_label(v) for v in wrts] if name == "Hessian"
                  else [pretty(f) for f in fs])
    grids = [_grid(row_labels, wrts, entries, "center")]
    if values_at is not None:
        grids.append(_grid(row_labels, wrts, values_at, "right", title=at))
    if all(fits(console, grid) for grid in grids):
        body = grids
    else:
        body = _entry_lists(name, fs, wrts, entries, values_at, at)
    view = notes_view(notes)
    if view:
        body.append(view)
    title = f"{name} of " + ", ".join(pretty(f) for f in fs)
    print_panel(console, title, body, name)


def _grid(row_labels, wrts, cells, justify: str, title: Optional[str] = None) -> Table:
    table = Table(title=title, header_style=LABEL)
    table.add_column("")
    for var in wrts:
        table.add_column(f"∂/∂{pretty(Var(var))}", justify=justify)
    for label, row in zip(row_labels, cells):
        table.add_row(Text(label, style=LABEL), *row)
    return table


_SUBSCRIPT_DIGITS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _entry_lists(name, fs, wrts, entries, values_at, at) -> list:
    """The matrix as label-entry rows: ∂²f/∂y∂x is row x, column y (∂/∂y of ∂f/∂x)."""
    names = [pretty(Var(v)) for v in wrts]
    if name == "Hessian":
        def label(i, j):
            return f"∂²f/∂{names[i]}²" if i == j else f"∂²f/∂{names[j]}∂{names[i]}"
        legend = []
    else:
        fnames = (["f"] if len(fs) == 1 else
                  [f"f{str(i + 1).translate(_SUBSCRIPT_DIGITS)}" for i in range(len(fs))])

        def label(i, j):
            return f"∂{fnames[i]}/∂{names[j]}"
        legend = [(fname, Text(pretty(f))) for fname, f in zip(fnames, fs)] + [("", "")]
    cells = [(i, j) for i in range(len(entries)) for j in range(len(wrts))]
    body = [_entries(legend + [(label(i, j), entries[i][j]) for i, j in cells])]
    if values_at is not None:
        body += [Text(""), Text(at, style=LABEL),
                 _entries([(label(i, j), values_at[i][j]) for i, j in cells])]
    return body


def _entries(rows) -> Table:
    """Labels and entries in two columns; an entry too long for the width wraps, never cut."""
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style=LABEL, no_wrap=True)
    table.add_column(overflow="fold")
    for label, entry in rows:
        table.add_row(label, entry)
    return table


def _short(e: Expr, limit: int = 40) -> str:
    """A node's expression in Unicode, abbreviated when long (a deep graph has huge subtrees)."""
    from ..evaluate import describe

    text = pretty(e) if sum(1 for _ in zip(range(60), e.walk())) < 60 else describe(e)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def show_backprop(console: Console, parsed, bp, decimal: bool) -> None:
    """The graph as a table: forward values, local derivatives, adjoints; then ∂f/∂v in full.

    The table's numbers are short (``short_number``) so that the graph fits a
    terminal; the answers below it, f and every ∂f/∂v, keep all their digits.
    """
    from ..numbers import format_value

    def number(v):
        return "—" if v is None else format_value(v, decimal)

    def cell(v):
        return "—" if v is None else short_number(v, decimal)

    table = _graph_table(bp, cell)
    if not _graph_fits(console, table):
        table = _graph_list(bp, cell)
    summary = values_table([(f"∂f/∂{pretty(Var(v))}", Text(number(g), style=ANSWER))
                            for v, g in bp.gradient.items()])
    explain = Text(
        "forward: each node's value from its inputs.  backward: the output's gradient is 1; "
        "each node's gradient is Σ over its users of (user's gradient × local derivative).",
        style=NOTE)
    body = [table, Text(""), Text.assemble(("f = ", LABEL), (number(bp.value), ANSWER)),
            summary, explain]
    if bp.point:  # a constant has no inputs to name
        body.insert(0, Text.assemble(("at ", LABEL), point_text(bp.point)))
    notes = notes_view(parsed)
    if notes:
        body.append(notes)
    title = f"backpropagation through {pretty(parsed.expr)}"
    print_panel(console, title, body, "backpropagation")


def _graph_table(bp, cell) -> Table:
    """One row per node: op and inputs, what it computes, value, local derivatives, gradient."""
    table = Table(header_style=LABEL, box=None, pad_edge=False)
    table.add_column("node", no_wrap=True)
    table.add_column("op")
    table.add_column("computes", overflow="fold")
    table.add_column("value", justify="right", no_wrap=True)
    table.add_column("local\n∂/∂input", no_wrap=True)
    table.add_column("gradient\n∂f/∂node", justify="right", no_wrap=True)
    for node in bp.graph.nodes:
        local = bp.local.get(node.id, {})
        table.add_row(
            node.id, _op_text(node), _short(node.expr), cell(bp.values[node.id]),
            "\n".join(f"{k}: {cell(v)}" for k, v in local.items()),
            Text(cell(bp.adjoints.get(node.id)), style=ANSWER if node.kind == "input" else ""))
    return table


def _op_text(node) -> str:
    """``* v1 v2``; an input or a constant is just "input" or "const": the expression names it."""
    return " ".join([node.op if node.kind == "op" else node.kind, *node.inputs])


def _graph_fits(console: Console, table: Table) -> bool:
    """Whether the graph table fits once its "computes" column wraps at 12 cells."""
    computes = table.columns[2]
    computes.max_width = 12
    try:
        return fits(console, table)
    finally:
        computes.max_width = None


def _graph_list(bp, cell) -> Table:
    """The graph for a narrow terminal: each node a short paragraph that wraps."""
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style=LABEL, no_wrap=True)
    table.add_column(overflow="fold")
    for node in bp.graph.nodes:
        text = Text.assemble(_op_text(node), "  ", (_short(node.expr), "dim"), "\n",
                             ("value ", LABEL), cell(bp.values[node.id]), "  ",
                             ("gradient ", LABEL),
                             (cell(bp.adjoints.get(node.id)),
                              ANSWER if node.kind == "input" else ""))
        local = bp.local.get(node.id, {})
        if local:
            text.append("\nlocal ", style=LABEL)
            text.append(", ".join(f"{k}: {cell(v)}" for k, v in local.items()))
        table.add_row(node.id, text)
    return table


def _no_color(color: Optional[bool]) -> Optional[bool]:
    """Rich's ``no_color`` for a stderr console: --color/--no-color, else None (NO_COLOR decides)."""
    return None if color is None else not color


class _Progress:
    """A progress bar on stderr for a long descent; never in a pipe or with --json.

    Only when stderr is a terminal that can redraw a line: redirected (``2> log``)
    or with ``TERM=dumb`` it does nothing, where Rich would leave an empty line.
    """

    def __init__(self, color: Optional[bool], total: int):
        from rich.progress import Progress

        console = Console(stderr=True, no_color=_no_color(color))
        self._progress = None
        if console.is_interactive:
            self._progress = Progress(console=console, transient=True)
            self._task = self._progress.add_task("descending", total=total)
            self._progress.start()

    def advance(self, iteration) -> None:
        if self._progress is not None and iteration.step % 100 == 0:
            self._progress.update(self._task, completed=iteration.step)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()


def progress_bar(color: Optional[bool], total: int) -> _Progress:
    return _Progress(color, total)


class BatchProgress:
    """A transient line on stderr for a long batch on stdin: lines done, lines per second.

    ``total`` is stdin's size in bytes when it is a regular file; then the bar
    fills as the file is read and there is a time remaining. Otherwise (a pipe)
    the bar pulses and the time elapsed shows. Drawn only when ``update`` is
    called (no refresh thread competes with the batch); calc's messages go
    through ``say`` meanwhile, so that they print above the line, not into it.
    """

    def __init__(self, command: str, color: Optional[bool], total: Optional[int],
                 console: Optional[Console] = None):
        from rich.progress import (
            BarColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        counts = [TextColumn("{task.fields[lines]}", markup=False),
                  TextColumn("{task.fields[rate]}", style="dim", markup=False)]
        if total is None:
            columns = [*counts, TimeElapsedColumn()]
        else:
            columns = [TaskProgressColumn(), *counts, TimeRemainingColumn()]
        console = console or Console(stderr=True, no_color=_no_color(color), highlight=False)
        self._progress = Progress(TextColumn(f"calc {command}", style=LABEL, markup=False),
                                  BarColumn(bar_width=20), *columns, console=console,
                                  auto_refresh=False, transient=True, redirect_stdout=False,
                                  redirect_stderr=False)
        self._total = total
        self._task = None

    def update(self, lines: int, rate: float, position: int) -> None:
        """Show ``lines`` done at ``rate`` per second, ``position`` bytes into stdin."""
        fields = {"completed": lines if self._total is None else min(position, self._total),
                  "lines": f"{lines:,} lines", "rate": f"{rate:,.0f}/s"}
        if self._task is None:  # started with its first numbers, so it never shows blanks
            self._task = self._progress.add_task("", total=self._total, **fields)
            self._progress.start()
        else:
            self._progress.update(self._task, **fields)
            self._progress.refresh()

    def say(self, message: str) -> None:
        self._progress.console.print(Text(message), soft_wrap=True)

    def close(self) -> None:
        self._progress.stop()


def short_number(v, decimal: bool = False) -> str:
    """A number for a table cell: exact when short, else five significant digits."""
    from ..numbers import format_value

    text = format_value(v, decimal)
    if len(text) <= 10:
        return text
    try:
        approx = float(v)
    except OverflowError:  # an exact number beyond floats (a 300-digit integer)
        approx = None
    if approx is None or (approx == 0 and v != 0):  # or one so small it rounds to 0.0
        from ..evaluate import message_value

        return message_value(v)
    return f"{approx:.5g}"


def show_descent(console: Console, parsed, run, decimal: bool) -> None:
    """Thinned table of iterations, the loss curve, and how the run ended."""
    from ..descent import thin

    shown = thin(run.path, 20)
    for columns in (("gradient", "step size"), ("gradient",), ()):
        table = _descent_table(run, shown, decimal, columns)
        if fits(console, table):
            break
    body = [Text.assemble(("new = old − ", "dim"), (short_number(run.lr, True), "bold"),
                          (" × ∇f", "dim")), table]
    left_out = {("gradient",): "step sizes", (): "gradients and step sizes"}.get(columns)
    if left_out:
        body.append(Text(f"(the terminal is too narrow for the {left_out}: --json has them)",
                         style=NOTE))
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
    print_panel(console, title, body, "gradient descent")


def _descent_table(run, shown, decimal: bool, columns) -> Table:
    """step, the coordinates and f, then the optional ``columns``: "gradient", "step size"."""
    table = Table(header_style=LABEL, box=None, pad_edge=False)
    headers = ["step", *[pretty(Var(v)) for v in run.vars], "f"]
    if "gradient" in columns:
        headers += [f"∂f/∂{pretty(Var(v))}" for v in run.vars]
    if "step size" in columns:
        headers.append("step size")
    for header in headers:  # numbers fold rather than lose digits to an ellipsis
        table.add_column(header, justify="right", overflow="fold")
    previous = None
    for it in shown:
        if previous is not None and it.step != previous + 1:
            table.add_row("…", *[""] * (len(headers) - 1))
        previous = it.step
        row = [str(it.step), *[short_number(it.point[v], decimal) for v in run.vars],
               short_number(it.value, decimal)]
        if "gradient" in columns:
            row += [short_number(it.gradient[v], decimal) if it.gradient else "—"
                    for v in run.vars]
        if "step size" in columns:
            row.append(short_number(it.step_size, decimal))
        table.add_row(*row)
    return table


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
    print_panel(console, title, body, "tangent")


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
    print_panel(console, title, body, "check")
