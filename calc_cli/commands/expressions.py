"""Commands on one expression: parse, eval, diff, explain (eval and diff run in ``run.py``)."""

from __future__ import annotations

from typing import Callable

import click

from ..cli import (
    EPILOG,
    EXPR_SETTINGS,
    Output,
    at_option,
    cli,
    has_decimal,
    latex_option,
    output_options,
    point_words,
    run_each,
    vars_option,
)
from ..points import split_names
from .run import DiffRequest, diff_json, run_diff, run_eval, value_of_order, values_at


def points_option(func: Callable) -> Callable:
    return click.option(
        "--points", "points_file", metavar="FILE", default=None,
        help="Evaluate at every point of FILE ('-': standard input), one per line as x=1,y=2 "
             "or CSV under a header line of names; prints one value per line, in floating "
             "point, compiling the expression once.")(func)


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

    out = Output.choose(json_, latex, plain, color, "parse")
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
    run_eval(expr, at, points_file, vars_, json_, plain, color)


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
    run_diff(expr, wrt, order, funcs, at, points_file, vars_, latex, json_, plain, color)


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
    top = orders[0] if len(orders) == 1 else Step("derivative", e, current, tuple(orders),
                                                  note="higher order")
    _check_written(top)
    return top, current


# The most nodes an explanation may show, written out, over all its steps: every step shows
# its expression and result in full, so a deep nest (tanh(tanh(…)) 400 deep) explains in
# text that grows as the cube of the depth (500 MB of LaTeX) while its DAG stays small.
# A million nodes is some megabytes of text, far beyond what anyone reads.
MAX_EXPLAINED_WRITTEN = 1_000_000


def _check_written(top) -> None:
    from ..errors import MathError
    from ..expr import written_size

    sizes: dict = {}
    total = 0
    steps = [top]
    while steps:
        step = steps.pop()
        total += (written_size(step.expr, sizes, MAX_EXPLAINED_WRITTEN + 1)
                  + written_size(step.result, sizes, MAX_EXPLAINED_WRITTEN + 1))
        if total > MAX_EXPLAINED_WRITTEN:
            raise MathError(f"the explanation is too long to show (its steps have over "
                            f"{MAX_EXPLAINED_WRITTEN:,} nodes written out; calc diff gives "
                            f"the derivative itself)")
        steps.extend(step.substeps)


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

    out = Output.choose(json_, latex, plain, color, "explain")
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
