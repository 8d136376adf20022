"""Blueshift's HTTP API: the client, endpoints, bounded bodies, Event API bodies, curl."""
