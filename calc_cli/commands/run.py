"""What ``calc eval`` and ``calc diff`` do once their options are read, without click.

The click commands (``expressions.py``) and the fast lane (``calc_cli/quick.py``, which runs
the common forms of these two commands without importing click) both call ``run_eval`` and
``run_diff``, so the two ways in cannot drift apart; ``tests/test_quick.py`` compares them.
"""

from __future__ import annotations

import sys
from typing import Optional

from ..errors import UsageError
from ..points import Point, split_names
from ..shell import EXIT_OK, Output, _silence_stdout, has_decimal, run_each, undefined_message


def stream_values(out: Output, e, points_file: str, expr_text: str, of=None,
                  lower=()) -> None:
    """One value of ``e`` per point of the file, as fast as Python allows; bad lines go on.

    ``e`` may be a derivative of ``of`` with ``lower`` its lower orders: as with --at, a point
    where one of those fails has no value of ``e`` (|x|″ simplifies to 0, yet |x|′ fails at 0).
    """
    from ..evaluate import compile_expr

    if points_file == "-" and expr_text == "-":
        raise UsageError("EXPR and --points cannot both read standard input")
    names = sorted(frozenset().union(e.free_vars(), *(d.free_vars() for d in lower)))
    f = compile_expr(e, names)
    if lower:
        f = _after_lower_orders(f, of, [(d, compile_expr(d, names)) for d in lower])
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


def _after_lower_orders(f, of, lower):
    """f, evaluated only where each lower order's compiled function has a value."""
    from ..errors import MathError
    from ..render.plain import plain as to_plain

    def checked(*args):
        for derivative, g in lower:
            try:
                g(*args)
            except MathError as exc:
                raise MathError(f"{to_plain(of)} is not differentiable there (its derivative "
                                f"{to_plain(derivative)} fails: {exc.message})",
                                exc.subexpr) from None
        return f(*args)

    return checked


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


def run_eval(expr: str, at: tuple[str, ...] = (), points_file: Optional[str] = None,
             vars_: str = "", json_: bool = False, plain: bool = False,
             color: Optional[bool] = None) -> None:
    """``calc eval``: the value of EXPR (or of each line of stdin), exact where it can be."""
    from ..evaluate import evaluate
    from ..numbers import exact_string, format_value
    from ..parse import parse_with_notes
    from ..points import json_number, json_point
    from ..render.plain import plain as to_plain

    out = Output.choose(json_, False, plain or points_file is not None, color, "eval")
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


def run_diff(expr: str, wrt: tuple[str, ...] = (), order: Optional[int] = None, funcs: str = "",
             at: tuple[str, ...] = (), points_file: Optional[str] = None, vars_: str = "",
             latex: bool = False, json_: bool = False, plain: bool = False,
             color: Optional[bool] = None) -> None:
    """``calc diff``: the derivative of EXPR (or of each line of stdin), simplified."""
    from ..diff import derivatives, nth_derivative
    from ..numbers import format_value
    from ..render.plain import plain as to_plain

    out = Output.choose(json_, latex, plain, color, "diff")
    request = DiffRequest(wrt, order, at, vars_, funcs)
    if points_file is not None:
        e = request.parse(expr).expr
        out.mode = "json" if json_ else "plain"
        *lower, derivative = derivatives(e, request.variables(e))
        stream_values(out, derivative, points_file, expr, of=e, lower=lower)

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
