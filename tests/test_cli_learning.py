"""The learning commands through the command line: backprop, descend, tangent, check."""

import json
import resource
import subprocess
import sys
from fractions import Fraction

import pytest
from click.testing import CliRunner

from calc_cli.cli import cli
from calc_cli.descent import descend, to_json
from calc_cli.numbers import format_value
from calc_cli.parse import parse

LOSS = "(w*input - target)^2"
POINT = "w=2,input=3,target=10"


def run(*args, input=None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


# --------------------------------------------------------------- backprop
def test_backprop_worked_example_in_a_pipe():
    out = run("backprop", LOSS, "--at", POINT).stdout.splitlines()
    assert "v4 * v1 v2: value 6, grad -8, local dv4/dv1 3, dv4/dv2 2" in out  # prediction
    assert "v6 + v4 v5: value -4, grad -8, local dv6/dv4 1, dv6/dv5 1" in out  # error
    assert out[-4:] == ["f = 16", "df/dw = -24", "df/dinput = -16", "df/dtarget = 8"]


def test_backprop_json_matches_grad():
    obj = json.loads(run("backprop", LOSS, "--at", POINT, "--json").stdout)
    assert obj["value"] == 16
    assert obj["gradient"] == {"w": -24, "input": -16, "target": 8}
    assert {"id", "op", "inputs", "value", "grad"} <= set(obj["nodes"][0])
    grad = run("grad", LOSS, "--wrt", "w,input,target", "--at", POINT).stdout.split()
    assert [int(g) for g in grad] == [-24, -16, 8]


def test_backprop_shares_a_repeated_subexpression():
    obj = json.loads(run("backprop", "sin(x*y) + x*y", "--at", "x=1,y=2", "--json").stdout)
    products = [n for n in obj["nodes"] if n["op"] == "*"]
    assert len(products) == 1


@pytest.mark.parametrize("args, status", [
    (["backprop", LOSS], 2),                                  # --at is required
    (["backprop", "ln(x)", "--at", "x=-1"], 1),
    (["backprop", "x +", "--at", "x=1"], 2),
])
def test_backprop_errors(args, status):
    result = run(*args)
    assert result.exit_code == status
    assert "Traceback" not in result.stderr


# ---------------------------------------------------------------- descend
def test_descend_first_step_of_the_worked_example():
    lines = run("descend", "(3w - 10)^2", "--from", "w=2", "--lr", "0.01", "--steps", "1").stdout
    rows = lines.splitlines()
    assert rows[1].split() == ["1", "10.7584", "2.24"]
    assert rows[-1].startswith("# ran out of steps")


def test_descend_converges_on_a_convex_quadratic():
    obj = json.loads(run("descend", "(x-3)^2 + 2(y+1)^2", "--from", "x=0,y=0", "--lr", "0.1",
                         "--steps", "1000", "--json").stdout)
    assert obj["converged"] is True and obj["diverged"] is False
    assert obj["final"]["point"]["x"] == pytest.approx(3, abs=1e-6)
    assert obj["final"]["point"]["y"] == pytest.approx(-1, abs=1e-6)
    assert obj["vars"] == ["x", "y"] and obj["path"][0]["step"] == 0


def test_descend_reports_divergence_as_a_result():
    result = run("descend", "x^2", "--from", "x=1", "--lr", "1.5", "--steps", "100", "--json")
    assert result.exit_code == 0
    obj = json.loads(result.stdout)
    assert obj["diverged"] is True and obj["converged"] is False


@pytest.mark.parametrize("args", [
    ["descend", "x^2", "--from", "x=1", "--steps", "-5"],
    ["descend", "x^2", "--from", "x=1", "--lr", "nan"],
    ["descend", "x^2", "--from", "x=1", "--lr", "0"],
    ["descend", "x^2", "--from", "x=inf"],
    ["descend", "x^2"],
    ["descend", "x^2", "--from", "x=1", "--tol", "-1"],
])
def test_descend_bad_options_exit_2(args):
    result = run(*args)
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr


def test_descend_plain_output_of_the_worked_example():
    result = run("descend", "(3w - 10)^2", "--from", "w=2", "--lr", "0.01", "--steps", "3")
    assert result.exit_code == 0
    assert result.stdout == (
        "0 16.0 2.0\n"
        "1 10.7584 2.24\n"
        "2 7.23394816 2.4368\n"
        "3 4.864106742784 2.598176\n"
        "# ran out of steps after 3 steps (not converged): w = 2.598176, f = 4.864106742784\n")


# 3,000 steps: about 60 kB of lines and 300 kB of JSON, written as they come in blocks of 64 kB.
def test_a_long_descent_writes_what_the_library_computes():
    args = ["descend", "(x-3)^2 + 2(y+1)^2", "--from", "x=0,y=0", "--lr", "0.001",
            "--steps", "3000", "--tol", "0"]
    d = descend(parse("(x-3)^2 + 2(y+1)^2"), {"x": 0, "y": 0}, Fraction(1, 1000), 3000, tol=0)
    lines = [" ".join(format_value(v, True) for v in (it.value, it.point["x"], it.point["y"]))
             for it in d.path]
    x, y, f = (format_value(v, True) for v in (*d.final.point.values(), d.final.value))
    assert run(*args).stdout == "".join(
        f"{it.step} {line}\n" for it, line in zip(d.path, lines)) + (
        f"# ran out of steps after 3000 steps (not converged): x = {x}, y = {y}, f = {f}\n")
    assert run(*args, "--json").stdout == json.dumps(to_json(d), ensure_ascii=False) + "\n"


def _limited(megabytes: int):
    return lambda: resource.setrlimit(resource.RLIMIT_AS, (megabytes << 20, megabytes << 20))


# 150,000 steps of x^2 with lr 1 (x = 1, -1, 1, …): 2.2 MB of lines, 14 MB of JSON. Streamed,
# each fits in 50 MB of address space (3.5 s, 6 s); kept, the path alone needed more than
# 100 MB (MemoryError, or minutes of thrashing under the limit).
@pytest.mark.parametrize("mode", ["--plain", "--json"])
def test_a_long_descent_streams_in_bounded_memory(mode):
    proc = subprocess.run(
        [sys.executable, "-m", "calc_cli", "descend", "x^2", "--from", "x=1", "--lr", "1",
         "--steps", "150000", mode], capture_output=True, text=True, timeout=120, check=False,
        preexec_fn=_limited(100))
    assert proc.returncode == 0, proc.stderr[-500:]
    if mode == "--json":
        obj = json.loads(proc.stdout)
        assert (obj["steps"], len(obj["path"]), obj["status"]) == (150_000, 150_001, "max_steps")
        assert obj["path"][-1] == {"step": 150_000, "point": {"x": 1.0}, "value": 1.0,
                                   "gradient": {"x": 2.0}, "step_size": 2.0}
    else:
        lines = proc.stdout.splitlines()
        assert len(lines) == 150_002 and lines[-2] == "150000 1.0 1.0"
        assert lines[-1] == ("# ran out of steps after 150000 steps (not converged): "
                             "x = 1.0, f = 1.0")


def test_descend_on_a_constant_is_a_usage_error():
    result = run("descend", "5", "--from", "x=1")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "calc: 5 has no variables to descend along\n"
    result = run("descend", "5", "--from", "x=1", "--json")
    assert (result.exit_code, json.loads(result.stdout)) == (2, {
        "input": "5", "error": {"kind": "usage", "message": "5 has no variables to descend along"}})


def test_descend_on_a_constant_along_a_named_variable_converges_at_once():
    result = run("descend", "5", "--from", "x=1", "--wrt", "x")
    assert result.stdout == "0 5.0 1.0\n# converged after 0 steps: x = 1.0, f = 5.0\n"


def test_descend_in_a_batch_gives_every_line_its_answer():
    result = run("descend", "-", "--from", "x=1", "--steps", "1", input="x^2\n5\n(x-1)^2\n")
    assert result.exit_code == 2
    assert result.stdout == ("0 1.0 1.0\n1 0.64 0.8\n"
                             "# ran out of steps after 1 steps (not converged): x = 0.8, f = 0.64\n"
                             "\n"
                             "0 0.0 1.0\n# converged after 0 steps: x = 1.0, f = 0.0\n")
    assert result.stderr == "calc: 5 has no variables to descend along\n"


# ---------------------------------------------------------------- tangent
@pytest.mark.parametrize("args, expected", [
    (["x^2", "--at", "3"], "6*x - 9"),
    (["x^2", "--at", "x=3"], "6*x - 9"),
    (["x^3 - x", "--at", "1"], "2*x - 2"),
    (["3x^2+2x+1", "--at", "2"], "14*x - 11"),
    (["e^x", "--at", "0"], "x + 1"),
    (["a*x^2", "--at", "x=1,a=2", "--wrt", "x"], "4*x - 2"),
    (["a*x^2", "--at", "x=1,a=2"], None),  # several variables: needs --wrt
])
def test_tangent_line(args, expected):
    result = run("tangent", *args)
    if expected is None:
        assert result.exit_code == 2
        return
    assert result.exit_code == 0, result.stderr
    assert result.stdout == expected + "\n"


def test_tangent_json():
    obj = json.loads(run("tangent", "x^2", "--at", "3", "--json").stdout)
    assert (obj["value"], obj["slope"], obj["tangent"]) == (9, 6, "6*x - 9")
    assert obj["at"] == {"x": 3}


@pytest.mark.parametrize("args", [["sqrt(x)", "--at", "0"], ["ln(x)", "--at", "-1"]])
def test_tangent_where_there_is_none(args):
    result = run("tangent", *args)
    assert result.exit_code == 1
    assert "no tangent" in result.stderr


def test_tangent_plot_in_a_pipe_has_no_colour_and_a_description():
    out = run("tangent", "x^2", "--at", "3", "--plot").stdout
    assert "\x1b[" not in out
    lines = out.splitlines()
    assert lines[0] == "6*x - 9"
    assert "x² and its tangent at x = 3" in out
    assert lines[-1] == ("The curve x² with its tangent at x = 3, slope 6: the line y = 6x − 9 "
                         "touches the curve at (3, 9), where the curve is rising.")


def test_a_tangent_too_large_to_plot_fails_before_any_output():
    result = run("tangent", "x^2", "--at", "1e300", "--plot")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "calc: cannot plot the tangent at x = 1e+300: f(x) is 1e+600, beyond the range of "
        "floating-point numbers (leave out --plot for the line alone)\n")
    assert run("tangent", "x^2", "--at", "1e300").stdout == f"2{'0' * 300}*x - 1{'0' * 600}\n"


def test_no_tangent_names_a_huge_point_briefly():
    result = run("tangent", "sin(x)", "--at", "10^400")
    assert result.exit_code == 1
    assert result.stderr.startswith("calc: no tangent: f is undefined at x = 1e+400: sin(x): ")


def test_tangent_plot_survives_a_pole():
    result = run("tangent", "1/x", "--at", "1", "--plot")
    assert result.exit_code == 0
    assert "falling" in result.stdout.splitlines()[-1]


# ------------------------------------------------------------------ check
@pytest.mark.parametrize("expr, answer", [
    ("x sin x", "sin(x) + x cos(x)"),
    ("x^2+3x", "3 + 2x"),
    ("(x^2+1)^3", "3(x^2+1)^2 * 2x"),
    ("tan x", "1/cos(x)^2"),
    ("x^2 + 3xy", "3x"),
])
def test_check_accepts_equivalent_answers(expr, answer):
    args = ["check", expr, answer] + (["--wrt", "y"] if "y" in expr else [])
    result = run(*args)
    assert result.exit_code == 0, result.stdout
    assert result.stdout == "correct\n"


@pytest.mark.parametrize("expr, answer, mistake", [
    ("sin(x^2)", "cos(x^2)", "chain_rule_inner"),
    ("x sin x", "cos x", "product_rule"),
    ("x^2", "-2x", "sign"),
])
def test_check_explains_common_mistakes(expr, answer, mistake):
    result = run("check", expr, answer)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("wrong: the derivative is ")
    assert lines[1].startswith("at x = ")
    obj = json.loads(run("check", expr, answer, "--json").stdout)
    assert obj["correct"] is False and obj["mistake"] == mistake
    assert obj["explanation"]


def test_check_needs_wrt_with_several_variables():
    assert run("check", "x*y", "y").exit_code == 2
