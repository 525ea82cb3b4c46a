"""Many points: `calc eval EXPR --points FILE` against a SymPy lambdify script, side by side.

Both read the same CSV of points and print one value per line; the script compiles the
expression once with lambdify(..., "math"), as calc compiles its own once.

    python bench/points.py [--points 200000] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

EXPR = "sin(x)*y^2 + sqrt(x) - 1/(x+y) + exp(-x*y) + ln(x^2+1)"

LAMBDIFY = """
import sys
from sympy import lambdify, symbols
from sympy.parsing.sympy_parser import parse_expr
x, y = symbols("x y")
f = lambdify((x, y), parse_expr(sys.argv[1].replace("^", "**")), "math")
out = []
with open(sys.argv[2]) as handle:
    next(handle)
    for line in handle:
        a, b = line.split(",")
        out.append(repr(f(float(a), float(b))))
sys.stdout.write("\\n".join(out) + "\\n")
"""


def run(argv: list[str]) -> tuple[float, float, bytes]:
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = proc.stdout.read()
    _, _, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    calc = shutil.which("calc", path=os.path.dirname(sys.executable)) or shutil.which("calc")
    rng = random.Random(7)
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as handle:
        handle.write("x,y\n")
        for _ in range(args.points):
            handle.write(f"{rng.uniform(0.1, 3)},{rng.uniform(0.1, 3)}\n")
        path = handle.name
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as script:
        script.write(LAMBDIFY)
    cmds = {"calc eval --points": [calc, "eval", EXPR, "--points", path],
            "sympy lambdify script": [sys.executable, script.name, EXPR, path]}
    outputs = {name: run(argv)[2] for name, argv in cmds.items()}  # warm up, and compare
    a, b = (o.split() for o in outputs.values())
    worst = max(abs(float(p) - float(q)) / max(1.0, abs(float(q))) for p, q in zip(a, b))
    print(f"{args.points} points; answers agree to {worst:.1e} (relative); "
          f"load {os.getloadavg()[0]:.2f}")
    wall: dict[str, list[float]] = {n: [] for n in cmds}
    cpu: dict[str, list[float]] = {n: [] for n in cmds}
    for _ in range(args.runs):
        for name, argv in cmds.items():
            w, c, _ = run(argv)
            wall[name].append(w)
            cpu[name].append(c)
    base = statistics.median(cpu["sympy lambdify script"])
    for name in cmds:
        w, c = statistics.median(wall[name]), statistics.median(cpu[name])
        print(f"{name:24} wall {w:6.2f} s  cpu {c:6.2f} s  {args.points / c:10,.0f} points/s (cpu)"
              f"  {base / c:5.2f}x the script's speed")
    os.unlink(path)
    os.unlink(script.name)


if __name__ == "__main__":
    main()
