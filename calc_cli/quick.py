"""The entry point: ``calc diff`` and ``calc eval`` in their common forms start without click.

A shell loop calls calc once per value (``for x in …; do calc diff "$f" --at $x; done``), so
start-up is most of what such a loop waits for, and importing click (with the modules it
needs: typing, inspect, uuid, datetime, platform) costs more than all of calc's own modules.
This module reads the arguments of the two commands that loops call, in the forms that need
no interpretation — known long options, ``-w``/``-n`` with a separate value, one expression —
and runs them through the same functions as the click commands (``commands/run.py``).
Anything else (``--help``, a short option written together with its value, an expression
that starts with a minus sign, a repeated single-valued option, a value click would reject,
other commands) goes to click untouched, so click's messages and help stay the only ones.
``tests/test_quick.py`` checks that both ways give the same output and status.
"""

from __future__ import annotations

import os
import sys
from typing import Optional, Sequence

# Set by a shell asking click for completions (click's _<PROG>_COMPLETE convention).
_COMPLETION = "_CALC_COMPLETE"

# The options of each command that the fast lane reads: name -> (parameter, kind), where a
# kind is "flag", "many" (may repeat; click's multiple=True), "one" or "int" (one value).
_OUTPUT = {"--json": ("json_", "flag"), "--plain": ("plain", "flag")}
OPTIONS: dict[str, dict[str, tuple[str, str]]] = {
    "eval": {"--at": ("at", "many"), "--points": ("points_file", "one"),
             "--vars": ("vars_", "one"), **_OUTPUT},
    "diff": {"--wrt": ("wrt", "many"), "-w": ("wrt", "many"), "--order": ("order", "int"),
             "-n": ("order", "int"), "--funcs": ("funcs", "one"), "--at": ("at", "many"),
             "--points": ("points_file", "one"), "--vars": ("vars_", "one"),
             "--latex": ("latex", "flag"), **_OUTPUT},
}


def read_arguments(argv: Sequence[str]) -> Optional[tuple[str, dict]]:
    """(command, keyword arguments for its ``run_…`` function) when the fast lane can run
    ``argv`` (the arguments after ``calc``) exactly as click would; None to leave it to click."""
    if not argv or argv[0] not in OPTIONS or _COMPLETION in os.environ:
        return None
    command, known = argv[0], OPTIONS[argv[0]]
    given: dict = {}
    positional: list[str] = []
    rest = list(argv[1:])
    rest.reverse()  # popped from the end
    while rest:
        token = rest.pop()
        if token == "-" or not token.startswith("-"):
            positional.append(token)
            continue
        name, equals, value = token.partition("=")
        if name not in known or (equals and name.startswith("-") and not name.startswith("--")):
            return None  # --help, an unknown option, -w=x: click decides what they mean
        parameter, kind = known[name]
        if kind == "flag":
            if equals or parameter in given:
                return None
            given[parameter] = True
            continue
        if not equals:
            if not rest:
                return None  # a missing value: click's message
            value = rest.pop()  # whatever it looks like, as click takes it: --at -1
        if kind == "many":
            given.setdefault(parameter, []).append(value)
            continue
        if parameter in given:
            return None  # click takes the last of a repeated option; leave that to it
        if kind == "int":
            try:
                given[parameter] = int(value)  # click's INT converts the same way
            except ValueError:
                return None
        else:
            given[parameter] = value
    if len(positional) != 1:
        return None
    given = {k: tuple(v) if isinstance(v, list) else v for k, v in given.items()}
    return command, {"expr": positional[0], **given}


def main() -> None:
    """``calc``: the fast lane when it applies, else the whole command line under click."""
    found = read_arguments(sys.argv[1:])
    if found is None:
        from .cli import main as click_main

        click_main()
        return
    from .shell import run_program

    command, arguments = found
    run_program(lambda: run_command(command, arguments))


def run_command(command: str, arguments: dict) -> int:
    """Run eval or diff as ``CalcGroup.invoke`` does: long integers allowed, a core error
    raised outside the per-input loop reported with its status."""
    from .commands.run import run_diff, run_eval
    from .errors import CalcError
    from .shell import EXIT_OK, allow_long_integers, report

    allow_long_integers()
    try:
        (run_diff if command == "diff" else run_eval)(**arguments)
    except CalcError as error:
        return report(error)
    return EXIT_OK
