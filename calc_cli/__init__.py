"""calc: a command-line calculus tool. The public API is re-exported here."""

__version__ = "0.1.0"
