"""The documentation keeps step with the commands: man page, help texts, README and CI."""

import re
from pathlib import Path

import click
import pytest

from calc_cli.cli import all_commands, cli

ROOT = Path(__file__).resolve().parent.parent
MAN = (ROOT / "man" / "calc.1").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS = sorted(all_commands())


def man_text() -> str:
    """The man page with troff escapes for '-' undone, as a reader sees the option names."""
    return MAN.replace("\\-", "-")


def options_of(command: click.Command):
    for param in command.params:
        if isinstance(param, click.Option):
            for opt in param.opts + param.secondary_opts:
                yield opt


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_is_in_the_man_page_and_readme(name):
    assert re.search(rf"^\.B {name}$", MAN, re.M), f"man page has no COMMANDS entry for {name}"
    assert f"calc {name}" in README


@pytest.mark.parametrize("name", COMMANDS)
def test_every_option_is_in_the_man_page(name):
    text = man_text()
    for opt in options_of(all_commands()[name]):
        assert opt in text, f"{opt} of calc {name} is not in man/calc.1"


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_with_examples_and_exit_statuses(name):
    command = all_commands()[name]
    assert command.help and "Examples:" in command.help and "$ calc " in command.help
    assert "Exit status" in (command.epilog or "")
    for param in command.params:
        if isinstance(param, click.Option) and param.name != "help":
            assert param.help, f"{name} {param.opts} has no help text"


def test_man_page_is_generated_from_the_current_commands():
    import subprocess
    import sys

    result = subprocess.run([sys.executable, str(ROOT / "man" / "generate.py"), "--check"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_man_page_has_the_standard_sections():
    for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "OPTIONS", "SYNTAX", "OUTPUT",
                    '"EXIT STATUS"', "EXAMPLES", "ENVIRONMENT"):
        assert f".SH {section}" in MAN


def test_ci_runs_the_readme_commands():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    quick_start = re.search(r"```sh\n(.*?)```", README, re.S).group(1).strip().splitlines()
    assert len(quick_start) == 2
    install_and_run, install_and_test = quick_start
    assert install_and_run.startswith("pip install . && calc ")
    for command in quick_start:
        assert command.replace("pip install ", "pip install --quiet ") in ci


def test_every_package_is_listed_in_pyproject():
    listed = re.search(r"^packages = \[(.*)\]$", (ROOT / "pyproject.toml").read_text(), re.M)
    names = set(re.findall(r'"([\w.]+)"', listed.group(1)))
    found = {str(p.parent.relative_to(ROOT)).replace("/", ".")
             for p in (ROOT / "calc_cli").rglob("__init__.py")}
    assert found <= names


@pytest.mark.parametrize("name", COMMANDS)
def test_help_groups_output_options_apart(name):
    from click.testing import CliRunner

    text = CliRunner().invoke(cli, [name, "--help"]).stdout
    assert "\nOptions:\n" in text and "\nOutput:\n" in text
    assert text.index("\n  --json") > text.index("\nOutput:\n")
