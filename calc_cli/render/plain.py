"""Temporary minimal plain printer (replaced by the full printer)."""
from ..expr import *  # noqa


def plain(e):
    if isinstance(e, Num):
        return str(e.value)
    if isinstance(e, (Var, Const)):
        return e.name
    if isinstance(e, Add):
        return "(" + " + ".join(map(plain, e.terms)) + ")"
    if isinstance(e, Mul):
        return "(" + "*".join(map(plain, e.terms)) + ")"
    if isinstance(e, Div):
        return f"({plain(e.left)}/{plain(e.right)})"
    if isinstance(e, Pow):
        return f"({plain(e.left)}^{plain(e.right)})"
    if isinstance(e, Neg):
        return f"(-{plain(e.arg)})"
    if isinstance(e, Func):
        return f"{e.name}(" + ", ".join(map(plain, e.fargs)) + ")"
