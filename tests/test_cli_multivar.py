"""calc grad, hessian and jacobian through the command line."""

import json

import pytest
from click.testing import CliRunner

from calc_cli.cli import cli


def run(*args, input=None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


PLAIN = [
    (["grad", "x^2 + 3xy + y^2"], "2*x + 3*y\n3*x + 2*y\n"),
    (["grad", "x^2 + 3xy + y^2", "--at", "x=1,y=2"], "8 7\n"),
    (["grad", "x^2 + 3xy + y^2", "--wrt", "y,x"], "3*x + 2*y\n2*x + 3*y\n"),
    (["grad", "x^2 + 3xy + y^2", "--wrt", "y", "--wrt", "x", "--at", "x=1,y=2"], "7 8\n"),
    (["grad", "x1*x10 + x2"], "x10\n1\nx1\n"),
    (["grad", "(w*input - target)^2", "--at", "w=2,input=3,target=10"], "-16 8 -24\n"),
    (["grad", "(w*input - target)^2", "--wrt", "w", "--at", "w=2,input=3,target=10"], "-24\n"),
    (["grad", "x^2 + y^2", "--at", "x=3,y=4", "--dir", "3,4"], "10\n"),
    (["grad", "x^2 + y^2", "--dir", "1,0"], "2*x\n"),
    (["hessian", "x^2 + 3xy + y^2"], "2\t3\n3\t2\n"),
    (["hessian", "x^3 y", "--at", "x=1,y=2"], "12 3\n3 0\n"),
    (["hessian", "x^3 y"], "6*x*y\t3*x^2\n3*x^2\t0\n"),
    (["jacobian", "x*y, x + y"], "y\tx\n1\t1\n"),
    (["jacobian", "x^2 y, sin x", "--at", "x=0,y=1"], "0 0\n1 0\n"),
    (["jacobian", "log(x, 2), y"], "1/(ln(2)*x)\t0\n0\t1\n"),
]


@pytest.mark.parametrize("args, expected", PLAIN)
def test_plain_output(args, expected):
    result = run(*args)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == expected


def test_grad_json_has_documented_keys():
    obj = json.loads(run("grad", "x^2 + 3xy + y^2", "--at", "x=1,y=2", "--json").stdout)
    assert obj["vars"] == ["x", "y"]
    assert obj["gradient"] == ["2*x + 3*y", "3*x + 2*y"]
    assert obj["value"] == [8, 7]
    assert obj["norm"] == pytest.approx(113 ** 0.5)
    with_dir = json.loads(run("grad", "x^2+y^2", "--at", "x=1,y=1", "--dir", "1,1",
                              "--json").stdout)
    assert with_dir["directional"] == pytest.approx(2 * 2 ** 0.5)


def test_hessian_and_jacobian_json():
    h = json.loads(run("hessian", "x^2 + 3xy + y^2", "--at", "x=1,y=2", "--json").stdout)
    assert h["vars"] == ["x", "y"] and h["hessian"] == [["2", "3"], ["3", "2"]]
    assert h["value"] == [[2, 3], [3, 2]]
    j = json.loads(run("jacobian", "x*y, x + y", "--json").stdout)
    assert j["exprs"] == ["x*y", "x + y"] and j["jacobian"] == [["y", "x"], ["1", "1"]]


def test_grad_agrees_with_diff_for_each_variable():
    text = "sin(x*y) + x^2*z - y/z"
    components = run("grad", text).stdout.splitlines()
    for var, component in zip("xyz", components):
        assert run("diff", text, "--wrt", var).stdout.strip() == component


@pytest.mark.parametrize("args, status", [
    (["grad", "x^2", "--lr", "0"], 2),
    (["grad", "x^2", "--lr", "nan"], 2),
    (["grad", "x^2 + y^2", "--dir", "0,0"], 2),
    (["grad", "x^2 + y^2", "--dir", "1"], 2),
    (["grad", "x^2 + y^2", "--dir", "a,b"], 2),
    (["grad", "7"], 2),
    (["grad", "ln(x) + y", "--at", "x=-1,y=0"], 1),
    (["hessian", "x +"], 2),
])
def test_errors(args, status):
    result = run(*args)
    assert result.exit_code == status
    assert "Traceback" not in result.stderr and result.stderr.strip()


def test_batch_of_gradients():
    result = run("grad", "-", "--at", "x=1,y=2", input="x*y\nx+y\n")
    assert result.stdout == "2 1\n1 1\n"


def test_hessian_and_jacobian_json_keys_in_order():
    h = json.loads(run("hessian", "x^2*y", "--at", "x=1,y=2", "--json").stdout)
    assert list(h) == ["input", "expr", "vars", "hessian", "at", "value"]
    assert h["at"] == {"x": 1, "y": 2} and h["value"] == [[4, 2], [2, 0]]
    j = json.loads(run("jacobian", "x*y, x + y", "--at", "x=1,y=2", "--json").stdout)
    assert list(j) == ["input", "exprs", "vars", "jacobian", "at", "value"]
    assert j["value"] == [[2, 1], [1, 1]]


@pytest.mark.parametrize("command, text", [("hessian", "x^2*y"), ("jacobian", "x^2*y, x*y")])
def test_matrices_in_latex(command, text):
    expected = {"hessian": r"\begin{pmatrix} 2 y & 2 x \\ 2 x & 0 \end{pmatrix}",
                "jacobian": r"\begin{pmatrix} 2 x y & x^{2} \\ y & x \end{pmatrix}"}[command]
    result = run(command, text, "--latex")
    assert result.exit_code == 0 and result.stdout == expected + "\n"


@pytest.mark.parametrize("command, text", [
    ("grad", "x + y"), ("hessian", "x + y^2"), ("jacobian", "x + y, y"),
])
def test_a_point_beyond_the_floats_is_given_exactly_in_json(command, text):
    obj = json.loads(run(command, text, "--at", "x=1e-4000,y=3", "--json").stdout)
    assert obj["at"] == {"x": 0.0, "y": 3}  # 1e-4000 as a float is 0.0 ...
    assert obj["at_exact"] == {"x": "1/1" + "0" * 4000}  # ... so it is also given exactly
    plain = json.loads(run(command, text, "--at", "x=1/2,y=3", "--json").stdout)
    assert plain["at"] == {"x": 0.5, "y": 3} and "at_exact" not in plain


def test_a_huge_point_is_named_briefly_in_an_error():
    result = run("grad", "sqrt(x - y)", "--at", "x=1e4000,y=1e4000")
    assert result.exit_code == 1
    assert result.stderr == (
        "calc: sqrt(x - y) has no derivative at x = 1e+4000, y = 1e+4000: "
        "1/(2*sqrt(x - y)): division by zero (x = 1e+4000, y = 1e+4000)\n")


def test_backprop_of_a_pi_multiple_beyond_floats_is_an_overflow():
    result = run("backprop", "pi*x", "--at", "x=1e400")  # was exit 3, an internal error
    assert result.exit_code == 1 and "overflow" in result.stderr
