"""The hourly budget for `bsevents quota`: the documented JSON object, and plain lines."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bsevents.model.times import clock, clock_and_wait, iso_utc

if TYPE_CHECKING:
    from bsevents.app.budget import Quota
    from bsevents.state.ledger.budget import Call

BAR_WIDTH = 20


def budget_json(report: Quota) -> dict[str, object]:
    """The documented `quota --json` object."""
    from bsevents.state.ledger.budget import WINDOW_SECONDS

    budget = report.budget
    return {
        "account": {
            "profile": report.profile,
            "region": report.region,
            "key_fingerprint": report.fingerprint,
        },
        "limit": budget.limit,
        "used": budget.used,
        "remaining": budget.remaining,
        "window_seconds": WINDOW_SECONDS,
        "next_slot_at": iso_utc(budget.next_slot_at),
        "blocked_until": iso_utc(budget.blocked_until),
        "counting_since": iso_utc(budget.counting_since),
        "counting_since_reason": budget.counting_reason,
        "shared": report.shared,
        "calls": [
            # `by`: the teammate (user@host) who made a call counted in the shared store.
            {"at": iso_utc(c.at), "uuid": c.uuid, "status": c.status, "by": c.by}
            for c in budget.calls
        ],
    }


def budget_lines(report: Quota) -> list[str]:
    """The human report, as plain lines."""
    budget = report.budget
    filled = min(BAR_WIDTH, round(BAR_WIDTH * budget.used / budget.limit))
    bar = "█" * filled + "░" * (BAR_WIDTH - filled)
    key = f"key {report.fingerprint}" if report.fingerprint else "no key at hand, no calls recorded"
    if report.fingerprint and report.guessed:
        # Not looked up now: say whose count this is, so a changed key is not missed.
        key += {
            "remembered": " (as last used by bsevents with this profile)",
            "last used": " (the last one this profile called with; no key at hand now)",
        }[report.guessed]
    lines = [
        f"account: profile {report.profile} · region {report.region} · {key}",
        f"show_events calls this hour: {bar} {budget.used} of {budget.limit} used · "
        f"{budget.remaining} left",
    ]
    if report.shared:
        lines.append("counted with the team, in the shared store (every member's calls)")
    lines.extend(_counting_since(report))
    if budget.next_slot_at is not None:
        lines.append(f"next call frees at {clock_and_wait(budget.next_slot_at, budget.now)}")
    if budget.blocked_until is not None:
        lines.append(
            "held after a 429 from Blueshift until "
            f"{clock_and_wait(budget.blocked_until, budget.now)}; --force overrides"
        )
    if budget.calls:
        lines.append("")
        # Teammates' calls as last seen in the store name their maker in a local count too.
        who = ", by whom" if report.shared or any(c.by for c in budget.calls) else ""
        lines.append(f"calls in the last 60 min (local time, customer, outcome{who}):")
        lines.extend(_call_line(c) for c in budget.calls)
    return lines


def _call_line(call: Call) -> str:
    by = call.by  # a teammate's name, cleaned when it was read
    forced = "  (forced)" if call.forced else ""
    return f"  {clock(call.at)}  {call.uuid or '-'}  {call.status}{forced}" + (
        f"  {by}" if by else ""
    )


def _counting_since(report: Quota) -> list[str]:
    """When the ledger started counting, if that was within the hour: the count may miss
    calls made before it."""
    from bsevents.state.ledger.budget import WINDOW_SECONDS
    from bsevents.state.ledger.db import AFTER_DAMAGE

    budget = report.budget
    since = budget.counting_since
    if since is None or budget.now - since >= WINDOW_SECONDS:
        return []
    why = (
        "when a damaged ledger was set aside"
        if budget.counting_reason == AFTER_DAMAGE
        else "when the ledger was started"
    )
    return [f"counting since {clock(since)}, {why}"]
