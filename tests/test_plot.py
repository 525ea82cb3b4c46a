"""Terminal plots: the tangent plot, its spoken description, and the loss curve."""

from __future__ import annotations

import math
import subprocess
import sys
import time

import pytest

from calc_cli.errors import MathError
from calc_cli.evaluate import compile_expr
from calc_cli.parse import parse
from calc_cli.render.plot import (
    MIN_HEIGHT,
    MIN_WIDTH,
    breaks,
    clamp,
    downsample,
    fit,
    log_scale,
    loss_curve,
    nice_ticks,
    power_of_ten,
    robust_range,
    sample,
    short,
    tangent_description,
    tangent_plot,
    tangent_segment,
    tick_label,
    trend,
    value,
    window,
    y_range,
)

WIDTH, HEIGHT = 60, 16
ESC = "\x1b"


def curve(text: str):
    """calc's own float function of x, raising MathError outside its domain."""
    return compile_expr(parse(text), ["x"])


def plot(text: str, a: float, slope: float, label: str, **options) -> str:
    f = curve(text)
    size = {"width": WIDTH, "height": HEIGHT, "color": False} | options
    return tangent_plot(f, a, f(a), slope, label=label, **size)


def canvas(out: str) -> list[str]:
    """The rows between the frame's top and bottom edges."""
    rows = out.split("\n")
    top = next(i for i, row in enumerate(rows) if "┌" in row)
    bottom = next(i for i, row in enumerate(rows) if "└" in row)
    return rows[top + 1:bottom]


def assert_shape(out: str, width: int = WIDTH, height: int = HEIGHT) -> None:
    rows = out.split("\n")
    assert len(rows) == height
    assert {len(row) for row in rows} == {width}


# ------------------------------------------------------------------ tangent plot

def test_tangent_plot_of_a_parabola():
    out = plot("x^2", 3.0, 6.0, "x²")
    assert ESC not in out
    assert_shape(out)
    rows = out.split("\n")
    assert rows[0].strip() == "x² and its tangent at x = 3"
    assert rows[-1].split() == ["▚", "x²", "⠤", "tangent", "●", "(3,", "9)"]
    assert rows[-2].split() == ["0", "2", "4", "6"]           # x ticks: window 3 ± 3
    assert sum(row.count("●") for row in canvas(out)) == 1


def test_the_point_is_marked_where_it_is():
    """a is the middle of the window, so the mark is in the middle column of the canvas."""
    out = plot("x^2", 3.0, 6.0, "x²")
    rows = out.split("\n")
    left, right = rows[1].index("┌"), rows[1].index("┐")
    column = next(row.index("●") for row in canvas(out) if "●" in row)
    assert abs(column - (left + right) / 2) <= 1


@pytest.mark.parametrize("text, a, slope, label", [
    ("1/x", 1.0, -1.0, "1/x"),           # a pole inside the window
    ("sqrt(x)", 1.0, 0.5, "√x"),         # undefined left of 0
    ("ln(x)", 0.5, 2.0, "ln(x)"),        # undefined left of 0, → −∞ at 0
    ("tan(x)", 0.0, 1.0, "tan(x)"),      # two poles
    ("sqrt(1 - x^2)", 0.0, 0.0, "√(1 − x²)"),  # defined only on [−1, 1]
])
def test_awkward_curves_still_render(text, a, slope, label):
    out = plot(text, a, slope, label)
    assert ESC not in out
    assert_shape(out)
    assert f"{label} and its tangent at x = {short(a)}" in out
    assert sum(row.count("●") for row in canvas(out)) == 1


def test_a_pole_does_not_flatten_the_curve():
    f = curve("1/x")
    points = sample(f, *window(f, 1.0))
    lo, hi = y_range([y for _, y in points if y is not None], 1.0, (3.0, -1.0))
    assert -4 < lo < -1 and 1 < hi < 5          # not ±100, the values next to 0
    xs = [x for x, y in points if y is not None]
    cuts = breaks(points, hi - lo)
    assert xs[cuts[0] - 1] < 0 < xs[cuts[-1]]   # the curve is not joined across x = 0 …
    assert all(abs(xs[i]) < 0.1 for i in cuts)  # … and is joined everywhere away from it


def test_samples_outside_the_domain_are_gaps():
    points = sample(curve("ln(x)"), -1.5, 2.5)
    assert len(points) == 201
    assert all((y is None) == (x <= 0) for x, y in points)
    defined = [i for i, (_, y) in enumerate(points) if y is not None]
    assert breaks(points, 10.0) == []           # one run: no gap inside the defined part
    assert defined[0] == 76 and points[76][0] > 0 >= points[75][0]


def test_breaks_after_gaps_and_jumps():
    points = [(0, 1.0), (1, 2.0), (2, None), (3, 4.0), (4, 100.0), (5, 101.0)]
    assert breaks(points, 10.0) == [2, 3]        # counted among the 5 defined points


def test_value_treats_every_domain_failure_as_a_gap():
    def fails(x):
        raise MathError("ln of a negative number")
    assert value(fails, 1.0) is None
    assert value(math.sqrt, -1.0) is None                     # ValueError
    assert value(lambda x: 1 / x, 0.0) is None                # ZeroDivisionError
    assert value(lambda x: math.inf, 0.0) is None
    assert value(lambda x: 1e301, 0.0) is None
    assert value(lambda x: 2.5, 0.0) == 2.5


@pytest.mark.parametrize("text, a, expected", [
    ("x^2", 3.0, (0.0, 6.0)),          # a ± max(2, |a|)
    ("x^2", 0.5, (-1.5, 2.5)),
    ("x^2", -10.0, (-20.0, 0.0)),
    ("sin(x)", 100.0, (93.75, 106.25)),  # 100 → 50 → 25 → 12.5 → 6.25: at most 6 turns
])
def test_window(text, a, expected):
    assert window(curve(text), a) == expected


def test_robust_range_fences_off_outliers():
    assert robust_range([1.0, 2.0, 3.0, 4.0, 5.0]) == (1.0, 5.0)
    # Q1 = 1.5, Q3 = 4.5 (interpolated), far-out fences at 1.5 − 3·3 and 4.5 + 3·3
    assert robust_range([-1000.0, 1.0, 2.0, 3.0, 4.0, 5.0, 1000.0]) == (-7.5, 13.5)


@pytest.mark.parametrize("ys, fa, ends, expected", [
    ([0.0, 9.0, 36.0], 9.0, (-9.0, 27.0), (-9.0, 36.0)),    # the tangent fits: shown whole
    ([0.0, 9.0, 36.0], 9.0, (-500.0, 500.0), (0.0, 36.0)),  # too steep: clipped
    ([5.0, 5.0], 5.0, (5.0, 5.0), (4.5, 5.5)),              # flat: ± 10 %
    ([0.0], 0.0, (0.0, 0.0), (-1.0, 1.0)),
    ([], 2.0, (0.0, 4.0), (1.8, 2.2)),                       # only fa is known
])
def test_y_range(ys, fa, ends, expected):
    assert y_range(ys, fa, ends) == pytest.approx(expected)


def test_tangent_segment_is_clipped_to_the_view():
    """y = 9 + 6(x − 3) leaves [0, 36] at x = 1.5 and x = 7.5; the window stops it at 6."""
    assert tangent_segment(3.0, 9.0, 6.0, (0.0, 6.0), (0.0, 36.0)) == ((1.5, 6.0), (0.0, 27.0))
    assert tangent_segment(0.0, 1.0, 0.0, (-2.0, 2.0), (0.0, 2.0)) == ((-2.0, 2.0), (1.0, 1.0))


def test_clamp_keeps_values_near_the_view():
    assert [clamp(y, 0.0, 10.0) for y in (-1e300, -5.0, 3.0, 15.0, 1e12)] == [-10, -5, 3, 15, 20]


def test_huge_values_near_a_pole_render_quickly():
    """plotext rasterises off-canvas line lengths (1e6 took 10 s); they are clamped first."""
    start = time.perf_counter()
    out = tangent_plot(lambda x: 1 / x**6 if x else math.inf, 0.01, 1e12, -6e14,
                       label="x⁻⁶", width=WIDTH, height=HEIGHT, color=False)
    assert time.perf_counter() - start < 1.0
    assert_shape(out)


def test_long_labels_are_cut_to_the_width():
    label = "sin(x)·cos(x)·exp(−x²/2) + " * 4
    out = plot("x", 0.0, 1.0, label)
    assert_shape(out)
    assert "…" in out.split("\n")[0] and "…" in out.split("\n")[-1]


def test_texts_for_a_and_fa_can_be_given():
    f = curve("ln(x)")
    out = tangent_plot(f, 0.5, f(0.5), 2.0, label="ln(x)", width=WIDTH, height=HEIGHT,
                       color=False, a_text="1/2", fa_text="−ln(2)")
    assert "ln(x) and its tangent at x = 1/2" in out
    assert "● (1/2, −ln(2))" in out


def test_sizes_below_the_minimum_are_raised_to_it():
    assert_shape(plot("x^2", 1.0, 2.0, "x²", width=5, height=2), MIN_WIDTH, MIN_HEIGHT)


def test_other_sizes_are_exact():
    assert_shape(plot("x^2", 1.0, 2.0, "x²", width=100, height=30), 100, 30)


def test_colour_only_when_asked():
    out = plot("x^2", 3.0, 6.0, "x²", color=True)
    assert ESC in out
    assert len(out.split("\n")) == HEIGHT
    assert "\x1b[38;5;12m" in out and "\x1b[38;5;208m" in out   # curve blue, tangent orange
    assert "x² and its tangent at x = 3" in out


def test_nothing_is_printed(capsys):
    plot("x^2", 3.0, 6.0, "x²")
    loss_curve([3.0, 2.0, 1.0], width=WIDTH, height=HEIGHT, color=False)
    assert capsys.readouterr() == ("", "")


def test_importing_the_module_does_not_import_plotext():
    code = "import sys, calc_cli.render.plot; print('plotext' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout == "False\n"


def test_invalid_numbers_are_refused():
    with pytest.raises(ValueError, match="finite slope"):
        tangent_plot(math.sqrt, 0.0, 0.0, math.inf, label="√x", width=WIDTH, height=HEIGHT,
                     color=False)


# ------------------------------------------------------------------ description

def test_tangent_description():
    assert tangent_description("x²", "3", "9", "6", "6x − 9") == (
        "The curve x² with its tangent at x = 3, slope 6: the line y = 6x − 9 touches the "
        "curve at (3, 9), where the curve is rising.")
    assert tangent_description("cos(x)", "0", "1", "0", "1").endswith(
        "the line y = 1 touches the curve at (0, 1), where the curve is flat.")


@pytest.mark.parametrize("slope, expected", [
    ("6", "rising"), ("1/2", "rising"), ("0.001", "rising"), ("1e-5", "rising"),
    ("1.5×10⁻⁷", "rising"), ("−1", "falling"), ("-1/2", "falling"), ("−0.5", "falling"),
    ("0", "flat"), ("0.0", "flat"), (" 0 ", "flat"),
])
def test_trend(slope, expected):
    assert trend(slope) == expected


# ------------------------------------------------------------------ loss curve

def test_loss_curve_linear():
    out = loss_curve([4.0, 2.0, 1.0, 0.5], width=WIDTH, height=HEIGHT, color=False)
    assert ESC not in out
    assert_shape(out)
    rows = out.split("\n")
    assert rows[0].strip() == "loss"
    assert rows[-1].split() == ["loss", "step"]
    assert rows[-2].split() == ["0", "1", "2", "3"]


def test_loss_curve_log_scale_over_orders_of_magnitude():
    values = [100 * 0.9**i for i in range(200)]                 # 100 down to 7.8e−8
    out = loss_curve(values, width=WIDTH, height=HEIGHT, color=False, title="descent")
    assert_shape(out)
    rows = out.split("\n")
    assert rows[0].strip() == "descent"
    assert rows[-1].split() == ["loss", "(log", "scale)", "step"]
    ticks = [row.split("┤")[0].strip() for row in canvas(out) if "┤" in row]
    assert ticks == ["10", "0.1", "1e−3", "1e−5", "1e−7"]


@pytest.mark.parametrize("values", [
    [5.0],
    [2.0] * 10,
    [0.0, 0.0],
    [],
    [math.nan, math.inf],
    [3.0, math.nan, 2.0, -math.inf, 1.0],
])
def test_loss_curve_degenerate_runs(values):
    out = loss_curve(values, width=WIDTH, height=HEIGHT, color=False)
    assert ESC not in out
    assert_shape(out)
    assert "log scale" not in out


def test_loss_curve_single_value_has_whole_step_ticks():
    out = loss_curve([5.0], width=WIDTH, height=HEIGHT, color=False)
    assert out.split("\n")[-2].split() == ["0", "1"]


def test_loss_curve_says_when_nothing_is_finite():
    out = loss_curve([math.nan], width=WIDTH, height=HEIGHT, color=False)
    assert out.split("\n")[-1].split() == ["loss", "step", "(no", "finite", "values)"]


def test_loss_curve_of_a_long_run_is_quick():
    values = [1e4 * math.exp(-i / 8000) * (1.5 + math.sin(i / 10)) for i in range(100_000)]
    start = time.perf_counter()
    out = loss_curve(values, width=WIDTH, height=HEIGHT, color=False)
    assert time.perf_counter() - start < 1.0
    assert_shape(out)
    assert "loss (log scale)" in out
    assert out.split("\n")[-2].split() == ["0", "20000", "40000", "60000", "80000"]


def test_loss_curve_colour_only_when_asked():
    out = loss_curve([4.0, 2.0, 1.0], width=WIDTH, height=HEIGHT, color=True)
    assert ESC in out and "loss" in out


@pytest.mark.parametrize("values, expected", [
    ([1.0, 1e-3], False),          # exactly three orders: not more
    ([1.0, 9e-4], True),
    ([1e6, 1.0], True),
    ([1e6, 0.0], False),           # not all positive
    ([1e6, -1.0], False),
    ([], False),
])
def test_log_scale(values, expected):
    assert log_scale(values) is expected


def test_downsample_keeps_each_buckets_lowest_and_highest_in_order():
    points = [(i, float(v)) for i, v in enumerate([5, 1, 9, 2, 3, 3, 7, 0, 4, 6])]
    assert downsample(points, 5) == points                       # short enough: untouched
    assert downsample(points, 2) == [(1, 1.0), (2, 9.0), (6, 7.0), (7, 0.0)]


@pytest.mark.parametrize("k, text", [
    (-7, "1e−7"), (-3, "1e−3"), (-2, "0.01"), (-1, "0.1"), (0, "1"), (2, "100"),
    (4, "10000"), (5, "1e5"),
])
def test_power_of_ten(k, text):
    assert power_of_ten(k) == text


# ------------------------------------------------------------------ ticks and texts

@pytest.mark.parametrize("lo, hi, most, labels", [
    (0, 6, 5, ["0", "2", "4", "6"]),
    (-9, 36, 5, ["0", "10", "20", "30"]),
    (-2.9, 3.9, 5, ["−2", "0", "2"]),
    (0.1, 0.35, 4, ["0.1", "0.2", "0.3"]),
    (0, 99_999, 5, ["0", "20000", "40000", "60000", "80000"]),
    (999_998, 1_000_002, 4, ["999998", "1000000", "1000002"]),
    (0, 2e6, 3, ["0", "1e6", "2e6"]),
    (-1e-5, 3e-5, 4, ["0", "2e−5"]),
])
def test_nice_ticks(lo, hi, most, labels):
    ticks = nice_ticks(lo, hi, most)
    assert [tick_label(t, ticks[1] - ticks[0]) for t in ticks] == labels


def test_nice_ticks_respect_a_finest_step():
    assert nice_ticks(0, 1, 6) == [0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]
    assert nice_ticks(0, 1, 5) == [0, 0.5, 1.0]
    assert nice_ticks(0, 1, 6, finest=1) == [0, 1]
    assert nice_ticks(1, 1, 5) == []


@pytest.mark.parametrize("v, text", [
    (3.0, "3"), (9.0, "9"), (0.5, "0.5"), (-0.6931471805599453, "−0.693147"),
    (20.085536923187668, "20.0855"), (1e17, "1e17"), (-0.0, "0"), (2.5e-5, "2.5e−5"),
])
def test_short(v, text):
    assert short(v) == text


def test_fit():
    assert fit("abcdef", 6) == "abcdef"
    assert fit("abcdefg", 6) == "abcde…"
