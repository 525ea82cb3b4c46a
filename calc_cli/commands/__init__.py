"""The click commands, one module per family; importing them registers them on ``cli``."""
