"""Questions asked of events: filters, --where, lint rules and tracking plans (pure)."""
