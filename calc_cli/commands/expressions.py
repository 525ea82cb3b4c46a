"""Commands on one expression: parse, eval, diff, explain (and --points streaming)."""

from __future__ import annotations

import sys
from typing import Callable

import click

from ..cli import (
    EPILOG,
    EXIT_OK,
    EXPR_SETTINGS,
    Output,
    at_option,
    cli,
    has_decimal,
    latex_option,
    output_options,
    _silence_stdout,
    point_words,
    run_each,
    undefined_message,
    vars_option,
)
from ..errors import UsageError
from ..points import Point, split_names


def points_option(func: Callable) -> Callable:
    return click.option(
        "--points", "points_file", metavar="FILE", default=None,
        help="Evaluate at every point of FILE ('-': standard input), one per line as x=1,y=2 "
             "or CSV under a header line of names; prints one value per line, in floating "
             "point, compiling the expression once.")(func)


def stream_values(out: Output, e, points_file: str, expr_text: str) -> None:
    """One value of ``e`` per point of the file, as fast as Python allows; bad lines go on."""
    from ..evaluate import compile_expr

    if points_file == "-" and expr_text == "-":
        raise UsageError("EXPR and --points cannot both read standard input")
    names = sorted(e.free_vars())
    f = compile_expr(e, names)
    try:
        handle = sys.stdin if points_file == "-" else open(points_file, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--points {points_file}: {exc.strerror}") from None
    try:
        _stream(out, f, names, handle, points_file)
    except BrokenPipeError:
        _silence_stdout()
        sys.exit(EXIT_OK)
    sys.exit(out.status)


def _stream(out: Output, f, names: list[str], handle, points_file: str) -> None:
    from ..errors import MathError
    from ..points import stream_points

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


def _flush(pending: list[str]) -> None:
    if pending:
        sys.stdout.write("\n".join(pending) + "\n")
        pending.clear()



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
    from ..parse import parse_with_notes
    from ..render.plain import plain as to_plain

    out = Output.choose(json_, latex, plain, color)
    names, functions = split_names([vars_]), split_names([funcs])

    def handle(text: str) -> None:
        parsed = parse_with_notes(text, names, functions)
        e = parsed.expr
        if out.mode == "json":
            out.json({"input": text, "expr": to_plain(e), "variables": sorted(e.free_vars()),
                      "notes": parsed.all_notes(to_plain)})
        elif out.mode == "latex":
            from ..render.latex import latex as to_latex

            out.line(to_latex(e))
        elif out.mode == "plain":
            out.line(to_plain(e))
        else:
            from ..render.terminal import show_parse

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
    from ..evaluate import evaluate
    from ..numbers import exact_string, format_value
    from ..parse import parse_with_notes
    from ..points import json_number, json_point
    from ..render.plain import plain as to_plain

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
            obj = {"input": text, "expr": to_plain(e), **json_point(values),
                   "value": json_number(value)}
            exact = exact_string(value)
            if exact is not None:
                obj["value_exact"] = exact
            out.json(obj)
        elif out.mode == "plain":
            out.line(format_value(value, decimal))
        else:
            from ..render.terminal import show_eval

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
        from ..parse import parse_with_notes

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
    from ..errors import MathError
    from ..evaluate import evaluate

    if not request.point:
        return None, None
    values = request.point.bind(e.free_vars() | set(wrts))
    try:
        fvalue = evaluate(e, values)
    except MathError as exc:
        raise MathError(undefined_message(exc, values), exc.subexpr) from None
    return values, fvalue


def value_of_order(e, lower, derivative, values):
    """f⁽ⁿ⁾(a), which exists only where every lower order does: simplifying may define a
    higher one where a lower one fails (|x|″ simplifies to 0, yet |x|′ = x/|x| fails at 0)."""
    for order in lower:
        derivative_value(e, order, values)
    return derivative_value(e, derivative, values)


def derivative_value(e, derivative, values):
    from ..errors import MathError
    from ..evaluate import describe_point, evaluate
    from ..render.plain import plain as to_plain

    try:
        return evaluate(derivative, values)
    except MathError as exc:
        raise MathError(
            f"{to_plain(e)} is not differentiable at {describe_point(values)} "
            f"(its derivative {to_plain(derivative)} fails there: {exc.message})",
            exc.subexpr) from None



def diff_json(text, e, wrts, derivative, values, fvalue, dvalue) -> dict:
    from ..numbers import json_value
    from ..points import json_point
    from ..render.plain import plain as to_plain

    obj = {"input": text, "expr": to_plain(e), "wrt": wrts, "derivative": to_plain(derivative)}
    if values is not None:
        obj.update(json_point(values))
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
    from ..diff import derivatives, nth_derivative
    from ..numbers import format_value
    from ..render.plain import plain as to_plain

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
        if values is None:
            derivative, dvalue = nth_derivative(e, wrts), None
        else:
            *lower, derivative = derivatives(e, wrts)
            dvalue = value_of_order(e, lower, derivative, values)
        # only a value at a point is printed as a decimal or not (a batch skips the walk)
        decimal = values is not None and (request.point.decimal or has_decimal(e))
        if out.mode == "json":
            out.json(diff_json(text, e, wrts, derivative, values, fvalue, dvalue))
        elif out.mode == "latex":
            from ..render.latex import latex as to_latex

            out.line(to_latex(derivative))
        elif out.mode == "plain":
            out.line(to_plain(derivative) if values is None else format_value(dvalue, decimal))
        else:
            from ..render.terminal import show_diff

            show_diff(out.console, parsed, wrts, derivative, values,
                      None if values is None else (format_value(fvalue, decimal),
                                                   format_value(dvalue, decimal)))

    run_each(out, expr, handle)


def explanation(e, wrts):
    """The derivation of each order, then its simplification, as one step tree."""
    from ..diff import MAX_EXPLAINED_NODES, check_size, derive
    from ..errors import MathError
    from ..simplify import simplify
    from ..trace import Step

    orders = []
    current = e
    shown = 0
    for order, wrt in enumerate(wrts, 1):
        derivation = derive(current, wrt)
        simplified = simplify(derivation.raw)
        # Each order's steps are kept and shown, so its size bounds the work: stop when one
        # grows beyond MAX_EXPLAINED_NODES (atan(x) grows 2.5 times an order here).
        check_size(simplified, order, len(wrts), MAX_EXPLAINED_NODES)
        shown += len(simplified.walk())
        if shown > 2 * MAX_EXPLAINED_NODES:  # many orders of middling size (sigmoid, order 100)
            raise MathError(f"the explanation is too long to show: the first {order} orders "
                            f"already have over {2 * MAX_EXPLAINED_NODES:,} nodes between "
                            f"them (calc diff gives the derivative itself)")
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
    from ..numbers import format_value
    from ..render.plain import plain as to_plain
    from ..trace import to_dict

    out = Output.choose(json_, latex, plain, color)
    request = DiffRequest(wrt, order, at, vars_, funcs)

    def handle(text: str) -> None:
        parsed = request.parse(text)
        e = parsed.expr
        wrts = request.variables(e)
        values, fvalue = values_at(request, e, wrts)
        top, derivative = explanation(e, wrts)
        if values is None:
            dvalue = None
        else:
            lower = [step.result for step in top.substeps[:-1]] if len(wrts) > 1 else []
            dvalue = value_of_order(e, lower, derivative, values)
        decimal = values is not None and (request.point.decimal or has_decimal(e))
        if out.mode == "json":
            obj = diff_json(text, e, wrts, derivative, values, fvalue, dvalue)
            obj["steps"] = to_dict(top, to_plain)
            out.json(obj)
        elif out.mode == "latex":
            from ..render.steps import latex_steps

            out.line(latex_steps(top, wrts, derivative))
        elif out.mode == "plain":
            from ..render.steps import plain_steps

            out.line(plain_steps(top, wrts, derivative))
            if values is not None:
                out.line(f"value at {point_words(values)}: {format_value(dvalue, decimal)}")
        else:
            from ..render.terminal import show_explain

            show_explain(out.console, parsed, wrts, top, derivative, values,
                         None if values is None else (format_value(fvalue, decimal),
                                                      format_value(dvalue, decimal)))

    run_each(out, expr, handle)
