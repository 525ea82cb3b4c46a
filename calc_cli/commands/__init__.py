"""The commands: the click commands, one module per family (importing one registers its
commands on ``cli``), and ``run.py``, what eval and diff do without click (shared with the
fast lane, ``calc_cli/quick.py``)."""
