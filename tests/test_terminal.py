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
    chunks = []
    while True:
        ready, _, _ = select.select([leader], [], [], 10)
        if not ready:
            break
        try:
            data = os.read(leader, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=30)
    os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace"), proc.returncode


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
    result = subprocess.run([sys.executable, "-c", "from calc_cli.cli import main; main()"],
                            capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0
    assert marker in result.stdout and "_CALC_COMPLETE" in result.stdout


def test_completion_offers_the_commands():
    env = dict(os.environ, _CALC_COMPLETE="bash_complete", COMP_WORDS="calc di", COMP_CWORD="1")
    result = subprocess.run([sys.executable, "-c", "from calc_cli.cli import main; main()"],
                            capture_output=True, text=True, env=env, check=False)
    assert "diff" in result.stdout


def test_ctrl_c_exits_130_without_a_traceback():
    import signal
    import time

    proc = subprocess.Popen([sys.executable, "-m", "calc_cli", "diff", "-"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdin.write(b"x^2\n")
    proc.stdin.flush()
    assert proc.stdout.readline() == b"2*x\n"  # it is running and waiting for more input
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130
    assert b"Traceback" not in err


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
