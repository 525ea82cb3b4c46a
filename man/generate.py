"""Writes man/calc.1 from the click commands, so the manual cannot fall behind the CLI.

    python man/generate.py            # rewrite man/calc.1
    python man/generate.py --check    # exit 1 if man/calc.1 is out of date (the tests do this)

The SYNOPSIS, COMMANDS and OPTIONS sections come from the commands' own help
texts and options; the other sections are written here by hand.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from calc_cli import __version__  # noqa: E402
from calc_cli.cli import all_commands, cli  # noqa: E402

DATE = "2026-11-26"


def esc(text: str) -> str:
    """Escape text for troff: backslashes and minus signs, and a leading dot or quote."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    text = text.replace("'", "\\(aq")
    return re.sub(r"^([.'])", r"\\&\1", text, flags=re.M)


def paragraphs(help_text: str) -> list[str]:
    """The command's description, without its \\b example blocks."""
    out = []
    for block in help_text.split("\n\n"):
        block = block.strip()
        if not block or block.startswith("\b"):
            continue
        out.append(" ".join(line.strip() for line in block.splitlines()))
    return out


def examples(help_text: str) -> list[str]:
    lines = []
    for block in help_text.split("\n\n"):
        if block.strip().startswith("\b"):
            for line in block.strip().splitlines()[1:]:
                if line.strip() and line.strip() != "Examples:":
                    lines.append(line.strip())
    return lines


def option_synopsis(param: click.Option) -> str:
    name = max(param.opts, key=len)
    if param.is_flag:
        return f".RB [ {esc(name)} ]"
    return f".RB [ {esc(name)}\n.IR {esc(param.metavar or param.name.upper())} ]"


def synopsis() -> list[str]:
    lines = [".B calc", ".RB [ \\-\\-version ]", ".RB [ \\-\\-help ]", ".I command",
             ".RI [ options ]", ".I EXPR"]
    for name, command in all_commands().items():
        lines += [".PP", f".B calc {name}"]
        for param in command.params:
            if isinstance(param, click.Argument):
                lines.append(f".I {param.human_readable_name}")
        for param in command.params:
            if isinstance(param, click.Option):
                lines.append(option_synopsis(param))
    return lines


def commands() -> list[str]:
    lines = []
    for name, command in all_commands().items():
        lines += [".TP", f".B {name}"]
        lines.append(esc(" ".join(paragraphs(command.help or ""))))
    return lines


def options() -> list[str]:
    """Every option once, with the commands that take it."""
    seen: dict[str, tuple[click.Option, list[str]]] = {}
    for name, command in all_commands().items():
        for param in command.params:
            if isinstance(param, click.Option):
                key = "/".join(param.opts + param.secondary_opts)
                seen.setdefault(key, (param, []))[1].append(name)
    lines = []
    for key, (param, names) in seen.items():
        spelled = ", ".join(esc(o) for o in param.opts + param.secondary_opts)
        metavar = "" if param.is_flag else f" \\fI{esc(param.metavar or param.name.upper())}\\fR"
        lines += [".TP", f"\\fB{spelled}\\fR{metavar}"]
        default = ""
        if param.show_default and param.default is not None:
            default = f" (default: {param.default})"
        lines.append(esc(f"{param.help}{default} [{', '.join(names)}]"))
    lines += [".TP", "\\fB\\-V\\fR, \\fB\\-\\-version\\fR", "Print the version and exit.",
              ".TP", "\\fB\\-h\\fR, \\fB\\-\\-help\\fR",
              "Print help, with examples, and exit. Every command has its own \\fB\\-\\-help\\fR."]
    return lines


def all_examples() -> list[str]:
    lines = [".nf"]
    for command in all_commands().values():
        for line in examples(command.help or ""):
            lines.append(esc(line))
    lines.append(".fi")
    return lines


HEAD = f""".TH CALC 1 "{DATE}" "calc {__version__}" "User Commands"
.SH NAME
calc \\- calculus on the command line: derivatives with every rule explained
.SH SYNOPSIS"""

DESCRIPTION = r""".SH DESCRIPTION
.B calc
reads mathematical expressions as people write them
.RB ( 3x^2+2x+1 ,
.BR "x sin x" ,
.BR "(x\(S2+1)\(S3" ),
differentiates them with its own engine, simplifies the result as a textbook would, evaluates
it exactly where the mathematics allows, and can show every rule that produced a derivative.
On a terminal its output is drawn with colour and Unicode mathematics; in a pipe it prints
plain text in the syntax it reads, so that its output can be fed back to it; with
.B \-\-json
it prints one JSON object per line.
.PP
When
.I EXPR
is
.BR \- ,
one expression per line is read from standard input; blank lines and lines that start with
.B #
are skipped, and every other line gets one line of output (an empty line, or an error object
with \-\-json, when it fails).
.SH COMMANDS"""

SYNTAX = r""".SH SYNTAX
Numbers
.BR 2 ,
.BR 0.5 ,
.BR .5 ,
.BR 1e\-3 .
Operators
.B + \- * / ^
and
.BR ** ;
.B ^
is right-associative and binds tighter than a minus sign, so
.B \-x^2
is \-(x\(S2).
Juxtaposition multiplies and binds like
.BR * :
.BR 3x^2 ,
.BR 2xy ,
.BR 2(x+1) ,
.BR "x sin(x)" ;
.B 1/2x
is x/2.
Unicode:
.BR x\(S2 ,
.BR \(mu ,
.BR \(di ,
.BR \(sr x ,
.BR \(*p ,
.BR \(*h ,
.BR |x\-5| .
Functions: sin cos tan sec csc cot, asin acos atan (arcsin arccos arctan), sinh cosh tanh,
exp, ln, log (natural), log10, log2, log(x, b), sqrt, cbrt, abs; the activation functions
sigmoid (also \(*s), relu, softplus and heaviside (relu\(aqs derivative, undefined at 0).
.B sin 2x
is sin(2x);
.B sin^2 x
is (sin x)\(S2;
.B sin^\-1 x
is asin x.
Constants
.BR pi ,
.BR \(*p ,
.BR e .
Variables are single letters, Greek names and letters, and names with digits or underscores
.RB ( x1 ,
.BR w_2 );
any other run of letters is split into known names and single letters unless declared with
\-\-vars, \-\-wrt or \-\-at.
Real numbers only: (\-8)^(1/3) is \-2."""

OUTPUT = r""".SH OUTPUT
In a pipe, or with
.BR \-\-plain ,
one line per answer in the plain syntax (a gradient: one partial per line, or its values on one
line separated by spaces; a matrix: one row per line, entries separated by tabs or, as values,
by spaces).
With
.BR \-\-json ,
one object per line; the README lists the keys of every command.
An error is {"input", "error": {"kind", "message", "column"}}."""

EXIT = r""".SH "EXIT STATUS"
.TP
.B 0
Success.
.TP
.B 1
A mathematical failure: undefined at the point, a domain error, not differentiable there.
.TP
.B 2
Bad usage or a syntax error; the message shows the input with a caret under the column.
.TP
.B 3
An internal error: a bug in calc, reported in one line.
.TP
.B 130
Interrupted (Ctrl\-C).
.PP
With
.B \-
as EXPR, every line gets an answer and the worst status wins."""

ENVIRONMENT = r""".SH ENVIRONMENT
.TP
.B NO_COLOR
When set, the terminal view has no colour.
.TP
.B FORCE_COLOR
When set, colour is used even when it would not be.
.TP
.B TERM
With TERM=dumb the terminal view is plain.
.SH "SEE ALSO"
The README of the project, which has a tour and the full JSON reference."""


def render() -> str:
    parts = [HEAD, *synopsis(), DESCRIPTION, *commands(), ".SH OPTIONS", *options(), SYNTAX,
             OUTPUT, EXIT, ".SH EXAMPLES", *all_examples(), ENVIRONMENT]
    return "\n".join(parts) + "\n"


def main() -> None:
    target = HERE / "calc.1"
    text = render()
    if "--check" in sys.argv[1:]:
        if target.read_text(encoding="utf-8") != text:
            sys.exit("man/calc.1 is out of date: run python man/generate.py")
        return
    target.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
