"""The fast lane (calc_cli/quick.py): which arguments it takes, and that it answers exactly
as the click commands do (same stdout, stderr and exit status)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from calc_cli import quick
from calc_cli.cli import cli


@pytest.mark.parametrize("argv, expected", [
    (["diff", "x^2", "--at", "3"], ("diff", {"expr": "x^2", "at": ("3",)})),
    (["diff", "--at=3", "x^2"], ("diff", {"expr": "x^2", "at": ("3",)})),
    (["diff", "x^2 y", "-w", "x", "--wrt", "y"], ("diff", {"expr": "x^2 y", "wrt": ("x", "y")})),
    (["diff", "x^3", "--order", "2", "--json"],
     ("diff", {"expr": "x^3", "order": 2, "json_": True})),
    (["diff", "x^3", "-n", " 2"], ("diff", {"expr": "x^3", "order": 2})),  # int(" 2"), as click
    (["diff", "-", "--vars", "input,target", "--funcs", "f", "--plain", "--latex"],
     ("diff", {"expr": "-", "vars_": "input,target", "funcs": "f", "plain": True,
               "latex": True})),
    (["diff", "x", "--order", "-1"], ("diff", {"expr": "x", "order": -1})),  # as click takes it
    (["diff", "x", "--wrt", "--json"], ("diff", {"expr": "x", "wrt": ("--json",)})),
    (["diff", "x", "--order=-1"], ("diff", {"expr": "x", "order": -1})),
    (["eval", "x^2", "--at", "x=2", "--at", "y=1"], ("eval", {"expr": "x^2", "at": ("x=2", "y=1")})),
    (["eval", "x^2", "--points", "-"], ("eval", {"expr": "x^2", "points_file": "-"})),
])
def test_read_arguments_takes_the_common_forms(argv, expected):
    assert quick.read_arguments(argv) == expected


@pytest.mark.parametrize("argv", [
    [], ["--version"], ["parse", "x"], ["explain", "x^2"], ["grad", "x*y"],
    ["diff"], ["diff", "x", "y"],  # no expression, two expressions
    ["diff", "-x^2"], ["diff", "--", "-x^2"],  # an expression with a leading minus
    ["diff", "x^2", "--help"], ["diff", "-h"], ["eval", "x", "--latex"],  # eval has no --latex
    ["diff", "x", "-wx"], ["diff", "x", "-w=x"], ["diff", "x", "--at"],  # joined, =, no value
    ["diff", "x", "--order", "2", "--order", "3"], ["diff", "x", "--order", "two"],
    ["diff", "x", "--json=1"], ["diff", "x", "--json", "--json"], ["diff", "x", "--color"],
])
def test_read_arguments_leaves_the_rest_to_click(argv):
    assert quick.read_arguments(argv) is None


def test_shell_completion_goes_to_click(monkeypatch):
    monkeypatch.setenv("_CALC_COMPLETE", "bash_complete")
    assert quick.read_arguments(["diff", "x^2"]) is None


def run_quick(argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    """The fast lane in-process, with click's test isolation of the standard streams."""
    assert quick.read_arguments(argv) is not None, argv
    runner = CliRunner()
    with runner.isolation(input=stdin) as (out, err, _), pytest.MonkeyPatch.context() as mp:
        mp.setattr(sys, "argv", ["calc", *argv])
        try:
            quick.main()
            code = 0
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
        return code, out.getvalue().decode(), err.getvalue().decode()


def run_click(argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, argv, input=stdin)
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), \
        result.exception
    return result.exit_code, result.stdout, result.stderr


SAME = [
    (["diff", "x^2", "--at", "3"], ""),
    (["diff", "3x^2+2x+1"], ""),
    (["diff", "x^2 + 3xy + y^2", "--wrt", "y"], ""),
    (["diff", "x^2 y^3", "-w", "x", "-w", "y", "--json"], ""),
    (["diff", "(w*input - target)^2", "--wrt", "w", "--at", "input=3,target=10,w=2"], ""),
    (["diff", "x^2 + y", "--json", "--at", "x=1,y=2"], ""),
    (["diff", "ln(x)", "--at", "-2"], ""),  # exit 1, undefined
    (["diff", "abs(x)", "--at", "0", "--json"], ""),  # exit 1, not differentiable
    (["diff", "x^2 + y^2"], ""),  # exit 2: choose a variable
    (["diff", "sin(x", "--json"], ""),  # syntax error, column
    (["diff", "sin(x"], ""),
    (["diff", "x^3", "--order", "0"], ""),  # exit 2 from calc's own check
    (["diff", "x^3", "--order", "3", "--latex"], ""),
    (["diff", "f(g(x))", "--funcs", "f,g"], ""),
    (["diff", "x", "--at", "x=inf"], ""),
    (["diff", "x", "--at", "-1"], ""),
    (["diff", "x", "--order", "-1"], ""),
    (["diff", "x", "--wrt", "--json"], ""),
    (["diff", "-", "--wrt", "x"], "x^2\nsin(x\n\n# comment\nln(x)\n"),
    (["diff", "-", "--json", "--at", "x=0"], "x^2\nsqrt(x)\n1/x\n"),
    (["diff", "x^2", "--points", "-"], "x=1\nx=2\nx=oops\n"),
    (["diff", "abs(x)", "--order", "2", "--points", "-"], "x=0\nx=1\n"),
    (["eval", "3x^2+2x+1", "--at", "x=2"], ""),
    (["eval", "0.1+0.2"], ""),
    (["eval", "1/3 + 1/6", "--json"], ""),
    (["eval", "x/0", "--at", "x=1"], ""),
    (["eval", "x^2", "--points", "-", "--json"], "x=1\nx=2\n"),
    (["eval", "-", "--vars", "input", "--at", "input=2"], "input^2\n2 input\n"),
    (["eval", "x", "--at", "y=1"], ""),
]


@pytest.mark.parametrize("argv, stdin", SAME)
def test_the_fast_lane_answers_as_click_does(argv, stdin):
    assert run_quick(argv, stdin) == run_click(argv, stdin)


TOKENS = st.sampled_from([
    "--at", "--at=3", "x=2", "3", "--wrt", "-w", "x", "y", "--order", "-n", "2", "0", "--json",
    "--plain", "--latex", "--vars", "input", "--funcs", "f", "x^2", "x*y", "sin(x)/x", "ln(x)",
    "-", "f(x)", "(x", "1/0", "--order=1", "--wrt=y", "--at=x=1,y=2",
])


@settings(max_examples=60, deadline=None)
@given(st.lists(TOKENS, max_size=6), st.sampled_from(["diff", "eval"]))
def test_random_arguments_the_fast_lane_takes_answer_as_click_does(tokens, command):
    argv = [command, *tokens]
    if quick.read_arguments(argv) is None or "-" in tokens:
        return  # click's own; stdin batches are in the table above
    assert run_quick(argv) == run_click(argv)


def test_the_fast_lane_does_not_import_click():
    code = ("import sys\nimport calc_cli.quick as q\nsys.argv = ['calc', 'diff', 'x^2', '--at', '3']\n"
            "try:\n    q.main()\nexcept SystemExit:\n    pass\n"
            "print('click' in sys.modules, 'rich' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.stdout.split() == ["6", "False", "False"], result.stderr


def test_python_dash_m_takes_the_same_entry_point():
    result = subprocess.run([sys.executable, "-m", "calc_cli", "diff", "x^2", "--at", "3"],
                            capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout) == (0, "6\n")
    result = subprocess.run([sys.executable, "-m", "calc_cli", "diff", "--help"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "Usage: " in result.stdout
