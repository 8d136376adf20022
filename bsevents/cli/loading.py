"""Getting a command's events from the options every events-reading command shares:
--from-file or --demo (no key, no call), or a customer from the store or a live call.
`events` and `lint` both read their events through here."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from bsevents.errors import UsageProblem
from bsevents.views import ui

if TYPE_CHECKING:
    from bsevents.app.fetch import EventsResult, FetchOptions
    from bsevents.state.settings import Resolved


# The variables that choose what a live run would call: checked with --demo and
# --from-file too, as the flags are.
_CHOOSING = ("BSEVENTS_PROFILE", "BLUESHIFT_REGION", "BSEVENTS_BASE_URL")


def check_like_a_live_run(
    *,
    local: bool,
    profile: str | None,
    region: str | None,
    base_url: str | None,
    timeout: float,
) -> None:
    """--demo and --from-file make no call, but a typo is still a typo: the profile,
    region, base URL (flags or environment) and timeout are checked as a live run checks
    them. A damaged settings file alone does not stop a local view."""
    if not local:
        return
    import os

    from bsevents.app.fetch import check_timeout
    from bsevents.state.settings import resolve

    check_timeout(timeout)
    if (profile, region, base_url) != (None, None, None) or any(
        os.environ.get(name, "").strip() for name in _CHOOSING
    ):
        resolve(profile=profile, region=region, base_url=base_url)


def local_result(
    *,
    from_file: str | None,
    demo: bool,
    customer: str | None,
    uuid: str | None,
    email: str | None,
) -> EventsResult | None:
    """The events of --from-file or --demo; None when neither is given."""
    if from_file is not None:
        if demo or customer is not None or uuid is not None or email is not None:
            raise UsageProblem("--from-file takes no customer and no --demo", "give one source")
        stdin = getattr(sys.stdin, "buffer", None)  # sys.stdin is None when fd 0 is closed
        from bsevents.app.saved import get_from_file

        return get_from_file(from_file, stdin=stdin)
    if demo:
        if customer is not None or uuid is not None or email is not None:
            raise UsageProblem("--demo takes no customer", "run: bsevents events --demo")
        from bsevents.app import fetch as source

        return source.get_demo()
    return None


def live_result(resolved: Resolved, who_uuid: str, options: FetchOptions) -> EventsResult:
    """One customer's events from the store or a live call (within the budget), with the
    spinner on stderr while they arrive."""
    from bsevents.app import fetch as source

    with ui.Spinner("receiving") as spinner:
        return source.get_customer_events(
            resolved,
            who_uuid,
            options,
            notify=ui.note,
            warn=ui.warn,
            debug=ui.debug,
            progress=spinner,
        )
