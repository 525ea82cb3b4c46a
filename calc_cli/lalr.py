"""A small LALR(1) driver for the tables that lark compiles from ``grammar/calc.lark``.

lark builds the automaton (``grammar/generate.py`` writes it to ``grammar/tables.py``); this
module runs it: a lexer that tries one regular expression of all terminals at each position,
and a shift-reduce loop that hands each reduced rule's children to a builder object's method
of the rule's name, with lark's conventions (anonymous tokens dropped, ``?rule`` passing a
single child on, lark's helper rules spliced into their parent). It replaces importing lark
at run time, which cost a command more than half of its start-up; tests/test_lalr.py checks
that both give the same results on thousands of inputs.

Speed matters here (a batch parses thousands of lines), so the code avoids repeated work:
characters that can only start a one-character token (operators, brackets, white space)
are read without the regular expression (``tables.QUICK``, found by generate.py); the
post-lexer is a hook of the lexer rather than another generator; the per-token step is
written inside ``Parser.parse`` rather than called; runs of one-symbol reductions (number,
then atom -> power -> unary -> product) are worked out once and remembered (``_run``); each
rule builds its value in the cheapest way its shape allows (``_Rule``); and tokens store
five fields, deriving lark's other three.
"""

from __future__ import annotations

import re
from itertools import chain
from typing import Any, Callable, Iterable, Iterator, Mapping, Optional


def _load_tables():
    """``calc_cli.grammar.tables`` when installed; grammar/tables.py in a source checkout."""
    try:
        from .grammar import tables
    except ModuleNotFoundError:
        # Run in place (python -m pytest at the repository's root imports this directory,
        # where grammar/ sits beside calc_cli/ rather than inside it, as pyproject maps it).
        import importlib.util
        import os

        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        path = os.path.join(root, "grammar", "tables.py")
        spec = importlib.util.spec_from_file_location("calc_cli.grammar.tables", path)
        tables = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(tables)
    return tables


tables = _load_tables()
_PATTERN = re.compile(tables.PATTERN)
_IGNORE = frozenset(tables.IGNORE)
_TERMINALS = frozenset(_PATTERN.groupindex) - _IGNORE
_QUICK = tables.QUICK


class Token(str):
    """A token's text, with its type and where it came from (lark's field names).

    ``end_line`` and ``end_column`` are derived rather than stored: no token of this grammar
    spans lines (only ignored white space does), and the column advances as the position
    does. ``end_pos`` is stored, because a post-lexer may give a token a value of another
    length than its source (``α`` is read as ``alpha``).
    """

    __slots__ = ("type", "start_pos", "line", "column", "end_pos")
    type: str
    start_pos: int
    line: int
    column: int
    end_pos: int

    def __new__(cls, type_: str, value: str, start_pos: int = 0, line: int = 1,
                column: int = 1, end_pos: Optional[int] = None) -> "Token":
        self = str.__new__(cls, value)
        self.type = type_
        self.start_pos = start_pos
        self.line = line
        self.column = column
        self.end_pos = start_pos + len(value) if end_pos is None else end_pos
        return self

    @property
    def end_line(self) -> int:
        return self.line

    @property
    def end_column(self) -> int:
        return self.column + self.end_pos - self.start_pos

    def __repr__(self) -> str:
        return f"Token({self.type!r}, {str(self)!r})"


class UnexpectedInput(Exception):
    """The input does not fit the grammar; ``column`` is 1-based."""

    column: int


class UnexpectedCharacters(UnexpectedInput):
    def __init__(self, pos: int, line: int, column: int) -> None:
        super().__init__(f"no token matches at line {line}, column {column}")
        self.pos_in_stream = pos
        self.line = line
        self.column = column


class UnexpectedToken(UnexpectedInput):
    def __init__(self, token: Token, expected: set[str]) -> None:
        super().__init__(f"unexpected {token.type} at column {token.column}")
        self.token = token
        self.expected = expected
        self.line = token.line
        self.column = token.column


PostLexer = Mapping[str, Callable[[Token], Iterable[Token]]]


def lex(text: str, postlex: Optional[PostLexer] = None) -> Iterator[Token]:
    """The tokens of ``text``, skipping the ignored ones (white space).

    ``postlex`` maps a token type to what replaces each token of that type (calc's name
    splitter turns a NAME into FUNC, CONST and NAME tokens): lark's post-lexer, called as
    each token is reached, so that notes and errors come in the same order as with lark.
    """
    match, quick, new_str = _PATTERN.match, _QUICK, str.__new__
    postlex = postlex or {}
    pos, line, line_start, end = 0, 1, 0, len(text)
    while pos < end:
        kind = quick.get(text[pos])
        if kind is not None:  # an operator, a bracket or white space: one character
            value = text[pos]
            stop = pos + 1
        else:
            found = match(text, pos)
            if found is None:
                raise UnexpectedCharacters(pos, line, pos - line_start + 1)
            kind, value, stop = found.lastgroup, found.group(), found.end()
        if kind in _IGNORE:
            newlines = value.count("\n")
            if newlines:
                line += newlines
                line_start = pos + value.rindex("\n") + 1
        else:
            token = new_str(Token, value)  # what Token(...) does, without calling a class
            token.type = kind
            token.start_pos = pos
            token.line = line
            token.column = pos - line_start + 1
            token.end_pos = stop
            if kind in postlex:
                yield from postlex[kind](token)
            else:
                yield token
        pos = stop


class Parser:
    """The automaton bound to a builder: ``parse(tokens)`` returns what the start rule built."""

    def __init__(self, builder: Any) -> None:
        self.rules = [_Rule(row, builder) for row in tables.RULES]
        self.runs: dict[tuple[int, int, str], _Run] = {}  # (below, top, lookahead): see _run

    def parse(self, tokens: Iterable[Token]) -> Any:
        """Run the automaton; each reduction calls ``builder.<rule>(children)``.

        For each token (and then lark's end marker): reduce while the tables say so, then
        shift the token, or accept at the end. The stacks keep ``len(states) ==
        len(values) + 1`` (state 0 has no value), and ``state`` is the top of ``states``.
        """
        actions, rules, runs, accept = tables.ACTIONS, self.rules, self.runs, tables.END_STATE
        state = 0
        states = [state]
        values: list[Any] = []
        last = None  # the last token shifted: the end marker borrows its position
        for token in chain(tokens, (_END,)):
            kind = token.type
            action = actions[state].get(kind)
            while action is not None and action < 0:
                rule = rules[~action]
                if rule.size == 1:  # most reductions: see _run
                    key = (states[-2], state, kind)
                    state, builds, action = runs.get(key) or self._run(*key)
                    states[-1] = state
                    for build in builds:
                        values[-1] = build([values[-1]])
                    continue
                first = len(values) - rule.size
                value = rule.build(values[first:])
                del values[first:]
                del states[first + 1:]
                state = actions[states[-1]][rule.origin]
                states.append(state)
                values.append(value)
                action = actions[state].get(kind)
            if action is None:
                if token is _END:
                    if state == accept:  # the start rule was reduced
                        return values[-1]
                    token = _end_marker(last)
                raise _unexpected(token, state)
            state = action
            states.append(state)
            values.append(token)
            last = token
        raise AssertionError("unreachable: LALR tables never shift the end marker")

    def _run(self, below: int, top: int, kind: str) -> _Run:
        """The run of one-symbol reductions that ``kind`` calls for, worked out once.

        Most reductions pop one symbol and push one: ``number`` makes a number of its
        token, then a chain of unit rules (atom -> power -> unary -> product) passes it on.
        They replace the top state by a goto from the state below it, which stays, and the
        top value by what the rules' builds make of it; so a run of them depends only on
        those two states and the lookahead, and is remembered for that triple as ``(the
        top state after the run, the rules' builds in order, the action that follows)``.
        A unit rule has no build: it makes nothing new.
        """
        actions, rules = tables.ACTIONS, self.rules
        state = top
        builds = []
        while True:
            action = actions[state].get(kind)
            if action is None or action >= 0 or rules[~action].size != 1:
                break
            rule = rules[~action]
            if not rule.unit:
                builds.append(rule.build)
            state = actions[below][rule.origin]
        run = self.runs[below, top, kind] = (state, tuple(builds), action)
        return run


# (top state, builds, next action): see Parser._run. A plain tuple, which the loop unpacks;
# a NamedTuple class would cost a tenth of a millisecond of start-up.
_Run = tuple


# The end of the input in Parser.parse's loop; an error there reports _end_marker instead.
_END = Token("$END", "")


def _end_marker(last: Optional[Token]) -> Token:
    """lark's end marker, which borrows the last token's position."""
    if last is None:
        return Token("$END", "")
    return Token("$END", "", last.start_pos, last.line, last.column, last.end_pos)


def _unexpected(token: Token, state: int) -> UnexpectedToken:
    return UnexpectedToken(token, {s for s in tables.ACTIONS[state] if s.isupper()})


def _is_unit(row: tuple) -> bool:
    """A ``?rule`` with one child, which it passes on unchanged."""
    _, _, expand1, keep = row
    return expand1 and keep == ("keep",)


class _Rule:
    """One grammar rule: how many symbols it pops and how its value is made of them.

    ``build(children)`` makes the value, in the cheapest way the rule's shape allows:
    the builder's method itself when it sees every child as it is (most rules), ``list``
    for lark's helper rules (their children are spliced into the parent later), and the
    methods below for the rest.
    """

    __slots__ = ("origin", "size", "keep", "expand1", "callback", "unit", "build", "index")

    def __init__(self, row: tuple, builder: Any) -> None:
        origin, name, expand1, keep = row
        self.origin = origin
        self.size = len(keep)
        self.keep = keep
        self.expand1 = expand1
        self.unit = _is_unit(row)
        helper = name.startswith("_")
        self.callback = None if helper else getattr(builder, name, None)
        if self.callback is None and not helper and not expand1:
            raise TypeError(f"{type(builder).__name__} has no method for rule {name!r}")
        self.index = keep.index("keep") if "keep" in keep else 0
        self.build = self._choose_build()

    def _choose_build(self) -> Callable[[list], Any]:
        keep, callback = self.keep, self.callback
        if self.expand1 and keep.count("keep") == 1 and "splice" not in keep:
            return self._pass_on
        if all(k == "keep" for k in keep) and not self.expand1:
            return callback or list
        if keep == ("keep", "splice") and callback is not None:
            return self._prepend
        if keep[:1] == ("splice",) and set(keep[1:]) == {"keep"} and callback is None:
            return self._extend
        return self._reduce

    def _pass_on(self, children: list) -> Any:
        """A ``?rule`` left with one child, such as ``"(" sum ")"``: the child itself."""
        return children[self.index]

    def _prepend(self, children: list) -> Any:
        """``sum: product (PLUS product)*``: the first child, then the helper rule's list."""
        first, rest = children
        if self.expand1 and not rest:
            return first
        return self.callback([first, *rest])  # type: ignore[misc]  # chosen only with one

    def _extend(self, children: list) -> list:
        """A helper rule's list, then more children (a + b + c …): the list, grown in place.

        Copying it instead would make a long sum cost O(n²).
        """
        kept = children[0]
        kept += children[1:]
        return kept

    def _reduce(self, children: list) -> Any:
        """Any other shape: drop anonymous tokens, splice helper lists, then build."""
        kept: Optional[list] = None
        for what, child in zip(self.keep, children):
            if what == "drop":
                continue
            if kept is None:
                # A helper rule's list first: extend it in place, as in _extend.
                kept = child if what == "splice" else [child]
            elif what == "keep":
                kept.append(child)
            else:
                kept.extend(child)
        if kept is None:
            kept = []
        if self.expand1 and len(kept) == 1:
            return kept[0]
        return kept if self.callback is None else self.callback(kept)
