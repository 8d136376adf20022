"""Shell completion that answers a TAB without loading the CLI framework: `fast` answers
the shells' requests from `spec` (plain data, written by `bsevents.cli.completion_spec`
from the Typer app) and local files only."""
