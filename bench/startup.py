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
        # not in the fast lane (calc_cli/quick.py): what a command costs under click
        "calc parse 'x^2'": [calc, "parse", "x^2"],
    }
    if with_sympy:
        cmds["sympy one-liner"] = [python, "-c", SYMPY_ONE_LINER]
    return cmds


def time_once(argv: list[str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run; CPU time is steadier on a busy machine."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    proc.stdout.read()
    _, _, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--sympy", action="store_true", help="also time the SymPy one-liner")
    args = parser.parse_args()
    cmds = commands(args.sympy)
    for argv in cmds.values():  # warm the page cache and .pyc files
        time_once(argv)
    wall: dict[str, list[float]] = {name: [] for name in cmds}
    cpu: dict[str, list[float]] = {name: [] for name in cmds}
    for _ in range(args.runs):
        for name, argv in cmds.items():
            w, c = time_once(argv)
            wall[name].append(w)
            cpu[name].append(c)
    base_wall = statistics.median(wall["python -I -c pass"])
    base_cpu = statistics.median(cpu["python -I -c pass"])
    print(f"load average: {os.getloadavg()[0]:.2f}; {args.runs} alternating runs each")
    print(f"{'command':28} {'wall ms':>8} {'min':>6} {'max':>6} {'ratio':>6}"
          f" {'cpu ms':>7} {'min':>6} {'ratio':>6}")
    for name in cmds:
        w, c = wall[name], cpu[name]
        print(f"{name:28} {statistics.median(w) * 1000:8.1f} {min(w) * 1000:6.1f}"
              f" {max(w) * 1000:6.1f} {statistics.median(w) / base_wall:5.2f}x"
              f" {statistics.median(c) * 1000:7.1f} {min(c) * 1000:6.1f}"
              f" {statistics.median(c) / base_cpu:5.2f}x")


if __name__ == "__main__":
    main()
