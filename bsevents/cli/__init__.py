"""The command line: the Typer app, options declared once, help and wording. Commands
live in `commands/`, one module each."""
