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
from typing import Callable, Iterator, Optional

import click

from . import __version__
from .errors import EXIT_MATH, EXIT_OK, EXIT_USAGE, CalcError, ParseError, UsageError

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
    try:
        for text in inputs(expr):
            try:
                handle(text)
            except CalcError as error:
                out.fail(text, error)
                if batch and out.mode == "plain":
                    out.line("")
            except RecursionError:
                out.fail(text, UsageError("expression nested too deeply"))
    except BrokenPipeError:
        # The reader went away (`calc … | head -1`): stop quietly, as Unix tools do.
        _silence_stdout()
        sys.exit(EXIT_OK)
    sys.exit(out.status)


# --------------------------------------------------------------- commands
OUTPUT_OPTIONS = ("json_", "plain", "latex", "color")


class CalcCommand(click.Command):
    """A command whose --help lists what to compute apart from how to show it."""

    def format_options(self, ctx, formatter) -> None:
        groups: dict[str, list] = {"Options": [], "Output": []}
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx) if isinstance(param, click.Option) else None
            if record is not None:
                groups["Output" if param.name in OUTPUT_OPTIONS else "Options"].append(record)
        for title, rows in groups.items():
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


class CalcGroup(click.Group):
    command_class = CalcCommand

    def list_commands(self, ctx):
        return list(self.commands)  # in the order they were added, which tells a story

    def invoke(self, ctx):
        """Core errors raised outside the per-input loop (a bad --at) end here, at the edge."""
        # Exact integers may have more digits than Python's default str/int limit (4,300):
        # calc's own size limits (numbers.MAX_EXACT_BITS, the input's length) bound them.
        if hasattr(sys, "set_int_max_str_digits"):
            sys.set_int_max_str_digits(0)
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


def point_words(values) -> str:
    """``x = 1, y = 2``: a point in words, for messages."""
    from .numbers import format_value

    return ", ".join(f"{k} = {format_value(v)}" for k, v in values.items())


def undefined_message(exc, values) -> str:
    """Where f itself has no value: the evaluator's message, which names the point already."""
    if "undefined" in exc.message or "=" in exc.message:
        return exc.message
    return f"undefined at {point_words(values)}: {exc.message}"


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


# The commands register themselves on `cli`; imported last because they import this module.
from .commands import expressions, learning, many  # noqa: E402,F401
