"""The command line: parse options, call the core, pick a renderer. Thin by design.

The output mode is decided once per invocation (``--json``, ``--latex``,
``--plain``, else a terminal gets Rich and a pipe gets plain text). Core
errors (``CalcError``) become messages and exit statuses only here.
Heavy modules are imported inside the commands that use them, so that
``calc --help`` and plain output never pay for Rich.
"""

from __future__ import annotations

import os
import sys
from typing import Callable, Iterable, Iterator, Optional

import click

from . import __version__
from .errors import EXIT_MATH, EXIT_OK, EXIT_USAGE, CalcError, ParseError, UsageError
from .points import Point, number_list, split_names

EXIT_INTERRUPTED = 130
EXIT_INTERNAL = 3  # a bug in calc itself; tests and fuzzing assert it never happens

# An expression may start with a minus sign: "-x^2" is EXPR, not an option.
EXPR_SETTINGS = {"ignore_unknown_options": True}

EPILOG = """\b
Exit status: 0 success; 1 a mathematical failure (undefined at the point,
domain error, not differentiable there); 2 bad usage or a syntax error;
3 an internal error (a bug in calc); 130 interrupted. With EXPR '-', every
input line gets an answer and the worst status wins."""


# ------------------------------------------------------------------ modes
class Output:
    """Where results go and in which form; chosen once per invocation."""

    def __init__(self, mode: str, color: Optional[bool] = None):
        self.mode = mode  # "terminal" | "plain" | "json" | "latex"
        self.color = color
        self.status = EXIT_OK
        self._console = None

    @classmethod
    def choose(cls, json_: bool, latex: bool, plain: bool, color: Optional[bool]) -> "Output":
        if json_:
            return cls("json")
        if latex:
            return cls("latex")
        if plain or not _stdout_is_terminal():
            return cls("plain")
        return cls("terminal", color)

    @property
    def console(self):
        if self._console is None:
            from .render.terminal import make_console

            self._console = make_console(self.color)
        return self._console

    def line(self, text: str) -> None:
        click.echo(text)

    def json(self, obj: dict) -> None:
        import json

        click.echo(json.dumps(obj, ensure_ascii=False))

    def fail(self, text: str, error: CalcError) -> None:
        """Report one failed input: stderr for people, an object on stdout for JSON."""
        self.status = max(self.status, error.exit_code)
        if self.mode == "json":
            body = {"kind": error.kind, "message": error.message}
            if isinstance(error, ParseError):
                body["column"] = error.column
            self.json({"input": text, "error": body})
            return
        click.echo(f"calc: {describe_error(error)}", err=True)


def describe_error(error: CalcError) -> str:
    if isinstance(error, ParseError):
        return f"syntax error at column {error.column}: {error.message}\n{error.caret()}"
    return error.message


def _stdout_is_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


# ---------------------------------------------------------------- options
def output_options(func: Callable) -> Callable:
    func = click.option("--plain", is_flag=True, help="Plain text even on a terminal.")(func)
    func = click.option("--json", "json_", is_flag=True,
                        help="One JSON object per line (JSON Lines).")(func)
    func = click.option("--color/--no-color", default=None,
                        help="Force colour on or off (default: on for a terminal unless NO_COLOR).")(func)
    return func


def latex_option(func: Callable) -> Callable:
    return click.option("--latex", is_flag=True, help="LaTeX for the result.")(func)


def vars_option(func: Callable) -> Callable:
    return click.option(
        "--vars", "vars_", metavar="NAMES", default="",
        help="Comma-separated names to read as single variables (e.g. input,target).")(func)


def at_option(func: Callable) -> Callable:
    return click.option(
        "--at", "at", metavar="POINT", multiple=True,
        help="The point: x=3, x=3,y=-1, or 3 for a single variable. Values may be "
             "expressions such as pi/2 or 1/3.")(func)


def points_option(func: Callable) -> Callable:
    return click.option(
        "--points", "points_file", metavar="FILE", default=None,
        help="Evaluate at every point of FILE ('-': standard input), one per line as x=1,y=2 "
             "or CSV under a header line of names; prints one value per line, in floating "
             "point, compiling the expression once.")(func)


def stream_values(out: Output, e, points_file: str, expr_text: str) -> None:
    """One value of ``e`` per point of the file, as fast as Python allows; bad lines go on."""
    from .errors import MathError
    from .evaluate import compile_expr
    from .points import stream_points

    if points_file == "-" and expr_text == "-":
        raise UsageError("EXPR and --points cannot both read standard input")
    names = sorted(e.free_vars())
    f = compile_expr(e, names)
    try:
        handle = sys.stdin if points_file == "-" else open(points_file, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--points {points_file}: {exc.strerror}") from None
    pending: list[str] = []
    with handle:
        for number, args in stream_points(handle, names, f"--points {points_file}"):
            try:
                if args is None:
                    raise UsageError(f"--points line {number}: not a point with a finite value "
                                     f"for each of {', '.join(names) or 'no variables'}")
                value = f(*args)
            except (MathError, UsageError) as error:
                _flush(pending)
                out.fail(f"line {number}", error)
                if out.mode != "json":
                    pending.append("")
                continue
            if out.mode == "json":
                _flush(pending)
                out.json({"at": dict(zip(names, args)), "value": value})
            else:
                pending.append(repr(value + 0.0))  # + 0.0: -0.0 prints as 0.0
                if len(pending) >= 4096:
                    _flush(pending)
    _flush(pending)
    sys.exit(out.status)


def _flush(pending: list[str]) -> None:
    if pending:
        sys.stdout.write("\n".join(pending) + "\n")
        pending.clear()


# ------------------------------------------------------------------ inputs
def inputs(expr: str) -> Iterator[str]:
    """The expression itself, or with '-' one per line of standard input."""
    if expr != "-":
        yield expr
        return
    for raw in sys.stdin:
        line = raw.strip()
        if line and not line.startswith("#"):
            yield line


def run_each(out: Output, expr: str, handle: Callable[[str], None]) -> None:
    batch = expr == "-"
    for text in inputs(expr):
        try:
            handle(text)
        except CalcError as error:
            out.fail(text, error)
            if batch and out.mode == "plain":
                out.line("")
        except RecursionError:
            out.fail(text, UsageError("expression nested too deeply"))
    sys.exit(out.status)


# --------------------------------------------------------------- commands
class CalcGroup(click.Group):
    def list_commands(self, ctx):
        return list(self.commands)  # in the order they were added, which tells a story

    def invoke(self, ctx):
        """Core errors raised outside the per-input loop (a bad --at) end here, at the edge."""
        try:
            return super().invoke(ctx)
        except CalcError as error:
            click.echo(f"calc: {describe_error(error)}", err=True)
            ctx.exit(error.exit_code)


@click.group(cls=CalcGroup, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="calc")
def cli() -> None:
    """calc: calculus on the command line.

    Derivatives with every rule explained, values at a point, and output that
    shell scripts can use: a terminal gets a rich view, a pipe gets plain,
    re-parseable text, and --json gives one JSON object per line.

    \b
    Examples:
      $ calc eval "3x^2+2x+1" --at x=2
      17
      $ calc parse "2xy + sin^2 x"
      2*x*y + sin(x)^2
    """


@cli.command("parse", epilog=EPILOG, context_settings=EXPR_SETTINGS)
@click.argument("expr")
@vars_option
@click.option("--funcs", metavar="NAMES", default="", help="Names of abstract functions, e.g. f,g.")
@latex_option
@output_options
def parse_command(expr, vars_, funcs, latex, json_, plain, color):
    """Show how EXPR was read.

    \b
    Examples:
      $ calc parse "2xy"
      2*x*y
      $ calc parse "sin x^2 / 2" --json
      {"input": "sin x^2 / 2", "expr": "sin(x^2)/2", ...}
    """
    from .parse import parse_with_notes
    from .render.plain import plain as to_plain

    out = Output.choose(json_, latex, plain, color)
    names, functions = split_names([vars_]), split_names([funcs])

    def handle(text: str) -> None:
        parsed = parse_with_notes(text, names, functions)
        e = parsed.expr
        if out.mode == "json":
            out.json({"input": text, "expr": to_plain(e), "variables": sorted(e.free_vars()),
                      "notes": parsed.all_notes(to_plain)})
        elif out.mode == "latex":
            from .render.latex import latex as to_latex

            out.line(to_latex(e))
        elif out.mode == "plain":
            out.line(to_plain(e))
        else:
            from .render.terminal import show_parse

            show_parse(out.console, text, parsed)

    run_each(out, expr, handle)


@cli.command("eval", epilog=EPILOG, context_settings=EXPR_SETTINGS)
@click.argument("expr")
@at_option
@points_option
@vars_option
@output_options
def eval_command(expr, at, points_file, vars_, json_, plain, color):
    """The value of EXPR, exact where the maths allows.

    \b
    Examples:
      $ calc eval "3x^2+2x+1" --at x=2
      17
      $ calc eval "1/3 + 1/6"
      1/2
      $ calc eval "0.1+0.2"
      0.3
      $ printf 'x=1\\nx=2\\n' | calc eval "x^2" --points -
      1.0
      4.0
    """
    from .evaluate import evaluate
    from .numbers import exact_string, format_value, json_value
    from .parse import parse_with_notes
    from .render.plain import plain as to_plain

    out = Output.choose(json_, False, plain or points_file is not None, color)
    point = Point(at)
    names = split_names([vars_]) + point.names
    if points_file is not None:
        stream_values(out, parse_with_notes(expr, names).expr, points_file, expr)

    def handle(text: str) -> None:
        parsed = parse_with_notes(text, names)
        e = parsed.expr
        values = point.bind(e.free_vars())
        value = evaluate(e, values)
        decimal = has_decimal(e) or point.decimal
        if out.mode == "json":
            obj = {"input": text, "expr": to_plain(e),
                   "at": {k: json_value(v) for k, v in values.items()},
                   "value": json_value(value)}
            exact = exact_string(value)
            if exact is not None:
                obj["value_exact"] = exact
            out.json(obj)
        elif out.mode == "plain":
            out.line(format_value(value, decimal))
        else:
            from .render.terminal import show_eval

            show_eval(out.console, text, parsed, values, value, format_value(value, decimal))

    run_each(out, expr, handle)


MAX_ORDER = 100


def diff_options(func: Callable) -> Callable:
    func = click.option("--funcs", metavar="NAMES", default="",
                        help="Names of abstract functions, e.g. f,g: f(g(x)) differentiates "
                             "to f'(g(x))*g'(x).")(func)
    func = click.option("--order", "-n", type=int, default=None, metavar="N",
                        help="Differentiate N times (default 1).")(func)
    func = click.option("--wrt", "-w", multiple=True, metavar="VAR",
                        help="The variable to differentiate by; repeat or list (x,y) for "
                             "mixed partials. Optional when EXPR has one variable.")(func)
    return func


class DiffRequest:
    """What to differentiate by, resolved once per invocation from the options."""

    def __init__(self, wrt, order, at, vars_, funcs):
        self.wrt = split_names(wrt)
        if order is not None and not 1 <= order <= MAX_ORDER:
            raise UsageError(f"--order {order}: the order must be a whole number from 1 to {MAX_ORDER}")
        if order is not None and len(self.wrt) > 1:
            raise UsageError("--order goes with a single --wrt variable; list mixed partials with --wrt")
        self.order = order or 1
        self.point = Point(at)
        self.functions = split_names([funcs])
        self.names = split_names([vars_]) + self.wrt + self.point.names

    def parse(self, text: str):
        from .parse import parse_with_notes

        return parse_with_notes(text, self.names, self.functions)

    def variables(self, e) -> list[str]:
        """The sequence of variables to differentiate by, one per order."""
        if self.wrt:
            return self.wrt * self.order if len(self.wrt) == 1 else list(self.wrt)
        free = sorted(e.free_vars())
        if len(free) > 1:
            raise UsageError(
                f"the expression has several variables ({', '.join(free)}): "
                f"choose one with --wrt, e.g. --wrt {free[0]}")
        return (free or ["x"]) * self.order


def values_at(request: DiffRequest, e, wrts):
    """Function value and point, or None; an error names where f itself is undefined."""
    from .errors import MathError
    from .evaluate import evaluate

    if not request.point:
        return None, None
    values = request.point.bind(e.free_vars() | set(wrts))
    try:
        fvalue = evaluate(e, values)
    except MathError as exc:
        raise MathError(f"undefined at {point_words(values)}: {exc.message}", exc.subexpr) from None
    return values, fvalue


def derivative_value(e, derivative, values):
    from .errors import MathError
    from .evaluate import evaluate
    from .render.plain import plain as to_plain

    try:
        return evaluate(derivative, values)
    except MathError as exc:
        raise MathError(
            f"{to_plain(e)} is not differentiable at {point_words(values)} "
            f"(its derivative {to_plain(derivative)} fails there: {exc.message})",
            exc.subexpr) from None


def point_words(values) -> str:
    from .numbers import format_value

    return ", ".join(f"{k} = {format_value(v)}" for k, v in values.items())


def diff_json(text, e, wrts, derivative, values, fvalue, dvalue) -> dict:
    from .numbers import json_value
    from .render.plain import plain as to_plain

    obj = {"input": text, "expr": to_plain(e), "wrt": wrts, "derivative": to_plain(derivative)}
    if values is not None:
        obj["at"] = {k: json_value(v) for k, v in values.items()}
        obj["value"] = json_value(dvalue)
        obj["function_value"] = json_value(fvalue)
    return obj


@cli.command("diff", epilog=EPILOG, context_settings=EXPR_SETTINGS)
@click.argument("expr")
@diff_options
@at_option
@points_option
@vars_option
@latex_option
@output_options
def diff_command(expr, wrt, order, funcs, at, points_file, vars_, latex, json_, plain, color):
    """The derivative of EXPR, simplified.

    \b
    Examples:
      $ calc diff "3x^2+2x+1"
      6*x + 2
      $ calc diff "x^2" --at 3
      6
      $ calc diff "x^2 + 3xy + y^2" --wrt y
      3*x + 2*y
      $ calc diff "x^2 y^3" --wrt x --wrt y
      6*x*y^2
      $ calc diff "f(g(x))" --funcs f,g
      f'(g(x))*g'(x)
    """
    from .diff import nth_derivative
    from .numbers import format_value
    from .render.plain import plain as to_plain

    out = Output.choose(json_, latex, plain, color)
    request = DiffRequest(wrt, order, at, vars_, funcs)
    if points_file is not None:
        e = request.parse(expr).expr
        out.mode = "json" if json_ else "plain"
        stream_values(out, nth_derivative(e, request.variables(e)), points_file, expr)

    def handle(text: str) -> None:
        parsed = request.parse(text)
        e = parsed.expr
        wrts = request.variables(e)
        values, fvalue = values_at(request, e, wrts)
        derivative = nth_derivative(e, wrts)
        dvalue = None if values is None else derivative_value(e, derivative, values)
        decimal = has_decimal(e) or request.point.decimal
        if out.mode == "json":
            out.json(diff_json(text, e, wrts, derivative, values, fvalue, dvalue))
        elif out.mode == "latex":
            from .render.latex import latex as to_latex

            out.line(to_latex(derivative))
        elif out.mode == "plain":
            out.line(to_plain(derivative) if values is None else format_value(dvalue, decimal))
        else:
            from .render.terminal import show_diff

            show_diff(out.console, parsed, wrts, derivative, values,
                      None if values is None else (format_value(fvalue, decimal),
                                                   format_value(dvalue, decimal)))

    run_each(out, expr, handle)


def explanation(e, wrts):
    """The derivation of each order, then its simplification, as one step tree."""
    from .diff import derive
    from .simplify import simplify
    from .trace import Step

    orders = []
    current = e
    for wrt in wrts:
        derivation = derive(current, wrt)
        simplified = simplify(derivation.raw)
        tidy = Step("simplify", derivation.raw, simplified)
        orders.append(Step("derivative", current, simplified, (derivation.trace, tidy),
                           note=f"d/d{wrt}"))
        current = simplified
    if len(orders) == 1:
        return orders[0], current
    return Step("derivative", e, current, tuple(orders), note="higher order"), current


@cli.command("explain", epilog=EPILOG, context_settings=EXPR_SETTINGS)
@click.argument("expr")
@diff_options
@at_option
@vars_option
@latex_option
@output_options
def explain_command(expr, wrt, order, funcs, at, vars_, latex, json_, plain, color):
    """Step by step: every rule that differentiates EXPR, then the simplification.

    \b
    Examples:
      $ calc explain "(x^2+1)^3"
      $ calc explain "x^2 + 3xy + y^2" --wrt y      # x is held constant
      $ calc explain "x sin x" --json | jq .steps
      $ calc explain "x sin x" --latex             # an align* block
    """
    from .numbers import format_value
    from .render.plain import plain as to_plain
    from .trace import to_dict

    out = Output.choose(json_, latex, plain, color)
    request = DiffRequest(wrt, order, at, vars_, funcs)

    def handle(text: str) -> None:
        parsed = request.parse(text)
        e = parsed.expr
        wrts = request.variables(e)
        values, fvalue = values_at(request, e, wrts)
        top, derivative = explanation(e, wrts)
        dvalue = None if values is None else derivative_value(e, derivative, values)
        decimal = has_decimal(e) or request.point.decimal
        if out.mode == "json":
            obj = diff_json(text, e, wrts, derivative, values, fvalue, dvalue)
            obj["steps"] = to_dict(top, to_plain)
            out.json(obj)
        elif out.mode == "latex":
            from .render.steps import latex_steps

            out.line(latex_steps(top, wrts, derivative))
        elif out.mode == "plain":
            from .render.steps import plain_steps

            out.line(plain_steps(top, wrts, derivative))
            if values is not None:
                out.line(f"value at {point_words(values)}: {format_value(dvalue, decimal)}")
        else:
            from .render.terminal import show_explain

            show_explain(out.console, parsed, wrts, top, derivative, values,
                         None if values is None else (format_value(fvalue, decimal),
                                                      format_value(dvalue, decimal)))

    run_each(out, expr, handle)


# ------------------------------------------------------------ many variables
def wrt_option(func: Callable) -> Callable:
    return click.option(
        "--wrt", "-w", multiple=True, metavar="VARS",
        help="The variables, in order (x,y or repeated); default: all of them in natural "
             "order (x, y, z; x1, x2, …, x10).")(func)


class MultiRequest:
    """The variables and point of grad, hessian and jacobian, resolved once."""

    def __init__(self, wrt, at, vars_):
        self.wrt = split_names(wrt)
        self.point = Point(at)
        self.names = split_names([vars_]) + self.wrt + self.point.names

    def parse(self, text: str):
        from .parse import parse_with_notes

        return parse_with_notes(text, self.names)

    def variables(self, exprs) -> list[str]:
        from .multivar import natural_order

        if self.wrt:
            return list(self.wrt)
        names = natural_order(set().union(*(e.free_vars() for e in exprs)))
        if not names:
            raise UsageError("the expression has no variables to differentiate by")
        return names

    def values(self, exprs, wrts):
        """The point as values by name, or None without --at; f must be defined there."""
        from .errors import MathError
        from .evaluate import evaluate

        if not self.point:
            return None
        values = self.point.bind(set(wrts).union(*(e.free_vars() for e in exprs)))
        for e in exprs:
            try:
                evaluate(e, values)
            except MathError as exc:
                raise MathError(f"undefined at {point_words(values)}: {exc.message}",
                                exc.subexpr) from None
        return values


def numbers_line(values, decimal: bool) -> str:
    from .numbers import format_value

    return " ".join(format_value(v, decimal) for v in values)


def json_numbers(values):
    from .numbers import json_value

    return [json_value(v) for v in values]


@cli.command("grad", epilog=EPILOG, context_settings=EXPR_SETTINGS)
@click.argument("expr")
@wrt_option
@at_option
@click.option("--dir", "direction", metavar="V1,V2,…",
              help="A direction: gives the directional derivative along it (normalised).")
@click.option("--lr", default="0.1", show_default=True, metavar="RATE",
              help="Learning rate for the gradient-descent step shown on a terminal.")
@vars_option
@latex_option
@output_options
def grad_command(expr, wrt, at, direction, lr, vars_, latex, json_, plain, color):
    """The gradient ∇f: every partial derivative of EXPR.

    In a pipe: one partial per line, or with --at the values on one line
    (so that `read gx gy < <(calc grad ...)` works). With --dir: the
    directional derivative instead.

    \b
    Examples:
      $ calc grad "x^2 + 3xy + y^2"
      2*x + 3*y
      3*x + 2*y
      $ calc grad "x^2 + 3xy + y^2" --at x=1,y=2
      8 7
      $ calc grad "x^2 + y^2" --at x=1,y=1 --dir 1,1
      2.8284271247461903
    """
    from .multivar import directional, directional_at, gradient, gradient_at, norm, unit
    from .numbers import json_value
    from .points import number_list
    from .render.plain import plain as to_plain

    out = Output.choose(json_, latex, plain, color)
    request = MultiRequest(wrt, at, vars_)
    lr = learning_rate(lr)
    dir_values = number_list(direction, "--dir") if direction else None

    def handle(text: str) -> None:
        parsed = request.parse(text)
        e = parsed.expr
        wrts = request.variables([e])
        values = request.values([e], wrts)
        grad = gradient(e, wrts)
        decimal = has_decimal(e) or request.point.decimal
        at_point = None if values is None else gradient_at(e, wrts, values)
        along = slope = None
        if dir_values is not None:
            along = directional(e, wrts, dir_values)
            slope = None if values is None else directional_at(e, wrts, dir_values, values)
        if out.mode == "json":
            obj = {"input": text, "expr": to_plain(e), "vars": wrts,
                   "gradient": [to_plain(g) for g in grad]}
            if values is not None:
                obj["at"] = {k: json_value(v) for k, v in values.items()}
                obj["value"] = json_numbers(at_point)
                obj["norm"] = json_value(norm(at_point))
            if along is not None:
                obj["direction"] = json_numbers(unit(dir_values))
                obj["directional"] = to_plain(along) if slope is None else json_value(slope)
                if slope is not None:
                    obj["directional_expr"] = to_plain(along)
            out.json(obj)
        elif out.mode == "latex":
            from .render.latex import latex as to_latex

            if along is not None:
                out.line(to_latex(along))
            else:
                out.line(latex_matrix([[g] for g in grad]))
        elif out.mode == "plain":
            if along is not None:
                out.line(to_plain(along) if slope is None else numbers_line([slope], decimal))
            elif at_point is not None:
                out.line(numbers_line(at_point, decimal))
            else:
                for g in grad:
                    out.line(to_plain(g))
        else:
            from .render.terminal import show_grad

            show_grad(out.console, parsed, wrts, grad, values, at_point, lr, decimal,
                      (dir_values, along, slope))

    run_each(out, expr, handle)


def learning_rate(text: str):
    """--lr as an exact number (0.1 stays 1/10, so steps print without float artefacts)."""
    from .points import point_value

    rate = point_value(text, f"--lr {text}")
    if not rate > 0:
        raise UsageError(f"--lr {text}: the learning rate must be a positive number")
    return rate


def matrix_lines(out: Output, rows, at_rows, decimal: bool) -> None:
    """Rows of a matrix: tab-separated plain expressions, or space-separated values."""
    from .render.plain import plain as to_plain

    if at_rows is not None:
        for row in at_rows:
            out.line(numbers_line(row, decimal))
    else:
        for row in rows:
            out.line("\t".join(to_plain(entry) for entry in row))


def latex_matrix(rows) -> str:
    from .render.latex import latex as to_latex

    body = r" \\ ".join(" & ".join(to_latex(entry) for entry in row) for row in rows)
    return r"\begin{pmatrix} " + body + r" \end{pmatrix}"


@cli.command("hessian", epilog=EPILOG, context_settings=EXPR_SETTINGS)
@click.argument("expr")
@wrt_option
@at_option
@vars_option
@latex_option
@output_options
def hessian_command(expr, wrt, at, vars_, latex, json_, plain, color):
    """The Hessian of EXPR: the matrix of second partial derivatives.

    In a pipe: one row per line, entries separated by tabs (or, with --at,
    values separated by spaces).

    \b
    Examples:
      $ calc hessian "x^2 + 3xy + y^2"
      2	3
      3	2
      $ calc hessian "x^3 y" --at x=1,y=2
      12 3
      3 0
    """
    from .multivar import hessian, hessian_at
    from .numbers import json_value
    from .render.plain import plain as to_plain

    out = Output.choose(json_, latex, plain, color)
    request = MultiRequest(wrt, at, vars_)

    def handle(text: str) -> None:
        parsed = request.parse(text)
        e = parsed.expr
        wrts = request.variables([e])
        values = request.values([e], wrts)
        h = hessian(e, wrts)
        at_rows = None if values is None else hessian_at(e, wrts, values)
        decimal = has_decimal(e) or request.point.decimal
        if out.mode == "json":
            obj = {"input": text, "expr": to_plain(e), "vars": wrts,
                   "hessian": [[to_plain(x) for x in row] for row in h]}
            if at_rows is not None:
                obj["at"] = {k: json_value(v) for k, v in values.items()}
                obj["value"] = [json_numbers(row) for row in at_rows]
            out.json(obj)
        elif out.mode == "latex":
            out.line(latex_matrix(h))
        elif out.mode == "plain":
            matrix_lines(out, h, at_rows, decimal)
        else:
            from .render.terminal import show_matrix

            show_matrix(out.console, "Hessian", parsed, [e], wrts, h, values, at_rows,
                        decimal)

    run_each(out, expr, handle)


def split_top_level(text: str) -> list[str]:
    """``"x*y, log(x, 2)"`` → ["x*y", "log(x, 2)"]: commas outside parentheses and bars."""
    parts, depth, current = [], 0, []
    for char in text:
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [p.strip() for p in parts]


@cli.command("jacobian", epilog=EPILOG, context_settings=EXPR_SETTINGS)
@click.argument("exprs", metavar="EXPRS")
@wrt_option
@at_option
@vars_option
@latex_option
@output_options
def jacobian_command(exprs, wrt, at, vars_, latex, json_, plain, color):
    """The Jacobian of a comma-separated list of functions "f1, f2, …".

    Row i holds the partials of fi; in a pipe one row per line, entries
    separated by tabs (or, with --at, values separated by spaces).

    \b
    Examples:
      $ calc jacobian "x*y, x + y"
      y	x
      1	1
      $ calc jacobian "x^2 y, sin x" --at x=0,y=1
      0 0
      1 0
    """
    from .multivar import jacobian, jacobian_at
    from .numbers import json_value
    from .render.plain import plain as to_plain

    out = Output.choose(json_, latex, plain, color)
    request = MultiRequest(wrt, at, vars_)

    def handle(text: str) -> None:
        pieces = split_top_level(text)
        parsed = [request.parse(p) for p in pieces]
        fs = [p.expr for p in parsed]
        wrts = request.variables(fs)
        values = request.values(fs, wrts)
        j = jacobian(fs, wrts)
        at_rows = None if values is None else jacobian_at(fs, wrts, values)
        decimal = any(has_decimal(f) for f in fs) or request.point.decimal
        if out.mode == "json":
            obj = {"input": text, "exprs": [to_plain(f) for f in fs], "vars": wrts,
                   "jacobian": [[to_plain(x) for x in row] for row in j]}
            if at_rows is not None:
                obj["at"] = {k: json_value(v) for k, v in values.items()}
                obj["value"] = [json_numbers(row) for row in at_rows]
            out.json(obj)
        elif out.mode == "latex":
            out.line(latex_matrix(j))
        elif out.mode == "plain":
            matrix_lines(out, j, at_rows, decimal)
        else:
            from .render.terminal import show_matrix

            from .render.unicode import pretty

            notes = [n for p in parsed for n in p.all_notes(pretty)]
            show_matrix(out.console, "Jacobian", notes, fs, wrts, j, values, at_rows, decimal)

    run_each(out, exprs, handle)


# ------------------------------------------------------------ learning commands
def point_order(point: Point, e) -> list[str]:
    """Inputs in the order the user named them in --at, then the rest in natural order."""
    from .multivar import natural_order

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
    from .graph import backprop, to_json

    out = Output.choose(json_, False, plain, color)
    point = Point(at)
    names = split_names([vars_]) + point.names

    def handle(text: str) -> None:
        from .parse import parse_with_notes

        parsed = parse_with_notes(text, names)
        e = parsed.expr
        values = point.bind(e.free_vars())
        bp = backprop(e, values, order=point_order(point, e))
        decimal = has_decimal(e) or point.decimal
        if out.mode == "json":
            out.json(to_json(bp))
        elif out.mode == "plain":
            for line in backprop_lines(bp, decimal):
                out.line(line)
        else:
            from .render.terminal import show_backprop

            show_backprop(out.console, parsed, bp, decimal)

    run_each(out, expr, handle)


def backprop_lines(bp, decimal: bool) -> list[str]:
    """The graph as plain lines: each node with its value and gradient, then ∂f/∂v."""
    from .numbers import format_value

    def number(v):
        return "-" if v is None else format_value(v, decimal)

    lines = []
    for node in bp.graph.nodes:
        inputs = " ".join(node.inputs)
        local = bp.local.get(node.id, {})
        line = (f"{node.id} {node.op}{' ' + inputs if inputs else ''}: value {number(bp.values[node.id])}"
                f", grad {number(bp.adjoints.get(node.id))}")
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
    from .descent import descend, to_json
    from .points import point_value

    out = Output.choose(json_, False, plain, color)
    point = Point(start)
    rate = learning_rate(lr)
    if not 1 <= steps <= 1_000_000:
        raise UsageError(f"--steps {steps}: the number of steps must be from 1 to 1,000,000")
    tolerance = None if tol is None else point_value(tol, f"--tol {tol}")
    if tolerance is not None and not tolerance >= 0:
        raise UsageError(f"--tol {tol}: the tolerance must be a number ≥ 0")
    wrts_given = split_names(wrt)
    names = split_names([vars_]) + point.names + wrts_given

    def handle(text: str) -> None:
        from .parse import parse_with_notes

        parsed = parse_with_notes(text, names)
        e = parsed.expr
        values = point.bind(e.free_vars())
        wrts = wrts_given or point_order(point, e)
        progress = None
        if out.mode == "terminal" and steps >= 2000:
            from .render.terminal import progress_bar

            progress = progress_bar(out.color, steps)
        try:
            run = descend(e, values, rate, steps, tolerance, wrts,
                          on_step=progress.advance if progress else None)
        finally:
            if progress:
                progress.close()
        decimal = True
        if out.mode == "json":
            out.json(to_json(run))
        elif out.mode == "plain":
            for line in descent_lines(run, decimal):
                out.line(line)
        else:
            from .render.terminal import show_descent

            show_descent(out.console, parsed, run, decimal)

    run_each(out, expr, handle)


def descent_lines(run, decimal: bool) -> list[str]:
    from .numbers import format_value

    lines = []
    for it in run.path:
        coords = " ".join(format_value(it.point[v], decimal) for v in run.vars)
        lines.append(f"{it.step} {format_value(it.value, decimal)} {coords}")
    lines.append(f"# {descent_summary(run)}")
    return lines


def descent_summary(run) -> str:
    from .numbers import format_value

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
    from .numbers import format_value, json_value
    from .render.plain import plain as to_plain
    from .tangent import tangent

    out = Output.choose(json_, latex, plain, color)
    point = Point(at)
    names = split_names([vars_]) + point.names + split_names([wrt or ""])

    def handle(text: str) -> None:
        from .parse import parse_with_notes

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
            from .render.latex import latex as to_latex

            out.line(f"y = {to_latex(t.line)}")
            return
        if out.mode == "plain":
            out.line(to_plain(t.line))
            if plot:
                out.line(tangent_picture(t, values, color=False))
            return
        from .render.terminal import show_tangent

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
    from .evaluate import compile_expr
    from .numbers import format_value, to_float
    from .render.plot import tangent_description, tangent_plot
    from .render.unicode import pretty

    f = compile_expr(t.curve(values), [t.var])
    width, height = 64, 18
    use_color = False
    if console is not None:
        width = max(40, min(console.width - 4, 100))
        use_color = bool(color if color is not None else
                         console.is_terminal and console.color_system is not None)
    picture = tangent_plot(f, to_float(t.a), to_float(t.value), to_float(t.slope),
                           label=pretty(t.expr), width=width, height=height, color=use_color)
    sentence = tangent_description(pretty(t.expr), format_value(t.a), format_value(t.value),
                                   format_value(t.slope), pretty(t.line))
    return f"{picture}\n{sentence}"


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
    from .check import check, to_json
    from .parse import parse_with_notes

    out = Output.choose(json_, False, plain, color)
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
        if out.mode == "json":
            obj = {"input": text, "expr": _plain(e), "wrt": var}
            obj.update(to_json(verdict))
            out.json(obj)
        elif out.mode == "plain":
            for line in verdict_lines(verdict, var):
                out.line(line)
        else:
            from .render.terminal import show_check

            show_check(out.console, parsed, var, verdict)

    run_each(out, expr, handle)


def _plain(e) -> str:
    from .render.plain import plain as to_plain

    return to_plain(e)


def single_variable(e, answer) -> str:
    free = sorted(e.free_vars())
    if len(free) > 1:
        raise UsageError(f"the expression has several variables ({', '.join(free)}): "
                         f"say which derivative this is with --wrt")
    return free[0] if free else (sorted(answer.free_vars()) or ["x"])[0]


def verdict_lines(verdict, var: str) -> list[str]:
    """``correct``, or ``wrong: …`` with the right derivative, a differing point and the mistake."""
    from .numbers import format_value

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
    from .numbers import format_value

    if value is None:
        return "no value"
    try:
        return format_value(value)
    except TypeError:
        return str(value)


def has_decimal(e) -> bool:
    from .expr import Num

    return any(isinstance(n, Num) and n.decimal for n in e.walk())


def main() -> None:
    """Entry point: run the group, ending quietly on a closed pipe or Ctrl-C."""
    try:
        status = cli.main(prog_name="calc", standalone_mode=False)
        # Without standalone mode click returns ctx.exit()'s status instead of exiting.
        sys.exit(status if isinstance(status, int) else EXIT_OK)
    except click.exceptions.Abort:
        click.echo("calc: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code if exc.exit_code != 1 else EXIT_USAGE)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(EXIT_INTERRUPTED)
    except BrokenPipeError:
        _silence_stdout()
        sys.exit(EXIT_OK)
    except RecursionError:
        click.echo("calc: expression nested too deeply", err=True)
        sys.exit(EXIT_USAGE)
    except Exception as exc:  # a bug in calc: say so in one line, never a traceback
        click.echo(f"calc: internal error ({type(exc).__name__}: {exc}); please report it",
                   err=True)
        sys.exit(EXIT_INTERNAL)


def _silence_stdout() -> None:
    """After a closed pipe, point stdout at /dev/null so the interpreter's flush is quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


__all__ = ["cli", "main", "EXIT_MATH"]
