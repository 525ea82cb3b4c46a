"""Text to ``Expr``.

The grammar (``grammar/calc.lark``) is compiled by lark into tables ahead of
time (``grammar/generate.py``); ``lalr.py`` runs them, calling ``Build``'s
methods as rules are reduced, so no parse tree is built. Letter runs are classified and split by ``NameSplitter``,
a post-lexer, so that the grammar sees ``sin x y`` for ``sinxy``.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Callable, Iterable, Iterator, Optional

from .errors import ParseError
from .expr import (
    CONSTANTS,
    FUNCTIONS,
    Const,
    Expr,
    Func,
    Num,
    Var,
    add,
    div,
    func,
    mul,
    neg,
    power,
)
from .lalr import Parser, Token, UnexpectedCharacters, UnexpectedInput, UnexpectedToken, lex

FUNCTION_ALIASES = {"arcsin": "asin", "arccos": "acos", "arctan": "atan", "σ": "sigmoid"}
INVERSES = {"sin": "asin", "cos": "acos", "tan": "atan"}
GREEK = (
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi "
    "omicron rho sigma tau upsilon phi chi psi omega"
).split()
GREEK_LETTERS = dict(zip("αβγδεζηθικλμνξορστυφχψω", GREEK))
GREEK_LETTERS.update({"π": "pi", "ς": "sigma"})
SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
MAX_DECIMAL_EXPONENT = 4000
MAX_NUMBER_LENGTH = 100_000

_SUFFIXED = re.compile(r"^([^\W\d_]+)([\d_].*)$")


class Parsed:
    """An expression and what says how ambiguous input was read.

    ``implicit`` lists the juxtaposed products (2x, x sin x) as expressions, so
    that each view can print them its own way; ``notes`` holds the rest.
    (A plain class, not a dataclass: building dataclasses costs start-up time.)
    """

    __slots__ = ("expr", "notes", "implicit")

    def __init__(self, expr: Expr, notes: Optional[list[str]] = None,
                 implicit: Optional[list[Expr]] = None) -> None:
        self.expr = expr
        self.notes = notes if notes is not None else []
        self.implicit = implicit if implicit is not None else []

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Parsed):
            return NotImplemented
        return (self.expr, self.notes, self.implicit) == (other.expr, other.notes, other.implicit)

    def __repr__(self) -> str:
        return f"Parsed(expr={self.expr!r}, notes={self.notes!r}, implicit={self.implicit!r})"

    def all_notes(self, printer: Callable[[Expr], str]) -> list[str]:
        """Every note in words, the implicit products printed by ``printer``."""
        notes = list(self.notes)
        if self.implicit:
            shown = ", ".join(dict.fromkeys(printer(e) for e in self.implicit))
            notes.append(f"implicit multiplication: {shown}")
        return notes


class _Context:
    """What the post-lexer and the builder need to know about the input being parsed."""

    __slots__ = ("text", "variables", "functions", "notes", "implicit", "words")

    def __init__(self, text: str = "", variables: frozenset[str] = frozenset(),
                 functions: frozenset[str] = frozenset()) -> None:
        self.text = text
        self.variables = variables
        self.functions = functions
        self.notes: list[str] = []
        self.implicit: list[Expr] = []
        self.words = _known_words(variables, functions)


# (variables, functions) -> {whole word: (token type, spelling)}, as NameSplitter.classify
# finds them: a batch parses every line with the same declarations, and the same few words.
_KNOWN_WORDS: dict[tuple[frozenset[str], frozenset[str]], dict[str, tuple[str, str]]] = {}


def _known_words(variables: frozenset[str],
                 functions: frozenset[str]) -> dict[str, tuple[str, str]]:
    key = (variables, functions)
    words = _KNOWN_WORDS.get(key)
    if words is None:
        if len(_KNOWN_WORDS) >= 8:  # a program parsing with ever new declarations
            _KNOWN_WORDS.clear()
        words = _KNOWN_WORDS[key] = {}
    return words


_ctx = _Context()


def parse(text: str, variables: Iterable[str] = (), functions: Iterable[str] = ()) -> Expr:
    """Parse ``text`` into an expression. Raises ``ParseError`` with a column."""
    return parse_with_notes(text, variables, functions).expr


def parse_with_notes(
    text: str, variables: Iterable[str] = (), functions: Iterable[str] = ()
) -> Parsed:
    global _ctx
    _ctx = _Context(text, frozenset(variables), frozenset(functions))
    if not text.strip():
        raise ParseError("empty expression: nothing to read", text, 1)
    try:
        expr = _parser().parse(text)
    except ParseError:
        raise
    except UnexpectedInput as exc:
        raise _friendly(exc, text) from None
    except RecursionError:
        raise ParseError("expression nested too deeply", text, 1) from None
    return Parsed(expr, list(dict.fromkeys(_ctx.notes)), _ctx.implicit)


# ----------------------------------------------------------- the parser
class _TextParser:
    """Tokens, split names, then the automaton calling ``Build``."""

    def __init__(self) -> None:
        self.automaton = Parser(Build())
        self.postlex = {"NAME": NameSplitter().classify}

    def parse(self, text: str) -> Expr:
        return self.automaton.parse(lex(text, self.postlex))


_PARSER: Optional[_TextParser] = None


def _parser() -> _TextParser:
    global _PARSER
    if _PARSER is None:
        _PARSER = _TextParser()
    return _PARSER


class NameSplitter:
    """Post-lexer: turns each NAME token into FUNC, CONST and NAME tokens.

    calc's parser calls ``classify`` from the lexer (``lalr.lex``'s hook); ``process`` is
    lark's post-lexer interface, which the tests use to run lark with the same splitting.
    """

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        for tok in stream:
            if tok.type == "NAME":
                yield from self.classify(tok)
            else:
                yield tok

    def classify(self, tok: Token) -> list[Token]:
        """The tokens that the NAME token ``tok`` stands for."""
        text = str(tok)
        known = _ctx.words.get(text)
        if known is None:
            whole = _word_type(text)
            if whole is not None:  # remembered: the words that stay whole are few
                known = _ctx.words[text] = (whole, _canonical(text, whole))
        if known is not None:
            kind, canonical = known
            if canonical == text:  # the usual case (x, sin): the lexer's token, retyped
                tok.type = kind
                return [tok]
            return [_token(kind, canonical, tok, 0, len(text))]
        suffixed = _SUFFIXED.match(text)
        if suffixed:
            return self._suffixed(tok, suffixed.group(1), suffixed.group(2))
        pieces = _split_letters(text)
        _ctx.notes.append(f"'{text}' was read as {'·'.join(p for p, _ in pieces)}"
                          f" (name it with --vars {text} to make it one variable)")
        tokens = []
        offset = 0
        for piece, kind in pieces:
            tokens.append(_token(kind, _canonical(piece, kind), tok, offset, len(piece)))
            offset += len(piece)
        return tokens

    def _suffixed(self, tok: Token, letters: str, rest: str) -> list[Token]:
        """``x1``, ``w_2``, ``theta_0`` are variables; ``sin2x`` is ``sin 2 x``."""
        kind = _word_type(letters)
        if kind == "FUNC" and rest.isdigit():
            return [_token("FUNC", _canonical(letters, kind), tok, 0, len(letters)),
                    _token("NUMBER", rest, tok, len(letters), len(rest))]
        if kind == "NAME" or len(letters) == 1:
            return [_token("NAME", _canonical(letters, "NAME") + rest, tok, 0, len(tok))]
        pieces = _split_letters(letters)
        last, _ = pieces.pop()
        shown = [p for p, _ in pieces] + [last + rest]
        _ctx.notes.append(f"'{tok}' was read as {'·'.join(shown)}")
        tokens = []
        offset = 0
        for piece, kind in pieces:
            tokens.append(_token(kind, _canonical(piece, kind), tok, offset, len(piece)))
            offset += len(piece)
        tokens.append(_token("NAME", _canonical(last, "NAME") + rest, tok, offset,
                             len(tok) - offset))
        return tokens


def _word_type(word: str) -> Optional[str]:
    """The token type of a whole word, or None when it must be split."""
    if word in _ctx.functions:
        return "FUNC"
    if word in _ctx.variables:
        return "NAME"
    if word in FUNCTIONS or word in FUNCTION_ALIASES:
        return "FUNC"
    if word in CONSTANTS or word == "π":
        return "CONST"
    if len(word) == 1 or word in GREEK:
        return "NAME"
    return None


def _canonical(word: str, kind: str) -> str:
    if kind == "FUNC":
        return FUNCTION_ALIASES.get(word, word)
    if word in _ctx.variables:
        return word
    return GREEK_LETTERS.get(word, word)


def _split_letters(run: str) -> list[tuple[str, str]]:
    """Greedy split of a letter run into known words and single letters."""
    known = sorted(
        set(FUNCTIONS) | set(FUNCTION_ALIASES) | set(CONSTANTS) | set(GREEK)
        | _ctx.variables | _ctx.functions,
        key=len,
        reverse=True,
    )
    pieces: list[tuple[str, str]] = []
    i = 0
    while i < len(run):
        word = next((w for w in known if len(w) > 1 and run.startswith(w, i)), run[i])
        pieces.append((word, _word_type(word) or "NAME"))
        i += len(word)
    return pieces


def _token(kind: str, value: str, origin: Token, offset: int, length: int) -> Token:
    """A token for ``length`` characters of ``origin``'s source, from ``offset`` on."""
    start = origin.start_pos + offset
    return Token(kind, value, start, origin.line, origin.column + offset, start + length)


# ------------------------------------------------------------ the builder
class Build:
    """Builds ``Expr`` nodes from the grammar's rules; nothing else."""

    def sum(self, items):
        terms = [items[0]]
        for op, operand in zip(items[1::2], items[2::2]):
            terms.append(operand if op.type == "PLUS" else neg(operand))
        return add(*terms)

    def product(self, items):
        factors = [items[0]]
        i = 1
        while i < len(items):
            item = items[i]
            if not isinstance(item, Expr) and item.type in ("TIMES", "DIVIDE"):
                operand = items[i + 1]
                if item.type == "TIMES":
                    factors.append(operand)
                else:
                    factors = [div(mul(*factors), operand)]
                i += 2
            else:
                factors.append(item)
                _ctx.implicit.append(mul(factors[-2], item))
                i += 1
        return mul(*factors)

    def neg(self, items):
        return neg(items[1])

    def pos(self, items):
        return items[1]

    def pow(self, items):
        return power(items[0], items[-1])

    def pow_paren(self, items):
        return power(items[0], items[-1])

    def sup_pow(self, items):
        base, sup = items
        return power(base, _superscript(sup))

    def root(self, items):
        sign, radicand = items
        return func("sqrt" if str(sign) == "√" else "cbrt", radicand)

    def abs_bars(self, items):
        return func("abs", items[1])

    def number(self, items):
        return _number(items[0])

    def name(self, items):
        return Var(str(items[0]))

    def const(self, items):
        return Const("pi" if str(items[0]) in ("pi", "π") else str(items[0]))

    def bare_arg(self, items):
        if len(items) > 1:
            _ctx.notes.append("a function without parentheses applies to the product after it")
        return mul(*items)

    def call_parens(self, items):
        name, primes, args = _call_parts(items)
        return _apply(name, primes, args)

    def call_bare(self, items):
        name, primes, args = _call_parts(items)
        return _apply(name, primes, args)

    def call_power_parens(self, items):
        name_tok, exponent, arg = items
        return _apply_power(name_tok, exponent, arg)

    def call_power_bare(self, items):
        name_tok, exponent, arg = items
        return _apply_power(name_tok, exponent, arg)

    def func_power(self, items):
        if items[0].type == "SUPERSCRIPT":
            return _superscript(items[0])
        return items[1]

    def signed_int(self, items):
        value = _number(items[-1])
        return neg(value) if len(items) == 2 else value


def _call_parts(items):
    name_tok = items[0]
    primes = 0
    rest = items[1:]
    if rest and not isinstance(rest[0], Expr) and rest[0].type == "PRIME":
        primes = len(rest[0])
        rest = rest[1:]
        if str(name_tok) not in _ctx.functions:
            raise _error_at(
                f"a prime (') marks the derivative of a function declared with --funcs; "
                f"{name_tok} is built in", name_tok)
    return name_tok, primes, rest


def _apply(name_tok: Token, primes: int, args: list) -> Expr:
    name = str(name_tok)
    if name in _ctx.functions:
        if primes and len(args) != 1:
            raise _error_at(f"{name}{chr(39) * primes} takes one argument", name_tok)
        return Func(name + "'" * primes, *args)
    if len(args) not in FUNCTIONS[name]:
        wanted = " or ".join(str(n) for n in FUNCTIONS[name])
        plural = "" if FUNCTIONS[name] == (1,) else "s"
        raise _error_at(f"{name} takes {wanted} argument{plural}, not {len(args)}", name_tok)
    return func(name, *args)


def _apply_power(name_tok: Token, exponent: Expr, arg: Expr) -> Expr:
    name = str(name_tok)
    if name in _ctx.functions:
        return power(Func(name, arg), exponent)
    if FUNCTIONS[name] != (1,) and name != "log":
        raise _error_at(f"{name} cannot be raised to a power this way", name_tok)
    if isinstance(exponent, Num) and exponent.value == -1:
        if name not in INVERSES:
            raise _error_at(
                f"{name}^-1 would mean the inverse function, which calc does not have; "
                f"write 1/{name}(x) for the reciprocal", name_tok)
        return func(INVERSES[name], arg)
    return power(func(name, arg), exponent)


def _number(tok: Token) -> Num:
    text = str(tok)
    if len(text) > MAX_NUMBER_LENGTH:  # int <-> str is quadratic in the number of digits
        raise _error_at(f"number with {len(text):,} digits is too long "
                        f"(at most {MAX_NUMBER_LENGTH:,})", tok)
    if text.isdecimal():  # most numbers are integers: no Fraction to parse
        return Num(int(text))
    mantissa, _, exponent = text.lower().partition("e")
    if exponent and abs(int(exponent)) > MAX_DECIMAL_EXPONENT:
        raise _error_at(f"number {text} is out of range (exponent beyond ±{MAX_DECIMAL_EXPONENT})", tok)
    decimal = "." in mantissa or bool(exponent)
    return Num(Fraction(text), decimal)


def _superscript(tok: Token) -> Num:
    if len(tok) > MAX_NUMBER_LENGTH:  # like a long number: int <-> str is quadratic
        raise _error_at(f"exponent with {len(tok):,} digits is too long "
                        f"(at most {MAX_NUMBER_LENGTH:,})", tok)
    return Num(int(str(tok).translate(SUPERSCRIPTS)))


def _error_at(message: str, tok: Token) -> ParseError:
    return ParseError(message, _ctx.text, tok.column or 1)


# ------------------------------------------------------ friendly errors
_WORDS = {
    "NUMBER": "a number", "NAME": "a variable", "FUNC": "a function", "CONST": "a constant",
    "LPAR": "'('", "RPAR": "')'", "PLUS": "'+'", "MINUS": "'-'", "TIMES": "'*'",
    "DIVIDE": "'/'", "POWER": "'^'", "COMMA": "','", "BAR": "'|'", "ROOT": "'√'",
    "SUPERSCRIPT": "an exponent such as ²", "PRIME": "'", "$END": "the end of the input",
}
_OPERAND = {"NUMBER", "NAME", "FUNC", "CONST", "LPAR"}
_OPERATORS = {"PLUS", "MINUS", "TIMES", "DIVIDE", "POWER"}


def _friendly(exc: UnexpectedInput, text: str) -> ParseError:
    if isinstance(exc, UnexpectedCharacters):
        char = text[exc.pos_in_stream] if exc.pos_in_stream < len(text) else ""
        return ParseError(f"unexpected character {char!r}", text, exc.column)
    if isinstance(exc, UnexpectedToken):
        tok = exc.token
        if tok.type == "$END":
            column = len(text.rstrip()) + 1
            found = "the input ended too soon"
        else:
            column = tok.column or 1
            found = f"unexpected {_WORDS.get(tok.type, repr(str(tok)))}"
            if tok.type in ("NAME", "NUMBER", "FUNC", "CONST"):
                found = f"unexpected {str(tok)!r}"
        return ParseError(f"{found}: expected {_expected(exc.expected)}", text, column)
    return ParseError("cannot read this expression", text, getattr(exc, "column", 1) or 1)


def _expected(names: set[str]) -> str:
    words = []
    if _OPERAND <= names:
        words.append("a number, a variable, a function or '('")
        names = names - _OPERAND - {"MINUS", "PLUS", "ROOT", "BAR"}
    if _OPERATORS <= names:
        words.append("an operator")
        names = names - _OPERATORS - {"SUPERSCRIPT"}
    words += sorted(_WORDS.get(n, n) for n in names if n in _WORDS or n.isupper())
    return " or ".join(words) if words else "something else"
