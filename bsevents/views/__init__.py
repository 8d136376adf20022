"""Views: events, findings and budgets in, text out (table, timeline, JSON, CSV), and the
terminal that messages for people go through. The last step of every command."""
