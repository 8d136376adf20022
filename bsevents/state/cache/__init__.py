"""Stored responses (one interface, local files or shared Redis) and the completion index."""
