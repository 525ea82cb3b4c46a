"""Gradients of many variables from a cold start: calc against SymPy and SymEngine.

For n variables, f = Σ_{i<j} x_i·x_j + Σ_i sin(x_i) (about n²/2 terms). Every run is a
fresh process that reads the text of f from standard input, parses it, computes all n
partial derivatives and prints them one per line; the table shows medians and ratios
to calc. Runs alternate between the tools so that machine noise hits them alike.

    python bench/grad.py [--sizes 10,40,100,200] [--runs 5] [--timeout 300] [--cli | --no-cli]

calc runs as `calc grad -` when the installed `calc` has a `grad` command (the default
then; force either way with --cli / --no-cli), otherwise as a `python -c` one-liner over
calc_cli.parse and calc_cli.multivar. SymPy (parse_expr, then diff once per variable)
runs up to --sympy-max variables; SymEngine (sympify, then diff once per variable) runs
when `import symengine` works. A tool that fails or times out is dropped for larger n;
a tool slower than --slow seconds is timed once per size instead of --runs times.
The text goes through stdin because at n = 200 it is longer (220 kB) than Linux allows
for one command-line argument (128 kB).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

CALC_ONE_LINER = (
    "import sys; from calc_cli.parse import parse; "
    "from calc_cli.multivar import gradient, natural_order; "
    "from calc_cli.render.plain import plain; "
    "e = parse(sys.stdin.read().strip()); "
    "print('\\n'.join(plain(d) for d in gradient(e, natural_order(e.free_vars()))))"
)

# parse_expr compiles the whole sum as one nested Python expression: at n = 100 that
# needs a deeper recursion limit than the default.
SYMPY_ONE_LINER = (
    "import re, sys; sys.setrecursionlimit(100_000); "
    "from sympy.parsing.sympy_parser import parse_expr; "
    "f = parse_expr(sys.stdin.read()); "
    "key = lambda s: [int(t) if t.isdigit() else t for t in re.split(r'(\\d+)', s.name)]; "
    "print('\\n'.join(str(f.diff(x)) for x in sorted(f.free_symbols, key=key)))"
)

SYMENGINE_ONE_LINER = (
    "import re, sys, symengine; "
    "f = symengine.sympify(sys.stdin.read()); "
    "key = lambda s: [int(t) if t.isdigit() else t for t in re.split(r'(\\d+)', s.name)]; "
    "print('\\n'.join(str(f.diff(x)) for x in sorted(f.free_symbols, key=key)))"
)


def function_text(n: int) -> str:
    """Σ_{i<j} x_i·x_j + Σ sin(x_i) over x1 … xn, as calc, SymPy and SymEngine all read it."""
    names = [f"x{i}" for i in range(1, n + 1)]
    products = [f"{a}*{b}" for i, a in enumerate(names) for b in names[i + 1:]]
    return " + ".join(products + [f"sin({a})" for a in names])


def calc_executable() -> str | None:
    return shutil.which("calc", path=os.path.dirname(sys.executable)) or shutil.which("calc")


def calc_has_grad(calc: str | None) -> bool:
    """Whether the installed calc has a `grad` command (its --help exits with 0)."""
    if calc is None:
        return False
    done = subprocess.run([calc, "grad", "--help"], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, check=False)
    return done.returncode == 0


def has_module(name: str) -> bool:
    done = subprocess.run([sys.executable, "-c", f"import {name}"], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, check=False)
    return done.returncode == 0


def tools(use_cli: bool) -> dict[str, list[str]]:
    python = sys.executable
    found = {"calc": [calc_executable() or "calc", "grad", "-"] if use_cli
             else [python, "-c", CALC_ONE_LINER]}
    if has_module("sympy"):
        found["sympy"] = [python, "-c", SYMPY_ONE_LINER]
    if has_module("symengine"):
        found["symengine"] = [python, "-c", SYMENGINE_ONE_LINER]
    return found


def time_once(argv: list[str], text: str, n: int, timeout: float) -> float | str:
    """Seconds for one cold run, or why it did not count ('timeout', 'failed')."""
    start = time.perf_counter()
    try:
        done = subprocess.run(argv, input=text, capture_output=True, text=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return "timeout"
    elapsed = time.perf_counter() - start
    if done.returncode != 0 or len(done.stdout.splitlines()) != n:
        last = (done.stderr.strip().splitlines() or ["no error output"])[-1]
        return f"failed ({last[:60]})"
    return elapsed


def measure(args: argparse.Namespace, cmds: dict[str, list[str]]) -> dict[int, dict[str, object]]:
    """Median seconds (or a reason) per size and tool."""
    results: dict[int, dict[str, object]] = {}
    dropped: dict[str, str] = {}
    for n in args.sizes:
        text = function_text(n)
        active = {name: argv for name, argv in cmds.items()
                  if name not in dropped and not (name == "sympy" and n > args.sympy_max)}
        samples: dict[str, list[float]] = {name: [] for name in active}
        slow: set[str] = set()
        for run in range(args.runs):
            for name, argv in active.items():
                if name in dropped or name in slow:
                    continue
                t = time_once(argv, text, n, args.timeout)
                if isinstance(t, str):
                    dropped[name] = f"{t} at n={n}"
                    continue
                samples[name].append(t)
                if t > args.slow:
                    slow.add(name)  # one sample is enough to see minutes
            print(f"  n={n} run {run + 1}/{args.runs} done", file=sys.stderr)
        results[n] = {}
        for name in cmds:
            if samples.get(name):
                results[n][name] = statistics.median(samples[name])
            elif name in dropped:
                results[n][name] = dropped[name]
            else:
                results[n][name] = f"skipped (n > {args.sympy_max})"
    return results


def report(results: dict[int, dict[str, object]], names: list[str]) -> None:
    header = f"{'n':>5}" + "".join(f" {name + ' s':>14}" for name in names)
    header += "".join(f" {name + '/calc':>16}" for name in names if name != "calc")
    print(header)
    for n, row in results.items():
        base = row.get("calc")
        line = f"{n:>5}"
        for name in names:
            v = row.get(name)
            line += f" {v:14.2f}" if isinstance(v, float) else f" {'—':>14}"
        for name in names:
            if name == "calc":
                continue
            v = row.get(name)
            ok = isinstance(v, float) and isinstance(base, float)
            line += f" {v / base:15.2f}x" if ok else f" {'—':>16}"
        print(line)
    notes = {f"{name}: {v}" for row in results.values() for name, v in row.items()
             if isinstance(v, str)}
    for note in sorted(notes):
        print(f"  {note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=lambda s: [int(v) for v in s.split(",")],
                        default=[10, 40, 100, 200])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per run")
    parser.add_argument("--slow", type=float, default=10.0,
                        help="a run slower than this is not repeated")
    parser.add_argument("--sympy-max", type=int, default=100,
                        help="largest n for SymPy (n = 100 already takes minutes)")
    cli = parser.add_mutually_exclusive_group()
    cli.add_argument("--cli", dest="cli", action="store_true", default=None,
                     help="time `calc grad -` (the default when calc has a grad command)")
    cli.add_argument("--no-cli", dest="cli", action="store_false",
                     help="time the python -c one-liner over calc_cli")
    args = parser.parse_args()
    use_cli = calc_has_grad(calc_executable()) if args.cli is None else args.cli
    cmds = tools(use_cli)
    print(f"calc as: {'calc grad -' if use_cli else 'python -c (calc_cli.multivar)'}; "
          f"{len(cmds)} tools: {', '.join(cmds)}", file=sys.stderr)
    report(measure(args, cmds), list(cmds))


if __name__ == "__main__":
    main()
