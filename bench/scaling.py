"""Big single expressions: a 1,000-deep nest of sin, and a product of 200 factors.

Targets (issues): d/dx of sin(sin(…sin(x)…)) nested 1,000 deep, evaluated at a point, in
under a second; the derivative of (x+1)(x+2)…(x+200) in under a second. Each case is timed
two ways, both in fresh processes so that no interned node or cache survives a run:

    in-process   python -c: import calc_cli, then time parse + derivative (+ value or plain
                 text) with perf_counter; imports and start-up are excluded
    subprocess   the whole `calc diff TEXT [--at 0.5]` as a user runs it

Runs alternate between the cases; the table shows medians, ranges and the target. Each
answer is also checked: the nested sin against the product of cosines computed directly,
the product against P(x)·Σ 1/(x+k) computed exactly.

    python bench/scaling.py [--depth 1000] [--factors 200] [--runs 5]
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from fractions import Fraction

TARGET_S = 1.0

# Reads TEXT from stdin, so that the argument list stays short; prints wall and CPU seconds,
# then the answer.
IN_PROCESS = (
    "import sys, time\n"
    "from fractions import Fraction\n"
    "from calc_cli.parse import parse\n"
    "from calc_cli.diff import nth_derivative\n"
    "from calc_cli.evaluate import evaluate\n"
    "from calc_cli.render.plain import plain\n"
    "from calc_cli.numbers import format_value\n"
    "text, mode = sys.stdin.read().strip(), sys.argv[1]\n"
    "start, cpu = time.perf_counter(), time.process_time()\n"
    "d = nth_derivative(parse(text), ['x'])\n"
    "out = format_value(evaluate(d, {'x': Fraction(1, 2)}), True) if mode == 'at' else plain(d)\n"
    "print(time.perf_counter() - start, time.process_time() - cpu)\n"
    "print(out)\n"
)


def nested_sin(depth: int) -> str:
    return "sin(" * depth + "x" + ")" * depth


def product(factors: int) -> str:
    return "".join(f"(x+{k})" for k in range(1, factors + 1))


def nested_sin_slope(depth: int, x: float = 0.5) -> float:
    """d/dx sin∘…∘sin (x) = Π cos(s_k), s_0 = x, s_{k+1} = sin(s_k)."""
    slope = 1.0
    for _ in range(depth):
        slope *= math.cos(x)
        x = math.sin(x)
    return slope


def product_slope(factors: int, x: Fraction = Fraction(1, 2)) -> Fraction:
    """d/dx Π (x+k) = Π (x+k) · Σ 1/(x+k)."""
    p = math.prod((x + k for k in range(1, factors + 1)), start=Fraction(1))
    return p * sum(1 / (x + k) for k in range(1, factors + 1))


def calc_executable() -> str:
    calc = shutil.which("calc", path=os.path.dirname(sys.executable)) or shutil.which("calc")
    if calc is None:
        sys.exit("bench/scaling.py: no `calc` on PATH; install the project first (pip install .)")
    return calc


def cases(depth: int, factors: int) -> dict[str, tuple[str, str]]:
    """name -> (text, mode); mode 'at' evaluates the derivative at x = 0.5, 'plain' prints it."""
    return {
        f"sin nested {depth}, diff+eval": (nested_sin(depth), "at"),
        f"product of {factors}, diff": (product(factors), "plain"),
        f"product of {factors}, diff+eval": (product(factors), "at"),
    }


Timing = tuple[float, float, str]  # wall seconds, CPU seconds, the answer (or an error)


def run_in_process(text: str, mode: str) -> Timing:
    done = subprocess.run([sys.executable, "-c", IN_PROCESS, mode], input=text,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return math.nan, math.nan, done.stderr.strip().splitlines()[-1]
    seconds, answer = done.stdout.split("\n", 1)
    wall, cpu = seconds.split()
    return float(wall), float(cpu), answer.strip()


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_subprocess(text: str, mode: str) -> Timing:
    """The whole command; CPU time (user + system) is far less sensitive to a busy machine."""
    argv = [calc_executable(), "diff", text] + (["--at", "0.5"] if mode == "at" else [])
    cpu, start = child_cpu(), time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    elapsed, cpu = time.perf_counter() - start, child_cpu() - cpu
    if done.returncode != 0:
        return math.nan, math.nan, (done.stderr.strip().splitlines() or ["failed"])[-1]
    return elapsed, cpu, done.stdout.strip()


def correct(name: str, answer: str, depth: int, factors: int) -> str:
    """'ok', or how the value differs from the one computed directly."""
    if "diff+eval" not in name:
        return "ok" if answer.count("+") >= factors else f"suspicious output ({len(answer)} chars)"
    want = nested_sin_slope(depth) if name.startswith("sin") else product_slope(factors)
    try:
        got = Fraction(answer)
    except ValueError:
        return f"not a number: {answer[:60]}"
    error = abs(got - Fraction(want)) / max(abs(Fraction(want)), Fraction(1, 10**300))
    return "ok" if error < Fraction(1, 10**9) else f"WRONG: {answer[:40]} vs {float(want):.12g}"


def main() -> None:
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print("note: PYTHONDONTWRITEBYTECODE is set, so calc_cli may be compiled at every start; "
              "see bench/README.md", file=sys.stderr)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depth", type=int, default=1000)
    parser.add_argument("--factors", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    todo = cases(args.depth, args.factors)
    ways = {"in-process": run_in_process, "subprocess": run_subprocess}
    samples: dict[tuple[str, str], tuple[list[float], list[float]]] = {
        (c, w): ([], []) for c in todo for w in ways}
    answers: dict[tuple[str, str], str] = {}
    for run in range(args.runs + 1):  # run 0 warms the page cache and is not counted
        for (case, way), (walls, cpus) in samples.items():
            wall, cpu, answers[(case, way)] = ways[way](*todo[case])
            if run:
                walls.append(wall)
                cpus.append(cpu)
        print(f"  run {run}/{args.runs} done", file=sys.stderr)
    print(f"{'case':32} {'way':10} {'median s':>8} {'min':>6} {'max':>6} {'CPU s':>6} "
          f"{'< 1 s':>7}  answer")
    for (case, way), (walls, cpus) in samples.items():
        med = statistics.median(walls)
        verdict = "met" if med < TARGET_S else "NOT met"
        check = correct(case, answers[(case, way)], args.depth, args.factors)
        print(f"{case:32} {way:10} {med:8.3f} {min(walls):6.3f} {max(walls):6.3f} "
              f"{statistics.median(cpus):6.3f} {verdict:>7}  {check}")


if __name__ == "__main__":
    main()
