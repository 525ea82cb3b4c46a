"""Symbolic differentiation: one small function per rule, the chain rule in one place.

``differentiate`` gives the raw derivative, ``derive`` the same derivative with
its rule trace. Both run the same rules through one iterative engine, so the
depth of an expression never meets Python's recursion limit, and both are
memoised over the interned DAG: a subtree that occurs many times is
differentiated once.

Each rule is a plain function of a node and the engine: it asks the engine for
the derivatives it needs (``ctx.d(u)``), in order, and returns an ``_Out``
naming the rule and its result. The engine differentiates children before
their parents, so the answers are ready when asked; when tracing it turns each
``_Out`` into a ``Step`` whose substeps are the steps of what the rule asked for.

The raw derivative is honest, not simplified; it is kept modestly tidy while
it is built (no factors of 1, no terms of 0, numbers multiplied out in front,
a product with a factor 0 is 0). Simplification is a separate pass.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from fractions import Fraction
from itertools import filterfalse
from math import gcd
from types import MappingProxyType
from typing import NamedTuple

from .errors import MathError, UsageError
from .expr import (
    FUNCTIONS,
    MINUS_ONE,
    ONE,
    TWO,
    ZERO,
    Add,
    Const,
    Div,
    Expr,
    Func,
    Mul,
    Neg,
    Num,
    Pow,
    Var,
    add,
    func,
    is_negative_term,
    mul,
    neg,
    sub,
    written_size,
)
from .trace import Step, share_repeats

# ------------------------------------------------------------------ public API


class Derivation(NamedTuple):
    """``expr`` differentiated by ``wrt``: the raw derivative and the trace that built it."""

    expr: Expr
    wrt: str
    raw: Expr
    trace: Step


def differentiate(e: Expr, wrt: str) -> Expr:
    """The raw derivative of ``e`` with respect to the variable ``wrt``."""
    return _Flattener()(_unflattened(e, wrt))


def _unflattened(e: Expr, wrt: str) -> Expr:
    """The raw derivative with products nested as the rules built them (``a·(b·c)``): for
    the simplifier, which merges nested products itself, so flattening first is work lost."""
    return _Engine(wrt).run(e)


def derive(e: Expr, wrt: str) -> Derivation:
    """The raw derivative with its full rule trace (``trace.result is raw``)."""
    engine = _Tracer(wrt)
    flat = _Flattener()
    raw = flat(engine.run(e))
    return Derivation(e, wrt, raw, _flat_results(share_repeats(engine.step(e)), flat))


# The most nodes a derivative may have (bench/FUZZ.md, 9 and 9b): distinct nodes of its DAG at
# any order, and from the second order on also nodes as written out, which is what printing
# costs. Without a bound, ordinary inputs (x^x, sqrt(tan(x)^2)) grow exponentially with the
# order, and --order goes up to 100: the 20th derivative of ln(x)^2 once took 18 GB. 100,000
# nodes print as roughly half a megabyte; the bound is checked after every order, and one order
# grows a DAG by a bounded factor, so the check comes before time or memory runs out.
MAX_NODES = 100_000
# explain keeps a step for every node of every order: a tenth of the bound keeps it quick.
MAX_EXPLAINED_NODES = 10_000


def nth_derivative(e: Expr, wrts: Sequence[str]) -> Expr:
    """Differentiate by each variable in turn, simplifying between orders to keep size down.

    ``nth_derivative(e, "xx")`` is the second derivative by x, ``["x", "y"]`` the mixed partial.
    A first derivative comes from the textbook rules (the quotient rule gives one fraction);
    higher ones differentiate the simplifier's canonical form, a sum of products of powers
    (x/y is x*y^-1), so the power rule raises a denominator's exponent by one at each order
    where the quotient rule would square it, and like terms collect: the 20th derivative of
    atan(x) is one fraction over (x^2 + 1)^20 with ten terms above, not an exponentially
    nested quotient. Raises MathError when an order grows beyond ``MAX_NODES``.
    """
    from .simplify import display, simplify, together  # deferred: the core does not need it

    if not wrts:
        return simplify(e)
    if len(wrts) == 1:
        # Simplified first, so that a part that is identically constant (sqrt(x - x)) has
        # derivative 0, not the 0/0 that the rules would give it.
        result = simplify(_unflattened(simplify(e), wrts[0]))
        check_size(result, 1, 1)
        return result
    *_, last = _canonical_orders(e, wrts)
    return display(together(last))


def derivatives(e: Expr, wrts: Sequence[str]) -> list[Expr]:
    """Every order on the way to ``nth_derivative(e, wrts)``, simplified: [f′, f″, …].

    A value at a point needs them all: simplifying may define a higher derivative where a
    lower one is undefined (|x|″ simplifies to 0, yet |x|′ = x/|x| fails at 0), and f⁽ⁿ⁾(a)
    exists only where f⁽ⁿ⁻¹⁾ does.
    """
    from .simplify import display, together

    if len(wrts) <= 1:
        return [nth_derivative(e, wrts)] if wrts else []
    return [display(together(c)) for c in _canonical_orders(e, wrts)]


def _canonical_orders(e: Expr, wrts: Sequence[str]) -> Iterator[Expr]:
    """The canonical form of each order in turn, each checked against ``MAX_NODES``."""
    from .simplify import canonical, simplify

    c = canonical(simplify(e))
    for order, wrt in enumerate(wrts, 1):
        c = canonical(_unflattened(c, wrt))
        check_size(c, order, len(wrts))
        yield c


def check_size(e: Expr, order: int, of: int, limit: int | None = None) -> None:
    """MathError when ``e``, the derivative of this order (of ``of`` wanted), has more than
    ``limit`` (default ``MAX_NODES``) distinct nodes, or, from the second order on, more as
    written out."""
    if limit is None:
        limit = MAX_NODES  # looked up at the call, so that tests can lower it
    if _larger_than(e, limit, written=order > 1):
        wanted = "derivative" if of == 1 else f"{_ordinal(of)} derivative"
        where = "" if order == of else f": the {_ordinal(order)} already has"
        raise MathError(f"the {wanted} is too large to compute{where or ' (it has'} "
                        f"over {limit:,} nodes{'' if where else ')'}")


def _larger_than(e: Expr, limit: int, written: bool) -> bool:
    """Whether e has more than ``limit`` distinct nodes, or (``written``) nodes counted as
    printed, each repeat of a shared subtree again. Linear in the DAG."""
    if len(e.walk()) > limit:
        return True
    return written and written_size(e, {}, limit + 1) > limit


def _ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 22nd, …"""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# ------------------------------------------------------------------ the engine


class _Out:
    """What a rule returns: its id, the derivative, and what a step should show.

    A plain class with slots, not a dataclass: one is made per node, traced or not.
    """

    __slots__ = ("detail", "note", "outer", "result", "rule")

    def __init__(self, rule: str, result: Expr, detail: Mapping[str, Expr] | None = None,
                 note: str | None = None, outer: _Out | None = None):
        self.rule = rule
        self.result = result
        self.detail = detail if detail is not None else {}
        self.note = note
        self.outer = outer  # the chain rule's outer derivative, shown as a first substep


class _Engine:
    """Differentiates a DAG children first, with an explicit stack, once per distinct node.

    A rule is a function of a node and the engine: it asks ``ctx.d(u)`` for the derivative
    of each sub-expression it needs, in order, and returns an ``_Out``. Children are done
    before their parent, so what a rule asks for is known already, except a node the rule
    has just built (``mul(*varying)``, ``ln(u)/ln(b)``): that one is differentiated when
    asked, by the same walk, which meets only its few new nodes (no recursion in the depth
    of the input).
    """

    tracing = False  # whether steps are kept (what only a trace shows need not be worked out)

    def __init__(self, wrt: str):
        if not isinstance(wrt, str) or not wrt:
            raise UsageError("name a variable to differentiate by")
        self.wrt = wrt
        self.var = Var(wrt)
        self.done: dict[Expr, Expr] = {}  # the derivative of every node walked
        self.varying: set[Expr] = set()  # the nodes walked that contain the variable
        # Whether a node contains the variable, for a rule: it asks about the children of its
        # node, which the walk has seen. (A set's own test: no Python call per question.)
        self.varies: Callable[[Expr], bool] = self.varying.__contains__

    def run(self, top: Expr) -> Expr:
        """The derivative of ``top``."""
        return self.d(top)

    def d(self, u: Expr) -> Expr:
        """u′, for a rule: known, or worked out now (u is a node the rule built)."""
        du = self.done.get(u)
        if du is None:
            self._walk(u)
            du = self.done[u]
        return du

    def _walk(self, top: Expr) -> None:
        """Differentiate ``top`` and every node under it not yet done, children first.

        Iterative depth-first, first child first; ``None`` on the stack marks that the node
        under it has all its children done. Whether a node contains the variable follows
        from its children, so one walk finds the constant parts (derivative 0, no rule) and
        differentiates the rest.
        """
        done, varying, var, apply = self.done, self.varying, self.var, self._apply
        stack: list[Expr | None] = [top]
        pop, push = stack.pop, stack.append
        while stack:
            node = pop()
            if node is None:
                parent: Expr = pop()  # type: ignore[assignment]
                if varying.isdisjoint(parent.args):
                    done[parent] = ZERO
                else:
                    varying.add(parent)
                    apply(parent)
                continue
            if node in done:
                continue
            args = node.args
            if args:
                push(node)
                push(None)
                for child in reversed(args):
                    if child not in done:
                        push(child)
            elif node is var:
                varying.add(node)
                done[node] = ONE  # variable_rule's result
            else:
                done[node] = ZERO  # constant_rule's result, without its note

    def _apply(self, node: Expr) -> None:
        """Differentiate a node that contains the variable, its children done, by its rule."""
        self.done[node] = RULE_FOR[type(node)](node, self).result


class _Tracer(_Engine):
    """The engine that also keeps a ``Step`` per node: the rule's ``_Out``, with the steps
    of what the rule asked for (in order) as substeps."""

    tracing = True

    def __init__(self, wrt: str):
        super().__init__(wrt)
        self.steps: dict[Expr, Step] = {}
        self.asked: list[Expr] = []  # what the rule at work has asked for so far

    def d(self, u: Expr) -> Expr:
        self.asked.append(u)
        return super().d(u)

    def _apply(self, node: Expr) -> None:
        outer_asked, self.asked = self.asked, []  # a rule may run inside another's d()
        out = RULE_FOR[type(node)](node, self)
        self.done[node] = out.result
        subs = tuple(map(self.step, self.asked))
        self.asked = outer_asked
        if out.outer is not None:
            subs = (_step(node, out.outer, ()),) + subs
        self.steps[node] = _step(node, out, subs)

    def step(self, node: Expr) -> Step:
        """The step of a node walked; a leaf's or a constant's is made when first wanted."""
        known = self.steps.get(node)
        if known is None:
            out = variable_rule(node) if node is self.var else constant_rule(node, self.wrt)
            known = self.steps[node] = _step(node, out, ())
        return known


def _step(node: Expr, out: _Out, substeps: tuple[Step, ...]) -> Step:
    detail = MappingProxyType(dict(out.detail))
    return Step(out.rule, node, out.result, substeps, out.note, detail)


def power_rules(e: Pow, ctx: _Engine) -> _Out:
    """u^n by the power rule, a^u by the exponential rule, else the general power rule."""
    if not ctx.varies(e.exp):
        return chain(e, e.base, "power", power_outer(e.base, e.exp), ctx)
    if not ctx.varies(e.base):
        return chain(e, e.exp, "exp", exponential_outer(e), ctx)
    return general_power_rule(e, ctx)


def function_rules(e: Func, ctx: _Engine) -> _Out:
    """A built-in function by the chain rule, log(u, b), or a declared function."""
    if e.name in OUTER and len(e.fargs) == 1:
        return chain(e, e.arg, FAMILY[e.name], OUTER[e.name](e.arg), ctx, NOTES.get(e.name))
    if e.name == "log" and len(e.fargs) == 2:
        return log_base_rule(e, ctx)
    if e.name not in FUNCTIONS:
        return abstract_rule(e, ctx)
    raise UsageError(f"{e.name} does not take {len(e.fargs)} arguments")


# ------------------------------------------------------------------ leaf rules


def constant_rule(e: Expr, wrt: str) -> _Out:
    """d/dx c = 0 — also for another variable y (held constant) and any subtree without x."""
    others = sorted(e.free_vars())
    if not others:
        note = None if isinstance(e, (Num, Const)) else f"does not contain {wrt}"
        return _Out("constant", ZERO, note=note)
    if isinstance(e, Var):
        return _Out("held_constant", ZERO, note=f"{e.name} is held constant")
    held = ", ".join(others)
    verb = "is" if len(others) == 1 else "are"
    return _Out("held_constant", ZERO,
                note=f"does not contain {wrt} ({held} {verb} held constant): its derivative is 0")


def variable_rule(e: Var) -> _Out:
    """d/dx x = 1"""
    return _Out("variable", ONE)


# ------------------------------------------------------------------ structural rules


def sum_rule(e: Add, ctx: _Engine) -> _Out:
    """d/dx (u + v − w) = u′ + v′ − w′ (a subtracted term is differentiated without its sign)"""
    d = ctx.d
    terms = [neg(d(t.arg)) if isinstance(t, Neg) else d(t) for t in e.terms]
    # The rule's name shows only in a trace: untraced, the terms' signs need no look.
    rule = "difference" if ctx.tracing and any(map(is_negative_term, e.terms)) else "sum"
    return _Out(rule, _add(*terms))


def negation_rule(e: Neg, ctx: _Engine) -> _Out:
    """d/dx (−u) = −u′ (a constant multiple with c = −1)"""
    return _Out("constant_multiple", neg(ctx.d(e.arg)), {"c": MINUS_ONE, "u": e.arg})


def constant_multiple_rule(c: Expr, u: Expr, ctx: _Engine) -> _Out:
    """d/dx (c·u) = c·u′ when c does not contain x"""
    return _Out("constant_multiple", _mul(c, ctx.d(u)), {"c": c, "u": u})


def product_rule(e: Mul, ctx: _Engine) -> _Out:
    """d/dx (f·g·h) = f′·g·h + f·g′·h + f·g·h′ (n-ary; constant factors stay outside)"""
    varying = tuple(filter(ctx.varies, e.terms))
    if len(varying) < len(e.terms):
        constant = filterfalse(ctx.varies, e.terms)
        return constant_multiple_rule(mul(*constant), mul(*varying), ctx)
    derivatives = [ctx.d(f) for f in varying]
    terms = (_mul(*varying[:i], d, *varying[i + 1:]) for i, d in enumerate(derivatives))
    return _Out("product", _add(*terms), _factor_names(varying))


def quotient_rule(e: Div, ctx: _Engine) -> _Out:
    """d/dx (f/g) = (f′·g − f·g′)/g^2"""
    f, g = e.left, e.right
    if not ctx.varies(g):
        return divided_by_constant_rule(f, g, ctx)
    df, dg = ctx.d(f), ctx.d(g)
    result = _div(_sub(_mul(df, g), _mul(f, dg)), _pow(g, TWO))
    return _Out("quotient", result, {"f": f, "g": g})


def divided_by_constant_rule(u: Expr, c: Expr, ctx: _Engine) -> _Out:
    """d/dx (u/c) = u′/c when c does not contain x (a constant multiple, by 1/c)"""
    return _Out("constant_multiple", _div(ctx.d(u), c), {"c": Div(ONE, c), "u": u})


def general_power_rule(e: Pow, ctx: _Engine) -> _Out:
    """d/dx f^g = f^g·(g′·ln(f) + g·f′/f) (logarithmic differentiation)"""
    f, g = e.base, e.exp
    df, dg = ctx.d(f), ctx.d(g)
    inner = _add(_mul(dg, func("ln", f)), _div(_mul(g, df), f))
    return _Out("general_power", _mul(e, inner), {"f": f, "g": g})


def log_base_rule(e: Func, ctx: _Engine) -> _Out:
    """d/dx log(u, b) = u′/(ln(b)·u) for a constant base; otherwise via ln(u)/ln(b)"""
    u, b = e.fargs
    if not ctx.varies(b):
        outer = Div(ONE, _mul(func("ln", b), u))
        return chain(e, u, "log", outer, ctx)
    dq = ctx.d(Div(func("ln", u), func("ln", b)))
    return _Out("log", dq, {"u": u, "b": b}, note="change of base: log(u, b) = ln(u)/ln(b)")


def abstract_rule(e: Func, ctx: _Engine) -> _Out:
    """d/dx f(u) = f′(u)·u′ for a declared function f"""
    if len(e.fargs) != 1:
        raise UsageError(f"{e.name} has several arguments; "
                         "partial derivatives of abstract functions are not supported")
    return chain(e, e.arg, "abstract", func(e.name + "'", e.arg), ctx)


class _RuleTable(dict):
    """The rule for each kind of node that contains the variable (leaves are the engine's)."""

    def __missing__(self, kind: type) -> Callable[[Expr, _Engine], _Out]:
        raise TypeError(f"cannot differentiate a {kind.__name__}")


RULE_FOR = _RuleTable({Add: sum_rule, Neg: negation_rule, Mul: product_rule,
                       Div: quotient_rule, Pow: power_rules, Func: function_rules})


# ------------------------------------------------------------------ the chain rule


def chain(e: Expr, u: Expr, rule: str, outer: Expr, ctx: _Engine,
          note: str | None = None) -> _Out:
    """d/dx f(u) = f′(u)·u′ — the only place the chain rule is applied.

    ``outer`` is f′(u), supplied by the rule for f; with u the bare variable
    there is no inner derivative and the step is the outer rule itself.
    """
    if u is ctx.var:
        return _Out(rule, outer, note=note)
    du = ctx.d(u)
    outer_step = _Out(rule, outer, {"u": u}, note) if ctx.tracing else None
    return _Out("chain", _times(outer, du), {"u": u}, outer=outer_step)


def power_outer(u: Expr, n: Expr) -> Expr:
    """d/du u^n = n·u^(n−1), with n − 1 worked out when n is a number"""
    return _mul(n, _pow(u, _minus_one(n)))


def exponential_outer(e: Pow) -> Expr:
    """d/du e^u = e^u; d/du a^u = ln(a)·a^u for a constant base a"""
    if e.base is Const("e"):
        return e
    return _mul(func("ln", e.base), e)


def _sqrt_of_one_minus_square(u: Expr) -> Expr:
    return func("sqrt", sub(ONE, Pow(u, TWO)))


# f′(u) for each built-in function of one argument; the chain rule multiplies by u′.
OUTER: dict[str, Callable[[Expr], Expr]] = {
    "sin": lambda u: func("cos", u),                                  # sin′ = cos
    "cos": lambda u: neg(func("sin", u)),                             # cos′ = −sin
    "tan": lambda u: Pow(func("sec", u), TWO),                        # tan′ = sec²
    "sec": lambda u: Mul(func("sec", u), func("tan", u)),             # sec′ = sec·tan
    "csc": lambda u: neg(Mul(func("csc", u), func("cot", u))),        # csc′ = −csc·cot
    "cot": lambda u: neg(Pow(func("csc", u), TWO)),                   # cot′ = −csc²
    "asin": lambda u: Div(ONE, _sqrt_of_one_minus_square(u)),         # 1/√(1−u²)
    "acos": lambda u: Div(MINUS_ONE, _sqrt_of_one_minus_square(u)),   # −1/√(1−u²)
    "atan": lambda u: Div(ONE, add(ONE, Pow(u, TWO))),                # 1/(1+u²)
    "sinh": lambda u: func("cosh", u),                                # sinh′ = cosh
    "cosh": lambda u: func("sinh", u),                                # cosh′ = sinh
    "tanh": lambda u: sub(ONE, Pow(func("tanh", u), TWO)),            # tanh′ = 1 − tanh²
    "exp": lambda u: func("exp", u),                                  # exp′ = exp
    "ln": lambda u: Div(ONE, u),                                      # ln′ = 1/u
    "log": lambda u: Div(ONE, u),                                     # log is natural
    "log10": lambda u: Div(ONE, mul(func("ln", Num(10)), u)),         # 1/(ln(10)·u)
    "log2": lambda u: Div(ONE, mul(func("ln", TWO), u)),              # 1/(ln(2)·u)
    "sqrt": lambda u: Div(ONE, mul(TWO, func("sqrt", u))),            # 1/(2√u)
    "cbrt": lambda u: Div(ONE, mul(Num(3), Pow(func("cbrt", u), TWO))),  # 1/(3·∛u²)
    "abs": lambda u: Div(u, func("abs", u)),                          # u/|u|, u ≠ 0
    "sigmoid": lambda u: mul(func("sigmoid", u), sub(ONE, func("sigmoid", u))),  # σ·(1 − σ)
    "softplus": lambda u: func("sigmoid", u),                         # softplus′ = σ
    "relu": lambda u: func("heaviside", u),                           # 1 for u > 0, 0 for u < 0
    "heaviside": lambda u: ZERO,                                      # 0 wherever it is defined
}

FAMILY: dict[str, str] = {
    **dict.fromkeys(("sin", "cos", "tan", "sec", "csc", "cot"), "trig"),
    **dict.fromkeys(("asin", "acos", "atan"), "inverse_trig"),
    **dict.fromkeys(("sinh", "cosh", "tanh"), "hyperbolic"),
    **dict.fromkeys(("ln", "log", "log10", "log2"), "log"),
    **dict.fromkeys(("sqrt", "cbrt"), "root"),
    "exp": "exp",
    "abs": "abs",
    **dict.fromkeys(("sigmoid", "softplus", "relu", "heaviside"), "activation"),
}

NOTES: dict[str, str] = {
    "abs": "abs is not differentiable where its argument is 0",
    "relu": "relu is not differentiable where its argument is 0 (frameworks use 0 there)",
}


# ------------------------------------------------------------------ tidy builders
# They keep the raw derivative small without simplifying: the rules' output, minus
# factors of 1, terms of 0 and products with a factor 0, numbers multiplied in front.


# A product factor of up to this many factors is spliced in at once; a longer one stays
# nested until _Flattener (copying it at every level of a deep nesting would be quadratic).
SPLICED = 8


# The factors _mul looks into, for a number or a sign to take out; others are kept as they are.
_PEELED = frozenset((Num, Neg, Mul))


def _mul(*factors: Expr) -> Expr:
    if len(factors) == 2:  # most often a number or a plain factor times a plain factor
        a, b = factors
        if type(b) not in _PEELED:
            if type(a) not in _PEELED:
                return Mul(a, b)
            if type(a) is Num:
                return _scaled(a, b)
    # The coefficient is kept as two ints, p/q: Fraction arithmetic is Python code.
    p, q, decimal, rest = 1, 1, False, []
    for f in factors:
        if type(f) is Num:
            p, q = p * f.numerator, q * f.denominator
            decimal = decimal or f.decimal
            continue
        if type(f) not in _PEELED:
            rest.append(f)
            continue
        fp, fq, is_decimal, tail = _peel(f)
        p, q = p * fp, q * fq
        decimal = decimal or is_decimal
        if len(tail) == 1 and type(tail[0]) is Mul:
            tail = tail[0].terms
        # A long product factor stays nested (flattened once at the end): multiplying
        # f′(u) onto it at every level of a deep nesting must not copy it.
        if len(tail) <= SPLICED:
            rest.extend(tail)
        else:
            rest.append(Mul(*tail))
    if p == 0:
        return ZERO
    if q != 1:
        g = gcd(p, q)
        p, q = p // g, q // g
    if not rest:
        return Num(p if q == 1 else Fraction(p, q), decimal)
    product = rest[0] if len(rest) == 1 else Mul(*rest)
    if q == 1 and p == 1:
        return product
    if q == 1 and p == -1:
        return neg(product)
    return Mul(Num(p if q == 1 else Fraction(p, q), decimal), *rest)


def _scaled(c: Num, f: Expr) -> Expr:
    """``_mul(c, f)`` for a number c and a factor f with no number or sign to take out."""
    if c.numerator == 0:
        return ZERO
    if c.denominator == 1 and c.numerator == 1:
        return f
    if c.denominator == 1 and c.numerator == -1:
        return neg(f)
    return Mul(c, f)


def _peel(f: Expr) -> tuple[int, int, bool, tuple[Expr, ...]]:
    """``f`` as p/q times the product of some factors, its sign and leading number taken out
    (no factors for a number). The factors come as a tuple: ``_mul`` mostly splices them into
    its product, so a product of them as a node would be made only to be taken apart."""
    sign = 1
    while type(f) is Neg:
        sign, f = -sign, f.arg
    if type(f) is Num:
        return sign * f.numerator, f.denominator, f.decimal, ()
    if type(f) is Mul and type(f.terms[0]) in (Num, Neg):
        p, q, decimal, lead = _peel(f.terms[0])
        if not lead:
            return sign * p, q, decimal, f.terms[1:]
        return sign * p, q, decimal, (lead[0] if len(lead) == 1 else Mul(*lead), *f.terms[1:])
    return sign, 1, False, (f,)


def _add(*terms: Expr) -> Expr:
    flat: list[Expr] = []
    for t in terms:
        if type(t) is Add:
            flat.extend(t.terms)
        elif not (type(t) is Num and t.numerator == 0):
            flat.append(t)
    if not flat:
        return ZERO
    return flat[0] if len(flat) == 1 else Add(*flat)


def _sub(a: Expr, b: Expr) -> Expr:
    return _add(a, neg(b))


def _div(a: Expr, b: Expr) -> Expr:
    if type(a) is Num and a.numerator == 0:
        return ZERO
    if type(b) is Num and b.numerator == 1 and b.denominator == 1:
        return a
    return Div(a, b)


def _pow(base: Expr, exponent: Expr) -> Expr:
    if type(exponent) is Num and exponent.denominator == 1:
        if exponent.numerator == 1:
            return base
        if exponent.numerator == 0:
            return ONE
    return Pow(base, exponent)


def _times(outer: Expr, du: Expr) -> Expr:
    """f′(u)·u′, one fraction when f′(u) is one: u′/(2·sqrt(u)), not (1/(2·sqrt(u)))·u′."""
    if isinstance(outer, Div):
        return _div(_mul(outer.left, du), outer.right)
    return _mul(outer, du)


def _minus_one(n: Expr) -> Expr:
    """n − 1, exactly when n is a number (2 → 1, 1/2 → -1/2, 0.5 → -0.5), else n + (−1)."""
    if isinstance(n, Num):  # an integer without Fraction arithmetic (Python code)
        return Num(n.numerator - 1 if n.denominator == 1 else n.value - 1, n.decimal)
    if (isinstance(n, Div) and isinstance(n.left, Num) and isinstance(n.right, Num)
            and n.left.is_integer and n.right.is_integer and n.right.value != 0
            and not (n.left.decimal or n.right.decimal)):
        p, q = n.left.value, n.right.value
        return ZERO if p == q else Div(Num(p - q), n.right)
    return _add(n, MINUS_ONE)


def _factor_names(factors: Sequence[Expr]) -> dict[str, Expr]:
    """f, g, h for up to three factors; f1 … fn beyond."""
    if len(factors) <= 3:
        return dict(zip("fgh", factors))
    return {f"f{i}": f for i, f in enumerate(factors, 1)}


class _Flattener:
    """Makes the nested products that ``_mul`` builds flat: ``a·(b·(c·d))`` → ``a·b·c·d``.

    Only products that something other than a product refers to are built,
    so a chain of n nested products costs n, not n²; a product already made
    flat (memoised across calls) is spliced in whole.
    """

    def __init__(self) -> None:
        self.memo: dict[Expr, Expr] = {}

    def __call__(self, e: Expr) -> Expr:
        memo = self.memo
        if e not in memo and self._flat_already(e):
            return e
        stack: list[tuple[Expr, bool]] = [(e, False)]
        while stack:
            node, ready = stack.pop()
            if node in memo:
                continue
            if ready:
                memo[node] = self._rebuild(node)
                continue
            stack.append((node, True))
            stack.extend((c, False) for c in self._parts(node) if c not in memo)
        return memo[e]

    def _flat_already(self, e: Expr) -> bool:
        """Whether no product in e has a product as a factor (what ``_Flattener`` undoes).

        If so, e's nodes go into the memo as their own results: the results of a trace
        share most of their nodes, and each is then looked at once, not once per step.
        """
        memo = self.memo
        fresh, seen, stack = [], set(), [e]
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            known = memo.get(node)
            if known is not None:
                if known is not node:
                    return False
                continue
            if type(node) is Mul and any(type(f) is Mul for f in node.terms):
                return False
            fresh.append(node)
            stack.extend(node.args)
        memo.update(zip(fresh, fresh))
        return True

    def _parts(self, node: Expr) -> Sequence[Expr]:
        """A node's children; for a product, the factors inside nested products not yet flat."""
        if not isinstance(node, Mul):
            return node.args
        factors, stack = [], list(reversed(node.terms))
        while stack:
            f = stack.pop()
            if isinstance(f, Mul) and f not in self.memo:
                stack.extend(reversed(f.terms))
            else:
                factors.append(f)
        return factors

    def _rebuild(self, node: Expr) -> Expr:
        if isinstance(node, Mul):
            flat: list[Expr] = []
            for part in self._parts(node):
                done = self.memo[part]
                if isinstance(part, Mul) and isinstance(done, Mul):
                    flat.extend(done.terms)
                else:
                    flat.append(done)
            return node if tuple(flat) == node.terms else Mul(*flat)
        flat = [self.memo[a] for a in node.args]
        if all(a is b for a, b in zip(flat, node.args)):
            return node
        return node.rebuild(tuple(flat))


def _flat_results(step: Step, flat: _Flattener) -> Step:
    """The trace with every result's products flattened (traces are shallow: recursion is fine)."""
    subs = tuple(_flat_results(s, flat) for s in step.substeps)
    return step.replace(result=flat(step.result), substeps=subs)
