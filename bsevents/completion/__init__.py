"""Shell completion that answers a TAB without loading the CLI framework.

`generate` reads the Typer app and writes `spec` (plain data) and the scripts in
`completions/`; `fast` answers the shells' requests from `spec` and local files only.
"""
