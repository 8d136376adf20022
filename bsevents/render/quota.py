"""The hourly budget for `bsevents quota`: the documented JSON object, and plain lines."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bsevents.timefmt import clock, clock_and_wait, iso_utc

if TYPE_CHECKING:
    from bsevents.ledger import Budget

BAR_WIDTH = 20


def budget_json(budget: Budget) -> dict[str, object]:
    """The documented `quota --json` object."""
    from bsevents.ledger import WINDOW_SECONDS

    return {
        "limit": budget.limit,
        "used": budget.used,
        "remaining": budget.remaining,
        "window_seconds": WINDOW_SECONDS,
        "next_slot_at": iso_utc(budget.next_slot_at),
        "blocked_until": iso_utc(budget.blocked_until),
        "calls": [{"at": iso_utc(c.at), "uuid": c.uuid, "status": c.status} for c in budget.calls],
    }


def budget_lines(budget: Budget) -> list[str]:
    """The human report, as plain lines."""
    filled = min(BAR_WIDTH, round(BAR_WIDTH * budget.used / budget.limit))
    bar = "█" * filled + "░" * (BAR_WIDTH - filled)
    lines = [
        f"show_events calls this hour: {bar} {budget.used} of {budget.limit} used · "
        f"{budget.remaining} left"
    ]
    if budget.next_slot_at is not None:
        lines.append(f"next call frees at {clock_and_wait(budget.next_slot_at, budget.now)}")
    if budget.blocked_until is not None:
        after = (
            "a damaged call ledger"
            if budget.hold_reason == "damaged ledger"
            else "a 429 from Blueshift"
        )
        lines.append(
            f"held after {after} until "
            f"{clock_and_wait(budget.blocked_until, budget.now)}; --force overrides"
        )
    if budget.calls:
        lines.append("")
        lines.append("calls in the last 60 min (local time, customer, outcome):")
        lines.extend(
            f"  {clock(c.at)}  {c.uuid or '-'}  {c.status}{'  (forced)' if c.forced else ''}"
            for c in budget.calls
        )
    return lines
