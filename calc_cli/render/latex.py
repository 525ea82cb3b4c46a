"""The LaTeX printer: ``3 x^{2} + 2 x + 1``, ``\\frac{1}{x}``, ``\\sin\\left(x\\right)``.

Every bracket is ``\\left( … \\right)``, function calls included; brackets
come from the shared table in ``precedence``. A fraction or a root is a 2-D
block: it binds like a power (a factor or an operand without brackets, but
bracketed as a base). Factors are separated by a space, or by ``\\cdot``
before a number (``x \\cdot 2``), between a number and a fraction (which would
read as a mixed number) and between a call and a bracket.
"""

from __future__ import annotations

from ..expr import Const, Div, Expr, Func, Mul, Num, Pow, Var
from .plain import PlainPrinter
from .precedence import Level, Piece, Role, cat, head_of, joined, piece
from .unicode import GREEK, split_name

FUNCTIONS = {
    "sin": r"\sin", "cos": r"\cos", "tan": r"\tan", "sec": r"\sec", "csc": r"\csc",
    "cot": r"\cot", "asin": r"\arcsin", "acos": r"\arccos", "atan": r"\arctan",
    "sinh": r"\sinh", "cosh": r"\cosh", "tanh": r"\tanh", "exp": r"\exp",
    "ln": r"\ln", "log": r"\ln", "log10": r"\log_{10}", "log2": r"\log_{2}",
    "sigmoid": r"\sigma", "relu": r"\operatorname{ReLU}", "softplus": r"\operatorname{softplus}",
    "heaviside": r"H",
}
CONSTANTS = {"pi": r"\pi", "e": "e"}
CDOT = r" \cdot "


class LatexPrinter(PlainPrinter):
    """LaTeX maths (no surrounding dollars)."""

    opening, closing = r"\left(", r"\right)"

    def scientific(self, mantissa: str, exponent: int) -> tuple[str, Level]:
        """1.5 \\times 10^{-7}"""
        return rf"{mantissa} \times 10^{{{exponent}}}", Level.PRODUCT

    def fraction(self, numerator: int, denominator: int) -> tuple[str, Level]:
        """\\frac{1}{2}"""
        return rf"\frac{{{numerator}}}{{{denominator}}}", Level.POWER

    def variable(self, node: Var, parts: list[Piece]) -> Piece:
        """theta → \\theta, x1 → x_{1}, speed → \\mathit{speed}"""
        stem, sub = split_name(node.name)
        if stem in GREEK:
            stem = "o" if stem == "omicron" else "\\" + stem
        elif len(stem) > 1:
            stem = r"\mathit{%s}" % stem.replace("_", r"\_")
        return piece(f"{stem}_{{{sub}}}" if sub else stem, Level.ATOM)

    def constant(self, node: Const, parts: list[Piece]) -> Piece:
        return piece(CONSTANTS[node.name], Level.ATOM)

    def product(self, node: Mul, parts: list[Piece]) -> Piece:
        """3 x^{2}, x \\cdot 2, \\sin\\left(x\\right) \\cdot \\left(x + 1\\right)"""
        first, signed = self.lead(parts[0])
        out = [first]
        for i in range(1, len(parts)):
            text = self.place(parts[i], Role.FACTOR)
            out += [_separator(node.terms[i - 1], head_of(text)), text]
        return piece(cat(*out), Level.PRODUCT, signed)

    def quotient(self, node: Div, parts: list[Piece]) -> Piece:
        """\\frac{a}{b}, with a leading minus sign in front: -\\frac{a}{b}"""
        numerator, signed = self.lead(parts[0], Role.ENCLOSED)
        denominator = self.place(parts[1], Role.ENCLOSED)
        return piece(cat(r"\frac{", numerator, "}{", denominator, "}"), Level.POWER, signed)

    def power(self, node: Pow, parts: list[Piece]) -> Piece:
        """x^{2}, \\left(x + 1\\right)^{n}"""
        base, exponent = parts
        return piece(cat(self.place(base, Role.BASE), "^{", self.place(exponent, Role.ENCLOSED),
                         "}"), Level.POWER)

    def call(self, node: Func, parts: list[Piece]) -> Piece:
        r"""\sin\left(x\right), \log_{b}\left(x\right), \sqrt{x}, \left| x \right|, f'(…)"""
        args = [self.place(p, Role.ENCLOSED) for p in parts]
        if node.name == "sqrt":
            return piece(cat(r"\sqrt{", args[0], "}"), Level.POWER)
        if node.name == "cbrt":
            return piece(cat(r"\sqrt[3]{", args[0], "}"), Level.POWER)
        if node.name == "abs":
            return piece(cat(r"\left| ", args[0], r" \right|"), Level.ATOM)
        if node.name == "log" and len(args) == 2:
            return piece(cat(r"\log_{", args[1], "}", self.wrap(args[0])), Level.ATOM)
        return piece(cat(_function_name(node.name), self.wrap(joined(", ", args))), Level.ATOM)


def _function_name(name: str) -> str:
    """\\sin for sin; a user function as itself, f', or \\operatorname{g_2}''."""
    if name in FUNCTIONS:
        return FUNCTIONS[name]
    stem = name.rstrip("'")
    primes = name[len(stem):]
    return (stem if len(stem) == 1 else rf"\operatorname{{{stem}}}") + primes


def _separator(left: Expr, right_head: str) -> str:
    """A space, or \\cdot where juxtaposition would misread: x \\cdot 2, 2 \\cdot \\frac{1}{2}.

    ``right_head`` is how the right factor's text starts (``precedence.HEAD`` characters).
    """
    if right_head[0].isdigit():
        return CDOT
    if right_head.startswith(r"\frac") and isinstance(left, Num):
        return CDOT
    if right_head.startswith(r"\left(") and isinstance(left, Func):
        return CDOT
    return " "


_LATEX = LatexPrinter()


def latex(e: Expr) -> str:
    """LaTeX maths for ``e``: ``3 x^{2} + 2 x + 1``."""
    return _LATEX(e)
