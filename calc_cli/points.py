"""Option values that name variables and points: ``--vars a,b``, ``--at x=3,y=-1``, ``--dir 1,2``.

No click here: the command line hands the raw strings over and gets values or a
``UsageError`` (exit 2) back.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping, Optional

from .errors import CalcError, ParseError, UsageError

if TYPE_CHECKING:
    from .numbers import Value


def split_names(values: Iterable[str]) -> list[str]:
    names: list[str] = []
    for value in values:
        for name in value.split(","):
            name = name.strip()
            if name:
                if not _is_name(name):
                    raise UsageError(f"'{name}' is not a variable name")
                names.append(name)
    return names


def _is_name(name: str) -> bool:
    return name[0].isalpha() and all(c.isalnum() or c == "_" for c in name)


class Point:
    """An ``--at`` point: names with exact or float values; an unnamed value binds later."""

    def __init__(self, specs: Iterable[str]):
        self.named: dict[str, object] = {}
        self.texts: dict[str, str] = {}
        self.unnamed: Optional[tuple[str, object]] = None
        self.decimal = False  # a value was typed as a decimal: answers print as decimals
        for spec in specs:
            self._add(spec)

    def __bool__(self) -> bool:
        return bool(self.named) or self.unnamed is not None

    @property
    def names(self) -> list[str]:
        return list(self.named)

    def _add(self, spec: str) -> None:
        parts = [p.strip() for p in spec.split(",")]
        if len(parts) == 1 and "=" not in parts[0]:
            if self.unnamed is not None or self.named:
                raise UsageError(f"--at {spec}: give names, as in --at x=3,y=1")
            self.unnamed = (parts[0], self._value(parts[0], f"--at {spec}"))
            return
        for part in parts:
            name, eq, text = part.partition("=")
            name, text = name.strip(), text.strip()
            if not eq or not name or not text:
                raise UsageError(f"--at {spec}: expected NAME=VALUE, as in x=3 (got '{part}')")
            if not _is_name(name):
                raise UsageError(f"--at {spec}: '{name}' is not a variable name")
            self.named[name] = self._value(text, f"--at {spec}")
            self.texts[name] = text

    def _value(self, text: str, spec: str):
        value = point_value(text, spec)
        self.decimal = self.decimal or typed_as_decimal(text)
        return value

    def bind(self, variables: Iterable[str]) -> dict[str, object]:
        """The values by variable name, placing an unnamed value on the only variable."""
        values = dict(self.named)
        if self.unnamed is not None:
            free = sorted(variables)
            if len(free) > 1:
                raise UsageError(
                    f"--at {self.unnamed[0]}: the expression has several variables "
                    f"({', '.join(free)}); name them, as in --at {free[0]}=...")
            values[free[0] if free else "x"] = self.unnamed[1]
        return values


def point_value(text: str, spec: str):
    """A coordinate: a number or a constant expression (pi/2, 1/3, -2)."""
    from .evaluate import evaluate
    from .parse import parse

    try:
        expr = parse(text)
    except ParseError:
        raise UsageError(f"{spec}: '{text}' is not a number") from None
    if expr.free_vars():
        raise UsageError(f"{spec}: '{text}' is not a number")
    try:
        value = evaluate(expr, {})
    except CalcError as exc:
        raise UsageError(f"{spec}: {exc.message}") from None
    return value


def json_number(value: Value) -> int | float | None:
    """For ``--json``: ``numbers.json_value`` (an exact integer as an int, with all its
    digits; anything else as the nearest float), or None for a non-integer too large
    for any float (1e4000/3), which JSON has no number for."""
    from .numbers import json_value

    if isinstance(value, Fraction) and value.denominator != 1:
        return _nearest_float(value)
    return json_value(value)


def json_point(values: Mapping[str, Value]) -> dict[str, dict[str, Any]]:
    """The ``at`` of a JSON answer, and ``at_exact`` for coordinates beyond the floats.

    A coordinate is a JSON number (``json_number``). One that is not an integer and
    lies beyond the float range is also given exactly, as text calc reads back
    (``"1/1000…0"`` for 1e-4000, which as a float is 0.0): ``at_exact`` maps those
    names, and only those, to their exact values; it is absent otherwise.
    """
    from .numbers import format_value

    obj: dict[str, dict[str, Any]] = {"at": {k: json_number(v) for k, v in values.items()}}
    beyond = {k: format_value(v) for k, v in values.items() if _beyond_floats(v)}
    if beyond:
        obj["at_exact"] = beyond
    return obj


def _beyond_floats(value: Value) -> bool:
    """A non-integer exact value whose nearest float is 0.0 (it is not 0) or none at all."""
    if not isinstance(value, Fraction) or value.denominator == 1:
        return False
    return _nearest_float(value) in (0.0, None)


def _nearest_float(value: Fraction) -> float | None:
    try:
        return float(value)
    except OverflowError:
        return None


def typed_as_decimal(text: str) -> bool:
    """Whether a number was written with a decimal point or an exponent (0.5, 1e-3)."""
    from .parse import parse

    return any(getattr(n, "decimal", False) for n in parse(text).walk())


def number_list(text: str, option: str) -> list:
    """Comma-separated numbers or constant expressions: ``1,1`` or ``pi/2, -1``."""
    parts = [p.strip() for p in text.split(",")]
    if not text.strip() or any(not p for p in parts):
        raise UsageError(f"{option} {text}: expected numbers separated by commas, as in 1,2")
    return [point_value(p, f"{option} {text}") for p in parts]


def stream_points(lines: Iterable[str], names: list[str], source: str
                  ) -> Iterator[tuple[int, Optional[list[float]]]]:
    """Points from ``--points``: ``x=1,y=2`` lines, or CSV whose first line names the columns.

    Yields (line number, the values of ``names`` in order), or (line number, None) for a
    line that is not a point or lacks a value (the caller reports it and goes on). Blank
    and # lines are skipped. Built for speed: a CSV row costs one split and a float each.
    """
    columns: Optional[list[int]] = None
    first = True
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if first:
            first = False
            if "=" not in line:
                columns = _csv_columns(line, names, f"{source}: line {number}")
                width = len(line.split(","))
                continue
        try:
            if columns is not None:
                cells = line.split(",")
                if len(cells) != width:
                    yield number, None
                    continue
                values = [float(cells[i]) for i in columns]
            else:
                point = {}
                for part in line.split(","):
                    name, _, text = part.partition("=")
                    point[name.strip()] = float(text)
                values = [point[n] for n in names]
        except (ValueError, KeyError):
            yield number, None
            continue
        if all(math.isfinite(v) for v in values):
            yield number, values
        else:
            yield number, None


def _csv_columns(header: str, names: list[str], where: str) -> list[int]:
    """Which column holds each variable, from a header line such as ``x,y``."""
    found = [h.strip() for h in header.split(",")]
    if not all(h and _is_name(h) for h in found):
        raise UsageError(f"{where}: expected a CSV header of variable names or a point such as x=1")
    missing = [n for n in names if n not in found]
    if missing:
        raise UsageError(f"{where}: the header has no column for {', '.join(missing)}")
    return [found.index(n) for n in names]
