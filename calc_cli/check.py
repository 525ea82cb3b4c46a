"""Checking a learner's derivative: is it right, and if not, which slip made it?

``check(e, answer, wrt)`` decides in two ways whether ``answer`` is d/dx e:

1. by form: the simplified answer is the simplified derivative (nodes are interned,
   so this is one identity test);
2. by value: both are evaluated at up to ``TARGET_POINTS`` random points (mostly
   small exact fractions, some floats; a seeded generator, so the same question
   always gets the same points). A point where e or its derivative is undefined is
   skipped; a point where the answer is undefined but the derivative is not is a
   difference. Exact values must be equal, floats agree to a relative 1e-9.

A wrong answer comes back with the simplest point where the two differ and, when the
answer matches a known slip, the slip's id and one or two sentences about it. Slips
are recognised by building the mistaken derivative and comparing its values with the
answer's at the same points. Each mistaken derivative is made from the true rules in
``calc_cli.diff``: a *site* S of e (a composite f(u), a product, a quotient, a
power, a sum) is replaced by a fresh variable t, and

    e′ = ∂e*/∂x + ∂e*/∂t · S′      (e* is e with S replaced by t)

with the site's derivative S′ swapped for the mistaken one (f′(u) without u′, f′·g′,
…), which comes to e′ + ∂e*/∂t · (mistaken S′ − S′). No differentiation rule is
written here: every derivative is ``calc_cli.diff``'s.

Abstract functions (``f(x^2)``, ``f'(x)``) are evaluated through concrete stand-ins
(f is sin(3t/2) + e^(t/2) and f′ its derivative), so answers with them can be compared too.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import partial
from itertools import islice
from typing import Any, TypeGuard, Union

from .diff import differentiate, nth_derivative
from .errors import CalcError, MathError
from .evaluate import describe, describe_point, evaluate, message_value
from .expr import (
    FUNCTIONS,
    ONE,
    TWO,
    Add,
    Const,
    Div,
    Expr,
    Func,
    Mul,
    Num,
    Pow,
    Var,
    add,
    func,
    mul,
    neg,
    sub,
)
from .numbers import Value, json_value
from .render.plain import plain
from .simplify import simplify

SEED = 1729  # every check draws the same points: a verdict never changes between runs
TARGET_POINTS = 40  # points where e and its derivative are defined, enough to decide
MIN_POINTS = 10  # fewer usable points than this and agreement proves nothing
DENOMINATORS = (1, 2, 3, 4, 5, 7)
SPAN = 3  # points lie in [-3, 3] at first: most domains meet it, exact powers stay small
PHASE = 150  # points tried in [-3, 3], then as many in [-30, 30], then in [-300, 300]
MAX_ATTEMPTS = 3 * PHASE  # ln(x - 5) has no point in [-3, 3]; asin(x) has few
FLOAT_EVERY = 3  # every third point is a float, the others exact fractions
REL_TOL = 1e-9
ABS_TOL = 1e-12  # for values that should be 0 but come out of float cancellation
MAX_VARIANTS = 200  # mistaken derivatives tried, so a huge expression stays quick
SHOWN_CHARS = 48  # a subexpression longer than this is cut short in an explanation
MAX_SHOWN_DEPTH = 6

# Fresh variable names: the parser never makes a name with a NUL in it.
_SITE = "\0site"
_INNER = "\0inner"
_STAND_IN = "\0t"
_ELLIPSIS = Var("…")  # stands for the part of a long subexpression left out of a message


# ------------------------------------------------------------------ the verdict


@dataclass(frozen=True)
class Verdict:
    """Whether ``answer`` is the derivative; when not, where and (if known) why.

    ``got`` is None when the answer is undefined at ``point`` although the derivative
    is defined there. ``point`` is None only for an answer with a variable the
    expression lacks that nevertheless agrees everywhere it was tried.
    """

    correct: bool
    derivative: Expr
    answer: Expr
    point: dict[str, Value] | None = None
    expected: Value | None = None
    got: Value | None = None
    mistake: str | None = None
    explanation: str | None = None


def check(e: Expr, answer: Expr, wrt: str) -> Verdict:
    """Whether ``answer`` is d/d``wrt`` of ``e``; other variables are held constant.

    Raises ``MathError`` when ``e`` and its derivative are defined at too few of the
    points tried to tell (and the answer agrees at those few).
    """
    derivative = simplify(differentiate(e, wrt))
    if simplify(answer) is derivative:
        return Verdict(True, derivative, answer)
    values = _Values((e, answer))
    samples = _samples(e, derivative, answer, wrt, values)
    differing = _first_difference(samples)
    foreign = sorted(simplify(answer).free_vars() - e.free_vars() - {wrt})
    if foreign:
        return _wrong(derivative, answer, differing, "unknown_variable",
                      _foreign_explanation(foreign, e, wrt))
    if differing is None:
        if len(samples) < MIN_POINTS:
            raise MathError(f"cannot check the answer: {describe(e)} and its derivative are "
                            f"defined at only {len(samples)} of the points tried")
        return Verdict(True, derivative, answer)
    slip = _diagnose(e, derivative, wrt, samples, differing, values)
    if slip is not None:
        return _wrong(derivative, answer, differing, *slip)
    return _wrong(derivative, answer, differing, None, _undefined_explanation(differing))


def _wrong(derivative: Expr, answer: Expr, at: _Sample | None, mistake: str | None,
           explanation: str | None) -> Verdict:
    if at is None:
        return Verdict(False, derivative, answer, mistake=mistake, explanation=explanation)
    got = None if isinstance(at.got, _Undefined) else at.got
    return Verdict(False, derivative, answer, dict(at.point), at.expected, got,
                   mistake, explanation)


def to_json(v: Verdict) -> dict[str, Any]:
    """The verdict as a JSON object: numbers via ``json_value``, expressions as plain text.

    ``point``, ``expected`` and ``got`` (null where the answer is undefined) appear
    when there is a differing point; ``mistake`` and ``explanation`` (either may be
    null) whenever the answer is wrong.
    """
    out: dict[str, Any] = {"correct": v.correct, "derivative": plain(v.derivative),
                           "answer": plain(v.answer)}
    if v.correct:
        return out
    if v.point is not None:
        assert v.expected is not None
        out["point"] = {name: json_value(x) for name, x in v.point.items()}
        out["expected"] = json_value(v.expected)
        out["got"] = None if v.got is None else json_value(v.got)
    out["mistake"] = v.mistake
    out["explanation"] = v.explanation
    return out


# ------------------------------------------------------------------ substitution


def substitute(e: Expr, target: Expr, replacement: Expr) -> Expr:
    """``e`` with every occurrence of the subtree ``target`` replaced by ``replacement``."""
    return substitute_all(e, {target: replacement})


def substitute_all(e: Expr, mapping: Mapping[Expr, Expr]) -> Expr:
    """``e`` with each subtree that is a key of ``mapping`` replaced by its value.

    The outermost match wins: what is inside a replaced subtree does not matter.
    """
    done: dict[Expr, Expr] = {}
    for node in e.walk():  # children first, so each parent is rebuilt from finished parts
        if node in mapping:
            done[node] = mapping[node]
            continue
        args = tuple(done[a] for a in node.args)
        same = all(a is b for a, b in zip(args, node.args))
        done[node] = node if same else node.rebuild(args)
    return done[e]


# ------------------------------------------------------------------ values at points


class _Undefined:
    """The answer has no value at a point; ``reason`` is the evaluator's message."""

    __slots__ = ("reason",)

    def __init__(self, reason: str):
        self.reason = reason


Outcome = Union[Value, _Undefined]  # noqa: UP007 (an alias evaluated at run time)


class _Values:
    """Values at points; abstract functions f, g … are evaluated through concrete stand-ins.

    The i-th abstract name (alphabetically) stands for g_i(t) = sin(a·t) + e^(b·t) with
    a = (i+3)/2 and b = 1/(i+2): smooth everywhere, no derivative of it vanishes, and
    f′, f″ … stand for its derivatives, so the chain rule holds among the stand-ins.
    """

    def __init__(self, exprs: Sequence[Expr]):
        names = {_base_name(n.name) for x in exprs for n in x.walk() if _is_abstract(n)}
        self.index = {name: i for i, name in enumerate(sorted(names))}
        self.concrete_memo: dict[Expr, Expr] = {}
        self.stand_ins: dict[str, Expr] = {}

    def at(self, e: Expr, point: Mapping[str, Value]) -> Value:
        """The value of ``e`` (``MathError`` where it is undefined)."""
        return evaluate(self.concrete(e), point)

    def outcome(self, e: Expr, point: Mapping[str, Value]) -> Outcome:
        try:
            return self.at(e, point)
        except MathError as exc:
            return _Undefined(exc.message)

    def concrete(self, e: Expr) -> Expr:
        if not self.index:
            return e
        found = self.concrete_memo.get(e)
        if found is None:
            found = self.concrete_memo[e] = self._replace_functions(e)
        return found

    def _replace_functions(self, e: Expr) -> Expr:
        done: dict[Expr, Expr] = {}
        for node in e.walk():
            args = tuple(done[a] for a in node.args)
            if _is_abstract(node) and len(args) == 1:
                done[node] = substitute(self._stand_in(node.name), Var(_STAND_IN), args[0])
            else:
                same = all(a is b for a, b in zip(args, node.args))
                done[node] = node if same else node.rebuild(args)
        return done[e]

    def _stand_in(self, name: str) -> Expr:
        """g_i(t) for ``f``, g_i′(t) for ``f'``, and so on."""
        found = self.stand_ins.get(name)
        if found is None:
            base = _base_name(name)
            i = self.index[base]
            t = Var(_STAND_IN)
            g = add(func("sin", mul(Num(Fraction(i + 3, 2)), t)),
                    Pow(Const("e"), mul(Num(Fraction(1, i + 2)), t)))
            found = self.stand_ins[name] = nth_derivative(g, [_STAND_IN] * (len(name) - len(base)))
        return found


def _is_abstract(node: Expr) -> TypeGuard[Func]:
    return isinstance(node, Func) and node.name not in FUNCTIONS


def _base_name(name: str) -> str:
    """``f`` for ``f``, ``f'`` and ``f''``."""
    return name.rstrip("'")


@dataclass(frozen=True)
class _Sample:
    """One usable point: the derivative's value there and the answer's (maybe undefined)."""

    point: dict[str, Value]
    expected: Value
    got: Outcome


def _samples(e: Expr, derivative: Expr, answer: Expr, wrt: str,
             values: _Values) -> list[_Sample]:
    """Up to ``TARGET_POINTS`` points where e and its derivative are both defined."""
    names = sorted(e.free_vars() | answer.free_vars() | {wrt})
    rng = random.Random(SEED)
    samples: list[_Sample] = []
    tried: set[tuple[Value, ...]] = set()
    for attempt in range(MAX_ATTEMPTS):
        if len(samples) >= TARGET_POINTS:
            break
        span = SPAN * 10 ** (attempt // PHASE)  # wider only while too few points are usable
        point = _random_point(rng, names, span, exact=attempt % FLOAT_EVERY != FLOAT_EVERY - 1)
        key = tuple(point.values())
        if key in tried:
            continue
        tried.add(key)
        try:
            values.at(e, point)
            expected = values.at(derivative, point)
        except MathError:
            continue  # outside the domain of e or of its derivative: nothing to compare
        samples.append(_Sample(point, expected, values.outcome(answer, point)))
    return samples


def _random_point(rng: random.Random, names: Sequence[str], span: int,
                  exact: bool) -> dict[str, Value]:
    """A nonzero fraction p/q with a small q in [-span, span] for each name, or a float there.

    Zero is left out on purpose: it is where an answer such as 2x^2/x has a removable
    hole, and an answer should not fail on a single point.
    """
    point: dict[str, Value] = {}
    for name in names:
        if exact:
            q = rng.choice(DENOMINATORS)
            point[name] = Fraction(rng.randint(1, span * q) * rng.choice((-1, 1)), q)
        else:
            point[name] = rng.uniform(-span, span)
    return point


def _agree(a: Outcome, b: Outcome) -> bool:
    """Equal when both are exact, within a relative 1e-9 otherwise; undefined matches undefined."""
    if isinstance(a, _Undefined) or isinstance(b, _Undefined):
        return isinstance(a, _Undefined) and isinstance(b, _Undefined)
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return a == b
    try:
        return math.isclose(float(a), float(b), rel_tol=REL_TOL, abs_tol=ABS_TOL)
    except OverflowError:  # an exact value beyond the float range against a float
        return False


def _first_difference(samples: Sequence[_Sample]) -> _Sample | None:
    """The simplest point where the answer differs, one where it has a value if there is one."""
    differing = [s for s in samples if not _agree(s.expected, s.got)]
    return min(differing, key=_plainness, default=None)


def _plainness(s: _Sample) -> tuple[bool, int]:
    """How hard the point is to read: |p| + q for each exact p/q, a lot for a float."""
    size = sum(abs(v.numerator) + v.denominator if isinstance(v, Fraction) else 1000
               for v in s.point.values())
    return isinstance(s.got, _Undefined), size


# ------------------------------------------------------------------ recognising slips


@dataclass(frozen=True)
class _Variant:
    """A slip: the mistaken derivative of some sites (``local``) or of the whole expression."""

    mistake: str
    explain: Callable[[], str]
    local: Mapping[Expr, Expr] | None = None
    whole: Expr | None = None


def _diagnose(e: Expr, derivative: Expr, wrt: str, samples: Sequence[_Sample],
              differing: _Sample, values: _Values) -> tuple[str, str] | None:
    """The first known slip whose derivative has the answer's value at every point."""
    for variant in islice(_variants(e, wrt, derivative), MAX_VARIANTS):
        try:
            raw = _mistaken(e, wrt, derivative, variant)
            # The differing point first, unsimplified: most slips fail there, cheaply.
            if not _fits(raw, differing, values):
                continue
            mistaken = simplify(raw)
        except CalcError:
            continue  # a slip that cannot be built for this expression
        if all(_fits(mistaken, s, values) for s in samples):
            return variant.mistake, variant.explain()
    return None


def _fits(mistaken: Expr, s: _Sample, values: _Values) -> bool:
    """Whether the mistaken derivative has the answer's value (or is undefined like it) at s."""
    return _agree(values.outcome(mistaken, s.point), s.got)


def _variants(e: Expr, wrt: str, derivative: Expr) -> Iterator[_Variant]:
    """Every slip, in order of preference when two fit the same answer."""
    yield from _chain_variants(e, wrt)
    yield from _product_variants(e, wrt)
    yield from _quotient_variants(e, wrt)
    yield from _power_variants(e, wrt)
    yield from _variable_exponent_variants(e, wrt)
    yield from _constant_variants(e, wrt)
    yield from _held_constant_variants(e, wrt)
    yield from _sign_variants(derivative)


def _mistaken(e: Expr, wrt: str, derivative: Expr, variant: _Variant) -> Expr:
    if variant.whole is not None:
        return variant.whole
    assert variant.local is not None
    return _swap_site_derivatives(e, wrt, derivative, variant.local)


def _swap_site_derivatives(e: Expr, wrt: str, derivative: Expr,
                           local: Mapping[Expr, Expr]) -> Expr:
    """e′ + Σ ∂e*/∂t_S · (local[S] − S′), unsimplified: e′ with each S′ replaced by local[S].

    By the chain rule e′ = ∂e*/∂x + Σ ∂e*/∂t_S · S′, where e* is e with each site S
    replaced by a fresh variable t_S (put back as S afterwards). Only the partials by
    the t_S are needed, and they touch only the path from the top down to each site.
    The sites must not contain one another.
    """
    fresh = {site: Var(f"{_SITE}{i}") for i, site in enumerate(local)}
    starred = substitute_all(e, fresh)
    back: dict[Expr, Expr] = {t: site for site, t in fresh.items()}
    changes = [mul(substitute_all(differentiate(starred, t.name), back),
                   sub(local[site], differentiate(site, wrt)))
               for site, t in fresh.items()]
    return add(derivative, *changes)


def misderive(e: Expr, wrt: str, local: Mapping[Expr, Expr]) -> Expr:
    """d/dx e with the derivative of each site S taken to be ``local[S]``, simplified.

    With the true S′ it is the true derivative; with a mistaken one, the mistake's.
    """
    derivative = simplify(differentiate(e, wrt))
    return simplify(_swap_site_derivatives(e, wrt, derivative, local))


def _varies(e: Expr, wrt: str) -> bool:
    return wrt in e.free_vars()


def _d(e: Expr, wrt: str) -> Expr:
    """The simplified derivative of a piece (for showing it)."""
    return simplify(differentiate(e, wrt))


# ---------------------------------------------------------------- chain rule


def _chain_sites(e: Expr, wrt: str) -> list[tuple[Expr, int]]:
    """Composites f(u) with u not the bare variable: (site, index of u among its args).

    f(u) is a function of u, a power u^n with n constant, a^u with a constant (e^u),
    log(u, b) with b constant, or c/u with c constant (the reciprocal of u).
    """
    x = Var(wrt)
    sites = []
    for node in e.walk():
        k = _inner_index(node, wrt)
        if k is not None and node.args[k] is not x and _varies(node.args[k], wrt):
            sites.append((node, k))
    return sites


def _inner_index(node: Expr, wrt: str) -> int | None:
    """Which argument of ``node`` is the inner function u, if ``node`` is a composite f(u)."""
    if isinstance(node, Func):
        if len(node.args) == 1 or node.name == "log" and not _varies(node.args[1], wrt):
            return 0
        return None
    if isinstance(node, Pow):
        if not _varies(node.exp, wrt):
            return 0
        return 1 if not _varies(node.base, wrt) else None
    if isinstance(node, Div) and not _varies(node.left, wrt):
        return 1
    return None


def outer_derivative(site: Expr, k: int) -> Expr:
    """f′(u) for the composite f(u), u its k-th argument: d/dt f(t) with t = u afterwards."""
    t = Var(_INNER)
    u = site.args[k]
    with_t = site.rebuild(site.args[:k] + (t,) + site.args[k + 1:])
    return simplify(substitute(differentiate(with_t, _INNER), t, u))


def _chain_variants(e: Expr, wrt: str) -> Iterator[_Variant]:
    """f′(u) where f′(u)·u′ is due: each composite on its own, then all outermost ones at once."""
    sites = [(s, k) for s, k in _chain_sites(e, wrt) if _d(s.args[k], wrt) is not ONE]
    for site, k in sites:
        yield _Variant("chain_rule_inner", partial(_chain_explanation, site, k, wrt),
                       local={site: outer_derivative(site, k)})
    outermost = _outermost(sites)
    if len(outermost) > 1:
        local = {site: outer_derivative(site, k) for site, k in outermost}
        yield _Variant("chain_rule_inner", partial(_chain_all_explanation, outermost, wrt),
                       local=local)


def _outermost(sites: Sequence[tuple[Expr, int]]) -> list[tuple[Expr, int]]:
    """The sites that are not inside another site."""
    inside: set[Expr] = set()
    for site, _ in sites:
        inside.update(n for n in site.walk() if n is not site)
    return [(s, k) for s, k in sites if s not in inside]


def _chain_explanation(site: Expr, k: int, wrt: str) -> str:
    inner = _d(site.args[k], wrt)
    outer = outer_derivative(site, k)
    return (f"the chain rule needs the inner derivative: d/d{wrt} {_operand(site)} = "
            f"{_factor(outer)}·{_factor(inner)}, and the answer leaves out the factor "
            f"{_show(inner)}")


def _chain_all_explanation(sites: Sequence[tuple[Expr, int]], wrt: str) -> str:
    missing = " and ".join(f"the factor {_show(_d(s.args[k], wrt))} of {_show(s)}"
                           for s, k in sites)
    return ("the chain rule needs the inner derivative of each composite: "
            f"the answer leaves out {missing}")


# ---------------------------------------------------------------- product rule


def _product_sites(e: Expr, wrt: str) -> list[tuple[Mul, list[Expr], list[Expr]]]:
    """Products with at least two factors that vary: (site, constant factors, varying factors)."""
    sites = []
    for node in e.walk():
        if isinstance(node, Mul):
            varying = [f for f in node.terms if _varies(f, wrt)]
            if len(varying) >= 2:
                sites.append((node, [f for f in node.terms if not _varies(f, wrt)], varying))
    return sites


def _product_variants(e: Expr, wrt: str) -> Iterator[_Variant]:
    """(f·g)′ taken as f′·g′; then as one term of the product rule only (f′·g, or f·g′)."""
    sites = _product_sites(e, wrt)
    for site, constant, varying in sites:
        local = mul(*constant, *(differentiate(f, wrt) for f in varying))
        yield _Variant("product_rule", partial(_product_explanation, site, varying, wrt),
                       local={site: local})
    for site, constant, varying in sites:
        for i, f in enumerate(varying):
            term = mul(*constant, *varying[:i], differentiate(f, wrt), *varying[i + 1:])
            yield _Variant("product_rule", partial(_one_term_explanation, site, term, wrt),
                           local={site: term})


def _product_explanation(site: Expr, varying: Sequence[Expr], wrt: str) -> str:
    primes = "·".join(_factor(_d(f, wrt)) for f in varying)
    return (f"the derivative of a product is not the product of the derivatives: "
            f"d/d{wrt} {_operand(site)} = {_show(_d(site, wrt))} by the product rule, "
            f"and the answer has {primes}")


def _one_term_explanation(site: Expr, term: Expr, wrt: str) -> str:
    return (f"the product rule has a term for each factor: d/d{wrt} {_operand(site)} = "
            f"{_show(_d(site, wrt))}, and the answer keeps only {_show(simplify(term))}")


# ---------------------------------------------------------------- quotient rule


def _quotient_variants(e: Expr, wrt: str) -> Iterator[_Variant]:
    """(u/v)′ with the numerator's sign or order wrong, as u′/v′, or over v instead of v²."""
    sites = [n for n in e.walk() if isinstance(n, Div)
             and _varies(n.left, wrt) and _varies(n.right, wrt)]
    for site in sites:
        u, v = site.left, site.right
        du, dv = differentiate(u, wrt), differentiate(v, wrt)
        right, square = sub(mul(du, v), mul(u, dv)), Pow(v, TWO)
        wrong = (
            ("quotient_rule_sign", Div(add(mul(du, v), mul(u, dv)), square),
             "the answer adds the two terms of the numerator"),
            ("quotient_rule_sign", Div(sub(mul(u, dv), mul(du, v)), square),
             "the answer subtracts them the other way round"),
            ("quotient_rule", Div(du, dv),
             "the answer divides the derivatives, u′/v′"),
            ("quotient_rule", Div(right, v),
             f"the answer divides by {_show(v)} instead of its square"),
        )
        for mistake, local, what in wrong:
            yield _Variant(mistake, partial(_quotient_explanation, site, what, wrt),
                           local={site: local})


def _quotient_explanation(site: Div, what: str, wrt: str) -> str:
    u, v = site.left, site.right
    top = simplify(sub(mul(differentiate(u, wrt), v), mul(u, differentiate(v, wrt))))
    textbook = Div(top, Pow(v, TWO))
    return (f"the quotient rule is (u/v)′ = (u′·v − u·v′)/v^2: d/d{wrt} {_operand(site)} = "
            f"{_show(textbook)}, and {what}")


# ---------------------------------------------------------------- power rule


def _power_sites(e: Expr, wrt: str) -> list[tuple[Expr, Expr, Expr]]:
    """Powers b^n of a varying base with a constant exponent, sqrt and cbrt included."""
    sites: list[tuple[Expr, Expr, Expr]] = []
    for node in e.walk():
        if isinstance(node, Pow) and _varies(node.base, wrt) and not _varies(node.exp, wrt):
            if not (isinstance(node.exp, Num) and node.exp.value in (0, 1)):
                sites.append((node, node.base, node.exp))
        elif isinstance(node, Func) and node.name in ("sqrt", "cbrt") and _varies(node.arg, wrt):
            sites.append((node, node.arg, Num(Fraction(1, 2 if node.name == "sqrt" else 3))))
    return sites


def _power_variants(e: Expr, wrt: str) -> Iterator[_Variant]:
    """(b^n)′ as n·b^n·b′ (exponent kept), b^(n−1)·b′ (no factor n), n·b^(n+1)·b′ (raised)."""
    for site, base, n in _power_sites(e, wrt):
        db = differentiate(base, wrt)
        wrong = (
            (mul(n, site, db), f"the answer keeps the exponent {_show(n)}"),
            (mul(Pow(base, _plus(n, -1)), db), f"the answer leaves out the factor {_show(n)}"),
            (mul(n, Pow(base, _plus(n, 1)), db),
             f"the answer raises the exponent to {_show(simplify(_plus(n, 1)))}"),
        )
        for local, what in wrong:
            yield _Variant("power_rule", partial(_power_explanation, site, what, wrt),
                           local={site: local})


def _plus(n: Expr, k: int) -> Expr:
    """n + k, worked out when n is a number."""
    if isinstance(n, Num):
        return Num(n.value + k, n.decimal)
    return add(n, Num(k))


def _power_explanation(site: Expr, what: str, wrt: str) -> str:
    return (f"the power rule is d/d{wrt} x^n = n·x^(n-1): d/d{wrt} {_operand(site)} = "
            f"{_show(_d(site, wrt))}, and {what}")


def _variable_exponent_variants(e: Expr, wrt: str) -> Iterator[_Variant]:
    """(f^g)′ with x in both base and exponent, taken as g·f^(g−1)·f′ or as f^g·ln(f)·g′."""
    sites = [n for n in e.walk() if isinstance(n, Pow)
             and _varies(n.base, wrt) and _varies(n.exp, wrt)]
    for site in sites:
        f, g = site.base, site.exp
        wrong = (
            (mul(g, Pow(f, _plus(g, -1)), differentiate(f, wrt)),
             "the answer uses the power rule, which needs a constant exponent"),
            (mul(site, func("ln", f), differentiate(g, wrt)),
             "the answer uses the exponential rule, which needs a constant base"),
        )
        for local, what in wrong:
            yield _Variant("variable_exponent",
                           partial(_variable_exponent_explanation, site, what, wrt),
                           local={site: local})


def _variable_exponent_explanation(site: Pow, what: str, wrt: str) -> str:
    return (f"{_show(site)} has {wrt} in the base and in the exponent: d/d{wrt} {_operand(site)}"
            f" = {_show(_d(site, wrt))}, and {what}")


# ---------------------------------------------------------------- constant terms


def _constant_variants(e: Expr, wrt: str) -> Iterator[_Variant]:
    """A constant term c of a sum kept in the derivative: (u + c)′ taken as u′ + c."""
    if not _varies(e, wrt):
        yield _Variant("constant", partial(_whole_constant_explanation, e, wrt), whole=e)
        return
    for site in (n for n in e.walk() if isinstance(n, Add) and _varies(n, wrt)):
        constants = [t for t in site.terms if not _varies(t, wrt)]
        choices = [[c] for c in constants] + ([constants] if len(constants) > 1 else [])
        for kept in choices:
            local = add(differentiate(site, wrt), *kept)
            yield _Variant("constant", partial(_constant_explanation, site, kept, wrt),
                           local={site: local})


def _whole_constant_explanation(e: Expr, wrt: str) -> str:
    return f"the derivative of a constant is 0: {_show(e)} does not contain {wrt}{_held(e, wrt)}"


def _constant_explanation(site: Add, kept: Sequence[Expr], wrt: str) -> str:
    if len(kept) == 1:
        what, verb, pronoun = f"the term {_show(kept[0])}", "does", "it"
    else:
        what, verb, pronoun = f"the terms {' and '.join(_show(c) for c in kept)}", "do", "them"
    return (f"the derivative of a constant is 0: {what} of {_show(site)} {verb} not contain "
            f"{wrt}{_held(add(*kept), wrt)}, and the answer keeps {pronoun}")


def _held(c: Expr, wrt: str) -> str:
    """" (y is held constant)" when c holds other variables."""
    others = sorted(c.free_vars())
    if not others:
        return ""
    return f" ({', '.join(others)} {'is' if len(others) == 1 else 'are'} held constant)"


def _held_constant_variants(e: Expr, wrt: str) -> Iterator[_Variant]:
    """The other variables differentiated too (Σ ∂e/∂v over all v), or instead (∂e/∂y)."""
    others = sorted(e.free_vars() - {wrt})
    if not others:
        return
    total = add(*(differentiate(e, v) for v in sorted(e.free_vars() | {wrt})))
    yield _Variant("held_constant", partial(_held_constant_explanation, others, wrt), whole=total)
    for v in others:
        yield _Variant("wrong_variable", partial(_wrong_variable_explanation, v, wrt),
                       whole=differentiate(e, v))


def _wrong_variable_explanation(other: str, wrt: str) -> str:
    return (f"the answer is the derivative by {other}, but the derivative asked for is by {wrt} "
            f"({other} is held constant)")


def _held_constant_explanation(others: Sequence[str], wrt: str) -> str:
    names = " and ".join(others)
    verb, pronoun = ("is", "it") if len(others) == 1 else ("are", "them")
    return (f"in a partial derivative by {wrt} the other variables are constants: {names} "
            f"{verb} held constant, and the answer differentiates {pronoun} too")


# ---------------------------------------------------------------- signs


def _sign_variants(derivative: Expr) -> Iterator[_Variant]:
    """−f′, or f′ with one of its terms' sign flipped."""
    yield _Variant("sign", partial(_negated_explanation, derivative), whole=neg(derivative))
    if isinstance(derivative, Add):
        terms = derivative.terms
        for i, term in enumerate(terms):
            flipped = add(*terms[:i], neg(term), *terms[i + 1:])
            yield _Variant("sign", partial(_flipped_explanation, derivative, term), whole=flipped)


def _negated_explanation(derivative: Expr) -> str:
    return (f"the sign is wrong: the derivative is {_show(derivative)}, "
            "and the answer is its negative")


def _flipped_explanation(derivative: Expr, term: Expr) -> str:
    return (f"one term has the wrong sign: the derivative is {_show(derivative)}, "
            f"and the answer flips the sign of {_show(term)}")


# ------------------------------------------------------------------ explanations


def _foreign_explanation(foreign: Sequence[str], e: Expr, wrt: str) -> str:
    allowed = ", ".join(sorted(e.free_vars() | {wrt}))
    names = ", ".join(foreign)
    return (f"the answer uses {names}, which {'is' if len(foreign) == 1 else 'are'} not in "
            f"{_show(e)}: its derivative can only contain {allowed}")


def _undefined_explanation(at: _Sample) -> str | None:
    """Why an answer fails where the derivative is defined; None when it merely differs."""
    if not isinstance(at.got, _Undefined):
        return None
    where = describe_point(at.point)
    return (f"the derivative is {message_value(at.expected)} at {where}, "
            f"but the answer is undefined there: {at.got.reason}")


def _show(e: Expr) -> str:
    """Plain text of ``e``; a long one with its deepest parts and long sums as ``…``."""
    text = describe(e)
    depth = MAX_SHOWN_DEPTH
    while len(text) > SHOWN_CHARS and depth > 0:
        text = plain(_cut(e, depth))
        depth -= 1
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS - 1] + "…"


def _cut(e: Expr, depth: int) -> Expr:
    """``e`` down to ``depth`` levels, deeper parts and terms after the second as ``…``."""
    if not e.args:
        return e
    if depth == 0:
        return _ELLIPSIS
    args = tuple(_cut(a, depth - 1) for a in e.args)
    if isinstance(e, (Add, Mul)) and len(args) > 3:
        args = (*args[:2], _ELLIPSIS)
    return e.rebuild(args)


def _factor(e: Expr) -> str:
    """``e`` as a factor beside ``·``: a sum, a quotient or a negative in brackets."""
    text = _show(e)
    return f"({text})" if isinstance(e, (Add, Div)) or text.startswith("-") else text


def _operand(e: Expr) -> str:
    """``e`` after ``d/dx``: bracketed unless it is a single function, power or atom."""
    text = _show(e)
    return text if isinstance(e, (Func, Pow, Var, Const)) else f"({text})"
