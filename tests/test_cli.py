"""The command line through click's CliRunner: exit status, stdout and stderr."""

import json
import os
import shutil
import subprocess
import sys
from typing import ClassVar

import pytest
from click.testing import CliRunner

from calc_cli.cli import cli

ANSI = "\x1b["


def run(*args, input=None, env=None):
    runner = CliRunner()
    result = runner.invoke(cli, list(args), input=input, env=env, catch_exceptions=False)
    return result


def lines(result):
    return result.stdout.splitlines()


# ------------------------------------------------------------------- eval
EVAL = [
    (["3x^2+2x+1", "--at", "x=2"], "17"),
    (["3x^2+2x+1", "--at", "2"], "17"),
    (["1/3 + 1/6"], "1/2"),
    (["0.1+0.2"], "0.3"),
    (["2^10"], "1024"),
    (["(-8)^(1/3)"], "-2"),
    (["cbrt(-8)"], "-2"),
    (["x*y", "--at", "x=3,y=-1"], "-3"),
    (["x*y", "--at", "x=3", "--at", "y=4"], "12"),
    (["x + 1", "--at", "x=1/3"], "4/3"),
    (["sin(x)", "--at", "x=0"], "0"),
    (["input*2", "--at", "input=3"], "6"),
    (["2θ", "--at", "theta=2"], "4"),
]


@pytest.mark.parametrize("args, expected", EVAL)
def test_eval_prints_exact_values(args, expected):
    result = run("eval", *args)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == expected + "\n"


def test_eval_of_a_transcendental_is_a_float():
    result = run("eval", "sin(1)")
    assert result.exit_code == 0
    assert float(result.stdout) == pytest.approx(0.8414709848078965)


def test_eval_json_has_documented_keys():
    result = run("eval", "3x^2+2x+1", "--at", "x=2", "--json")
    obj = json.loads(result.stdout)
    assert obj == {"input": "3x^2+2x+1", "expr": "3*x^2 + 2*x + 1", "at": {"x": 2}, "value": 17}
    third = json.loads(run("eval", "1/3", "--json").stdout)
    assert third["value"] == pytest.approx(1 / 3) and third["value_exact"] == "1/3"
    assert isinstance(json.loads(run("eval", "sin(1)", "--json").stdout)["value"], float)


MATH_ERRORS = [
    (["ln(x)", "--at", "x=-1"], "ln(x)"),
    (["1/x", "--at", "x=0"], "1/x"),
    (["sqrt(-4)"], "sqrt(-4)"),
    (["asin(2)"], "asin(2)"),
    (["log(0)"], "log(0)"),
]


@pytest.mark.parametrize("args, subexpr", MATH_ERRORS)
def test_math_errors_exit_1_and_name_the_subexpression(args, subexpr):
    result = run("eval", *args)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert subexpr in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


USAGE_ERRORS = [
    ["eval", "x", "--at", "x=abc"],
    ["eval", "x", "--at", "x="],
    ["eval", "x", "--at", "=3"],
    ["eval", "x", "--at", "x=inf"],
    ["eval", "x*y", "--at", "3"],
    ["diff", "x^2", "--order", "0"],
    ["diff", "x^2", "--order", "-1"],
    ["diff", "x^2", "--order", "1000000"],
    ["diff", "x*y"],
    ["eval", "x"],
    ["nosuchcommand"],
    ["diff"],
]


@pytest.mark.parametrize("args", USAGE_ERRORS)
def test_usage_errors_exit_2_without_traceback(args):
    result = run(*args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stderr.strip()


def test_a_missing_variable_is_named():
    result = run("eval", "x + y", "--at", "x=1")
    assert result.exit_code == 2
    assert "y" in result.stderr


def test_syntax_error_shows_caret_under_the_column():
    result = run("eval", "2 + * 3")
    assert result.exit_code == 2
    err = result.stderr.splitlines()
    assert err[0].startswith("calc: syntax error at column 5")
    assert err[1] == "  2 + * 3"
    assert err[2] == "      ^"


def test_code_is_a_syntax_error_with_no_effect(tmp_path):
    marker = tmp_path / "owned"
    result = run("eval", f"__import__('os').system('touch {marker}')")
    assert result.exit_code == 2
    assert not marker.exists()


def test_syntax_error_in_json_mode_is_an_object_on_stdout():
    result = run("eval", "2 +", "--json")
    assert result.exit_code == 2
    obj = json.loads(result.stdout)
    assert obj["input"] == "2 +"
    assert obj["error"]["kind"] == "syntax" and obj["error"]["column"] == 4


# ------------------------------------------------------------------ batch
def test_batch_answers_every_line_and_the_worst_status_wins():
    result = run("eval", "-", "--at", "x=2", input="x^2\n1/0\n\n# comment\nx+1\n2 +\n")
    assert result.exit_code == 2
    assert lines(result) == ["4", "", "3", ""]
    assert "1/0" in result.stderr


def test_batch_json_gives_one_object_per_line():
    result = run("eval", "-", "--json", input="1+1\nsqrt(-1)\n")
    assert result.exit_code == 1
    objs = [json.loads(line) for line in lines(result)]
    assert objs[0]["value"] == 2
    assert objs[1]["error"]["kind"] == "math"


# --------------------------------------------------------------- progress
class RecordedBar:
    """Stands in for render.terminal.BatchProgress: records what the batch asked it to show."""

    made: ClassVar[list["RecordedBar"]] = []

    def __init__(self, command, color, total):
        self.command, self.color, self.total = command, color, total
        self.updates, self.said, self.closed = [], [], False
        RecordedBar.made.append(self)

    def update(self, lines, rate, position):
        assert rate > 0
        self.updates.append((lines, position))

    def say(self, message):
        self.said.append(message)

    def close(self):
        self.closed = True


@pytest.fixture
def watched(monkeypatch):
    """As if stderr were a terminal and stdout a file, with no delay before the progress line."""
    import calc_cli.shell as shell
    from calc_cli.render import terminal

    RecordedBar.made = []
    monkeypatch.setattr(shell, "_is_terminal", lambda stream: stream is sys.stderr)
    monkeypatch.setattr(shell, "_is_pipe", lambda stream: False)
    monkeypatch.setattr(shell, "PROGRESS_DELAY", 0)
    monkeypatch.setattr(shell, "PROGRESS_EVERY", 0)
    monkeypatch.setattr(terminal, "BatchProgress", RecordedBar)
    return RecordedBar.made


WATCHED = {"TERM": "xterm-256color"}


def test_a_watched_batch_counts_its_lines_and_bytes(watched):
    result = run("diff", "-", "--no-color", input="x^2\nx^3\n# a comment\n\nsin x\n",
                 env=WATCHED)
    assert result.exit_code == 0
    assert result.stdout == "2*x\n3*x^2\ncos(x)\n"  # the answers are untouched
    assert result.stderr == ""
    [bar] = watched
    assert (bar.command, bar.color, bar.total) == ("diff", False, None)
    assert bar.updates == [(1, 4), (2, 8), (3, 27)]  # lines answered, bytes of stdin read
    assert bar.closed


def test_messages_print_through_the_progress_line(watched):
    result = run("eval", "-", input="1+1\n2 +\n", env=WATCHED)
    assert result.exit_code == 2
    assert result.stdout == "2\n\n"
    assert result.stderr == ""  # not written under the line, where it would be drawn over
    [bar] = watched
    assert bar.said == [("calc: syntax error at column 4: the input ended too soon: expected a "
                         "number, a variable, a function or '('\n  2 +\n     ^")]


@pytest.mark.parametrize("args, env", [
    (["diff", "-", "--json"], WATCHED),         # JSON is for programs
    (["diff", "x^2"], WATCHED),                 # not a batch
    (["diff", "-"], {"TERM": "dumb"}),          # a terminal that cannot redraw a line
])
def test_no_progress_line_for_json_single_inputs_or_a_dumb_terminal(watched, args, env):
    result = run(*args, input="x^2\nx^3\n", env=env)
    assert result.exit_code == 0
    assert watched == []


def test_a_short_batch_shows_no_progress(watched, monkeypatch):
    import calc_cli.shell as shell

    monkeypatch.setattr(shell, "PROGRESS_DELAY", 3600)
    assert run("diff", "-", input="x^2\n" * 50, env=WATCHED).exit_code == 0
    assert watched == []


def test_cli_runner_streams_are_never_watched():
    """Without the fixture: CliRunner's streams are not terminals, as a pipe is not."""
    result = run("diff", "-", input="x^2\n", env=WATCHED)
    assert (result.stdout, result.stderr) == ("2*x\n", "")


class _Stream:
    def __init__(self, fd):
        self.fd = fd

    def fileno(self):
        return self.fd


@pytest.fixture
def streams(tmp_path):
    """One real stream of each kind: a terminal, a pipe, a regular file, /dev/null."""
    import pty

    leader, follower = pty.openpty()
    read_end, write_end = os.pipe()
    file_fd = os.open(tmp_path / "out.txt", os.O_WRONLY | os.O_CREAT)
    null_fd = os.open(os.devnull, os.O_WRONLY)
    yield {"tty": _Stream(follower), "pipe": _Stream(write_end), "file": _Stream(file_fd),
           "null": _Stream(null_fd), "none": object()}
    for fd in (leader, follower, read_end, write_end, file_fd, null_fd):
        os.close(fd)


PROGRESS_RULE = [
    # mode, stdin, stdout, stderr, shown?
    ("plain", "file", "file", "tty", True),     # calc diff - < in.txt > out.txt
    ("plain", "pipe", "null", "tty", True),     # yes x^2 | calc diff - > /dev/null
    ("latex", "file", "file", "tty", True),
    ("json", "file", "file", "tty", False),     # never with --json
    ("plain", "file", "pipe", "tty", False),    # never in a pipe: | less draws on the terminal
    ("plain", "file", "tty", "tty", False),     # the answers scrolling by are the progress
    ("terminal", "file", "tty", "tty", False),
    ("plain", "tty", "file", "tty", False),     # someone typing sets the pace
    ("plain", "file", "file", "file", False),   # 2> log.txt
    ("plain", "file", "file", "pipe", False),
    ("plain", "file", "none", "tty", False),    # not a real file
]


@pytest.mark.parametrize("mode, stdin, stdout, stderr, shown", PROGRESS_RULE)
def test_progress_only_for_a_person_waiting_on_a_redirected_batch(streams, mode, stdin, stdout,
                                                                  stderr, shown):
    from calc_cli.cli import progress_wanted

    assert progress_wanted(mode, streams[stdin], streams[stdout], streams[stderr],
                           {"TERM": "xterm"}) is shown
    assert progress_wanted(mode, streams[stdin], streams[stdout], streams[stderr],
                           {"TERM": "dumb"}) is False


# ------------------------------------------------------------------ parse
PARSE = [
    ("3x^2+2x+1", "3*x^2 + 2*x + 1"),
    ("2xy + sin^2 x", "2*x*y + sin(x)^2"),
    ("1/2x", "1/2*x"),
    ("-x^2", "-x^2"),
    ("-2x", "-2*x"),
    ("x - 3y", "x - 3*y"),
    ("√(x+7)", "sqrt(x + 7)"),
    ("|x-5|", "abs(x - 5)"),
    ("sin^-1(x)", "asin(x)"),
]


@pytest.mark.parametrize("text, expected", PARSE)
def test_parse_prints_the_plain_form(text, expected):
    result = run("parse", text)
    assert result.exit_code == 0
    assert result.stdout == expected + "\n"


def test_parse_json_reports_notes_for_split_names():
    obj = json.loads(run("parse", "2xy", "--json").stdout)
    assert obj["expr"] == "2*x*y"
    assert obj["variables"] == ["x", "y"]
    assert any("x·y" in note for note in obj["notes"])


def test_pipes_never_see_ansi_codes():
    for args in (["parse", "2xy"], ["eval", "1/3"], ["diff", "x^3"], ["explain", "x^3"]):
        result = run(*args, env={"FORCE_COLOR": None})
        assert ANSI not in result.stdout


def test_version_and_help():
    assert run("--version").stdout.startswith("calc, version ")
    help_text = run("--help").stdout
    for command in ("parse", "eval", "diff", "explain"):
        assert command in help_text
    assert "Exit status" in help_text


# ------------------------------------------------------------------- diff
DIFF = [
    (["x^2", "--at", "3"], "6"),
    (["x^2+3x"], "2*x + 3"),
    (["x sin x"], "sin(x) + x*cos(x)"),
    (["(x^2+1)^3"], "6*x*(x^2 + 1)^2"),
    (["x^2+3xy+y^2", "--wrt", "x"], "2*x + 3*y"),
    (["x^2+3xy+y^2", "--wrt", "y"], "3*x + 2*y"),
    (["3x^2+2x+1"], "6*x + 2"),
    (["3x^2+2x+1", "--at", "2"], "14"),
    (["(w*input - target)^2", "--wrt", "w", "--at", "w=2,input=3,target=10"], "-24"),
    (["(w*input - target)^2", "--wrt", "w", "--vars", "input,target", "--at",
      "w=2,input=3,target=10"], "-24"),
    (["x^3", "--order", "2"], "6*x"),
    (["x^3", "--wrt", "x", "--wrt", "x"], "6*x"),
    (["x^2 y^3", "--wrt", "x", "--wrt", "y"], "6*x*y^2"),
    (["x^2 y^3", "--wrt", "x,y"], "6*x*y^2"),
    (["f(g(x))", "--funcs", "f,g"], "f'(g(x))*g'(x)"),
    (["7"], "0"),
    (["tan x"], "sec(x)^2"),
    (["ln x"], "1/x"),
    (["sqrt x"], "1/(2*sqrt(x))"),
    (["atan x"], "1/(x^2 + 1)"),
    (["2^x"], "ln(2)*2^x"),
    (["tanh x"], "1 - tanh(x)^2"),
    (["x^4"], "4*x^3"),
    (["-x^2"], "-2*x"),
    (["-x^2", "--at", "1"], "-2"),
]


@pytest.mark.parametrize("args, expected", DIFF)
def test_diff_prints_the_textbook_form(args, expected):
    result = run("diff", *args)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == expected + "\n"


def test_diff_output_is_reparseable_for_the_second_derivative():
    first = run("diff", "x^3").stdout.strip()
    assert run("diff", first).stdout == "6*x\n"


def test_diff_json_has_documented_keys():
    obj = json.loads(run("diff", "3x^2+2x+1", "--at", "2", "--json").stdout)
    assert obj == {"input": "3x^2+2x+1", "expr": "3*x^2 + 2*x + 1", "wrt": ["x"],
                   "derivative": "6*x + 2", "at": {"x": 2}, "value": 14, "function_value": 17}


DIFF_ERRORS = [
    (["abs(x)", "--at", "0"], "not differentiable at x = 0"),
    (["sqrt(x)", "--at", "0"], "not differentiable at x = 0"),
    (["ln(x)", "--at", "-2"], "undefined at x = -2"),
]


@pytest.mark.parametrize("args, words", DIFF_ERRORS)
def test_diff_errors_at_a_point(args, words):
    result = run("diff", *args)
    assert result.exit_code == 1
    assert words in result.stderr
    assert "Traceback" not in result.stderr


def test_diff_batch_keeps_going_after_a_bad_line():
    result = run("diff", "-", "--json", input="x^2\n2 +\nsin x\n")
    objs = [json.loads(line) for line in lines(result)]
    assert [o.get("derivative") for o in objs] == ["2*x", None, "cos(x)"]
    assert objs[1]["error"]["kind"] == "syntax"
    assert result.exit_code == 2


# ---------------------------------------------------------------- explain
def test_explain_plain_shows_rules_nested_and_the_answer_last():
    out = run("explain", "(x^2+1)^3").stdout
    assert "chain" in out and "power" in out
    assert out.rstrip().splitlines()[-1].endswith("6*x*(x^2 + 1)^2")


def test_explain_json_has_a_step_tree():
    obj = json.loads(run("explain", "x sin x", "--json").stdout)
    assert obj["derivative"] == "sin(x) + x*cos(x)"

    def rules(step):
        yield step["rule"]
        for sub in step["substeps"]:
            yield from rules(sub)

    found = set(rules(obj["steps"]))
    assert {"product", "trig", "variable", "simplify"} <= found


def test_explain_marks_held_constants():
    out = run("explain", "x^2 + 3xy + y^2", "--wrt", "y").stdout
    assert "x is held constant" in out


# ---------------------------------------------------------- installed tool
@pytest.mark.skipif(shutil.which("calc") is None, reason="calc is not installed on PATH")
def test_installed_calc_runs_from_any_directory(tmp_path):
    result = subprocess.run(["calc", "eval", "3x^2+2x+1", "--at", "x=2"], cwd=tmp_path,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "17\n"


def test_python_dash_m_runs_the_cli(tmp_path):
    env = dict(os.environ)
    result = subprocess.run([sys.executable, "-m", "calc_cli", "eval", "1/3 + 1/6"],
                            capture_output=True, text=True, check=False, env=env)
    assert result.stdout == "1/2\n"


@pytest.mark.parametrize("args, status", [
    (["eval", "x", "--at", "x=abc"], 2),
    (["eval", "1/0"], 1),
    (["eval", "2 +"], 2),
    (["grad", "x^2", "--lr", "nan"], 2),
    (["diff", "--order", "0", "x^2"], 2),
    (["eval", "1+1"], 0),
    (["--version"], 0),
])
def test_exit_status_of_the_real_process(args, status):
    result = subprocess.run([sys.executable, "-m", "calc_cli", *args],
                            capture_output=True, text=True, check=False)
    assert result.returncode == status, result.stderr
    assert "Traceback" not in result.stderr


def test_closing_the_pipe_early_is_quiet():
    proc = subprocess.run(
        f"yes x^2 | head -5000 | {sys.executable} -m calc_cli parse - | head -1",
        shell=True, capture_output=True, text=True, check=False)
    assert proc.stdout == "x^2\n"
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr


# ------------------------------------------------------------ many points
def test_points_file_streams_one_value_per_line(tmp_path):
    csv = tmp_path / "points.csv"
    csv.write_text("y,x\n2,1\n4,3\n")
    result = run("eval", "x*y + 1", "--points", str(csv))
    assert result.exit_code == 0
    assert result.stdout == "3.0\n13.0\n"
    derivative = run("diff", "x^2*y", "--wrt", "x", "--points", str(csv))
    assert derivative.stdout == "4.0\n24.0\n"


def test_points_from_stdin_keep_going_after_bad_lines():
    result = run("eval", "1/x", "--points", "-", input="x=1\nx=abc\n# comment\nx=0\nx=4\n")
    assert result.stdout == "1.0\n\n\n0.25\n"
    assert result.exit_code == 2
    assert "division by zero" in result.stderr and "not a point" in result.stderr


def test_points_of_a_higher_derivative_need_every_lower_order():
    """As with --at: |x|'' simplifies to 0, but |x|' = x/|x| fails at 0, so |x|'' has no value."""
    result = run("diff", "abs(x)", "--order", "2", "--points", "-", input="x=0\nx=1\nx=-2\n")
    assert result.exit_code == 1
    assert result.stdout == "\n0.0\n0.0\n"
    assert result.stderr == ("calc: abs(x) is not differentiable there (its derivative "
                             "x/abs(x) fails: x/abs(x): division by zero (x = 0.0))\n")
    mixed = run("diff", "x^2*y^3", "--wrt", "x", "--wrt", "y", "--points", "-", input="x=1,y=2\n")
    assert (mixed.exit_code, mixed.stdout) == (0, "24.0\n")


def test_points_json_and_errors(tmp_path):
    result = run("eval", "x+y", "--points", "-", "--json", input="x=1,y=2\n")
    assert json.loads(result.stdout) == {"at": {"x": 1.0, "y": 2.0}, "value": 3.0}
    assert run("eval", "x", "--points", str(tmp_path / "missing")).exit_code == 2
    assert run("eval", "-", "--points", "-", input="x\n").exit_code == 2
    no_column = run("eval", "x*y", "--points", "-", input="x\n1\n")
    assert no_column.exit_code == 2 and "no column for y" in no_column.stderr


def test_an_identically_constant_part_has_derivative_zero_not_zero_over_zero():
    assert run("diff", "sqrt(x - x)").stdout == "0\n"
    assert run("diff", "sqrt(x - x)", "--at", "1").stdout == "0\n"


@pytest.mark.parametrize("command", ["diff", "explain"])
def test_a_higher_derivative_needs_the_lower_ones_at_the_point(command):
    """|x|'' simplifies to 0, yet |x|' = x/|x| fails at 0: no second derivative there."""
    from click.testing import CliRunner

    from calc_cli.cli import cli

    result = CliRunner().invoke(cli, [command, "abs(x)", "--order", "2", "--at", "0"])
    assert result.exit_code == 1
    assert "abs(x) is not differentiable at x = 0" in result.stderr
    result = CliRunner().invoke(cli, [command, "abs(x)^3", "--order", "2", "--at", "0"])
    assert result.exit_code == 0 and result.stdout.strip().endswith("0")
