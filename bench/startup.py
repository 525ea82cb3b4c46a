"""Start-up time of calc in a pipe, as a ratio against a bare interpreter, side by side.

Runs each command alternately (so that machine noise hits all of them alike) and prints
medians, ranges and ratios to the bare `python -I -c pass` of the same virtual environment.

    python bench/startup.py [--runs 30] [--sympy]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

SYMPY_ONE_LINER = (
    "from sympy.parsing.sympy_parser import parse_expr, standard_transformations, "
    "implicit_multiplication_application; from sympy import Symbol; "
    "e = parse_expr('x^2'.replace('^', '**'), transformations=standard_transformations + "
    "(implicit_multiplication_application,)); print(e.diff(Symbol('x')).subs(Symbol('x'), 3))"
)


def commands(with_sympy: bool) -> dict[str, list[str]]:
    python = sys.executable
    calc = shutil.which("calc", path=os.path.dirname(python)) or shutil.which("calc")
    if calc is None:
        sys.exit("bench/startup.py: no `calc` on PATH; install the project first (pip install .)")
    cmds = {
        "python -I -c pass": [python, "-I", "-c", "pass"],
        "calc eval 'x^2' --at 3": [calc, "eval", "x^2", "--at", "3"],
        "calc diff 'x^2' --at 3": [calc, "diff", "x^2", "--at", "3"],
        "calc --version": [calc, "--version"],
    }
    if with_sympy:
        cmds["sympy one-liner"] = [python, "-c", SYMPY_ONE_LINER]
    return cmds


def time_once(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--sympy", action="store_true", help="also time the SymPy one-liner")
    args = parser.parse_args()
    cmds = commands(args.sympy)
    for argv in cmds.values():  # warm the page cache and .pyc files
        time_once(argv)
    samples: dict[str, list[float]] = {name: [] for name in cmds}
    for _ in range(args.runs):
        for name, argv in cmds.items():
            samples[name].append(time_once(argv))
    base = statistics.median(samples["python -I -c pass"])
    print(f"{'command':32} {'median ms':>10} {'min':>7} {'max':>7} {'ratio':>7}")
    for name, times in samples.items():
        med = statistics.median(times)
        print(f"{name:32} {med * 1000:10.1f} {min(times) * 1000:7.1f} {max(times) * 1000:7.1f}"
              f" {med / base:6.2f}x")


if __name__ == "__main__":
    main()
