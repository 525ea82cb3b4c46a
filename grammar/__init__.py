"""The grammar ships inside the package as calc_cli/grammar/calc.lark."""
