"""The small public API of the package."""

import subprocess
import sys

import calc_cli


def test_public_api_round_trip():
    e = calc_cli.parse("3x^2 + 2x + 1")
    derivative = calc_cli.simplify(calc_cli.differentiate(e, "x"))
    assert calc_cli.plain(derivative) == "6*x + 2"
    assert calc_cli.evaluate(derivative, {"x": 2}) == 14
    assert calc_cli.pretty(e) == "3x² + 2x + 1"
    assert calc_cli.gradient(calc_cli.parse("x*y"), ["x", "y"]) == [calc_cli.parse("y"),
                                                                     calc_cli.parse("x")]


def test_importing_the_cli_loads_neither_lark_nor_rich():
    code = ("import sys, calc_cli.cli; "
            "print(sorted(m for m in ('lark', 'rich', 'plotext', 'sympy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_plain_diff_imports_neither_lark_nor_rich_nor_plotext():
    code = ("import sys\nfrom calc_cli.cli import main\nsys.argv = ['calc', 'diff', 'x^2', '--at', '3']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('lark', 'rich', 'plotext', 'sympy') if m in sys.modules), file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.stdout == "6\n"
    assert out.stderr.strip() == "[]"


def test_every_command_is_listed_with_its_module():
    """cli.COMMAND_MODULES says where each command lives; a command missing there is unreachable."""
    import importlib

    from calc_cli.cli import COMMAND_MODULES, cli

    for module in dict.fromkeys(COMMAND_MODULES.values()):  # (a set's order varies by run)
        importlib.import_module(f"calc_cli.commands.{module}")
    assert sorted(cli.commands) == sorted(COMMAND_MODULES)  # registered = listed
    assert cli.list_commands(None) == list(COMMAND_MODULES)  # help lists them in this order


def test_a_command_imports_only_its_own_module():
    code = ("import sys\nfrom calc_cli.cli import main\nsys.argv = ['calc', 'diff', 'x^2']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith('calc_cli.commands.')), "
            "file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.stdout == "2*x\n"
    assert out.stderr.strip() == "['calc_cli.commands.expressions', 'calc_cli.commands.run']"
