"""Typed errors. Each carries the exit status the command line turns it into."""

from __future__ import annotations

from typing import Optional

EXIT_OK = 0
EXIT_MATH = 1
EXIT_USAGE = 2


class CalcError(Exception):
    """Base of every error calc reports to a user."""

    exit_code = EXIT_USAGE
    kind = "error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ParseError(CalcError):
    """The input is not a valid expression. ``column`` is 1-based."""

    kind = "syntax"

    def __init__(self, message: str, text: str, column: int):
        super().__init__(message)
        self.text = text
        self.column = column

    def caret(self) -> str:
        """The input and a caret under the offending column, as two lines.

        A long input is cut to a window around the column, marked with … at the cuts.
        """
        line = self.text.replace("\t", " ").replace("\n", " ")
        column = self.column
        if len(line) > 100:
            start = max(0, column - 50)
            end = min(len(line), start + 100)
            head = "…" if start > 0 else ""
            tail = "…" if end < len(line) else ""
            line = head + line[start:end] + tail
            column = column - start + len(head)
        return f"  {line}\n  {' ' * (column - 1)}^"


class UsageError(CalcError):
    """A malformed option value (a point, an order, a variable list)."""

    kind = "usage"


class MathError(CalcError):
    """The mathematics fails: outside the domain, division by zero, not differentiable."""

    exit_code = EXIT_MATH
    kind = "math"

    def __init__(self, message: str, subexpr: Optional[str] = None):
        super().__init__(message)
        self.subexpr = subexpr


class UndefinedVariable(UsageError):
    """An expression was evaluated without a value for one of its variables (a usage error)."""

    kind = "undefined_variable"

    def __init__(self, name: str):
        super().__init__(f"no value for variable {name}: give one with --at {name}=...")
        self.name = name
