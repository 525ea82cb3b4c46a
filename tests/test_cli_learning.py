"""The learning commands through the command line: backprop, descend, tangent, check."""

import json

import pytest
from click.testing import CliRunner

from calc_cli.cli import cli

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
