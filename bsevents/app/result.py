"""What the pipeline answers with (`EventsResult`), how it may call (`FetchOptions`), and
how long it may keep asking (`Wait`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from bsevents.errors import UsageProblem

if TYPE_CHECKING:
    from bsevents.model.events import Event

Origin = Literal["demo", "live", "cache", "file"]
MIN_TIMEOUT = 0.1
MAX_TIMEOUT = 600.0
MAX_RETRIES = 5
RETRY_BASE = 0.5  # seconds before the first retry; doubles, with jitter


@dataclass(frozen=True)
class EventsResult:
    """Sorted events, where they came from, and which of them are new since the fetch
    before. `notes` are for people (stderr), said once the answer is final; `told` after
    them, not dimmed: why a stored copy that lacks what was asked was not asked again."""

    events: list[Event]
    uuid: str
    origin: Origin
    notes: list[str] = field(default_factory=list)
    new_keys: frozenset[str] = frozenset()
    # When a stored copy was fetched (origin "cache"): a miss in an old copy is asked again.
    fetched_at: float | None = None
    dashboard_url: str | None = None  # the customer's page in the region's dashboard
    told: tuple[str, ...] = ()
    # A stored copy that a live call could replace: its note says how many calls are left
    # once the answer is final (a refresh that failed may have spent one).
    refreshable: bool = False
    # Whether there was an earlier copy to mark new events against: with none, no event
    # is new, and --new says why it shows none.
    compared: bool = True


@dataclass(frozen=True)
class FetchOptions:
    """How the events may be fetched: the options that decide calls."""

    timeout: float = 30.0
    refresh: bool = False  # a live call even when a fresh stored response exists
    offline: bool = False  # never call; show the stored response
    force: bool = False  # call even at the hourly cap or during a hold after a 429
    retries: int = 2  # for 502/503/504 and dropped connections; each one is a ledger entry
    keep: int = 0  # calls of the hour retries leave alone (--watch keeps one for the user)

    def __post_init__(self) -> None:
        check_timeout(self.timeout)
        if not 0 <= self.retries <= MAX_RETRIES:
            raise UsageProblem(f"--retries {self.retries} is not between 0 and {MAX_RETRIES}")
        if self.offline and (self.refresh or self.force):
            raise UsageProblem(
                "--offline never calls; it cannot be combined with --refresh/--force"
            )


def check_timeout(seconds: float) -> float:
    """`seconds` if it is a sane --timeout, else UsageProblem: NaN, infinity or 1e10
    would pass a bare minimum and then fail inside the HTTP library, after the call was
    counted."""
    if not MIN_TIMEOUT <= seconds <= MAX_TIMEOUT:  # False for NaN too
        raise UsageProblem(
            f"--timeout {seconds:g} is not between {MIN_TIMEOUT:g} and {MAX_TIMEOUT:g} seconds",
            "for example --timeout 60",
        )
    return seconds


@dataclass(frozen=True)
class Wait:
    """--wait: poll until the answer's events are `found` (one that passes the filters;
    with several events sent, every one of them), for at most `seconds`. `sent_at`
    (monotonic) is when `send` sent what is waited for: the first poll comes later after
    a send."""

    seconds: float
    found: Callable[[list[Event]], bool]
    looked_for: str  # `purchase event with order_id=1`, for the messages
    sent_at: float | None = None
