"""calc: a command-line calculus tool, and the small library behind it.

    >>> from calc_cli import parse, differentiate, simplify, evaluate
    >>> simplify(differentiate(parse("3x^2 + 2x + 1"), "x"))
    Add<6*x + 2>

``parse``, ``simplify`` and ``evaluate`` share their names with their modules,
so they are imported here (cheaply: none of them imports a library); the
other names are re-exported lazily (PEP 562).
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

# After these imports the package attributes are the functions, not the modules.
from .evaluate import evaluate  # noqa: E402
from .parse import parse  # noqa: E402
from .simplify import simplify  # noqa: E402

_EXPORTS = {
    "parse_with_notes": "calc_cli.parse",
    "differentiate": "calc_cli.diff",
    "derive": "calc_cli.diff",
    "nth_derivative": "calc_cli.diff",
    "compile_expr": "calc_cli.evaluate",
    "gradient": "calc_cli.multivar",
    "hessian": "calc_cli.multivar",
    "jacobian": "calc_cli.multivar",
    "plain": "calc_cli.render.plain",
    "pretty": "calc_cli.render.unicode",
    "latex": "calc_cli.render.latex",
    "CalcError": "calc_cli.errors",
}

__all__ = ["__version__", "evaluate", "parse", "simplify", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'calc_cli' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(module), name)
