"""The record of calls and the hourly budget: one interface, local SQLite or shared Redis."""
