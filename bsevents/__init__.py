"""bsevents: debug Blueshift's "Get customer events" API from the command line."""

__version__ = "0.1.0"
