"""A small LALR(1) driver for the tables that lark compiles from ``grammar/calc.lark``.

lark builds the automaton (``grammar/generate.py`` writes it to ``grammar/tables.py``); this
module runs it: a lexer that tries one regular expression of all terminals at each position,
and a shift-reduce loop that hands each reduced rule's children to a builder object's method
of the rule's name, with lark's conventions (anonymous tokens dropped, ``?rule`` passing a
single child on, lark's helper rules spliced into their parent). It replaces importing lark
at run time, which cost a command more than half of its start-up; tests/test_lalr.py checks
that both give the same results on thousands of inputs.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Iterator, Optional


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


class Token(str):
    """A token's text, with its type and where it came from (lark's field names)."""

    __slots__ = ("type", "start_pos", "line", "column", "end_line", "end_column", "end_pos")

    def __new__(cls, type_: str, value: str, start_pos: int = 0, line: int = 1,
                column: int = 1, end_line: int = 1, end_column: int = 1,
                end_pos: int = 0) -> "Token":
        self = super().__new__(cls, value)
        self.type = type_
        self.start_pos = start_pos
        self.line = line
        self.column = column
        self.end_line = end_line
        self.end_column = end_column
        self.end_pos = end_pos
        return self

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


def lex(text: str) -> Iterator[Token]:
    """The tokens of ``text``, skipping the ignored ones (white space)."""
    match = _PATTERN.match
    pos, line, line_start, end = 0, 1, 0, len(text)
    while pos < end:
        found = match(text, pos)
        if found is None:
            raise UnexpectedCharacters(pos, line, pos - line_start + 1)
        kind, value = found.lastgroup, found.group()
        stop = pos + len(value)
        if kind in _IGNORE:
            newlines = value.count("\n")
            if newlines:
                line += newlines
                line_start = pos + value.rindex("\n") + 1
        else:
            yield Token(kind, value, pos, line, pos - line_start + 1, line,
                        stop - line_start + 1, stop)
        pos = stop


class Parser:
    """The automaton bound to a builder: ``parse(tokens)`` returns what the start rule built."""

    def __init__(self, builder: Any) -> None:
        self.rules = [_Rule(row, builder) for row in tables.RULES]

    def parse(self, tokens: Iterable[Token]) -> Any:
        """Run the automaton; each reduction calls ``builder.<rule>(children)``."""
        actions, rules = tables.ACTIONS, self.rules
        states = [0]
        values: list[Any] = []
        token = None
        for token in tokens:
            _feed(token, states, values, actions, rules)
        # lark's end marker borrows the last token's position
        end = (Token("$END", "", token.start_pos, token.line, token.column, token.end_line,
                     token.end_column, token.end_pos)
               if token is not None else Token("$END", ""))
        return _feed(end, states, values, actions, rules)


def _feed(token: Token, states: list[int], values: list[Any], actions, rules) -> Any:
    """Reduce as the tables say, then shift ``token`` (or accept, at the end)."""
    kind = token.type
    while True:
        row = actions[states[-1]]
        action = row.get(kind)
        if action is None:
            raise UnexpectedToken(token, {s for s in row if s.isupper()})
        if action >= 0:
            states.append(action)
            values.append(token)
            return None
        rule = rules[~action]
        if rule.unit:  # most reductions (atom -> power -> unary -> product -> sum) pass a value on
            goto = states[-1] = actions[states[-2]][rule.origin]
            value = values[-1]
        else:
            size = rule.size
            if size:
                children = values[-size:]
                del states[-size:]
                del values[-size:]
            else:
                children = []
            value = rule.reduce(children)
            goto = actions[states[-1]][rule.origin]
            states.append(goto)
            values.append(value)
        if kind == "$END" and goto == tables.END_STATE:
            return value


class _Rule:
    """One grammar rule: how many symbols it pops and what its builder method receives."""

    __slots__ = ("origin", "size", "keep", "expand1", "callback", "plain", "unit")

    def __init__(self, row: tuple, builder: Any) -> None:
        origin, name, expand1, keep = row
        self.origin = origin
        self.size = len(keep)
        self.keep = keep
        self.expand1 = expand1
        self.plain = all(k == "keep" for k in keep)
        self.unit = expand1 and keep == ("keep",)
        # lark's helper rules (for `*` and `?`) have no method: their children are spliced.
        self.callback = getattr(builder, name, None) if not name.startswith("_") else None
        if self.callback is None and not name.startswith("_") and not expand1:
            raise TypeError(f"{type(builder).__name__} has no method for rule {name!r}")

    def reduce(self, children: list) -> Any:
        if not self.plain:
            children = self._filter(children)
        if self.expand1 and len(children) == 1:
            return children[0]
        if self.callback is None:
            return children
        return self.callback(children)

    def _filter(self, children: list) -> list:
        kept: Optional[list] = None
        for what, child in zip(self.keep, children):
            if what == "drop":
                continue
            if kept is None:
                # A helper rule's list comes first in a left-recursive chain (a + b + c …):
                # extend it in place instead of copying it, or a long sum costs O(n²).
                kept = child if what == "splice" else [child]
            elif what == "keep":
                kept.append(child)
            else:
                kept.extend(child)
        return kept if kept is not None else []
