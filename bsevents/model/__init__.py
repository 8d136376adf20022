"""Plain data and pure rules: events and times, customers, regions, names, safe text."""
