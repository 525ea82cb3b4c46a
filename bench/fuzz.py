"""A long fuzz run of the whole command line, by hand (not in CI).

    python bench/fuzz.py --seconds 600 --workers 2 --seed 1

Random inputs (text, token soups, well-formed expressions and mutations of them,
hostile option values) go through every command via click's CliRunner in worker
processes. A run fails when calc breaks one of its promises:

- the exit status is not 0, 1 or 2 (3 is calc's own "internal error");
- an exception other than SystemExit escapes the command;
- "Traceback" appears on stdout or stderr;
- exit 0 with nothing on stdout (unless the expression is '-' and stdin was empty);
- the input takes longer than --timeout seconds (an alarm inside the worker, then a
  hard kill of the worker if even that does not return), or exhausts --memory MB.

Failures are grouped by signature (kind, exception type, innermost calc_cli frame);
each group keeps its shortest input, shrunk by deleting characters while the
signature holds. The summary goes to stdout, and with --report FILE as JSON.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import resource
import signal
import sys
import time
import traceback
from dataclasses import dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

OK_STATUSES = (0, 1, 2)

# ------------------------------------------------------------------ alphabets
MATH_SYMBOLS = "²³⁻¹⁰⁴⁵⁶⁷⁸⁹⁺·×÷−–√∛π|θσαβγ∗⋅'"
ASCII = "xyzabcdefghijklmnopqrstuvw0123456789.+-*/^(),|' eE_"
ODD = "\t\n\r\x00\x0b\x0c\u00a0\u200b\u202e\ufeff٣３①🙂\\\"`$#@!%&;:[]{}<>?~="
ALPHABET = ASCII * 3 + MATH_SYMBOLS + ODD

TOKENS = [
    "x", "y", "z", "w", "t", "theta", "θ", "π", "pi", "e", "2", "0", "1", "0.5", ".5", "1e-3",
    "1e308", "1e4000", "1e-4000", "10", "999999999999", "+", "-", "−", "*", "/", "÷", "×", "·",
    "^", "**", "(", ")", "|", ",", "'", "''", " ", "  ", "²", "³", "⁻¹", "√", "∛", "sin", "cos",
    "tan", "sec", "csc", "cot", "asin", "acos", "atan", "arcsin", "sinh", "cosh", "tanh", "exp",
    "ln", "log", "log10", "log2", "sqrt", "cbrt", "abs", "sigmoid", "σ", "relu", "softplus",
    "heaviside", "f", "g", "f'", "2x", "xy", "sinx", "x1", "w_2", "theta_0", "alpha", "sin^2",
    "sin^-1", "sin²", "e^", "^-", "((", "))", "||", "0^0", "1/0", "-0", "__import__", "().",
]

FUNCS = ["sin", "cos", "tan", "sec", "csc", "cot", "asin", "acos", "atan", "sinh", "cosh",
         "tanh", "exp", "ln", "log", "log10", "log2", "sqrt", "cbrt", "abs", "sigmoid", "relu",
         "softplus", "heaviside", "σ", "arcsin", "arctan"]
LEAVES = ["x", "y", "z", "x", "y", "2", "3", "0", "1", "0.5", "1.5", "1e-3", "pi", "π", "e",
          "θ", "10", "100", "1/3", "7"]
NUMBERS = ["0", "1", "-1", "2", "0.5", "-0.5", "1e-3", "pi", "pi/2", "1/3", "e", "-pi", "1e300",
           "1e-300", "1e999", "1e4000", "-1e4000", "nan", "inf", "-inf", "1e", "", " ", "x",
           "2^1000", "10^400", "sqrt(2)", "0.1", "1/0", "log(0)", "9^9^9", "1e4001", "٣"]


# ---------------------------------------------------------------- generators
def random_text(rng: random.Random) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 40)))


def token_soup(rng: random.Random) -> str:
    sep = rng.choice(["", "", " "])
    return sep.join(rng.choice(TOKENS) for _ in range(rng.randint(1, 14)))


def well_formed(rng: random.Random, depth: int = 0) -> str:
    """A random expression in calc's surface syntax (implicit products, Unicode, bars…)."""
    if depth > 4 or rng.random() < 0.3:
        return rng.choice(LEAVES)
    a = well_formed(rng, depth + 1)
    b = well_formed(rng, depth + 1)
    shape = rng.randrange(14)
    if shape == 0:
        return f"{a} + {b}"
    if shape == 1:
        return f"{a} - {b}"
    if shape == 2:
        return f"({a})*({b})"
    if shape == 3:
        return f"({a})/({b})"
    if shape == 4:
        return f"({a})^({b})"
    if shape == 5:
        return f"({a})^{rng.choice(['2', '3', '-1', '-2', '0', '1/2', '10', '0.5'])}"
    if shape == 6:
        return f"-({a})"
    if shape == 7:
        return f"{rng.choice(FUNCS)}({a})"
    if shape == 8:
        return f"log({a}, {b})"
    if shape == 9:
        return f"|{a}|"
    if shape == 10:
        return f"{rng.choice(['2', '3', '1/2'])}({a})"
    if shape == 11:
        return f"({a}){rng.choice(['²', '³', '⁻¹'])}"
    if shape == 12:
        return f"{rng.choice(['sin', 'cos', 'tan', 'ln'])}{rng.choice(['^2', '²', ''])} x"
    return f"√({a})"


def mutate(rng: random.Random, text: str) -> str:
    chars = list(text)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(4)
        i = rng.randint(0, len(chars))
        if op == 0 and chars:
            del chars[min(i, len(chars) - 1)]
        elif op == 1:
            chars.insert(i, rng.choice(ALPHABET))
        elif op == 2:
            chars[i:i] = list(rng.choice(TOKENS))
        elif chars:
            j = rng.randint(0, len(chars))
            chars[i:j] = chars[i:j] * rng.randint(2, 4)  # repeat a slice
    return "".join(chars)


def hostile_size(rng: random.Random) -> str:
    """Long or deep versions of the other inputs: repeated, nested, huge numbers."""
    inner = well_formed(rng)
    shape = rng.randrange(5)
    if shape == 0:
        return rng.choice(["+", "*", "-", "/", "^", " "]).join([inner] * rng.randint(50, 500))
    if shape == 1:
        f = rng.choice(FUNCS + [""])
        depth = rng.randint(50, 2000)
        return f"{f}(" * depth + inner + ")" * depth
    if shape == 2:
        return rng.choice(["-", "√", "+"]) * rng.randint(100, 5000) + inner
    if shape == 3:
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(300, 6000)))
        return rng.choice([digits, f"x^{digits}", f"{digits}x", f"0.{digits}", f"1e{digits[:5]}"])
    return "x" + rng.choice(["²", "³", "⁻¹", "⁹"]) * rng.randint(10, 5000)


def expression(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.03:
        return hostile_size(rng)
    if kind < 0.15:
        return random_text(rng)
    if kind < 0.40:
        return token_soup(rng)
    if kind < 0.75:
        return well_formed(rng)
    return mutate(rng, well_formed(rng))


def point(rng: random.Random, names=("x", "y", "z")) -> str:
    if rng.random() < 0.15:
        return rng.choice(NUMBERS + ["x=", "=1", "x==1", "x=1,,y=2", "1,2", "x=1,x=2", "é=1",
                                     "x=1;y=2", "x=(1", "x=y", "sin=1", "pi=3"])
    return ",".join(f"{n}={rng.choice(NUMBERS[:22])}" for n in names)


def command(rng: random.Random) -> tuple[list[str], str | None, bool]:
    """(argv, stdin, terminal?) for one run."""
    e = expression(rng)
    stdin = None
    if rng.random() < 0.05:
        stdin = "\n".join(expression(rng) for _ in range(rng.randint(1, 4))) + "\n"
        e = "-"
    name = rng.choice(["parse", "eval", "diff", "explain", "grad", "hessian", "jacobian",
                       "backprop", "descend", "tangent"])
    args = [name, e]
    at = ["--at", point(rng)]
    if name == "parse":
        args += rng.choice([[], ["--json"], ["--latex"], ["--vars", "xy,theta"],
                            ["--funcs", "f,g"]])
    elif name == "eval":
        args += at + rng.choice([[], ["--json"]])
    elif name in ("diff", "explain"):
        args += rng.choice([[], ["--wrt", "x"], ["--wrt", "y", "--order", "2"], at,
                            ["--order", str(rng.choice([0, 1, 3, 7, 100, 101, -1]))],
                            ["--wrt", "x,y"], ["--funcs", "f,g"], ["--json"], ["--latex"]])
    elif name in ("grad", "hessian"):
        args += rng.choice([[], at, ["--json"], ["--latex"], ["--wrt", "x,y"]])
        if name == "grad" and rng.random() < 0.2:
            args += ["--dir", rng.choice(["1,1", "0,0", "1", "1,2,3", "nan", "1e4000,1", "x"])]
    elif name == "jacobian":
        args[1] = ", ".join(expression(rng) for _ in range(rng.randint(1, 3)))
        args += rng.choice([[], at, ["--json"], ["--latex"]])
    elif name == "backprop":
        args += at + rng.choice([[], ["--json"]])
    elif name == "descend":
        args += ["--from", point(rng), "--steps", str(rng.choice([1, 3, 20, 200])),
                 "--lr", rng.choice(["0.1", "0.01", "1", "2", "1e-3"] + NUMBERS)]
        if rng.random() < 0.2:
            args += ["--tol", rng.choice(NUMBERS)]
        args += rng.choice([[], ["--json"]])
    elif name == "tangent":
        args += ["--at", rng.choice(["x=1", "1", "0.5", "x=0", "x=1,y=2"] + NUMBERS)]
        args += rng.choice([[], [], ["--json"], ["--latex"], ["--plot"]])
    terminal = rng.random() < 0.2 and "--json" not in args and "--latex" not in args
    return args, stdin, terminal


# -------------------------------------------------------------------- worker
class FuzzTimeout(BaseException):
    """Raised by the alarm; a BaseException so that calc's own handlers do not swallow it."""


def _alarm(signum, frame):
    raise FuzzTimeout()


def _top_calc_frame(tb) -> str:
    frames = [f for f in traceback.extract_tb(tb) if "calc_cli" in f.filename]
    frames = frames or traceback.extract_tb(tb)
    if not frames:
        return "?"
    f = frames[-1]
    return f"{os.path.relpath(f.filename, os.path.dirname(HERE))}:{f.lineno} {f.name}"


def run_one(args: list[str], stdin: str | None, terminal: bool, timeout: float) -> dict:
    """Runs one command; returns {} when calc behaved, else a description of the failure."""
    from unittest import mock

    from click.testing import CliRunner

    from calc_cli.cli import cli

    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    started = time.perf_counter()
    try:
        with mock.patch("calc_cli.shell._stdout_is_terminal", return_value=terminal):
            result = CliRunner().invoke(cli, args, input=stdin, catch_exceptions=True)
    except FuzzTimeout as exc:
        where = _top_calc_frame(exc.__traceback__)
        return {"kind": "timeout", "exc": "FuzzTimeout", "where": where}
    except MemoryError as exc:
        where = _top_calc_frame(exc.__traceback__)
        return {"kind": "memory", "exc": "MemoryError", "where": where}
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    elapsed = time.perf_counter() - started
    exc = result.exception
    if exc is not None and not isinstance(exc, SystemExit):
        return {"kind": "exception", "exc": type(exc).__name__, "message": str(exc)[:300],
                "where": _top_calc_frame(result.exc_info[2]), "exit": result.exit_code}
    if result.exit_code not in OK_STATUSES:
        return {"kind": "status", "exc": "", "where": "", "exit": result.exit_code,
                "stderr": result.stderr[-300:]}
    if "Traceback" in result.stdout or "Traceback" in result.stderr:
        return {"kind": "traceback", "exc": "", "where": "", "stderr": result.stderr[-300:]}
    if result.exit_code == 0 and not result.stdout.strip() and args[1] != "-":
        return {"kind": "empty", "exc": "", "where": "", "stderr": result.stderr[-300:]}
    if elapsed > timeout / 2:
        return {"kind": "slow", "exc": "", "where": f"{elapsed:.1f}s"}
    return {}


def signature(failure: dict) -> str:
    """What makes two failures the same bug: for crashes the innermost calc frame; for
    timeouts (which stop anywhere) the command and its --order."""
    if failure["kind"] in ("timeout", "slow", "hang", "memory"):
        return f"{failure['kind']} {failure.get('command', '')}".strip()
    return f"{failure['kind']} {failure.get('exc', '')} {failure.get('where', '')}".strip()


def shrink(args, stdin, terminal, timeout, failure) -> list[str]:
    """Deletes chunks of the expression argument while the failure's signature holds."""
    if args[1] == "-" or failure["kind"] in ("timeout", "memory", "slow"):
        return args
    want, best = signature(failure), list(args)
    chunk = max(1, len(best[1]) // 2)
    deadline = time.monotonic() + 20
    while chunk >= 1 and time.monotonic() < deadline:
        i, changed = 0, False
        while i < len(best[1]) and time.monotonic() < deadline:
            trial = list(best)
            trial[1] = best[1][:i] + best[1][i + chunk:]
            got = run_one(trial, stdin, terminal, timeout)
            if got and signature(got) == want:
                best, changed = trial, True
            else:
                i += chunk
        if not changed:
            chunk //= 2
    return best


def worker(conn, timeout: float, memory_mb: int) -> None:
    if memory_mb:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    while True:
        job = conn.recv()
        if job is None:
            return
        args, stdin, terminal, do_shrink = job
        failure = run_one(args, stdin, terminal, timeout)
        if failure:
            order = args[args.index("--order") + 1] if "--order" in args else "1"
            failure["command"] = f"{args[0]} --order {order}" if args[0] in ("diff", "explain") \
                else args[0]
        if failure and do_shrink:
            failure["minimal"] = shrink(args, stdin, terminal, timeout, failure)
        conn.send(failure)


# -------------------------------------------------------------------- driver
@dataclass
class Group:
    signature: str
    count: int = 0
    example: dict = field(default_factory=dict)


class Pool:
    """Worker processes with a hard deadline per job (a stuck C loop ignores the alarm)."""

    def __init__(self, n: int, timeout: float, memory_mb: int):
        self.timeout, self.memory_mb = timeout, memory_mb
        self.slots = [self._start() for _ in range(n)]

    def _start(self):
        parent, child = mp.Pipe()
        proc = mp.Process(target=worker, args=(child, self.timeout, self.memory_mb), daemon=True)
        proc.start()
        return {"proc": proc, "conn": parent, "job": None, "since": 0.0}

    def restart(self, i: int) -> None:
        self.slots[i]["proc"].kill()
        self.slots[i]["proc"].join()
        self.slots[i] = self._start()

    def close(self) -> None:
        for slot in self.slots:
            try:
                slot["conn"].send(None)
            except (BrokenPipeError, OSError):
                pass
            slot["proc"].join(timeout=5)
            if slot["proc"].is_alive():
                slot["proc"].kill()


def fuzz(seconds: float, workers: int, seed: int, timeout: float, memory_mb: int) -> dict:
    rng = random.Random(seed)
    pool = Pool(workers, timeout, memory_mb)
    groups: dict[str, Group] = {}
    tried = 0
    by_command: dict[str, int] = {}
    end = time.monotonic() + seconds

    def record(job, failure):
        args, stdin, terminal = job
        key = signature(failure)
        group = groups.setdefault(key, Group(key))
        group.count += 1
        shown = failure.get("minimal", args)
        if not group.example or len(" ".join(shown)) < len(" ".join(group.example["args"])):
            group.example = {"args": shown, "original": args, "stdin": stdin,
                             "terminal": terminal, **{k: v for k, v in failure.items()
                                                      if k != "minimal"}}

    while time.monotonic() < end or any(s["job"] for s in pool.slots):
        for i, slot in enumerate(pool.slots):
            if slot["job"] is None and time.monotonic() < end:
                job = command(rng)
                slot["job"], slot["since"] = job, time.monotonic()
                args, stdin, terminal = job
                # shrink only the first few of each kind, so shrinking cannot eat the run
                slot["conn"].send((args, stdin, terminal, len(groups) < 40))
                tried += 1
                by_command[args[0]] = by_command.get(args[0], 0) + 1
            elif slot["job"] is not None:
                if slot["conn"].poll(0.01):
                    try:
                        failure = slot["conn"].recv()
                    except EOFError:  # the worker died (memory limit hit inside C code)
                        failure = {"kind": "crash", "exc": "worker died", "where": ""}
                        pool.restart(i)
                    if failure:
                        record(slot["job"], failure)
                    slot = pool.slots[i]
                    slot["job"] = None
                elif time.monotonic() - slot["since"] > timeout + 25:  # 25 s: room to shrink
                    record(slot["job"], {"kind": "hang", "exc": "killed", "where": "",
                                         "command": slot["job"][0][0]})
                    pool.restart(i)
    pool.close()
    return {"seed": seed, "seconds": seconds, "tried": tried, "by_command": by_command,
            "failures": [g.__dict__ for g in sorted(groups.values(), key=lambda g: -g.count)]}


def _short(arg: str) -> str:
    """An argument as the shell would need it, long ones abbreviated with their length."""
    if len(arg) <= 120:
        return repr(arg)
    return f"{arg[:50]!r}…({len(arg)} chars)…{arg[-20:]!r}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--seconds", type=float, default=300)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=10, help="seconds per input")
    ap.add_argument("--memory", type=int, default=2048, help="MB per worker (address space)")
    ap.add_argument("--report", help="write the summary as JSON here")
    opts = ap.parse_args()
    summary = fuzz(opts.seconds, opts.workers, opts.seed, opts.timeout, opts.memory)
    print(f"seed {summary['seed']}: {summary['tried']} inputs in {summary['seconds']:.0f} s")
    print("  " + ", ".join(f"{k} {v}" for k, v in sorted(summary["by_command"].items())))
    print(f"{len(summary['failures'])} distinct failures")
    for g in summary["failures"]:
        ex = g["example"]
        print(f"\n[{g['count']}x] {g['signature']}")
        print(f"  repro: calc {' '.join(_short(a) for a in ex['args'])}"
              f"{'   (terminal mode)' if ex['terminal'] else ''}")
        if ex.get("stdin"):
            print(f"  stdin: {ex['stdin']!r}")
        if ex.get("message"):
            print(f"  message: {ex['message']}")
        if ex.get("stderr"):
            print(f"  stderr: {ex['stderr']!r}")
    if opts.report:
        with open(opts.report, "w", encoding="utf-8") as handle:
            json.dump(summary, handle, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
