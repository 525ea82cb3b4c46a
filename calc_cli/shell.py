"""What every command does around its own work, without click: the output mode and where
text goes, the inputs (an expression or one per line of stdin), a batch's progress line, and
how errors, closed pipes and interrupts end the program.

``cli.py`` (click) and ``quick.py`` (the fast lane for ``calc diff``/``calc eval``, which starts
without importing click) both run commands through this module, so a command behaves the same
whichever way it was started.
"""

from __future__ import annotations

import os
import sys
from typing import Callable, Iterable, Iterator, NoReturn, Optional

from .errors import EXIT_OK, EXIT_USAGE, CalcError, ParseError, UsageError
from .expr import forget, node_count

EXIT_INTERRUPTED = 130
EXIT_INTERNAL = 3  # a bug in calc itself; tests and fuzzing assert it never happens


def say(message: str) -> None:
    """One line on stderr, at once."""
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def report(error: CalcError) -> int:
    """A core error raised outside the per-input loop (a bad --at): its message, its status."""
    say(f"calc: {describe_error(error)}")
    return error.exit_code


def allow_long_integers() -> None:
    """Exact integers may have more digits than Python's default str/int limit (4,300):
    calc's own size limits (numbers.MAX_EXACT_BITS, the input's length) bound them."""
    if hasattr(sys, "set_int_max_str_digits"):
        sys.set_int_max_str_digits(0)


def run_program(body: Callable[[], object]) -> NoReturn:
    """Run the whole program and exit with its status (``body``'s int, else 0), ending
    quietly on a closed pipe or Ctrl-C, and in one line, never a traceback, on a bug."""
    try:
        status = body()
        sys.exit(status if isinstance(status, int) else EXIT_OK)
    except KeyboardInterrupt:
        say("\ncalc: interrupted")  # as click says it: after the ^C the terminal echoed
        sys.exit(EXIT_INTERRUPTED)
    except BrokenPipeError:
        _silence_stdout()
        sys.exit(EXIT_OK)
    except RecursionError:
        say("calc: expression nested too deeply")
        sys.exit(EXIT_USAGE)
    except Exception as exc:  # a bug in calc: say so in one line, never a traceback
        say(f"calc: internal error ({type(exc).__name__}: {exc}); please report it")
        sys.exit(EXIT_INTERNAL)


# ------------------------------------------------------------------ modes
class Output:
    """Where results go and in which form; chosen once per invocation."""

    def __init__(self, mode: str, color: Optional[bool] = None, command: str = "calc"):
        self.mode = mode  # "terminal" | "plain" | "json" | "latex"
        self.color = color
        self.command = command  # the command's name, for a batch's progress line
        self.status = EXIT_OK
        self._console = None
        self.meter: Optional[BatchMeter] = None  # a batch's progress line, if it may show one

    @classmethod
    def choose(cls, json_: bool, latex: bool, plain: bool, color: Optional[bool],
               command: str = "calc") -> "Output":
        if json_:
            return cls("json", None, command)
        if latex:
            return cls("latex", color, command)  # colour still matters to a progress line
        if plain or not _stdout_is_terminal():
            return cls("plain", color, command)
        return cls("terminal", color, command)

    @property
    def console(self):
        if self._console is None:
            from .render.terminal import make_console

            self._console = make_console(self.color)
        return self._console

    def line(self, text: str) -> None:
        """One line of output, flushed at once: a program reading us line by line (a shell
        loop, a coprocess) gets each answer as soon as it is made."""
        sys.stdout.write(text + "\n")
        sys.stdout.flush()

    def json(self, obj: dict) -> None:
        import json

        self.line(json.dumps(obj, ensure_ascii=False))

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
        say(message)


def describe_error(error: CalcError) -> str:
    if isinstance(error, ParseError):
        return f"syntax error at column {error.column}: {error.message}\n{error.caret()}"
    return error.message


def _stdout_is_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


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


# Nodes kept across a batch's inputs (by the tables and memos of expr.py and simplify.py)
# before expr.forget drops those no longer used: about 40 MB. A memo speeds up later inputs that share parts with
# earlier ones (x^2, sin(x)); emptied, it fills again within a few lines.
MAX_LIVE_NODES = 100_000


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
            if node_count() > MAX_LIVE_NODES:
                forget()  # a long batch: bound the memory that memos and tables keep
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
        self._command = out.command
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

            self._bar = BatchProgress(self._command, self._color, self._total)
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


def _silence_stdout() -> None:
    """After a closed pipe, point stdout at /dev/null so the interpreter's flush is quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
