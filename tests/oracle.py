"""SymPy as a test oracle: our expression trees converted to SymPy (tests only)."""

from __future__ import annotations

import signal

import sympy

from calc_cli.expr import Add, Const, Div, Expr, Func, Mul, Neg, Num, Pow, Var

_FUNCS = {
    "sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan,
    "sec": sympy.sec, "csc": sympy.csc, "cot": sympy.cot,
    "asin": sympy.asin, "acos": sympy.acos, "atan": sympy.atan,
    "sinh": sympy.sinh, "cosh": sympy.cosh, "tanh": sympy.tanh,
    "exp": sympy.exp, "ln": sympy.log, "sqrt": sympy.sqrt, "abs": sympy.Abs,
    "log10": lambda u: sympy.log(u, 10), "log2": lambda u: sympy.log(u, 2),
    "cbrt": lambda u: sympy.real_root(u, 3),
    "sigmoid": lambda u: 1 / (1 + sympy.exp(-u)),
    "relu": lambda u: sympy.Max(0, u),
    "softplus": lambda u: sympy.log(1 + sympy.exp(u)),
    "heaviside": lambda u: sympy.Heaviside(u),
}


def symbol(name: str) -> sympy.Symbol:
    return sympy.Symbol(name, real=True)


def to_sympy(e: Expr) -> sympy.Expr:
    """The SymPy expression with the same meaning (real-valued where they differ)."""
    memo: dict[Expr, sympy.Expr] = {}
    for node in e.walk():
        memo[node] = _convert(node, [memo[a] for a in node.args])
    return memo[e]


def _convert(node: Expr, args: list) -> sympy.Expr:
    if isinstance(node, Num):
        return sympy.Rational(node.value.numerator, node.value.denominator)
    if isinstance(node, Var):
        return symbol(node.name)
    if isinstance(node, Const):
        return sympy.pi if node.name == "pi" else sympy.E
    if isinstance(node, Add):
        return sympy.Add(*args)
    if isinstance(node, Mul):
        return sympy.Mul(*args)
    if isinstance(node, Div):
        return args[0] / args[1]
    if isinstance(node, Pow):
        return args[0] ** args[1]
    if isinstance(node, Neg):
        return -args[0]
    if isinstance(node, Func):
        if node.name == "log":
            return sympy.log(args[0]) if len(args) == 1 else sympy.log(args[0], args[1])
        if node.name in _FUNCS:
            return _FUNCS[node.name](*args)
        return sympy.Function(node.name)(*args)
    raise TypeError(f"no SymPy form for {type(node).__name__}")


class SlowOracle(BaseException):
    """Raised by ``within``'s timer; a BaseException because SymPy swallows some Exceptions."""


def within(seconds: float, f, *args):
    """f(*args), or SlowOracle after ``seconds``: SymPy can take minutes on some random
    expressions (automatic evaluation of constant subtrees, high derivatives to 30 digits)."""
    def interrupt(signum, frame):
        raise SlowOracle()

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return f(*args)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
