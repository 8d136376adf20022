"""Use cases: the pipeline from a question to an EventsResult, and fetch, watch, wait, send."""
