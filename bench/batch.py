"""Batch differentiation: `calc diff -` against SymPy on thousands of random expressions.

A seeded generator writes random single- and multivariable expressions (polynomials,
products, quotients, powers, and compositions of sin, cos, exp, ln, sqrt and tanh, nested
about four deep) to a temporary file, one per line. Each tool then reads that file on
standard input in a fresh process and prints one derivative (by x) per line:

    calc    calc diff - --wrt x
    sympy   python -c: parse_expr (implicit multiplication, ^ -> **), diff, print

Runs alternate between the tools so that machine noise hits them alike; the table shows
medians, ranges, throughput (expressions per second) and the ratio SymPy/calc, for the
whole file and, by subtracting a one-line run of each tool, per expression without the
start-up. Before timing, a sample of calc's answers is checked against SymPy's at random
points (so that we do not time wrong answers); every disagreement is listed.

    python bench/batch.py [--count 3000] [--runs 5] [--seed 7] [--check 300] [--keep FILE]
                          [--calc 'python -m calc_cli']   (another checkout: set PYTHONPATH)

Only functions that both calc and SymPy know are used (calc's sigmoid, for one, is not).
"""

from __future__ import annotations

import argparse
import cmath
import os
import random
import re
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

TARGET = 30.0  # issue 7: calc's batch throughput at least 30x SymPy's (the brief asks >= 20x)

# ------------------------------------------------------------- the generator
# Precedence levels of a piece of text, loosest first; a piece is wrapped in
# parentheses when its slot needs a tighter level than it has.
SUM, PRODUCT, UNARY, POWER, ATOM = range(1, 6)
FUNCS = ("sin", "cos", "exp", "ln", "sqrt", "tanh")
EXPONENTS = ("2", "2", "3", "3", "4", "5", "-1", "-2", "(1/2)", "(3/2)", "(-1/2)", "(2/3)")
Piece = tuple[str, int]


def wrap(piece: Piece, need: int) -> str:
    text, level = piece
    return text if level >= need else f"({text})"


def leaf(rng: random.Random, names: tuple[str, ...]) -> Piece:
    r = rng.random()
    if r < 0.68:
        return rng.choice(names), ATOM
    if r < 0.94:
        return str(rng.randint(1, 9)), ATOM
    if r < 0.98:
        return rng.choice(("0.5", "1.5", "2.5", "0.25")), ATOM
    return "pi", ATOM


def polynomial(rng: random.Random, names: tuple[str, ...]) -> Piece:
    """c_n v^n ± … ± c_0 with implicit coefficients, as people type it: 3x^2 - 2x + 1."""
    v = rng.choice(names)
    text = ""
    for k in sorted(rng.sample(range(6), rng.randint(2, 4)), reverse=True):
        c = rng.randint(1, 9)
        mono = {0: str(c), 1: f"{c}{v}"}.get(k, f"{c}{v}^{k}")
        if c == 1 and k > 0:
            mono = mono[1:]
        text += f" {rng.choice('+-')} {mono}" if text else mono
    return text, SUM


def function(rng: random.Random, names: tuple[str, ...], depth: int) -> Piece:
    """name(u); ln and sqrt often get a positive argument, u^2 + c, so that they have a domain."""
    name = rng.choice(FUNCS)
    u = expression(rng, names, depth - 1)
    if name in ("ln", "sqrt") and rng.random() < 0.5:
        return f"{name}({wrap(u, ATOM)}^2 + {rng.randint(1, 4)})", ATOM
    return f"{name}({u[0]})", ATOM


def coefficient(rng: random.Random, u: Piece) -> Piece:
    """3x, 2sin(x), 5(x+1)^2: a number written before a factor."""
    text = wrap(u, POWER)
    if text[0].isdigit() or text[0] in ".-":
        return f"{rng.randint(2, 9)}*{wrap(u, POWER)}", PRODUCT
    return f"{rng.randint(2, 9)}{text}", PRODUCT


def expression(rng: random.Random, names: tuple[str, ...], depth: int) -> Piece:
    """A random expression at most ``depth`` operators deep, with its precedence level."""
    if depth <= 0 or rng.random() < 0.12:
        return leaf(rng, names)
    kind = rng.choices(
        ("func", "sum", "diff", "prod", "quot", "pow", "poly", "coef", "juxt", "neg"),
        weights=(24, 12, 8, 14, 10, 12, 6, 6, 4, 4))[0]
    sub = lambda: expression(rng, names, depth - 1)
    if kind == "func":
        return function(rng, names, depth)
    if kind == "poly":
        return polynomial(rng, names)
    if kind == "coef":
        return coefficient(rng, sub())
    if kind == "neg":
        return f"-{wrap(sub(), POWER)}", UNARY
    if kind == "pow":
        if rng.random() < 0.1:  # a variable exponent: 2^x, x^x, (…)^y
            return f"{wrap(sub(), ATOM)}^{wrap(leaf(rng, names), ATOM)}", POWER
        return f"{wrap(sub(), ATOM)}^{rng.choice(EXPONENTS)}", POWER
    a, b = sub(), sub()
    if kind == "sum":
        return f"{a[0]} + {wrap(b, PRODUCT)}", SUM
    if kind == "diff":
        return f"{a[0]} - {wrap(b, PRODUCT)}", SUM
    if kind == "prod":
        return f"{wrap(a, PRODUCT)}*{wrap(b, POWER)}", PRODUCT
    if kind == "quot":
        return f"{wrap(a, PRODUCT)}/{wrap(b, POWER)}", PRODUCT
    return f"({a[0]})({b[0]})", PRODUCT  # juxtaposed brackets: (x+1)(x-1)


HAS_X = re.compile(r"(?<![A-Za-z])x(?![A-Za-z])")


def corpus(count: int, seed: int, multi_share: float = 0.4, depth: int = 4) -> list[str]:
    """``count`` expressions that all contain x; a share of them also contain y and z."""
    rng = random.Random(seed)
    lines: list[str] = []
    while len(lines) < count:
        names = ("x", "y", "z") if rng.random() < multi_share else ("x",)
        text = expression(rng, names, depth)[0]
        if HAS_X.search(text):
            lines.append(text)
    return lines


# ------------------------------------------------------------------ the tools
SYMPY_SCRIPT = (
    "import sys\n"
    "from sympy import Symbol\n"
    "from sympy.parsing.sympy_parser import (parse_expr, standard_transformations,\n"
    "    implicit_multiplication_application)\n"
    "T = standard_transformations + (implicit_multiplication_application,)\n"
    "x = Symbol('x')\n"
    "for line in sys.stdin:\n"
    "    line = line.strip()\n"
    "    if line:\n"
    "        print(parse_expr(line.replace('^', '**'), transformations=T).diff(x))\n"
)


CALC_COMMAND: list[str] = []  # --calc: how to run calc, when not the installed `calc`


def calc_executable() -> list[str]:
    if CALC_COMMAND:
        return CALC_COMMAND
    calc = shutil.which("calc", path=os.path.dirname(sys.executable)) or shutil.which("calc")
    if calc is None:
        sys.exit("bench/batch.py: no `calc` on PATH; install the project first (pip install .)")
    return [calc]


def tools() -> dict[str, list[str]]:
    return {"calc": [*calc_executable(), "diff", "-", "--wrt", "x"],
            "sympy": [sys.executable, "-c", SYMPY_SCRIPT]}


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(argv: list[str], path: str) -> tuple[float, float, subprocess.CompletedProcess]:
    """Wall-clock and CPU seconds (user + system) of one run, and what it printed.

    CPU time is reported beside wall time because it is much less sensitive to other
    work on a busy machine (the runs here are sequential, so the rusage delta is this run's).
    """
    with open(path, encoding="utf-8") as stdin:
        cpu, start = child_cpu(), time.perf_counter()
        done = subprocess.run(argv, stdin=stdin, capture_output=True, text=True, check=False)
        return time.perf_counter() - start, child_cpu() - cpu, done


def write_lines(path: str, lines: list[str]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")


# ------------------------------------------------------------------ the check
def sympy_reader() -> Callable[[str], object]:
    """Text (calc's input or its plain output) to a SymPy expression, calc's meanings."""
    import sympy
    from sympy.parsing.sympy_parser import (
        implicit_multiplication_application,
        parse_expr,
        standard_transformations,
    )

    names = {"ln": sympy.log, "e": sympy.E, "abs": sympy.Abs, "heaviside": sympy.Heaviside,
             "cbrt": lambda u: sympy.real_root(u, 3), "log10": lambda u: sympy.log(u, 10),
             "log2": lambda u: sympy.log(u, 2), "sigmoid": lambda u: 1 / (1 + sympy.exp(-u))}
    transformations = standard_transformations + (implicit_multiplication_application,)
    return lambda text: parse_expr(text.replace("^", "**"), local_dict=dict(names),
                                   transformations=transformations)


def value_at(e, point: dict) -> complex | None:
    """e at the point with 30 digits, or None when it is not a finite number there."""
    try:
        v = complex(e.evalf(30, subs=point))
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    return v if cmath.isfinite(v) else None


def close(a: complex, b: complex) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def check(lines: list[str], calc_out: list[str], sample: int, seed: int) -> None:
    """Compare calc's derivatives with SymPy's at three random points per expression."""
    import sympy

    read = sympy_reader()
    rng = random.Random(seed)
    chosen = sorted(rng.sample(range(len(lines)), min(sample, len(lines))))
    parsed = calc_parse([lines[i] for i in chosen])
    xyz = sympy.symbols("x y z")
    counts = {"agree": 0, "no real point": 0}
    problems: list[str] = []
    for i, calc_f in zip(chosen, parsed):
        f = read(lines[i])
        d_sympy = f.diff(xyz[0])
        if not calc_out[i]:
            problems.append(f"line {i + 1}: calc gave no derivative\n  input: {lines[i]}"
                            f"\n  calc:  {calc_message(lines[i])}\n  sympy: {d_sympy}")
            continue
        d_calc, f_calc = read(calc_out[i]), read(calc_f)
        verdict = compare(f, f_calc, d_sympy, d_calc, xyz, rng)
        if verdict in counts:
            counts[verdict] += 1
        else:
            problems.append(f"line {i + 1}: {verdict}\n  input: {lines[i]}\n  calc parse: "
                            f"{calc_f}\n  calc:  {calc_out[i]}\n  sympy: {d_sympy}")
    print(f"check: {len(chosen)} sampled expressions, {counts['agree']} agree at every real "
          f"point, {counts['no real point']} had no real point among those tried, "
          f"{len(problems)} disagree")
    for problem in problems:
        print(problem)


def compare(f, f_calc, d_sympy, d_calc, xyz, rng: random.Random) -> str:
    """'agree', 'no real point', or what differs and where."""
    tried = 0
    for _ in range(12):
        if tried == 3:
            break
        point = {s: sympy_float(rng.uniform(0.3, 2.5)) for s in xyz}
        fv = value_at(f, point)
        want = value_at(d_sympy, point)
        if fv is None or abs(fv.imag) > 1e-12 or want is None or abs(want.imag) > 1e-12:
            continue  # outside the real domain of f or of f'
        tried += 1
        shown = ", ".join(f"{s}={float(v):.6g}" for s, v in point.items())
        got_f = value_at(f_calc, point)
        if got_f is None or not close(got_f, fv):
            return f"calc PARSES differently: f={fv} vs calc's f={got_f} at {shown}"
        got = value_at(d_calc, point)
        if got is None or not close(got, want):
            return f"DERIVATIVE differs: sympy {want.real:.12g} vs calc {got} at {shown}"
    return "agree" if tried else "no real point"


def sympy_float(v: float):
    import sympy

    return sympy.Float(repr(v), 30)


def calc_parse(lines: list[str]) -> list[str]:
    """calc's own reading of each line (`calc parse -`), to tell parse from derivative bugs."""
    done = subprocess.run([*calc_executable(), "parse", "-"], input="\n".join(lines) + "\n",
                          capture_output=True, text=True, check=False)
    out = done.stdout.splitlines()
    return out if len(out) == len(lines) else [""] * len(lines)


def calc_message(text: str) -> str:
    done = subprocess.run([*calc_executable(), "diff", text, "--wrt", "x"], capture_output=True,
                          text=True, check=False)
    return (done.stderr.strip() or done.stdout.strip()).replace("\n", " | ")


# ------------------------------------------------------------------ the timing
Samples = dict[str, tuple[list[float], list[float]]]  # run name -> (wall s, CPU s)


def measure(args: argparse.Namespace, big: str, small: str, count: int) -> Samples:
    cmds = tools()
    cases = {(name, path): argv for name, argv in cmds.items() for path in (big, small)}
    samples: dict[tuple[str, str], tuple[list[float], list[float]]] = {
        case: ([], []) for case in cases}
    for run in range(args.runs):
        for (name, path), argv in cases.items():
            elapsed, cpu, done = run_once(argv, path)
            lines = 1 if path == small else count
            if len(done.stdout.splitlines()) != lines:
                last = (done.stderr.strip().splitlines() or ["no error output"])[-1]
                sys.exit(f"bench/batch.py: {name} printed {len(done.stdout.splitlines())} "
                         f"lines for {lines} inputs ({last})")
            samples[(name, path)][0].append(elapsed)
            samples[(name, path)][1].append(cpu)
        print(f"  run {run + 1}/{args.runs} done", file=sys.stderr)
    return {f"{name} {'x' + str(count) if path == big else 'x1'}": times
            for (name, path), times in samples.items()}


def report(samples: Samples, count: int) -> None:
    print(f"{'run':13} {'median s':>9} {'min':>7} {'max':>7} {'expr/s':>7} "
          f"{'CPU s':>7} {'CPU min':>7} {'CPU max':>7}")
    wall = {name: statistics.median(w) for name, (w, _) in samples.items()}
    cpu = {name: statistics.median(c) for name, (_, c) in samples.items()}
    for name, (w, c) in samples.items():
        n = count if name.endswith(f"x{count}") else 1
        print(f"{name:13} {wall[name]:9.3f} {min(w):7.3f} {max(w):7.3f} {n / wall[name]:7.0f} "
              f"{cpu[name]:7.3f} {min(c):7.3f} {max(c):7.3f}")
    for label, med in (("wall", wall), ("CPU", cpu)):
        calc, sympy = med[f"calc x{count}"], med[f"sympy x{count}"]
        calc_each = (calc - med["calc x1"]) / (count - 1)
        sympy_each = (sympy - med["sympy x1"]) / (count - 1)
        print(f"{label:4}: whole run sympy/calc = {sympy / calc:5.1f}x "
              f"(calc {count / calc:.0f} expr/s, sympy {count / sympy:.0f} expr/s); "
              f"per expression without start-up: calc {calc_each * 1e3:.3f} ms, "
              f"sympy {sympy_each * 1e3:.3f} ms, sympy/calc = {sympy_each / calc_each:.1f}x")
    ratio = wall[f"sympy x{count}"] / wall[f"calc x{count}"]
    verdict = "met" if ratio >= TARGET else "NOT met"
    print(f"target (issue 7): calc's batch throughput >= {TARGET:.0f}x SymPy's: {verdict} "
          f"({ratio:.1f}x, wall clock, whole run)")


def warn_if_no_bytecode() -> None:
    """Without .pyc files every run compiles calc_cli from source, which a real install never does."""
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print("note: PYTHONDONTWRITEBYTECODE is set, so calc_cli may be compiled at every start; "
              "see bench/README.md", file=sys.stderr)


def main() -> None:
    warn_if_no_bytecode()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--check", type=int, default=300, help="expressions to verify (0: none)")
    parser.add_argument("--keep", metavar="FILE", help="also write the expressions to FILE")
    parser.add_argument("--calc", metavar="COMMAND",
                        help="run calc as COMMAND, e.g. 'python -m calc_cli' with PYTHONPATH "
                             "pointing at another checkout, to compare two versions")
    args = parser.parse_args()
    CALC_COMMAND[:] = shlex.split(args.calc) if args.calc else []
    lines = corpus(args.count, args.seed)
    if args.keep:
        write_lines(args.keep, lines)
    with tempfile.TemporaryDirectory(prefix="calc-batch-") as tmp:
        big, small = os.path.join(tmp, "exprs.txt"), os.path.join(tmp, "one.txt")
        write_lines(big, lines)
        write_lines(small, ["x^2"])
        _, _, done = run_once(tools()["calc"], big)  # warms the caches, and gives answers to check
        calc_out = done.stdout.splitlines()
        failed = sum(1 for line in calc_out if not line)
        print(f"{args.count} expressions (seed {args.seed}); calc failed on {failed}")
        if args.check:
            check(lines, calc_out, args.check, args.seed)
        run_once(tools()["sympy"], small)
        report(measure(args, big, small, args.count), args.count)


if __name__ == "__main__":
    main()
