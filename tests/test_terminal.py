"""The terminal views: colour conventions under a real pseudo-terminal, and exact text."""

import os
import pty
import select
import subprocess
import sys

import pytest
from fractions import Fraction

from calc_cli.parse import parse_with_notes
from calc_cli.render.terminal import make_console, show_diff

ANSI = "\x1b["


def run_in_pty(args, env_extra=None, drop=()):
    """Run `python -m calc_cli ARGS` with stdout on a pseudo-terminal; return what it printed."""
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", *drop)}
    env.update({"TERM": "xterm-256color", "COLUMNS": "80", **(env_extra or {})})
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "calc_cli", *args], stdout=follower,
                            stderr=subprocess.PIPE, env=env)
    os.close(follower)
    out = read_terminal(leader, 10)
    proc.wait(timeout=30)
    os.close(leader)
    return out, proc.returncode


def read_terminal(leader: int, quiet_seconds: float) -> str:
    """Everything written to a pseudo-terminal until the child closes it (or stays silent
    for ``quiet_seconds``), decoded."""
    chunks = []
    while True:
        ready, _, _ = select.select([leader], [], [], quiet_seconds)
        if not ready:
            break
        try:
            data = os.read(leader, 4096)
        except OSError:  # the child has closed its end
            break
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.parametrize("command", [["diff", "(x^2+1)^3"], ["explain", "x sin x"],
                                     ["grad", "x^2+3xy+y^2", "--at", "x=1,y=2"]])
def test_a_terminal_sees_colour_and_no_color_turns_it_off(command):
    coloured, status = run_in_pty(command)
    assert status == 0
    assert ANSI in coloured
    assert "6x(x² + 1)²" in coloured or "sin(x)" in coloured or "∂f/∂x" in coloured
    plain, status = run_in_pty(command, {"NO_COLOR": "1"})
    assert status == 0
    assert "\x1b[3" not in plain and "\x1b[1;3" not in plain  # no colour codes
    flagged, _ = run_in_pty([*command, "--no-color"])
    assert "\x1b[3" not in flagged


def test_plain_flag_on_a_terminal_prints_the_pipe_form():
    out, status = run_in_pty(["diff", "(x^2+1)^3", "--plain"])
    assert status == 0
    assert out.strip() == "6*x*(x^2 + 1)^2"


def test_dumb_terminal_gets_no_colour():
    out, _ = run_in_pty(["diff", "x^3"], {"TERM": "dumb"})
    assert "\x1b[3" not in out


def test_color_flag_forces_colour_into_a_pipe_only_for_the_terminal_view():
    result = subprocess.run([sys.executable, "-m", "calc_cli", "diff", "x^3", "--color"],
                            capture_output=True, text=True, check=False)
    assert result.stdout == "3*x^2\n"  # a pipe still gets plain text


def test_diff_view_exact_text():
    console = make_console(color=False, width=60)
    parsed = parse_with_notes("(x^2+1)^3")
    from calc_cli.diff import nth_derivative

    with console.capture() as capture:
        show_diff(console, parsed, ["x"], nth_derivative(parsed.expr, ["x"]),
                  {"x": Fraction(1)}, ("8", "24"))
    text = capture.get()
    assert text.splitlines() == [
        "╭─ d/dx (x² + 1)³ ─╮",
        "│ f′ = 6x(x² + 1)² │",
        "│                  │",
        "│ f(1)   8         │",
        "│ f′(1)  24        │",
        "╰──────────────────╯",
    ]


@pytest.mark.parametrize("shell, marker", [("bash", "complete"), ("zsh", "compdef"),
                                           ("fish", "complete")])
def test_shell_completion_scripts(shell, marker):
    env = dict(os.environ, _CALC_COMPLETE=f"{shell}_source")
    result = subprocess.run([sys.executable, "-m", "calc_cli"],
                            capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0
    assert marker in result.stdout and "_CALC_COMPLETE" in result.stdout


def test_completion_offers_the_commands():
    env = dict(os.environ, _CALC_COMPLETE="bash_complete", COMP_WORDS="calc di", COMP_CWORD="1")
    result = subprocess.run([sys.executable, "-m", "calc_cli"],
                            capture_output=True, text=True, env=env, check=False)
    assert "diff" in result.stdout


@pytest.mark.parametrize("command, answer", [("diff", b"2*x\n"),  # the fast lane (quick.py)
                                             ("parse", b"x^2\n")])  # under click
def test_ctrl_c_exits_130_without_a_traceback(command, answer):
    import signal
    import time

    proc = subprocess.Popen([sys.executable, "-m", "calc_cli", command, "-"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdin.write(b"x^2\n")
    proc.stdin.flush()
    assert proc.stdout.readline() == answer  # it is running and waiting for more input
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130
    assert err == b"\ncalc: interrupted\n"


def _capture(show, *args, width=72):
    console = make_console(color=False, width=width)
    with console.capture() as capture:
        show(console, *args)
    return capture.get().splitlines()


def test_grad_view_exact_text():
    from calc_cli.multivar import gradient, gradient_at
    from calc_cli.render.terminal import show_grad

    parsed = parse_with_notes("x^2 + 3*x*y + y^2")
    point = {"x": Fraction(1), "y": Fraction(2)}
    lines = _capture(show_grad, parsed, ["x", "y"], gradient(parsed.expr, ["x", "y"]), point,
                     gradient_at(parsed.expr, ["x", "y"], point), Fraction(1, 10), False,
                     (None, None, None))
    assert lines == [
        "╭─ ∇ x² + 3x·y + y² ──────────────────────────────────────────╮",
        "│                 at x = 1, y = 2                             │",
        "│ ∂f/∂x  2x + 3y                8                             │",
        "│ ∂f/∂y  3x + 2y                7                             │",
        "│                                                             │",
        "│ |∇f|             10.63014581273465                          │",
        "│ steepest ascent  (0.7525766947068778, 0.658504607868518)    │",
        "│ one descent step new = old − 0.1 × ∇f:  (1, 2) → (0.2, 1.3) │",
        "╰─────────────────────────────────────────────────────────────╯",
    ]


def test_explain_view_exact_text():
    import calc_cli.cli  # noqa: F401  (registers the commands)
    from calc_cli.commands.expressions import explanation
    from calc_cli.render.terminal import show_explain

    parsed = parse_with_notes("(x^2+1)^3")
    top, derivative = explanation(parsed.expr, ["x"])
    lines = _capture(show_explain, parsed, ["x"], top, derivative, None, None)
    assert lines == [
        "╭─ d/dx (x² + 1)³ ───────────────────────────────╮",
        "│ d/dx (x² + 1)³                                 │",
        "│ ├── chain rule   d/dx f(u) = f′(u)·u′          │",
        "│ │   d/dx (x² + 1)³ = 6(x² + 1)²·x   u = x² + 1 │",
        "│ │   ├── power rule   d/dx x^n = n·x^(n−1)      │",
        "│ │   │   d/du u³ = 3u²                          │",
        "│ │   └── sum rule   d/dx (u + v) = u′ + v′      │",
        "│ │       d/dx (x² + 1) = 2x                     │",
        "│ │       ├── power rule   d/dx x^n = n·x^(n−1)  │",
        "│ │       │   d/dx x² = 2x                       │",
        "│ │       └── constant rule                      │",
        "│ │           d/dx 1 = 0                         │",
        "│ └── simplify                                   │",
        "│     6(x² + 1)²·x = 6x(x² + 1)²                 │",
        "│                                                │",
        "│ f′ = 6x(x² + 1)²                               │",
        "╰────────────────────────────────────────────────╯",
    ]


# ------------------------------------------------- every view, exact, at 60 columns
def terminal_view(args, width=60):
    """What `calc ARGS` shows on a colourless terminal `width` columns wide: (status, lines)."""
    from unittest import mock

    from click.testing import CliRunner

    from calc_cli.cli import cli

    with mock.patch("calc_cli.shell._stdout_is_terminal", return_value=True):
        result = CliRunner().invoke(cli, [*args, "--no-color"], env={"COLUMNS": str(width)})
    return result.exit_code, result.stdout.splitlines()


VIEWS = {
    "backprop": (["backprop", "(w*input - target)^2", "--at", "w=2,input=3,target=10"], [
        "╭─ backpropagation through (w·input − target)² ────────────╮",
        "│ at w = 2, input = 3, target = 10                         │",
        "│                                       local     gradient │",
        "│ node  op       computes        value  ∂/∂input  ∂f/∂node │",
        "│ v1    input    w                   2                 -24 │",
        "│ v2    input    input               3                 -16 │",
        "│ v3    input    target             10                   8 │",
        "│ v4    * v1 v2  w·input             6  v1: 3           -8 │",
        "│                                       v2: 2              │",
        "│ v5    neg v3   −target           -10  v3: -1          -8 │",
        "│ v6    + v4 v5  w·input −          -4  v4: 1           -8 │",
        "│                target                 v5: 1              │",
        "│ v7    ^2 v6    (w·input −         16  v6: -8           1 │",
        "│                target)²                                  │",
        "│                                                          │",
        "│ f = 16                                                   │",
        "│ ∂f/∂w       -24                                          │",
        "│ ∂f/∂input   -16                                          │",
        "│ ∂f/∂target  8                                            │",
        "│ forward: each node's value from its inputs.  backward:   │",
        "│ the output's gradient is 1; each node's gradient is Σ    │",
        "│ over its users of (user's gradient × local derivative).  │",
        "╰──────────────────────────────────────────────────────────╯",
    ]),
    # A shared node (x·y has two users). Too wide for the table at 60 columns: a paragraph per
    # node instead. The graph's floats are short; the answers below keep all their digits.
    "backprop-list": (["backprop", "sin(x*y) + x*y", "--at", "x=1,y=2"], [
        "╭─ backpropagation through sin(x·y) + x·y ─────────────────╮",
        "│ at x = 1, y = 2                                          │",
        "│ v1  input  x                                             │",
        "│     value 1  gradient 1.1677                             │",
        "│ v2  input  y                                             │",
        "│     value 2  gradient 0.58385                            │",
        "│ v3  * v1 v2  x·y                                         │",
        "│     value 2  gradient 0.58385                            │",
        "│     local v1: 2, v2: 1                                   │",
        "│ v4  sin v3  sin(x·y)                                     │",
        "│     value 0.9093  gradient 1                             │",
        "│     local v3: -0.41615                                   │",
        "│ v5  + v4 v3  sin(x·y) + x·y                              │",
        "│     value 2.9093  gradient 1                             │",
        "│     local v4: 1, v3: 1                                   │",
        "│                                                          │",
        "│ f = 2.909297426825682                                    │",
        "│ ∂f/∂x  1.1677063269057153                                │",
        "│ ∂f/∂y  0.5838531634528576                                │",
        "│ forward: each node's value from its inputs.  backward:   │",
        "│ the output's gradient is 1; each node's gradient is Σ    │",
        "│ over its users of (user's gradient × local derivative).  │",
        "╰──────────────────────────────────────────────────────────╯",
    ]),
    "hessian-grid": (["hessian", "x^3 y + y^2", "--at", "x=1,y=2"], [
        "╭─ Hessian of x³·y + y² ──────────────╮",
        "│ ┏━━━━━━━┳━━━━━━┳━━━━━━┓             │",
        "│ ┃       ┃ ∂/∂x ┃ ∂/∂y ┃             │",
        "│ ┡━━━━━━━╇━━━━━━╇━━━━━━┩             │",
        "│ │ ∂f/∂x │ 6x·y │ 3x²  │             │",
        "│ │ ∂f/∂y │ 3x²  │  2   │             │",
        "│ └───────┴──────┴──────┘             │",
        "│     at x = 1, y = 2                 │",
        "│ ┏━━━━━━━┳━━━━━━┳━━━━━━┓             │",
        "│ ┃       ┃ ∂/∂x ┃ ∂/∂y ┃             │",
        "│ ┡━━━━━━━╇━━━━━━╇━━━━━━┩             │",
        "│ │ ∂f/∂x │   12 │    3 │             │",
        "│ │ ∂f/∂y │    3 │    2 │             │",
        "│ └───────┴──────┴──────┘             │",
        "│ note: implicit multiplication: x³·y │",
        "╰─────────────────────────────────────╯",
    ]),
    # Too wide for a grid at 60 columns: labelled entries instead, nothing cut.
    "hessian-list": (["hessian", "exp(x y) + x^2 y^3", "--at", "x=1,y=0.5"], [
        "╭─ Hessian of exp(x·y) + x²·y³ ─────────────╮",
        "│ ∂²f/∂x²   y²·exp(x·y) + 2y³               │",
        "│ ∂²f/∂y∂x  exp(x·y) + x·y·exp(x·y) + 6x·y² │",
        "│ ∂²f/∂x∂y  exp(x·y) + x·y·exp(x·y) + 6x·y² │",
        "│ ∂²f/∂y²   x²·exp(x·y) + 6x²·y             │",
        "│                                           │",
        "│ at x = 1, y = 1/2                         │",
        "│ ∂²f/∂x²   0.662180317675032               │",
        "│ ∂²f/∂y∂x  3.9730819060501923              │",
        "│ ∂²f/∂x∂y  3.9730819060501923              │",
        "│ ∂²f/∂y²   4.648721270700128               │",
        "│ note: implicit multiplication: x·y, x²·y³ │",
        "╰───────────────────────────────────────────╯",
    ]),
    "jacobian-grid": (["jacobian", "x*y, x+y", "--at", "x=1,y=2"], [
        "╭─ Jacobian of x·y, x + y ─╮",
        "│ ┏━━━━━━━┳━━━━━━┳━━━━━━┓  │",
        "│ ┃       ┃ ∂/∂x ┃ ∂/∂y ┃  │",
        "│ ┡━━━━━━━╇━━━━━━╇━━━━━━┩  │",
        "│ │ x·y   │  y   │  x   │  │",
        "│ │ x + y │  1   │  1   │  │",
        "│ └───────┴──────┴──────┘  │",
        "│     at x = 1, y = 2      │",
        "│ ┏━━━━━━━┳━━━━━━┳━━━━━━┓  │",
        "│ ┃       ┃ ∂/∂x ┃ ∂/∂y ┃  │",
        "│ ┡━━━━━━━╇━━━━━━╇━━━━━━┩  │",
        "│ │ x·y   │    2 │    1 │  │",
        "│ │ x + y │    1 │    1 │  │",
        "│ └───────┴──────┴──────┘  │",
        "╰──────────────────────────╯",
    ]),
    "jacobian-list": (["jacobian", "exp(x y) sin(x), ln(x + y)/(x y)", "--at", "x=1,y=2"], [
        "╭─ Jacobian of exp(x·y)·sin(x), ln(x + y)/(x·y) ──────╮",
        "│ f₁      exp(x·y)·sin(x)                             │",
        "│ f₂      ln(x + y)/(x·y)                             │",
        "│                                                     │",
        "│ ∂f₁/∂x  y·exp(x·y)·sin(x) + exp(x·y)·cos(x)         │",
        "│ ∂f₁/∂y  x·exp(x·y)·sin(x)                           │",
        "│ ∂f₂/∂x  1/(x·y(x + y)) − ln(x + y)/(x²·y)           │",
        "│ ∂f₂/∂y  1/(x·y(x + y)) − ln(x + y)/(x·y²)           │",
        "│                                                     │",
        "│ at x = 1, y = 2                                     │",
        "│ ∂f₁/∂x  16.427676673177206                          │",
        "│ ∂f₁/∂y  6.217676312367968                           │",
        "│ ∂f₂/∂x  -0.38263947766738826                        │",
        "│ ∂f₂/∂y  -0.10798640550036079                        │",
        "│ note: implicit multiplication: x·y, exp(x·y)·sin(x) │",
        "│ note: implicit multiplication: x·y                  │",
        "╰─────────────────────────────────────────────────────╯",
    ]),
    "tangent": (["tangent", "x^2", "--at", "3"], [
        "╭─ tangent to x² at x = 3 ─╮",
        "│ f(3)   9                 │",
        "│ f′(3)  6   (the slope)   │",
        "│ f′     2x                │",
        "│                          │",
        "│ tangent  y = 6x − 9      │",
        "│ y = f(3) + f′(3)·(x − 3) │",
        "╰──────────────────────────╯",
    ]),
    # A title wider than the terminal moves inside the panel, where it wraps, not cut.
    "tangent-long-title": (["tangent", "exp(sin(x^2)) + ln(1 + x^2)/(x + 1)", "--at", "0.5"], [
        "╭─ tangent ────────────────────────────────────────────────╮",
        "│ tangent to exp(sin(x²)) + ln(1 + x²)/(x + 1) at x = 0.5  │",
        "│ f(0.5)   1.4294587249869812                              │",
        "│ f′(0.5)  1.675041030805366   (the slope)                 │",
        "│ f′       2x·exp(sin(x²))·cos(x²) + (2x(x + 1)/(x² + 1) − │",
        "│          ln(x² + 1))/(x + 1)²                            │",
        "│                                                          │",
        "│ tangent  y = 1.675041030805366x + 0.5919382095842982     │",
        "│ y = f(0.5) + f′(0.5)·(x − 0.5)                           │",
        "╰──────────────────────────────────────────────────────────╯",
    ]),
}


@pytest.mark.parametrize("name", VIEWS)
def test_view_exact_text_at_60_columns(name):
    args, expected = VIEWS[name]
    status, lines = terminal_view(args)
    assert status == 0
    assert lines == expected


def _without_plot(lines):
    """The view's lines with the loss curve (render.plot's, pinned in its own tests) cut out."""
    top = lines.index("│" + " " * 58 + "│")
    bottom = next(i for i, line in enumerate(lines) if line.startswith("│ loss "))
    assert "loss" in lines[top + 1]
    return lines[:top] + ["(plot)"] + lines[bottom + 1:]


def test_descend_view_exact_text():
    status, lines = terminal_view(["descend", "(3w - 10)^2", "--from", "w=2", "--lr", "0.01",
                                   "--steps", "3"])
    assert status == 0
    assert _without_plot(lines) == [
        "╭─ gradient descent on (3w − 10)² ─────────────────────────╮",
        "│ new = old − 0.01 × ∇f                                    │",
        "│ step         w           f       ∂f/∂w  step size        │",
        "│    0       2.0        16.0       -24.0        0.0        │",
        "│    1      2.24     10.7584      -19.68       0.24        │",
        "│    2    2.4368  7.23394816    -16.1376     0.1968        │",
        "│    3  2.598176      4.8641  -13.232832   0.161376        │",
        "(plot)",
        "│ ran out of steps after 3 steps (not converged): w =      │",
        "│ 2.598176, f = 4.864106742784                             │",
        "│ note: implicit multiplication: 3w                        │",
        "╰──────────────────────────────────────────────────────────╯",
    ]


def test_descend_view_leaves_columns_out_rather_than_cut_numbers():
    args = ["descend", "(x-3)^2 + 2(y+1)^2", "--from", "x=0,y=0", "--lr", "0.1", "--steps", "500"]
    status, lines = terminal_view(args)
    assert status == 0
    assert _without_plot(lines)[:9] == [
        "╭─ gradient descent on (x − 3)² + 2(y + 1)² ───────────────╮",
        "│ new = old − 0.1 × ∇f                                     │",
        "│ step       x         y           f                       │",
        "│    0     0.0       0.0        11.0                       │",
        "│    1     0.6      -0.4        6.48                       │",
        "│    2    1.08     -0.64      3.9456                       │",
        "│    3   1.464    -0.784    2.452608                       │",
        "│    4  1.7712   -0.8704  1.54354176                       │",
        "│    …                                                     │",
    ]
    assert _without_plot(lines)[-8:] == [
        "│   91       3        -1  2.0731e-17                       │",
        "│ (the terminal is too narrow for the gradients and step   │",
        "│ sizes: --json has them)                                  │",
        "(plot)",
        "│ converged after 91 steps: x = 2.9999999954468697, y =    │",
        "│ -0.9999999999999999, f = 2.0730995685585293e-17          │",
        "│ note: implicit multiplication: 2(y + 1)²                 │",
        "╰──────────────────────────────────────────────────────────╯",
    ]
    assert not any("…" in line.replace("│    …", "") for line in lines)  # no number is cut
    _, wide = terminal_view(args, width=100)
    assert "∂f/∂x" in wide[2] and "step size" in wide[2]


@pytest.mark.parametrize("width", [40, 60, 80])
@pytest.mark.parametrize("args", [v[0] for v in VIEWS.values()] + [
    ["grad", "exp(sin(x^2 y)) + ln(1 + x^2 + y^2)/(x + 1)", "--at", "x=1,y=2"],
    ["diff", "exp(sin(x^2)) + ln(1 + x^2)/(x + 1) + sqrt(x^3 + 1)", "--at", "1"],
    ["explain", "sin(cos(tan(x^2 + 1))) * exp(x)"],
])
def test_views_stay_within_the_width_and_never_cut_text(args, width):
    status, lines = terminal_view(args, width)
    assert status == 0
    assert all(len(line) <= width for line in lines)
    assert not any("…" in line.replace("│    …", "") for line in lines)


# ------------------------------------------------- a batch's progress line on stderr
def run_watched_batch(args, lines, tmp_path, stdout="file", env_extra=None, pause=0.15,
                      python_flags=()):
    """`calc ARGS` fed LINES through a slow pipe, stderr on a pseudo-terminal.

    Returns (what the terminal got, what stdout got, status). The lines after the
    first are sent once its answer is out (calc has started), ``pause`` apart: with
    0.15 s and BATCH's seven lines the batch lasts 0.9 s, past the 0.5 s before a
    progress line shows.
    """
    import threading
    import time

    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update({"TERM": "xterm-256color", "COLUMNS": "80", **(env_extra or {})})
    leader, follower = pty.openpty()
    out_path = tmp_path / "out.txt"
    with open(out_path, "w") as out_file:
        proc = subprocess.Popen(
            [sys.executable, *python_flags, "-m", "calc_cli", *args], stdin=subprocess.PIPE,
            stdout=out_file if stdout == "file" else subprocess.PIPE, stderr=follower, env=env)
    os.close(follower)

    started = threading.Event()
    piped = []

    def feed():
        for i, line in enumerate(lines):
            if i == 1:
                started.wait(20)
            if i >= 1:
                time.sleep(pause)
            proc.stdin.write(line.encode() + b"\n")
            proc.stdin.flush()
        proc.stdin.close()

    def read_pipe():
        piped.append(proc.stdout.readline())
        started.set()
        piped.append(proc.stdout.read())

    def watch_file():
        while proc.poll() is None and not out_path.stat().st_size:
            time.sleep(0.01)
        started.set()

    feeder = threading.Thread(target=feed)
    feeder.start()
    reader = threading.Thread(target=read_pipe if stdout == "pipe" else watch_file)
    reader.start()
    terminal = read_terminal(leader, 20)
    feeder.join()
    reader.join()
    proc.wait(timeout=30)
    os.close(leader)
    answers = b"".join(piped).decode() if stdout == "pipe" else out_path.read_text()
    return terminal, answers, proc.returncode


BATCH = ["x^2", "x^3", "sin x", "x^4", "x^5", "2 +", "x^6"]  # the error comes after 0.5 s
ANSWERS = "2*x\n3*x^2\ncos(x)\n4*x^3\n5*x^4\n\n6*x^5\n"


def test_a_long_batch_shows_a_transient_progress_line_on_a_terminal(tmp_path):
    screen, answers, status = run_watched_batch(["diff", "-"], BATCH, tmp_path)
    assert status == 2  # the syntax error on line 6
    assert answers == ANSWERS  # the answers are exactly what they are without the line
    assert "calc diff" in screen and " lines" in screen and "/s" in screen
    assert "\x1b[3" in screen  # in colour
    # The message is printed on a cleared line above the progress line, not run into it.
    assert "\x1b[2Kcalc: syntax error at column 4" in screen
    assert screen.rstrip().endswith("\x1b[2K")  # and at the end the line is erased


def test_no_color_keeps_the_progress_line_but_not_its_colour(tmp_path):
    screen, answers, _ = run_watched_batch(["diff", "-"], BATCH, tmp_path, env_extra={
        "NO_COLOR": "1"})
    assert answers == ANSWERS
    assert "calc diff" in screen and " lines" in screen
    assert "\x1b[3" not in screen and "\x1b[9" not in screen


@pytest.mark.parametrize("args, stdout, env", [
    (["diff", "-", "--json"], "file", {}),        # JSON is for programs
    (["diff", "-"], "pipe", {}),                  # its reader (less, head) may use the terminal
    (["diff", "-"], "file", {"TERM": "dumb"}),    # cannot redraw a line
])
def test_no_progress_line_with_json_in_a_pipe_or_on_a_dumb_terminal(tmp_path, args, stdout, env):
    screen, answers, _ = run_watched_batch(args, BATCH, tmp_path, stdout=stdout, env_extra=env)
    assert "calc diff" not in screen and "lines" not in screen and "\x1b[" not in screen
    assert answers.count("\n") == len(BATCH)


def test_a_short_watched_batch_never_imports_rich(tmp_path):
    screen, answers, status = run_watched_batch(["diff", "-"], ["x^2", "x^3"], tmp_path,
                                                pause=0, python_flags=["-X", "importtime"])
    assert status == 0 and answers == "2*x\n3*x^2\n"
    assert "calc_cli.shell" in screen  # -X importtime wrote its table to the terminal
    assert "rich" not in screen


def test_a_piped_batch_never_imports_rich():
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "calc_cli", "diff", "-"],
                            input="x^2\nsin x\n", capture_output=True, text=True, check=False)
    assert result.stdout == "2*x\ncos(x)\n"
    assert "calc_cli.shell" in result.stderr and "rich" not in result.stderr


def test_batch_progress_line_text():
    """The line itself: a bar, per cent of stdin read, lines, rate; a message prints above it."""
    import io

    from rich.console import Console

    from calc_cli.render.terminal import BatchProgress

    file = io.StringIO()
    console = Console(file=file, force_terminal=True, color_system=None, width=80)
    bar = BatchProgress("diff", False, 2000, console=console)
    bar.update(1234, 2468.4, 1000)
    bar.say("calc: a message")
    bar.close()
    shown = file.getvalue()
    assert "calc diff" in shown and " 50%" in shown and "1,234 lines" in shown
    assert "2,468/s" in shown
    assert "calc: a message\n" in shown
    pulse = io.StringIO()
    bar = BatchProgress("eval", False, None, console=Console(file=pulse, force_terminal=True,
                                                             color_system=None, width=80))
    bar.update(7, 3.0, 40)
    bar.close()
    assert "calc eval" in pulse.getvalue() and "7 lines" in pulse.getvalue()
    assert "%" not in pulse.getvalue()  # a pipe's length is unknown


@pytest.mark.parametrize("term", ["xterm-256color", "dumb"])
def test_a_long_descent_leaves_nothing_on_a_redirected_stderr(term):
    """The descent's bar needs a terminal on stderr; without one it writes nothing at all."""
    leader, follower = pty.openpty()
    env = dict(os.environ, TERM=term, COLUMNS="80")
    proc = subprocess.Popen([sys.executable, "-m", "calc_cli", "descend", "x^2", "--from", "x=1",
                             "--steps", "2000", "--tol", "0"],
                            stdout=follower, stderr=subprocess.PIPE, env=env)
    os.close(follower)
    shown = []
    while True:
        try:
            data = os.read(leader, 4096)
        except OSError:
            break
        if not data:
            break
        shown.append(data)
    _, err = proc.communicate(timeout=60)
    os.close(leader)
    assert proc.returncode == 0
    assert "gradient descent on x²" in b"".join(shown).decode()
    assert err == b""


def test_the_parse_tree_of_a_deep_nest_is_cut_to_a_readable_size():
    """2,000 nested calls: the tree shows the levels that fit 60 columns, one line each, and
    says how deep it goes (it was 6 s and 700 kB: 200 levels, each with its whole subexpression)."""
    from io import StringIO

    from rich.console import Console

    from calc_cli.render.terminal import show_parse

    text = "tanh(" * 2000 + "x" + ")" * 2000
    buffer = StringIO()
    console = Console(file=buffer, width=60, color_system=None)
    show_parse(console, text, parse_with_notes(text))
    out = buffer.getvalue()
    tree = out[out.index("function tanh"):]
    assert "… 1994 more levels" in tree
    assert tree.count("function tanh") == 7
    assert tree.count("\n") == 9  # one line per level, the note, the border


def test_parse_tree_labels_are_shortened():
    from io import StringIO

    from rich.console import Console

    from calc_cli.render.terminal import expr_tree

    buffer = StringIO()
    Console(file=buffer, width=200, color_system=None).print(
        expr_tree(parse_with_notes("+".join(f"x^{i}" for i in range(2, 100))).expr, max_nodes=3))
    first = buffer.getvalue().splitlines()[0]
    assert first.startswith("sum  x² + x³") and first.endswith("…")
    assert len(first) == 74  # fits 80 columns with the panel's borders and padding


@pytest.mark.parametrize("command", ["diff", "grad"])
def test_a_huge_expression_is_cut_in_a_view_and_whole_in_plain(command):
    """Rich drew a 10 MB derivative in 20-40 s (bench/FUZZ.md, run 31): a view shows the
    first MAX_SHOWN characters and says how to get them all; --plain prints everything."""
    from click.testing import CliRunner
    from unittest import mock

    from calc_cli.cli import cli
    from calc_cli.render.terminal import MAX_SHOWN

    deep = "sigmoid(" * 120 + "x*y" + ")" * 120
    args = [command, deep, "--wrt", "x", "--no-color"]
    with mock.patch("calc_cli.shell._stdout_is_terminal", return_value=True):
        view = CliRunner().invoke(cli, args, env={"COLUMNS": "100"})
    whole = CliRunner().invoke(cli, [*args, "--plain"])
    assert view.exit_code == whole.exit_code == 0
    assert len(whole.stdout) > 3 * MAX_SHOWN  # the answer itself is long
    assert len(view.stdout) < 3 * MAX_SHOWN
    if command == "diff":  # (grad's table cuts the cell to the width itself)
        assert "characters in all: --plain prints them" in view.stdout
