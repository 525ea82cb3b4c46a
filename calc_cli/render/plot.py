"""Terminal plots for the learning commands: a curve with its tangent, and a loss curve.

plotext (6.x) draws; this module only decides what to draw: the x window, the samples, a
y range that a pole cannot flatten, round tick values, and the labels. plotext is imported
inside the two plotting functions because importing it costs about 0.35 s, which the rest
of calc must not pay.

Each plot is exactly ``height`` lines of ``width`` columns (at least ``MIN_WIDTH`` ×
``MIN_HEIGHT``), without a final newline. With ``color=False`` it holds no escape code.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from typing import Any

from ..errors import MathError

MIN_WIDTH = 20
MIN_HEIGHT = 6
SAMPLES = 201            # odd, so the middle sample is a itself
MAX_TURNS = 6            # more wiggles than this in the window and it is narrowed
FENCE = 3.0              # Tukey's "far out" fence, in interquartile ranges
TANGENT_SLACK = 1.5      # show the whole tangent if that widens the y range by at most this
LARGEST = 1e300          # beyond this, differences between values overflow
MINUS = "\u2212"

CURVE, TANGENT, POINT = 12, 208, 13    # xterm colours: bright blue, orange, bright magenta
CURVE_KEY, TANGENT_KEY, POINT_MARK = "▚", "⠤", "●"


# ---------------------------------------------------------------- the tangent plot

def tangent_plot(f: Callable[[float], float], a: float, fa: float, slope: float, *,
                 label: str, width: int, height: int, color: bool,
                 a_text: str | None = None, fa_text: str | None = None) -> str:
    """The curve y = f(x) around x = a, its tangent y = fa + slope·(x − a), and (a, fa) marked.

    ``f`` may raise ``MathError`` (or return a non-finite value) where it is undefined: those
    x are gaps in the curve. ``a_text`` and ``fa_text`` spell a and f(a) in the title and the
    key; by default they are written with 6 significant digits.
    """
    for name, v in (("a", a), ("fa", fa), ("slope", slope)):
        if not math.isfinite(v):
            raise ValueError(f"tangent_plot needs a finite {name}, not {v!r}")
    a_text = a_text if a_text is not None else short(a)
    fa_text = fa_text if fa_text is not None else short(fa)
    xlo, xhi = window(f, a)
    points = sample(f, xlo, xhi)
    ends = (fa + slope * (xlo - a), fa + slope * (xhi - a))
    ylo, yhi = y_range([y for _, y in points if y is not None], fa, ends)

    plt, fig = _figure(width, height)
    _draw_curve(plt, fig, points, (ylo, yhi))
    # the tangent over the curve: near a they share cells, and the tangent is the lesson
    _draw_tangent(plt, fig, tangent_segment(a, fa, slope, (xlo, xhi), (ylo, yhi)))
    fig.draw(fig.signal([a], [fa], marker=plt.marker(POINT_MARK, pixel=plt.pixel(foreground=POINT))))
    _set_axis(fig, "x", xlo, xhi, _most_x_ticks(width))
    _set_axis(fig, "y", ylo, yhi, _most_y_ticks(height))
    width = max(width, MIN_WIDTH)
    fig.title(fit(f"{label} and its tangent at x = {a_text}", width))
    fig.label(_key(plt, [(CURVE, f"{CURVE_KEY} {label}"), (TANGENT, f"{TANGENT_KEY} tangent"),
                         (POINT, f"{POINT_MARK} ({a_text}, {fa_text})")], width), axis="x")
    return _render(fig, color)


def tangent_description(label: str, a_text: str, fa_text: str, slope_text: str,
                        tangent_text: str) -> str:
    """The tangent plot in one sentence, for screen readers (texts already formatted).

    "The curve x² with its tangent at x = 3, slope 6: the line y = 6x − 9 touches the curve
    at (3, 9), where the curve is rising."
    """
    return (f"The curve {label} with its tangent at x = {a_text}, slope {slope_text}: "
            f"the line y = {tangent_text} touches the curve at ({a_text}, {fa_text}), "
            f"where the curve is {trend(slope_text)}.")


def trend(slope_text: str) -> str:
    """rising if slope > 0, falling if slope < 0, flat if slope = 0 (read from its text)."""
    text = slope_text.strip().replace(MINUS, "-")
    if text.startswith("-"):
        return "falling"
    digits = text.split("e")[0].split("E")[0]
    if not any(c in "123456789" for c in digits) and any(c == "0" for c in digits):
        return "flat"
    return "rising"


def window(f: Callable[[float], float], a: float) -> tuple[float, float]:
    """[a − h, a + h] with h = max(2, |a|), halved while the curve wiggles more than
    ``MAX_TURNS`` times, so sin(x) at x = 100 shows a few periods, not thirty; h stays at
    least 2, and 1000 float steps of a so that the samples are distinct numbers."""
    narrowest = max(2.0, 1000 * math.ulp(a))
    h = max(narrowest, abs(a))
    while h > narrowest and turns([y for _, y in sample(f, a - h, a + h)]) > MAX_TURNS:
        h = max(narrowest, h / 2)
    return a - h, a + h


def sample(f: Callable[[float], float], lo: float, hi: float) -> list[tuple[float, float | None]]:
    """``SAMPLES`` evenly spaced (x, f(x)) over [lo, hi]; f(x) is None where f is undefined."""
    xs = (lo + (hi - lo) * i / (SAMPLES - 1) for i in range(SAMPLES))
    return [(x, value(f, x)) for x in xs if math.isfinite(x)]


def value(f: Callable[[float], float], x: float) -> float | None:
    """f(x), or None where f raises a domain error or gives a non-finite or vast value.

    ``ArithmeticError`` and ``ValueError`` count as domain errors too, so a plain ``math``
    function works as well as a compiled calc expression.
    """
    try:
        y = f(x)
    except (MathError, ArithmeticError, ValueError):
        return None
    return y if math.isfinite(y) and abs(y) <= LARGEST else None


def turns(ys: Sequence[float | None]) -> int:
    """How many times the sampled curve changes between rising and falling (gaps skipped)."""
    steps = [b - a for a, b in itertools.pairwise(ys) if a is not None and b is not None and b != a]
    return sum(1 for s, t in itertools.pairwise(steps) if (s > 0) != (t > 0))


def y_range(ys: Sequence[float], fa: float, tangent_ends: tuple[float, float]) -> tuple[float, float]:
    """The curve's robust range, always holding fa, widened to the whole tangent when that
    costs at most ``TANGENT_SLACK`` times the height, and never empty."""
    lo, hi = robust_range(ys) if ys else (fa, fa)
    lo, hi = min(lo, fa), max(hi, fa)
    wide = min(lo, *tangent_ends), max(hi, *tangent_ends)
    if hi > lo and wide[1] - wide[0] <= TANGENT_SLACK * (hi - lo):
        lo, hi = wide
    return padded(lo, hi)


def robust_range(ys: Sequence[float]) -> tuple[float, float]:
    """[max(min, Q1 − 3·IQR), min(max, Q3 + 3·IQR)]: Tukey's far-out fences, so values
    shooting off near a pole (1/x close to 0) do not squash the rest of the curve flat."""
    s = sorted(ys)
    q1, q3 = quantile(s, 0.25), quantile(s, 0.75)
    spread = FENCE * (q3 - q1)
    return max(s[0], q1 - spread), min(s[-1], q3 + spread)


def quantile(s: Sequence[float], q: float) -> float:
    """The q-quantile of sorted values, interpolating linearly between neighbours."""
    if len(s) == 1:
        return s[0]
    position = q * (len(s) - 1)
    i = min(int(position), len(s) - 2)
    return s[i] + (s[i + 1] - s[i]) * (position - i)


def padded(lo: float, hi: float) -> tuple[float, float]:
    """[lo, hi] unchanged when it has height; a single value v becomes v ± |v|/10 (± 1 at 0)."""
    if hi > lo:
        return lo, hi
    pad = abs(lo) / 10 or 1.0
    return lo - pad, hi + pad


def tangent_segment(a: float, fa: float, slope: float, xs: tuple[float, float],
                    ys: tuple[float, float]) -> tuple[tuple[float, float], tuple[float, float]]:
    """The part of y = fa + slope·(x − a) inside the window: x is bounded by the window and
    by where the line leaves the y range, x = a + (y − fa)/slope. plotext would rasterise
    the whole line however far off the canvas it runs, so it gets only the visible part."""
    xlo, xhi = xs
    if slope != 0:
        x1, x2 = sorted((a + (ys[0] - fa) / slope, a + (ys[1] - fa) / slope))
        xlo, xhi = max(xlo, x1), min(xhi, x2)
    return (xlo, xhi), (fa + slope * (xlo - a), fa + slope * (xhi - a))


def breaks(points: Sequence[tuple[float, float | None]], height: float) -> list[int]:
    """Indices i (counted among the defined points) not to join to the point before: after
    a gap, and where one step jumps more than the whole visible height, the mark of a pole."""
    cut: list[int] = []
    defined = -1
    for (_, before), (_, y) in itertools.pairwise([(0.0, None), *points]):
        if y is None:
            continue
        defined += 1
        if defined and (before is None or abs(y - before) > height):
            cut.append(defined)
    return cut


def clamp(y: float, lo: float, hi: float) -> float:
    """y held within one visible height beyond [lo, hi]: plotext's line drawing costs time
    (and memory: 1e6 takes 10 s, 1e300 aborts the process) in proportion to a segment's
    length, even off the canvas. Within a sample step the bent part stays off-screen."""
    margin = hi - lo
    return min(max(y, lo - margin), hi + margin)


def _draw_curve(plt: Any, fig: Any, points: Sequence[tuple[float, float | None]],
                ys: tuple[float, float]) -> None:
    defined = [(x, y) for x, y in points if y is not None]
    signal = fig.signal([x for x, _ in defined], [clamp(y, *ys) for _, y in defined],
                        marker=plt.marker("hd", pixel=plt.pixel(foreground=CURVE)))
    signal.lines()
    for i in breaks(points, ys[1] - ys[0]):
        signal.line(i, False)
    fig.draw(signal)


def _draw_tangent(plt: Any, fig: Any, segment: tuple[tuple[float, float], tuple[float, float]]) -> None:
    xs, ys = segment
    marker = plt.marker("braille", pixel=plt.pixel(foreground=TANGENT))
    fig.draw(fig.signal(list(xs), list(ys), marker=marker).lines().density("full"))


def _key(plt: Any, entries: Sequence[tuple[int, str]], width: int) -> Any:
    """The line under the x axis naming each mark, in its colour: "▚ x²   ⠤ tangent   ● (3, 9)"."""
    texts = _fit_all([text for _, text in entries], width - 2)
    key: Any = ""
    for i, ((colour, _), text) in enumerate(zip(entries, texts)):
        key = key + ("   " if i else "") + plt.colorize(text, plt.pixel(foreground=colour))
    return key


def _fit_all(texts: Sequence[str], width: int) -> list[str]:
    """The texts shortened, longest first, until they fit side by side with 3-space gaps."""
    texts = list(texts)
    while sum(map(len, texts)) + 3 * (len(texts) - 1) > width:
        longest = max(range(len(texts)), key=lambda i: len(texts[i]))
        if len(texts[longest]) <= 4:
            break
        texts[longest] = fit(texts[longest], len(texts[longest]) - 1)
    return texts


# ---------------------------------------------------------------- the loss curve

def loss_curve(values: Sequence[float], *, width: int, height: int, color: bool,
               title: str = "loss") -> str:
    """Loss against step number (the first value is step 0), non-finite values dropped.

    The y axis is logarithmic when every value is positive and max/min > 1000 (its label
    then says "loss (log scale)"), linear otherwise. Runs of any length are reduced to at
    most two points per half column, the lowest and the highest, so spikes survive.
    """
    steps = [(i, float(v)) for i, v in enumerate(values) if math.isfinite(v)]
    log = log_scale([v for _, v in steps])
    if log:
        steps = [(i, math.log10(v)) for i, v in steps]
    plt, fig = _figure(width, height)
    width = max(width, MIN_WIDTH)
    points = downsample(steps, 2 * width)
    marker = plt.marker("hd", pixel=plt.pixel(foreground=CURVE))
    fig.draw(fig.signal([i for i, _ in points], [v for _, v in points], marker=marker).lines())
    _set_axis(fig, "x", 0, max(1, len(values) - 1), _most_x_ticks(width), finest=1)
    ylo, yhi = padded(min((v for _, v in points), default=0.0), max((v for _, v in points), default=0.0))
    if log:
        _set_log_axis(fig, ylo, yhi, _most_y_ticks(height))
    else:
        _set_axis(fig, "y", ylo, yhi, _most_y_ticks(height))
    fig.title(fit(title, width))
    fig.label("loss (log scale)" if log else "loss", axis="y")
    fig.label("step" if points else "step (no finite values)", axis="x")
    return _render(fig, color)


def log_scale(values: Sequence[float]) -> bool:
    """All positive and spanning more than three orders of magnitude: max/min > 10³."""
    return bool(values) and min(values) > 0 and max(values) / min(values) > 1e3


def downsample(points: Sequence[tuple[int, float]], buckets: int) -> list[tuple[int, float]]:
    """At most two points per bucket of consecutive steps, its lowest and highest in step
    order; a plain stride would alias an oscillating loss into a smooth-looking one."""
    if len(points) <= 2 * buckets:
        return list(points)
    size = math.ceil(len(points) / buckets)
    kept: list[tuple[int, float]] = []
    for start in range(0, len(points), size):
        chunk = points[start:start + size]
        low, high = min(chunk, key=lambda p: p[1]), max(chunk, key=lambda p: p[1])
        kept.extend(sorted({low, high}))
    return kept


def _set_log_axis(fig: Any, lo: float, hi: float, most: int) -> None:
    """The y axis for log10 values: ticks at whole powers of ten, written as 10^k.

    The data are given as log10 values on a linear axis because plotext 6.1's own log
    ruler loses its limits as soon as ticks are set explicitly.
    """
    first, last = math.ceil(lo), math.floor(hi)
    stride = max(1, math.ceil((last - first + 1) / most))
    ks = list(range(first, last + 1, stride))
    fig.ruler("y").lim(lo, hi)
    fig.ruler("y").ticks(ks, [power_of_ten(k) for k in ks])


def power_of_ten(k: int) -> str:
    """10^k as a tick label: 0.01, 0.1, 1, 10, …, 10000 in full, otherwise 1e−3, 1e5."""
    if -2 <= k <= 4:
        return f"{10.0 ** k:.{max(0, -k)}f}"
    return f"1e{k}".replace("-", MINUS)


# ---------------------------------------------------------------- shared pieces

def _figure(width: int, height: int) -> tuple[Any, Any]:
    """plotext and its (only, global) figure, wiped and sized, in the colour-frugal theme."""
    import plotext as plt  # type: ignore[import-untyped]  # deferred: ~0.35 s, paid only by the commands that plot

    fig = plt.figure
    fig.clear()
    plt.terminal.limit(False, False)  # the size asked for, whatever the terminal's
    fig.plot_size(max(width, MIN_WIDTH), max(height, MIN_HEIGHT))
    fig.theme("simple")  # no background or frame colours: only the data are coloured
    return plt, fig


def _render(fig: Any, color: bool) -> str:
    return str(fig.build().string(colorless=not color)).rstrip("\n")


def _most_x_ticks(width: int) -> int:
    """One x tick per 10 columns leaves room for each label."""
    return max(2, (max(width, MIN_WIDTH) - 6) // 10)


def _most_y_ticks(height: int) -> int:
    """One y tick per 2 canvas rows (the frame, title, ticks and labels take 5)."""
    return max(2, (max(height, MIN_HEIGHT) - 5) // 2)


def _set_axis(fig: Any, axis: str, lo: float, hi: float, most: int, finest: float = 0.0) -> None:
    ticks = nice_ticks(lo, hi, most, finest)
    fig.ruler(axis).lim(lo, hi)
    if ticks:
        step = ticks[1] - ticks[0] if len(ticks) > 1 else abs(ticks[0]) or 1.0
        fig.ruler(axis).ticks(ticks, [tick_label(t, step) for t in ticks])


def nice_ticks(lo: float, hi: float, most: int, finest: float = 0.0) -> list[float]:
    """The multiples of the finest round step (1, 2 or 5 × 10ⁿ, and at least ``finest``)
    of which at most ``most`` fall within [lo, hi]."""
    if not hi > lo or not math.isfinite(hi - lo):
        return []
    step = max(finest, nice_step((hi - lo) / (2 * most)))  # fine enough to give too many
    while True:
        first, last = math.ceil(lo / step), math.floor(hi / step)
        if last - first + 1 <= most:
            return [k * step for k in range(first, last + 1)]
        step = nice_step(step * 1.01)


def nice_step(raw: float) -> float:
    """The smallest of 1, 2, 5 × 10ⁿ that is at least raw."""
    magnitude = 10.0 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw * (1 - 1e-12))


def tick_label(v: float, step: float) -> str:
    """A tick value with just the digits its step needs: 0.6 (not 0.6000000000000001), 250."""
    if abs(v) < step / 2:
        return "0"
    if step >= 1 and abs(v) < 1e6:
        text = str(round(v))
    else:
        digits = max(1, math.floor(math.log10(abs(v))) - math.floor(math.log10(step)) + 1)
        text = f"{v:.{digits}g}"
    return _tidy_exponent(text).replace("-", MINUS)


def short(v: float) -> str:
    """A number for a title: 6 significant digits, no trailing zeros, 3 not 3.0."""
    text = f"{v:.6g}"
    return "0" if text == "-0" else _tidy_exponent(text).replace("-", MINUS)


def _tidy_exponent(text: str) -> str:
    """1e+06 → 1e6, 2.5e-05 → 2.5e-5."""
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    return f"{mantissa}e{int(exponent)}"


def fit(text: str, width: int) -> str:
    """text, cut with an ellipsis to width columns (plotext drops a title that does not fit)."""
    return text if len(text) <= width else text[:max(0, width - 1)] + "…"
