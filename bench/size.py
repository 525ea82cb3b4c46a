"""Size of calc's simplified derivatives against SymPy's, in tokens.

Over a few hundred random expressions from bench/batch.py's generator (another seed), calc's
plain derivative (`calc diff - --wrt x`, one process) and SymPy's str(diff(...)) are both
normalised (** -> ^) and cut into tokens by one regular expression: numbers, names,
operators, parentheses, commas. The report gives the ratio calc/SymPy per expression
(median, quartiles, extremes, the ratio of the totals, how often calc is smaller) and
lists the worst cases (calc much larger) with both outputs, for work on the simplifier.

    python bench/size.py [--count 300] [--seed 11] [--worst 10]

Neither output is "simplified" by the other's standards: SymPy's diff does no
simplification beyond its automatic canonical form, so a ratio near 1 means calc's
derivatives read about as compactly as SymPy's everyday output.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from batch import calc_executable, corpus

TOKEN = re.compile(r"\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+|[A-Za-z_][A-Za-z0-9_']*|[-+*/^(),|]")


def tokens(text: str) -> int:
    """The number of tokens, with ** counted as the one operator ^."""
    return len(TOKEN.findall(text.replace("**", "^")))


def calc_derivatives(lines: list[str]) -> list[str]:
    done = subprocess.run([calc_executable(), "diff", "-", "--wrt", "x"],
                          input="\n".join(lines) + "\n", capture_output=True, text=True,
                          check=False)
    out = done.stdout.splitlines()
    if len(out) != len(lines):
        sys.exit(f"bench/size.py: calc printed {len(out)} lines for {len(lines)} inputs")
    return out


def sympy_derivatives(lines: list[str]) -> list[str]:
    from sympy import Symbol
    from sympy.parsing.sympy_parser import (
        implicit_multiplication_application,
        parse_expr,
        standard_transformations,
    )

    transformations = standard_transformations + (implicit_multiplication_application,)
    x = Symbol("x")
    return [str(parse_expr(line.replace("^", "**"), transformations=transformations).diff(x))
            .replace("**", "^") for line in lines]


def quartiles(values: list[float]) -> tuple[float, float, float]:
    q1, q2, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, q2, q3


def report(lines: list[str], calc: list[str], sympy: list[str], worst: int) -> None:
    rows = [(i, tokens(c), tokens(s)) for i, (c, s) in enumerate(zip(calc, sympy)) if c]
    failed = len(lines) - len(rows)
    ratios = [c / s for _, c, s in rows]
    q1, q2, q3 = quartiles(ratios)
    total_calc, total_sympy = sum(c for _, c, _ in rows), sum(s for _, _, s in rows)
    smaller = sum(1 for _, c, s in rows if c < s)
    equal = sum(1 for _, c, s in rows if c == s)
    print(f"{len(rows)} derivatives compared ({failed} calc failures left out)")
    print(f"tokens calc/sympy: median {q2:.2f}, quartiles {q1:.2f} / {q3:.2f}, "
          f"min {min(ratios):.2f}, max {max(ratios):.2f}")
    print(f"totals: calc {total_calc} tokens, sympy {total_sympy} tokens, "
          f"ratio {total_calc / total_sympy:.2f}")
    print(f"calc smaller in {smaller}, equal in {equal}, larger in {len(rows) - smaller - equal}")
    deciles = statistics.quantiles(ratios, n=10, method="inclusive")
    print("deciles: " + " ".join(f"{d:.2f}" for d in deciles))
    # Rank by ratio, then by the number of extra tokens, among cases with a real difference.
    bad = sorted((r for r in rows if r[1] - r[2] >= 3),
                 key=lambda r: (r[1] / r[2], r[1] - r[2]), reverse=True)
    print(f"\nthe {min(worst, len(bad))} worst cases (calc much larger):")
    for rank, (i, c, s) in enumerate(bad[:worst], 1):
        print(f"{rank:2}. {c} vs {s} tokens ({c / s:.2f}x)\n    input: {lines[i]}"
              f"\n    calc:  {calc[i]}\n    sympy: {sympy[i]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--worst", type=int, default=10)
    args = parser.parse_args()
    lines = corpus(args.count, args.seed)
    report(lines, calc_derivatives(lines), sympy_derivatives(lines), args.worst)


if __name__ == "__main__":
    main()
