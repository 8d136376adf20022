"""The command line: Typer apps, one module per command group. Each command parses its
options, calls one core function and hands the result to a renderer."""
