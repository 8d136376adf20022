"""Renderers: events in, text out. The last step of every command, and swappable."""
