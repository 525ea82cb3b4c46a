"""Commands of many variables: grad, hessian, jacobian."""

from __future__ import annotations

from typing import Any, Callable

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
    run_each,
    undefined_message,
    vars_option,
)
from ..errors import UsageError
from ..points import Point, json_number, json_point, split_names


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
        from ..parse import parse_with_notes

        return parse_with_notes(text, self.names)

    def variables(self, exprs) -> list[str]:
        from ..multivar import natural_order

        if self.wrt:
            return list(self.wrt)
        names = natural_order(set().union(*(e.free_vars() for e in exprs)))
        if not names:
            raise UsageError("the expression has no variables to differentiate by")
        return names

    def resolve(self, exprs):
        """(the variables, the point's values or None, whether answers print as decimals)."""
        wrts = self.variables(exprs)
        values = self.values(exprs, wrts)
        return wrts, values, any(has_decimal(e) for e in exprs) or self.point.decimal

    def values(self, exprs, wrts):
        """The point as values by name, or None without --at; f must be defined there."""
        from ..errors import MathError
        from ..evaluate import evaluate

        if not self.point:
            return None
        values = self.point.bind(set(wrts).union(*(e.free_vars() for e in exprs)))
        for e in exprs:
            try:
                evaluate(e, values)
            except MathError as exc:
                raise MathError(undefined_message(exc, values), exc.subexpr) from None
        return values


def numbers_line(values, decimal: bool) -> str:
    from ..numbers import format_value

    return " ".join(format_value(v, decimal) for v in values)


def json_numbers(values):
    from ..points import json_number

    return [json_number(v) for v in values]


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
    from ..multivar import directional, directional_at, gradient, gradient_at, unit
    from ..points import number_list
    from ..render.plain import plain as to_plain

    out = Output.choose(json_, latex, plain, color, "grad")
    request = MultiRequest(wrt, at, vars_)
    lr = learning_rate(lr)
    dir_values = number_list(direction, "--dir") if direction else None

    def handle(text: str) -> None:
        parsed = request.parse(text)
        e = parsed.expr
        wrts, values, decimal = request.resolve([e])
        grad = gradient(e, wrts)
        at_point = None if values is None else gradient_at(e, wrts, values)
        along = slope = None
        if dir_values is not None:
            along = directional(e, wrts, dir_values)
            slope = None if values is None else directional_at(e, wrts, dir_values, values)
        if out.mode == "json":
            obj = {"input": text, "expr": to_plain(e), "vars": wrts,
                   "gradient": [to_plain(g) for g in grad]}
            if values is not None:
                obj.update(json_point(values))
                obj["value"] = json_numbers(at_point)
                obj["norm"] = json_norm(at_point)
            if along is not None:
                obj["direction"] = json_numbers(unit(dir_values))
                obj["directional"] = to_plain(along) if slope is None else json_number(slope)
                if slope is not None:
                    obj["directional_expr"] = to_plain(along)
            out.json(obj)
        elif out.mode == "latex":
            from ..render.latex import latex as to_latex

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
            from ..render.terminal import show_grad

            show_grad(out.console, parsed, wrts, grad, values, at_point, lr, decimal,
                      (dir_values, along, slope))

    run_each(out, expr, handle)


def json_norm(values):
    """|v| for JSON; null when it has no float and no exact value (|(1e4000, 1)|)."""
    from ..multivar import norm
    from ..numbers import Overflow

    try:
        return json_number(norm(values))
    except Overflow:
        return None


def learning_rate(text: str):
    """--lr as an exact number (0.1 stays 1/10, so steps print without float artefacts)."""
    from ..points import point_value

    rate = point_value(text, f"--lr {text}")
    if not rate > 0:
        raise UsageError(f"--lr {text}: the learning rate must be a positive number")
    return rate


def matrix_lines(out: Output, rows, at_rows, decimal: bool) -> None:
    """Rows of a matrix: tab-separated plain expressions, or space-separated values."""
    from ..render.plain import plain as to_plain

    if at_rows is not None:
        for row in at_rows:
            out.line(numbers_line(row, decimal))
    else:
        for row in rows:
            out.line("\t".join(to_plain(entry) for entry in row))


def latex_matrix(rows) -> str:
    from ..render.latex import latex as to_latex

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
    from ..multivar import hessian, hessian_at

    out = Output.choose(json_, latex, plain, color, "hessian")
    request = MultiRequest(wrt, at, vars_)

    def handle(text: str) -> None:
        parsed = request.parse(text)
        e = parsed.expr
        wrts, values, decimal = request.resolve([e])
        h = hessian(e, wrts)
        at_rows = None if values is None else hessian_at(e, wrts, values)
        show_matrix_answer(out, "Hessian", text, [parsed], wrts, h, values, at_rows, decimal)

    run_each(out, expr, handle)


def show_matrix_answer(out: Output, name: str, text: str, parsed: list, wrts, rows, values,
                       at_rows, decimal: bool) -> None:
    """A Hessian or a Jacobian (``name``) in the output mode: JSON, LaTeX, rows or a table.

    JSON: ``input``, then ``expr`` (a Hessian) or ``exprs`` (a Jacobian), ``vars``, the
    matrix under ``hessian`` or ``jacobian``, and with a point ``at`` and ``value``.
    """
    from ..render.plain import plain as to_plain

    fs = [p.expr for p in parsed]
    if out.mode == "json":
        obj: dict[str, Any] = {"input": text}
        if name == "Hessian":
            obj["expr"] = to_plain(fs[0])
        else:
            obj["exprs"] = [to_plain(f) for f in fs]
        obj["vars"] = wrts
        obj[name.lower()] = [[to_plain(x) for x in row] for row in rows]
        if at_rows is not None:
            obj.update(json_point(values))
            obj["value"] = [json_numbers(row) for row in at_rows]
        out.json(obj)
    elif out.mode == "latex":
        out.line(latex_matrix(rows))
    elif out.mode == "plain":
        matrix_lines(out, rows, at_rows, decimal)
    else:
        from ..render.terminal import show_matrix
        from ..render.unicode import pretty

        notes = [n for p in parsed for n in p.all_notes(pretty)]
        show_matrix(out.console, name, notes, fs, wrts, rows, values, at_rows, decimal)


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
    from ..multivar import jacobian, jacobian_at

    out = Output.choose(json_, latex, plain, color, "jacobian")
    request = MultiRequest(wrt, at, vars_)

    def handle(text: str) -> None:
        parsed = [request.parse(p) for p in split_top_level(text)]
        fs = [p.expr for p in parsed]
        wrts, values, decimal = request.resolve(fs)
        j = jacobian(fs, wrts)
        at_rows = None if values is None else jacobian_at(fs, wrts, values)
        show_matrix_answer(out, "Jacobian", text, parsed, wrts, j, values, at_rows, decimal)

    run_each(out, exprs, handle)
