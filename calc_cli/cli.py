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
        self.meter: Optional[BatchMeter] = None  # a batch's progress line, if it may show one

    @classmethod
    def choose(cls, json_: bool, latex: bool, plain: bool, color: Optional[bool]) -> "Output":
        if json_:
            return cls("json")
        if latex:
            return cls("latex", color)  # colour still matters to a progress line on stderr
        if plain or not _stdout_is_terminal():
            return cls("plain", color)
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
        self.warn(f"calc: {describe_error(error)}")

    def warn(self, message: str) -> None:
        """A message on stderr, above the progress line when one is showing."""
        if self.meter is not None and self.meter.say(message):
            return
        click.echo(message, err=True)


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
def inputs(expr: str, stdin: Optional[Iterable[str]] = None) -> Iterator[str]:
    """The expression itself, or with '-' one per line of standard input."""
    if expr != "-":
        yield expr
        return
    for raw in sys.stdin if stdin is None else stdin:
        line = raw.strip()
        if line and not line.startswith("#"):
            yield line


def run_each(out: Output, expr: str, handle: Callable[[str], None]) -> None:
    batch = expr == "-"
    meter = out.meter = BatchMeter(out) if batch and progress_wanted(out.mode) else None
    try:
        for text in inputs(expr, meter.read(sys.stdin) if meter is not None else None):
            try:
                handle(text)
            except CalcError as error:
                out.fail(text, error)
                if batch and out.mode == "plain":
                    out.line("")
            except RecursionError:
                out.fail(text, UsageError("expression nested too deeply"))
            if meter is not None:
                meter.tick()
    except BrokenPipeError:
        # The reader went away (`calc … | head -1`): stop quietly, as Unix tools do.
        _silence_stdout()
        sys.exit(EXIT_OK)
    finally:
        if meter is not None:
            meter.close()
    sys.exit(out.status)


# ---------------------------------------------------------------- progress
PROGRESS_DELAY = 0.5  # seconds: a batch shorter than this never shows a progress line
PROGRESS_EVERY = 0.2  # seconds between redraws: each costs a few ms, so at most ~2% of the time


def progress_wanted(mode: str, stdin=None, stdout=None, stderr=None, environ=None) -> bool:
    """Whether a batch on stdin may show its progress on stderr (the streams default to sys's).

    Only for a person watching a terminal who sees nothing else move: stderr is a
    terminal that can redraw a line (not ``TERM=dumb``) and the output is not JSON;
    stdin is not a terminal (someone typing sets the pace); stdout is not a terminal
    (the answers scrolling by are the progress) and not a pipe or socket (its reader,
    ``less`` or ``head``, may be drawing on the same terminal). What is left is stdout
    redirected to a file or /dev/null: ``calc diff - < in.txt > out.txt``.
    """
    environ = os.environ if environ is None else environ
    if mode == "json" or environ.get("TERM") == "dumb":
        return False
    stdin, stdout, stderr = (stdin or sys.stdin, stdout or sys.stdout, stderr or sys.stderr)
    return (_is_terminal(stderr) and not _is_terminal(stdin) and not _is_terminal(stdout)
            and not _is_pipe(stdout))


def _fileno(stream) -> Optional[int]:
    try:
        return stream.fileno()
    except (AttributeError, OSError, ValueError):  # CliRunner's streams have no descriptor
        return None


def _is_terminal(stream) -> bool:
    fd = _fileno(stream)
    return fd is not None and os.isatty(fd)


def _is_pipe(stream) -> bool:
    import stat

    fd = _fileno(stream)
    if fd is None:
        return True  # not a real file: treat it as a program reading us
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return True
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


class BatchMeter:
    """Counts the lines of a batch; once it has run PROGRESS_DELAY seconds, shows them on stderr.

    Rich is imported only then, so a short batch, or any batch that is not
    watched (see ``progress_wanted``), never pays for it. When stdin is a regular
    file its size is known, so the line shows how far through it the batch is
    (counting the bytes of the lines read: the file offset runs a buffer ahead).
    """

    def __init__(self, out: Output):
        import time

        self._clock = time.monotonic
        self._color = out.color
        self.lines = 0  # input lines handled
        self.consumed = 0  # bytes of stdin read
        self.started = self._clock()
        self._due = self.started + PROGRESS_DELAY
        self._bar = None
        self._total = _stdin_left()  # before any of it is read

    def read(self, stdin: Iterable[str]) -> Iterator[str]:
        """The lines of stdin, counting their bytes."""
        for raw in stdin:
            self.consumed += len(raw.encode("utf-8", "replace"))
            yield raw

    def tick(self) -> None:
        """One more input line done; redraw at most every PROGRESS_EVERY seconds."""
        self.lines += 1
        now = self._clock()
        if now < self._due:
            return
        self._due = now + PROGRESS_EVERY
        if self._bar is None:
            from .render.terminal import BatchProgress

            context = click.get_current_context(silent=True)
            self._bar = BatchProgress(context.info_name if context else "calc", self._color,
                                      self._total)
        self._bar.update(self.lines, self.lines / max(now - self.started, 1e-9), self.consumed)

    def say(self, message: str) -> bool:
        """Print ``message`` above the progress line; False when no line is showing."""
        if self._bar is None:
            return False
        self._bar.say(message)
        return True

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _stdin_left() -> Optional[int]:
    """The bytes left to read when stdin is a regular file (``< in.txt``), else None."""
    import stat

    fd = _fileno(sys.stdin)
    try:
        info = os.fstat(fd) if fd is not None else None
        if info is None or not stat.S_ISREG(info.st_mode):
            return None
        return max(0, info.st_size - os.lseek(fd, 0, os.SEEK_CUR))  # `(read a; calc …) < f`
    except OSError:
        return None


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


def all_commands() -> dict[str, click.Command]:
    """Every command by name, in help order (for the manual page, the docs and the tests)."""
    return {name: cli.get_command(None, name) for name in COMMAND_MODULES}


__all__ = ["cli", "main", "all_commands", "EXIT_MATH"]
