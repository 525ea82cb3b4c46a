"""The learning commands: backprop, descend, tangent, check."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Iterator

import click

from ..cli import (
    EPILOG,
    EXPR_SETTINGS,
    Output,
    cli,
    has_decimal,
    latex_option,
    output_options,
    run_each,
    vars_option,
)
from ..errors import EXIT_MATH, UsageError
from ..points import Point, split_names
from .many import learning_rate, wrt_option

# ------------------------------------------------------------ writing an answer
BLOCK = 1 << 16  # characters written at once: one write per line would slow a long descent
BLOCK_SECONDS = 0.2  # yet a slow run shows its progress at least this often


def write_answer(out: Output, as_json: Callable[[], Iterable[str]],
                 as_lines: Callable[[], Iterable[str]], view: Callable[[], None]) -> None:
    """One answer in the output mode: a JSON line, plain lines, or the terminal view.

    ``as_json`` gives the pieces of one JSON line and ``as_lines`` the plain
    lines, as they are computed (a descent streams its steps); each is called
    only in its mode, and so is ``view``.
    """
    if out.mode == "json":
        write(as_json(), end="\n")
    elif out.mode == "plain":
        write(line + "\n" for line in as_lines())
    else:
        view()


def write(pieces: Iterable[str], end: str = "") -> None:
    """Writes text pieces to stdout as they come, in blocks of about ``BLOCK`` characters."""
    block: list[str] = []
    size, due = 0, time.monotonic() + BLOCK_SECONDS
    for piece in pieces:
        block.append(piece)
        size += len(piece)
        if size >= BLOCK or time.monotonic() >= due:
            click.echo("".join(block), nl=False)
            block.clear()
            size, due = 0, time.monotonic() + BLOCK_SECONDS
    click.echo("".join(block) + end, nl=False)


def terminal_view(name: str) -> Callable:
    """A view of render.terminal, imported when it is drawn (rich is slow to import)."""
    from ..render import terminal

    return getattr(terminal, name)


def json_line(obj: dict) -> list[str]:
    """One JSON object as the pieces of its line, as ``Output.json`` writes it."""
    import json

    return [json.dumps(obj, ensure_ascii=False)]


# ------------------------------------------------------------ learning commands
def point_order(point: Point, e) -> list[str]:
    """Inputs in the order the user named them in --at, then the rest in natural order."""
    from ..multivar import natural_order

    named = [n for n in point.names if n in e.free_vars()]
    return named + [n for n in natural_order(e.free_vars()) if n not in named]


@cli.command("backprop", epilog=EPILOG, context_settings=EXPR_SETTINGS)
@click.argument("expr")
@click.option("--at", "at", metavar="POINT", multiple=True, required=True,
              help="The values of the inputs, e.g. w=2,input=3,target=10.")
@vars_option
@output_options
def backprop_command(expr, at, vars_, json_, plain, color):
    """Backpropagation: the chain rule applied backwards over EXPR's computation graph.

    The forward pass computes every node's value; the backward pass gives
    each node its adjoint, the sum over its users of the user's adjoint times
    the local derivative, ending with ∂f/∂v for every input.

    \b
    Examples:
      $ calc backprop "(w*input - target)^2" --at w=2,input=3,target=10
      $ calc backprop "sin(x*y) + x*y" --at x=1,y=2 --json
    """
    from ..graph import backprop, to_json

    out = Output.choose(json_, False, plain, color, "backprop")
    point = Point(at)
    names = split_names([vars_]) + point.names

    def handle(text: str) -> None:
        from ..parse import parse_with_notes

        parsed = parse_with_notes(text, names)
        e = parsed.expr
        values = point.bind(e.free_vars())
        bp = backprop(e, values, order=point_order(point, e))
        decimal = has_decimal(e) or point.decimal
        write_answer(out, lambda: json_line(to_json(bp)), lambda: backprop_lines(bp, decimal),
                     lambda: terminal_view("show_backprop")(out.console, parsed, bp, decimal))

    run_each(out, expr, handle)


def backprop_lines(bp, decimal: bool) -> list[str]:
    """The graph as plain lines: each node with its value and gradient, then ∂f/∂v."""
    from ..numbers import format_value

    def number(v):
        return "-" if v is None else format_value(v, decimal)

    lines = []
    for node in bp.graph.nodes:
        inputs = " ".join(node.inputs)
        local = bp.local.get(node.id, {})
        line = (f"{node.id} {node.op}{' ' + inputs if inputs else ''}: "
                f"value {number(bp.values[node.id])}, grad {number(bp.adjoints.get(node.id))}")
        if local:
            line += ", local " + ", ".join(f"d{node.id}/d{k} {number(v)}" for k, v in local.items())
        lines.append(line)
    lines.append(f"f = {number(bp.value)}")
    lines += [f"df/d{var} = {number(g)}" for var, g in bp.gradient.items()]
    return lines


@cli.command("descend", epilog=EPILOG, context_settings=EXPR_SETTINGS)
@click.argument("expr")
@click.option("--from", "start", metavar="POINT", multiple=True, required=True,
              help="The starting point, e.g. w=2 or x=1,y=-1.")
@click.option("--lr", default="0.1", show_default=True, metavar="RATE",
              help="The learning rate: new = old − lr × ∇f.")
@click.option("--steps", default=100, show_default=True, type=int, metavar="N",
              help="The most steps to take (1 to 1,000,000).")
@click.option("--tol", default=None, metavar="T",
              help="Stop when the gradient's length is at most T (default 1e-8).")
@wrt_option
@vars_option
@output_options
def descend_command(expr, start, lr, steps, tol, wrt, vars_, json_, plain, color):
    """Gradient descent on EXPR: new = old − lr × ∇f, step after step.

    In a pipe: one line per step, `step value coordinates…`, then a
    line starting with # that says how the run ended (converged, ran out of
    steps, diverged, or left the domain).

    \b
    Examples:
      $ calc descend "(3w - 10)^2" --from w=2 --lr 0.01 --steps 3
      $ calc descend "(x-3)^2 + 2(y+1)^2" --from x=0,y=0 --lr 0.1 --steps 500
      $ calc descend "x^2" --from x=1 --lr 1.5 --steps 50        # diverges
    """
    from ..descent import Descending, json_text
    from ..points import point_value

    out = Output.choose(json_, False, plain, color, "descend")
    point = Point(start)
    rate = learning_rate(lr)
    if not 1 <= steps <= 1_000_000:
        raise UsageError(f"--steps {steps}: the number of steps must be from 1 to 1,000,000")
    tolerance = None if tol is None else point_value(tol, f"--tol {tol}")
    if tolerance is not None and not 0 <= tolerance <= sys.float_info.max:
        raise UsageError(f"--tol {tol}: the tolerance must be a number from 0 to 1.7e308")
    wrts_given = split_names(wrt)
    names = split_names([vars_]) + point.names + wrts_given

    def handle(text: str) -> None:
        from ..parse import parse_with_notes

        parsed = parse_with_notes(text, names)
        e = parsed.expr
        values = point.bind(e.free_vars())
        wrts = wrts_given or point_order(point, e)
        # Step 0 is computed here, so that a bad start is an error before any output.
        run = Descending(e, values, rate, steps, tolerance, wrts)
        write_answer(out, lambda: json_text(run), lambda: descent_lines(run, True),
                     lambda: terminal_view("show_descent")(out.console, parsed,
                                                           recorded(out, run, steps), True))

    run_each(out, expr, handle)


def recorded(out: Output, run, steps: int):
    """The whole run, kept for the terminal's table and loss curve; a progress bar when long."""
    if steps < 2000:
        return run.record()
    progress = terminal_view("progress_bar")(out.color, steps)
    try:
        return run.record(on_step=progress.advance)
    finally:
        progress.close()


def descent_lines(run, decimal: bool) -> Iterator[str]:
    """``step f coordinates…`` for each iteration as the run takes it, then ``# how it ended``."""
    from ..numbers import format_value

    for it in run:
        coords = " ".join(format_value(it.point[v], decimal) for v in run.vars)
        yield f"{it.step} {format_value(it.value, decimal)} {coords}"
    yield f"# {descent_summary(run)}"


def descent_summary(run) -> str:
    from ..numbers import format_value

    final = run.final
    where = ", ".join(f"{v} = {format_value(final.point[v], True)}" for v in run.vars)
    words = {
        "converged": f"converged after {final.step} steps",
        "max_steps": f"ran out of steps after {final.step} steps (not converged)",
        "diverged": f"diverged at step {final.step}",
        "left_domain": f"left the domain after step {final.step}",
    }.get(run.status, run.status)
    reason = f" ({run.reason})" if run.reason else ""
    return f"{words}{reason}: {where}, f = {format_value(final.value, True)}"


@cli.command("tangent", epilog=EPILOG, context_settings=EXPR_SETTINGS)
@click.argument("expr")
@click.option("--at", "at", metavar="POINT", multiple=True, required=True,
              help="Where the tangent touches: 3, or x=3 (other variables need values too).")
@click.option("--wrt", "-w", default=None, metavar="VAR",
              help="The variable of the curve, when EXPR has several.")
@click.option("--plot", is_flag=True,
              help="Draw f and its tangent around the point, then describe them in a sentence.")
@vars_option
@latex_option
@output_options
def tangent_command(expr, at, wrt, plot, vars_, latex, json_, plain, color):
    """The tangent line y = f(a) + f′(a)(x − a) of EXPR at a point.

    \b
    Examples:
      $ calc tangent "x^2" --at 3
      6*x - 9
      $ calc tangent "sin x" --at 0 --plot
      $ calc tangent "x^3 - x" --at x=1 --json
    """
    from ..numbers import json_value
    from ..render.plain import plain as to_plain
    from ..tangent import tangent

    out = Output.choose(json_, latex, plain, color, "tangent")
    point = Point(at)
    names = split_names([vars_]) + point.names + split_names([wrt or ""])

    def handle(text: str) -> None:
        from ..parse import parse_with_notes

        parsed = parse_with_notes(text, names)
        e = parsed.expr
        var = wrt or curve_variable(e, point)
        values = point.bind(e.free_vars() | {var})
        if var not in values:
            raise UsageError(f"--at: give the point on the curve, as in --at {var}=1")
        t = tangent(e, var, values)
        decimal = has_decimal(e) or point.decimal
        if out.mode == "json":
            out.json({"input": text, "expr": to_plain(e), "var": var,
                      "at": {k: json_value(v) for k, v in values.items()},
                      "value": json_value(t.value), "slope": json_value(t.slope),
                      "derivative": to_plain(t.derivative), "tangent": to_plain(t.line)})
            return
        if out.mode == "latex":
            from ..render.latex import latex as to_latex

            out.line(f"y = {to_latex(t.line)}")
            return
        if out.mode == "plain":
            picture = tangent_picture(t, values, color=False) if plot else None  # may fail
            out.line(to_plain(t.line))
            if picture is not None:
                out.line(picture)
            return
        from ..render.terminal import show_tangent

        show_tangent(out.console, parsed, t, values, decimal,
                     tangent_picture(t, values, color=None, console=out.console) if plot else None)

    run_each(out, expr, handle)


def curve_variable(e, point: Point) -> str:
    free = sorted(e.free_vars())
    if len(free) == 1:
        return free[0]
    unset = [v for v in free if v not in point.named]
    if len(unset) == 1:
        return unset[0]
    if not free:
        return point.names[0] if point.names else "x"
    raise UsageError(f"the expression has several variables ({', '.join(free)}): "
                     f"say which is the curve's with --wrt")


def tangent_picture(t, values, color, console=None) -> str:
    """The plot of f and its tangent, then a sentence describing it (for screen readers)."""
    from ..evaluate import compile_expr
    from ..numbers import format_value
    from ..render.plot import tangent_description, tangent_plot
    from ..render.unicode import pretty

    a, value, slope = plot_numbers(t)
    f = compile_expr(t.curve(values), [t.var])
    width, height = 64, 18
    use_color = False
    if console is not None:
        width = max(40, min(console.width - 4, 100))
        use_color = bool(color if color is not None else
                         console.is_terminal and console.color_system is not None)
    picture = tangent_plot(f, a, value, slope, label=pretty(t.expr), width=width, height=height,
                           color=use_color)
    sentence = tangent_description(pretty(t.expr), format_value(t.a), format_value(t.value),
                                   format_value(t.slope), pretty(t.line))
    return f"{picture}\n{sentence}"


def plot_numbers(t) -> tuple[float, float, float]:
    """a, f(a) and f′(a) as floats for the plot, or a MathError naming the one beyond floats."""
    from ..errors import MathError
    from ..numbers import to_float
    from ..tangent import short_value

    where = f"cannot plot the tangent at {t.var} = {short_value(t.a)}"
    numbers = []
    for name, v in (("the point", t.a), (f"f({t.var})", t.value), ("the slope", t.slope)):
        try:
            numbers.append(to_float(v))
        except MathError:
            raise MathError(f"{where}: {name} is {short_value(v)}, beyond the range of "
                            f"floating-point numbers (leave out --plot for the line alone)"
                            ) from None
    a, value, slope = numbers
    return a, value, slope


@cli.command("check", epilog=EPILOG, context_settings=EXPR_SETTINGS)
@click.argument("expr")
@click.argument("answer")
@click.option("--wrt", "-w", default=None, metavar="VAR",
              help="The variable of the derivative, when EXPR has several.")
@click.option("--funcs", metavar="NAMES", default="",
              help="Names of abstract functions, e.g. f,g (answers may use f'(u)).")
@vars_option
@output_options
def check_command(expr, answer, wrt, funcs, vars_, json_, plain, color):
    """Check ANSWER as the derivative of EXPR: exit 0 if right, 1 if wrong.

    Any equivalent form is accepted. A wrong answer gets the right
    derivative, a point where the two differ, and, when the answer matches
    a common mistake (a forgotten inner derivative in the chain rule, the
    product rule written as f′·g′, a sign error, …), what went wrong.

    \b
    Examples:
      $ calc check "x sin x" "sin(x) + x cos(x)"
      correct
      $ calc check "sin(x^2)" "cos(x^2)"
      wrong: ...
    """
    from ..check import check, to_json
    from ..parse import parse_with_notes

    out = Output.choose(json_, False, plain, color, "check")
    names = split_names([vars_]) + split_names([wrt or ""])
    functions = split_names([funcs])

    def handle(text: str) -> None:
        parsed = parse_with_notes(text, names, functions)
        e = parsed.expr
        given = parse_with_notes(answer, names, functions).expr
        var = wrt or single_variable(e, given)
        verdict = check(e, given, var)
        if not verdict.correct:
            out.status = max(out.status, EXIT_MATH)
        write_answer(out,
                     lambda: json_line({"input": text, "expr": _plain(e), "wrt": var,
                                        **to_json(verdict)}),
                     lambda: verdict_lines(verdict, var),
                     lambda: terminal_view("show_check")(out.console, parsed, var, verdict))

    run_each(out, expr, handle)


def _plain(e) -> str:
    from ..render.plain import plain as to_plain

    return to_plain(e)


def single_variable(e, answer) -> str:
    free = sorted(e.free_vars())
    if len(free) > 1:
        raise UsageError(f"the expression has several variables ({', '.join(free)}): "
                         f"say which derivative this is with --wrt")
    return free[0] if free else (sorted(answer.free_vars()) or ["x"])[0]


def verdict_lines(verdict, var: str) -> list[str]:
    """``correct``, or ``wrong: …`` with the right derivative, a differing point and the mistake."""
    from ..numbers import format_value

    if verdict.correct:
        return ["correct"]
    lines = [f"wrong: the derivative is {_plain(verdict.derivative)}"]
    if verdict.point is not None:
        where = ", ".join(f"{k} = {format_value(v)}" for k, v in verdict.point.items())
        lines.append(f"at {where} it is {_shown(verdict.expected)}, "
                     f"the answer gives {_shown(verdict.got)}")
    if verdict.explanation:
        lines.append(verdict.explanation)
    return lines


def _shown(value) -> str:
    from ..numbers import format_value

    if value is None:
        return "no value"
    try:
        return format_value(value)
    except TypeError:
        return str(value)
