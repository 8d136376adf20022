"""One module per command: parse options, build the run's context, call the app, render."""
