"""Gradient descent: walk downhill, new point = old point − lr·∇f(old point).

``Descending`` yields the iterations one at a time (step 0 is the start), so a
million steps stream in constant memory; ``descend`` records them all in a
``Descent``. A run stops with one of:

- "converged": the gradient is small, ‖∇f‖ ≤ tol (default 1e-8). The test is on
  the gradient, not on the step size, because ‖∇f‖ = 0 is what a minimum (or any
  stationary point) means whatever the learning rate; the step size is lr·‖∇f‖.
- "max_steps": ``steps`` steps were taken without converging.
- "diverged": the value ran away, |f| > 1e12·(1 + |f(start)|), or overflowed, or
  the step left the float range. The iteration that broke the bound is recorded.
- "left_domain": the step landed where f or its gradient is undefined (ln x at
  x < 0, 1/x at 0). The path ends at the last point in the domain.

The last two are reported, never raised: they are what a too-large learning rate
teaches. A start outside the domain, though, is an error (``MathError``), as is
a bad option (``UsageError``): there is no run to report.

Arithmetic is exact while it is cheap: from an exact start with an exact learning
rate the points stay ``Fraction``s (the first step of (3w − 10)^2 from w = 2 with
lr = 1/100 lands on exactly 56/25) until a coordinate outgrows 64 bits or a value
turns irrational; from then on the run is in floats, through ``compile_expr`` of f
and of its symbolic gradient, compiled once, so 10,000 steps take a fraction of a second.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, NamedTuple, TypeVar

from .errors import MathError, UsageError
from .evaluate import _check_point, compile_expr, evaluate
from .expr import Expr, Var
from .multivar import gradient, gradient_at, natural_order, norm
from .numbers import Overflow, Value, json_value, to_float
from .render.plain import plain

CONVERGED, MAX_STEPS, DIVERGED, LEFT_DOMAIN = "converged", "max_steps", "diverged", "left_domain"
DEFAULT_TOL = Fraction(1, 10**8)
# |f| beyond this multiple of (1 + |f(start)|) counts as running away.
DIVERGENCE_FACTOR = 10**12
# Exact coordinates wider than this (numerator or denominator) switch the run to floats.
MAX_EXACT_BITS = 64
# Exact steps cost far more than float steps; past this many the run goes on in floats.
MAX_EXACT_STEPS = 100

Number = Fraction | float | int


@dataclass(frozen=True)
class Iteration:
    """One point of the path: f and ∇f there, and how far the step to it moved (0 at step 0)."""

    step: int
    point: dict[str, Value]
    value: Value
    gradient: dict[str, Value]
    step_size: Value


class _Ending:
    """What a run's ``status`` says about how it ended."""

    status: str | None

    @property
    def converged(self) -> bool:
        return self.status == CONVERGED

    @property
    def diverged(self) -> bool:
        """True when the run broke off: it ran away or left the domain."""
        return self.status in (DIVERGED, LEFT_DOMAIN)


@dataclass(frozen=True)
class Descent(_Ending):
    """A finished run: the path, why it stopped (``status`` and a ``reason`` sentence)."""

    expr: Expr
    vars: tuple[str, ...]
    lr: Value
    tol: Value
    path: list[Iteration]
    status: str
    reason: str | None = None
    fixed: dict[str, Value] = field(default_factory=dict)  # variables held at their start value

    @property
    def final(self) -> Iteration:
        return self.path[-1]

    @property
    def steps(self) -> int:
        return len(self.path) - 1


class Descending(_Ending):
    """A run of gradient descent, one iteration at a time, in memory that does not grow with it.

    Creating it checks the options and computes step 0, so every error
    (``UsageError``, ``MathError``) is raised before the first iteration is
    shown. Iterating yields step 0, then each step; once the iteration ends,
    ``status``, ``reason``, ``final`` and ``steps`` say how the run ended.
    A run is taken once: iterating it again is an error.
    """

    def __init__(self, e: Expr, start: Mapping[str, Number], lr: Number, steps: int,
                 tol: Number | None = None, wrts: Sequence[str] | None = None):
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
            raise UsageError("the number of steps must be a whole number, 0 or more")
        self._run = _Run(e, start, lr, tol, wrts)
        self._most = steps
        self.expr = e
        self.vars = tuple(self._run.wrts)
        self.lr, self.tol, self.fixed = self._run.lr, self._run.tol, dict(self._run.fixed)
        self.final = self._run.first()
        self.status: str | None = None  # set when the iteration ends
        self.reason: str | None = None
        self._taken = False

    def __iter__(self) -> Iterator[Iteration]:
        if self._taken:
            raise RuntimeError("a run of gradient descent can be iterated only once")
        self._taken = True
        return self._iterations()

    def _iterations(self) -> Iterator[Iteration]:
        run, it = self._run, self.final
        yield it
        status: str | None = CONVERGED if run.small(it) else None
        reason: str | None = None
        while status is None and it.step < self._most:
            outcome = run.advance(it)
            if isinstance(outcome, _Stop):
                status, reason = outcome
                break
            it = self.final = outcome
            yield it
            status, reason = run.verdict(it)
        self.status, self.reason = status or MAX_STEPS, reason

    def record(self, on_step: Callable[[Iteration], Any] | None = None) -> Descent:
        """The whole run, every iteration kept, each reported to ``on_step`` as it is taken."""
        path = []
        for it in self:
            path.append(it)
            if on_step is not None:
                on_step(it)
        return Descent(self.expr, self.vars, self.lr, self.tol, path, self.status or MAX_STEPS,
                       self.reason, self.fixed)

    @property
    def steps(self) -> int:
        return self.final.step


def descend(e: Expr, start: Mapping[str, Number], lr: Number, steps: int,
            tol: Number | None = None, wrts: Sequence[str] | None = None,
            on_step: Callable[[Iteration], Any] | None = None) -> Descent:
    """Up to ``steps`` steps of new = old − lr·∇f from ``start``, each reported to ``on_step``.

    ``wrts`` are the variables that move (default: all of f's, in natural order);
    any other variable of f keeps its value from ``start``. Example: (x − 3)^2 from
    x = 0 with lr = 1/4 goes 0 → 3/2 → 9/4 → … and converges to 3.
    """
    return Descending(e, start, lr, steps, tol, wrts).record(on_step)


class _Stop(NamedTuple):
    """Why a run broke off: DIVERGED or LEFT_DOMAIN, and a sentence."""

    status: str
    reason: str


class _Run:
    """The state of one run: options checked, f and ∇f ready to evaluate exactly or in floats."""

    def __init__(self, e: Expr, start: Mapping[str, Number], lr: Number,
                 tol: Number | None, wrts: Sequence[str] | None):
        self.e = e
        self.wrts = _moving(e, wrts)
        self.lr = _positive(lr, "the learning rate")
        self.tol = DEFAULT_TOL if tol is None else _non_negative(tol, "the tolerance")
        point = _start_point(e, self.wrts, start)
        self.start = {name: point[name] for name in self.wrts}
        self.fixed = {name: v for name, v in point.items() if name not in self.start}
        self.limit: Value = DIVERGENCE_FACTOR
        self.limit_float = float(DIVERGENCE_FACTOR)
        # The float run compares and multiplies with these, not with Fractions (5x faster).
        self.lr_float = to_float(self.lr)
        self.tol_float = float(self.tol)
        self._floats: _Compiled | None = None
        # True while the run is exact; once it is in floats it stays there.
        self.exact = isinstance(self.lr, Fraction) and _all_exact(self.start)

    # ---- one iteration

    def first(self) -> Iteration:
        """Step 0: f and ∇f at the start (a MathError here is raised, not reported)."""
        value, grad = self.evaluate(self.start)
        self.limit = DIVERGENCE_FACTOR * (1 + _magnitude(value))
        self.limit_float = _float_or_inf(self.limit)
        return Iteration(0, dict(self.start), value, grad, Fraction(0))

    def advance(self, prev: Iteration) -> Iteration | _Stop:
        """The next iteration, or why there is none."""
        step = prev.step + 1
        if self.exact:
            self.exact = step <= MAX_EXACT_STEPS and _all_exact(prev.gradient)
        size = self.step_size(prev)
        point = self.move(prev)
        if not self.exact and not all(map(_finite, point.values())):
            return _Stop(DIVERGED, f"step {step} left the range of floating-point numbers")
        try:
            value, grad = self.evaluate(point)
        except MathError as exc:
            status = DIVERGED if isinstance(exc, Overflow) else LEFT_DOMAIN
            return _Stop(status, f"step {step}: {exc.message}")
        return Iteration(step, point, value, grad, size)

    def move(self, prev: Iteration) -> dict[str, Value]:
        """new = old − lr·∇f(old), exact while the run is (and floats after, once too wide)."""
        if self.exact:
            point = {name: x - self.lr * prev.gradient[name] for name, x in prev.point.items()}
            self.exact = all(_small_exact(v) for v in point.values())
            return point
        lr = self.lr_float  # floats that overflow give inf, which advance() reports
        return {name: _float_or_inf(x) - lr * float(prev.gradient[name])
                for name, x in prev.point.items()}

    def step_size(self, prev: Iteration) -> Value:
        """|new − old| = lr·‖∇f(old)‖, exact when the norm is rational."""
        if self.exact:
            length = norm(list(prev.gradient.values())) if prev.gradient else Fraction(0)
            if isinstance(length, Fraction):
                return self.lr * length
        return self.lr_float * math.hypot(*map(float, prev.gradient.values()))

    def verdict(self, it: Iteration) -> tuple[str | None, str | None]:
        """Converged, ran away, or neither (None) at this iteration."""
        limit = self.limit if isinstance(it.value, Fraction) else self.limit_float
        if not _magnitude(it.value) <= limit:
            return DIVERGED, (f"step {it.step}: the value grew beyond "
                              f"{DIVERGENCE_FACTOR:.0e}·(1 + |f(start)|)")
        if self.small(it):
            return CONVERGED, None
        return None, None

    def small(self, it: Iteration) -> bool:
        """‖∇f‖ ≤ tol (compared as squares when the gradient is exact)."""
        if self.exact and _all_exact(it.gradient):
            return sum(g * g for g in it.gradient.values()) <= self.tol * self.tol
        return math.hypot(*map(float, it.gradient.values())) <= self.tol_float

    # ---- f and ∇f at a point

    def evaluate(self, point: dict[str, Value]) -> tuple[Value, dict[str, Value]]:
        """f and ∇f: exactly (by evaluate and numeric reverse mode) or by the compiled floats."""
        if self.exact:
            full = {**point, **self.fixed}
            value = evaluate(self.e, full)
            return value, dict(zip(self.wrts, gradient_at(self.e, self.wrts, full)))
        if self._floats is None:
            self._floats = _Compiled(self.e, self.wrts, self.fixed)
        return self._floats(point)


class _Compiled:
    """f and its symbolic gradient compiled to float functions, once per run."""

    def __init__(self, e: Expr, wrts: list[str], fixed: Mapping[str, Value]):
        names = list(wrts) + list(fixed)
        self.wrts = wrts
        self.fixed = [to_float(v) for v in fixed.values()]
        self.f = compile_expr(e, names)
        self.g = [compile_expr(g, names) for g in gradient(e, wrts)]

    def __call__(self, point: Mapping[str, Value]) -> tuple[Value, dict[str, Value]]:
        args = [_float_or_inf(point[name]) for name in self.wrts] + self.fixed
        if not all(map(math.isfinite, args)):
            raise Overflow("the point is beyond the range of floating-point numbers")
        value = self.f(*args)  # first, so that f's own domain error is the one reported
        return value, {name: g(*args) for name, g in zip(self.wrts, self.g)}


# ------------------------------------------------------------------ arithmetic


def _magnitude(v: Value) -> Value:
    """|v| (abs() of a Fraction is not typed as a Fraction)."""
    return -v if v < 0 else v


def _all_exact(values: Mapping[str, Value]) -> bool:
    return all(type(v) is Fraction for v in values.values())


def _float_or_inf(v: Value) -> float:
    try:
        return float(v)
    except OverflowError:
        return math.inf


def _finite(v: Value) -> bool:
    return isinstance(v, Fraction) or math.isfinite(v)


def _small_exact(v: Value) -> bool:
    return isinstance(v, Fraction) and max(v.numerator.bit_length(),
                                           v.denominator.bit_length()) <= MAX_EXACT_BITS


# ------------------------------------------------------------------ checking the options


def _moving(e: Expr, wrts: Sequence[str] | None) -> list[str]:
    if wrts is None:
        wrts = natural_order(e.free_vars())
    if isinstance(wrts, str) or len(set(wrts)) != len(wrts):
        raise UsageError("give the variables to descend along as a list of distinct names")
    if not wrts:  # a constant: there is no gradient to follow
        text = plain(e)
        named = text if len(text) <= 40 else "the expression"
        raise UsageError(f"{named} has no variables to descend along")
    return list(wrts)


def _start_point(e: Expr, wrts: list[str], start: Mapping[str, Number]) -> dict[str, Value]:
    """Every variable of f and every moving one, exact unless given as a float."""
    point: dict[str, Value] = {}
    for name in natural_order(set(wrts) | e.free_vars()):
        point.update(_check_point(Var(name), start))
    return point


def _as_value(v: Number, what: str) -> Value:
    if isinstance(v, bool) or not isinstance(v, (int, float, Fraction)):
        raise UsageError(f"{what} must be a number")
    if isinstance(v, float):
        if not math.isfinite(v):
            raise UsageError(f"{what} must be a finite number (got {v})")
        return v
    return Fraction(v)


def _positive(v: Number, what: str) -> Value:
    value = _as_value(v, what)
    if value <= 0:
        raise UsageError(f"{what} must be positive")
    return value


def _non_negative(v: Number, what: str) -> Value:
    value = _as_value(v, what)
    if value < 0:
        raise UsageError(f"{what} must not be negative")
    return value


# ------------------------------------------------------------------ showing a run

T = TypeVar("T")


def thin(path: Sequence[T], limit: int = 20) -> list[T]:
    """At most ``limit`` iterations to show: the first few, the last few, evenly spaced between.

    The ones between are at the multiples of a round spacing (1, 2 or 5 times a
    power of ten), so a table reads step 1000, 2000, …, 9000, not 909, 1818, ….
    The first and last are always kept (for ``limit`` ≥ 2; with 1, only the last).
    """
    if limit < 1:
        raise ValueError("show at least one iteration")
    n = len(path)
    if n <= limit:
        return list(path)
    if limit == 1:
        return [path[-1]]
    ends = max(1, min(5, limit // 4))  # how many at each end
    a, b = ends - 1, n - ends  # the last of the head, the first of the tail
    spacing = _round_spacing(a, b, limit - 2 * ends)
    middle = range((a // spacing + 1) * spacing, b, spacing)
    return [path[i] for i in [*range(ends), *middle, *range(b, n)]]


def _round_spacing(a: int, b: int, most: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, … with at most ``most`` multiples strictly in (a, b)."""
    scale = 1
    while True:
        for spacing in (scale, 2 * scale, 5 * scale):
            if (b - 1) // spacing - a // spacing <= most:
                return spacing
        scale *= 10


def to_json(d: Descent, limit: int | None = None) -> dict:
    """The JSON object of ``calc descend --json``; ``limit`` thins the path (see ``thin``).

    {"expr", "vars", "lr", "tol", "fixed", "path": [{"step", "point", "value",
    "gradient", "step_size"}], "final": {"point", "value"}, "converged", "diverged",
    "status", "reason", "steps"}. "diverged" is true for "left_domain" too (the run
    broke off); "reason" is null unless it did; "steps" counts all steps, thinned or not.
    """
    path = d.path if limit is None else thin(d.path, limit)
    return {**_json_head(d), "path": [_iteration_json(it) for it in path], **_json_tail(d)}


def json_text(run: Descending) -> Iterator[str]:
    """``json.dumps(to_json(descend(…)), ensure_ascii=False)`` in pieces, run as it goes.

    The path comes between the keys known at the start and those known at the
    end, so the pieces are: the head object without its closing brace, each
    iteration, then the tail object without its opening brace.
    """
    yield _dumps(_json_head(run))[:-1] + ', "path": ['
    separator = ""
    for it in run:
        yield separator + _dumps(_iteration_json(it))
        separator = ", "
    yield "], " + _dumps(_json_tail(run))[1:]


def _dumps(obj: dict) -> str:
    return json.dumps(obj, ensure_ascii=False)


def _json_head(d: Descent | Descending) -> dict:
    return {"expr": plain(d.expr), "vars": list(d.vars), "lr": json_value(d.lr),
            "tol": json_value(d.tol), "fixed": _numbers(d.fixed)}


def _json_tail(d: Descent | Descending) -> dict:
    return {"final": {"point": _numbers(d.final.point), "value": json_value(d.final.value)},
            "converged": d.converged, "diverged": d.diverged, "status": d.status,
            "reason": d.reason, "steps": d.steps}


def _iteration_json(it: Iteration) -> dict:
    return {"step": it.step, "point": _numbers(it.point), "value": json_value(it.value),
            "gradient": _numbers(it.gradient), "step_size": json_value(it.step_size)}


def _numbers(values: Mapping[str, Value]) -> dict[str, Any]:
    return {name: json_value(v) for name, v in values.items()}
