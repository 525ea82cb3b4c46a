"""calc's LALR driver (calc_cli/lalr.py) against lark itself, on the same grammar and builder.

lark compiles grammar/calc.lark into grammar/tables.py ahead of time; calc runs the tables
without importing lark. These tests require the tables to be current and both parsers to give
the same expression, the same notes, or the same error at the same column, on many inputs.
"""

from __future__ import annotations

import os
import subprocess
import sys

import lark
import lark.exceptions
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calc_cli import lalr
from calc_cli.errors import ParseError
from calc_cli.parse import Build, NameSplitter, parse_with_notes
from calc_cli.render.plain import plain
from calc_cli.render.unicode import pretty as unicode
from .strategies import expressions
from .test_fuzz import TOKENS, texts
from .test_parse import ERRORS, SAME, STRUCTURE

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "grammar"))
import generate  # noqa: E402  (grammar/generate.py)

parse_module = sys.modules["calc_cli.parse"]


def test_tables_are_current():
    """tables.py is what generate.py makes of calc.lark today (run it after editing the grammar)."""
    with open(generate.GRAMMAR, encoding="utf-8") as handle:
        expected = generate.generate(handle.read())
    with open(generate.TABLES, encoding="utf-8") as handle:
        assert handle.read() == expected, "run: python grammar/generate.py"


def test_the_check_command_fails_on_stale_tables(tmp_path):
    stale = tmp_path / "tables.py"
    stale.write_text("ACTIONS = ()\n", encoding="utf-8")
    code = (f"import sys; sys.path.insert(0, {os.path.join(ROOT, 'grammar')!r}); import generate; "
            f"generate.TABLES = {str(stale)!r}; sys.exit(generate.main(['--check']))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 1 and "stale" in proc.stderr


class _LarkSplitter(NameSplitter):
    always_accept = ("NAME",)  # lark asks a post-lexer which terminals it must keep


class _LarkParser:
    """lark's own LALR parser with calc's post-lexer and builder, raising lalr's exceptions."""

    def __init__(self) -> None:
        with open(generate.GRAMMAR, encoding="utf-8") as handle:
            self.lark = lark.Lark(handle.read(), parser="lalr", lexer="basic",
                                  postlex=_LarkSplitter(), transformer=Build(),
                                  maybe_placeholders=False)

    def parse(self, text: str):
        try:
            return self.lark.parse(text)
        except lark.exceptions.UnexpectedCharacters as exc:
            raise lalr.UnexpectedCharacters(exc.pos_in_stream, exc.line, exc.column) from None
        except lark.exceptions.UnexpectedToken as exc:
            raise lalr.UnexpectedToken(exc.token, set(exc.expected)) from None


LARK = _LarkParser()


def outcome(text: str, parser=None, variables=(), functions=()):
    """What parsing ``text`` gives: the expression and notes, or the error and its column."""
    saved = parse_module._PARSER
    if parser is not None:
        parse_module._PARSER = parser
    try:
        parsed = parse_with_notes(text, variables, functions)
        return ("ok", parsed.expr, tuple(parsed.notes), tuple(parsed.implicit))
    except ParseError as exc:
        return ("error", str(exc), exc.column)
    finally:
        parse_module._PARSER = saved


def assert_same(text: str, variables=(), functions=()) -> None:
    ours = outcome(text, None, variables, functions)
    theirs = outcome(text, LARK, variables, functions)
    assert ours == theirs, text


FIXED = (
    [typed for typed, _ in SAME] + [text for text, _ in STRUCTURE]
    + [text for text, _, _ in ERRORS]
    + ["", "   ", "x\n+1", "x +\n\n  y", "(", ")", "x)", "sin", "sin(", "log(x,", "f'(x)",
       "f''(g(x))", "x^", "2^-", "|x", "||x||", "√", "x²³", "sin²x", "sin^-1 x", "1e", "1e+",
       ".", "x.5", "2..3", "α β", "θ_0 x1", "w_2^2", "xyz", "sinxy", "pix", "ex", "3 4",
       "x ** -2", "−x", "x–y", "x⋅y∗z", "∛8", "x'", "--x", "+-+x", "*x", "x**", "x^^2"]
)


@pytest.mark.parametrize("text", FIXED)
def test_same_as_lark_on_the_parse_tables(text):
    assert_same(text)


@pytest.mark.parametrize("text, variables, functions", [
    ("xy + xyz", ("xy",), ()), ("f(g(x))", (), ("f", "g")), ("f'(x) + f''(x)", (), ("f",)),
    ("rate*t", ("rate",), ()), ("loss(w)", (), ("loss",)), ("f'(x, y)", (), ("f",)),
])
def test_same_as_lark_with_declared_names(text, variables, functions):
    assert_same(text, variables, functions)


AGREE = settings(max_examples=300, deadline=None, derandomize=True, database=None)


@AGREE
@given(expressions(max_leaves=10))
def test_same_as_lark_on_printed_expressions(e):
    assert_same(plain(e))
    assert_same(unicode(e))


@AGREE
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=12).flatmap(
    lambda tokens: st.sampled_from(["".join(tokens), " ".join(tokens)])))
def test_same_as_lark_on_token_soups(text):
    assert_same(text)


@AGREE
@given(texts)
def test_same_as_lark_on_random_text(text):
    assert_same(text)


def test_tokens_carry_lark_positions():
    tokens = list(lalr.lex("2x +\n  sin y"))
    assert [(t.type, str(t), t.line, t.column, t.start_pos, t.end_pos) for t in tokens] == [
        ("NUMBER", "2", 1, 1, 0, 1), ("NAME", "x", 1, 2, 1, 2), ("PLUS", "+", 1, 4, 3, 4),
        ("NAME", "sin", 2, 3, 7, 10), ("NAME", "y", 2, 7, 11, 12),
    ]


def test_an_unknown_character_is_reported_at_its_column():
    with pytest.raises(lalr.UnexpectedCharacters) as info:
        list(lalr.lex("x + $"))
    assert (info.value.column, info.value.pos_in_stream) == (5, 4)


def test_a_builder_without_a_method_for_a_rule_is_refused():
    with pytest.raises(TypeError, match="no method for rule"):
        lalr.Parser(object())
