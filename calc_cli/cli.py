"""The command line: parse options, call the core, pick a renderer. Thin by design.

The output mode is decided once per invocation (``--json``, ``--latex``,
``--plain``, else a terminal gets Rich and a pipe gets plain text). Core
errors (``CalcError``) become messages and exit statuses only at the edge
(``CalcGroup.invoke``, ``shell.run_program``). Heavy modules are imported
inside the commands that use them, so that ``calc --help`` and plain output
never pay for Rich. What a command does around its own work without click
(output, inputs, progress, exits) is in ``shell.py``, which ``quick.py``
shares: ``calc diff``/``calc eval`` in their common forms start without click.
"""

from __future__ import annotations

from typing import Callable

import click

from . import __version__
from .errors import EXIT_MATH, EXIT_USAGE, CalcError
from .shell import (  # noqa: F401  (re-exported: the commands and tests import them from here)
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    BatchMeter,
    Output,
    _silence_stdout,
    allow_long_integers,
    describe_error,
    has_decimal,
    inputs,
    point_words,
    progress_wanted,
    report,
    run_each,
    run_program,
    say,
    undefined_message,
)

# An expression may start with a minus sign: "-x^2" is EXPR, not an option.
EXPR_SETTINGS = {"ignore_unknown_options": True}

EPILOG = """\b
Exit status: 0 success; 1 a mathematical failure (undefined at the point,
domain error, not differentiable there); 2 bad usage or a syntax error;
3 an internal error (a bug in calc); 130 interrupted. With EXPR '-', every
input line gets an answer and the worst status wins."""


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


# Each command and the module (in calc_cli/commands/) that defines it, in the order that
# `calc --help` lists them, which tells a story. A command's module is imported only when
# the command runs (or help lists it): `calc diff` does not pay for `descend`.
COMMAND_MODULES = {
    "parse": "expressions", "eval": "expressions", "diff": "expressions",
    "explain": "expressions", "grad": "many", "hessian": "many", "jacobian": "many",
    "backprop": "learning", "descend": "learning", "tangent": "learning", "check": "learning",
}


class CalcGroup(click.Group):
    command_class = CalcCommand

    def list_commands(self, ctx):
        return list(COMMAND_MODULES)

    def get_command(self, ctx, name):
        module = COMMAND_MODULES.get(name)
        if module is not None and name not in self.commands:
            from importlib import import_module

            import_module(f"calc_cli.commands.{module}")  # registers its commands on `cli`
        return self.commands.get(name)

    def invoke(self, ctx):
        """Core errors raised outside the per-input loop (a bad --at) end here, at the edge."""
        allow_long_integers()
        try:
            return super().invoke(ctx)
        except CalcError as error:
            ctx.exit(report(error))


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


def main() -> None:
    """Entry point: run the group, ending quietly on a closed pipe or Ctrl-C."""
    run_program(_run_click)


def _run_click() -> object:
    """The group under click, its own exceptions turned into calc's messages and statuses."""
    try:
        # Without standalone mode click returns ctx.exit()'s status instead of exiting.
        return cli.main(prog_name="calc", standalone_mode=False)
    except click.exceptions.Abort:
        say("calc: interrupted")
        return EXIT_INTERRUPTED
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code if exc.exit_code != 1 else EXIT_USAGE
    except click.exceptions.Exit as exc:
        return exc.exit_code


def all_commands() -> dict[str, click.Command]:
    """Every command by name, in help order (for the manual page, the docs and the tests)."""
    return {name: cli.get_command(None, name) for name in COMMAND_MODULES}


__all__ = ["cli", "main", "all_commands", "EXIT_MATH"]
