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


def _fields(token):
    return (token.type, str(token), token.start_pos, token.line, token.column,
            token.end_line, token.end_column, token.end_pos)


@pytest.mark.parametrize("text", [
    "2x +\n  sin y", "sinxy θ_0 α", "x\t\r\n\f+ \n y", "3·x×y÷z − w", "f'(x)²", "√x ∛y",
    "arcsin(x) + pix", "1.5e-3 .5 7.", "|x| , (y)",
])
def test_tokens_have_lark_fields_after_the_post_lexer(text):
    """All eight of lark's fields, derived or stored, as lark's own lexer gives them."""
    ours = lalr.lex(text, {"NAME": NameSplitter().classify})
    assert [_fields(t) for t in ours] == [_fields(t) for t in LARK.lark.lex(text)]


@pytest.mark.parametrize("text", ["x +", "sin", "(x", "x +\n  ", "sinxy +"])
def test_the_end_marker_borrows_the_last_tokens_position(text):
    with pytest.raises(lalr.UnexpectedToken) as ours:
        parse_module._parser().parse(text)
    with pytest.raises(lalr.UnexpectedToken) as theirs:
        LARK.parse(text)
    assert _fields(ours.value.token) == _fields(theirs.value.token)
    assert ours.value.expected == theirs.value.expected


# Characters that may follow a quick one in a test: every character the pattern names, and
# samples of the classes it uses (digits, letters, Greek, white space) and of none of them.
_FOLLOWERS = sorted(set(lalr.tables.QUICK) | set("*'.^_eE09aZαΩ²⁻ \t\n$é٣"))


def test_quick_characters_read_as_the_pattern_does():
    """The lexer's shortcut (tables.QUICK) agrees with the whole pattern, whatever follows."""
    pattern = lalr._PATTERN
    assert lalr.tables.QUICK, "generate.py found no quick characters"
    for char, kind in lalr.tables.QUICK.items():
        for follower in ["", *_FOLLOWERS]:
            found = pattern.match(char + follower)
            assert found is not None and found.lastgroup == kind, (char, follower)
            if kind not in lalr.tables.IGNORE:
                assert found.end() == 1, (char, follower)


def test_characters_that_may_start_a_longer_token_are_not_quick():
    quick = lalr.tables.QUICK
    assert "*" not in quick  # ** is POWER
    assert "'" not in quick and "." not in quick and "2" not in quick and "x" not in quick
    assert quick["^"] == "POWER" and quick["("] == "LPAR" and quick[" "] in lalr.tables.IGNORE


@pytest.mark.parametrize("regex, char, may", [
    (r"\d+", "5", True), (r"\d+", "x", False), (r"(?:\*\*|\^)", "*", True),
    (r"(?:\*\*|\^)", "-", False), (r"[^a]", "b", True), (r"[^a]", "a", False),
    (r"a?b", "b", True), (r"a?b", "c", False), (r"(x|y*)z", "z", True), (r"\s", " ", True),
    (r"(?i:x)", "X", True), (r"(?=a)a", "b", True),  # unsure: True
])
def test_whether_a_pattern_may_start_with_a_character(regex, char, may):
    assert generate.can_start(generate.sre_parse.parse(regex), char) is may


def test_quick_characters_of_a_grammar_where_an_earlier_terminal_may_start_with_them():
    grammar = """
        start: (ARROW | MINUS | WORD | NUM)+
        ARROW: "->"
        MINUS: "-"
        WORD: /[a-z]+/
        NUM: /[0-9]+|#/
        %ignore / +|~/
    """
    scanner = generate.compile_grammar(grammar).parser.lexer.scanner
    ignore = [t.name for t in scanner.terminals if t.name.startswith("__IGNORE")]
    # "-" may start "->"; "#" is a one-character alternative of NUM; the ignored pattern
    # is not a run of one set of characters, so white space goes to the pattern.
    assert generate.quick_characters(scanner, ignore) == {"#": "NUM"}


def test_an_unknown_character_is_reported_at_its_column():
    with pytest.raises(lalr.UnexpectedCharacters) as info:
        list(lalr.lex("x + $"))
    assert (info.value.column, info.value.pos_in_stream) == (5, 4)


def test_a_builder_without_a_method_for_a_rule_is_refused():
    with pytest.raises(TypeError, match="no method for rule"):
        lalr.Parser(object())
