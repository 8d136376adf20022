"""The equivalent curl command for a request, to hand to Blueshift support or a colleague.

The key is never written out: the command reads it from $BLUESHIFT_API_KEY.
"""

from __future__ import annotations

import shlex

from bsevents.api.endpoints import (
    bulk_events_url,
    event_url,
    request_headers,
    search_url,
    show_events_url,
)


def _curl(quoted_url: str) -> str:
    headers = " ".join(f"-H {shlex.quote(f'{k}: {v}')}" for k, v in request_headers().items())
    # --fail-with-body: a non-2xx exits non-zero but still shows Blueshift's message.
    return f'curl -sS --fail-with-body -u "$BLUESHIFT_API_KEY:" {headers} {quoted_url}'


def show_events_command(base_url: str, uuid: str) -> str:
    return _curl(shlex.quote(show_events_url(base_url, uuid)))


def email_then_events_commands(base_url: str, email: str) -> str:
    """Two commands: look the email up, then fetch the events of the best match."""
    search = _curl(shlex.quote(search_url(base_url, email)))
    events = _curl(shlex.quote(show_events_url(base_url, "")) + '"$UUID"')
    return f"UUID=$({search} | jq -r .user.uuid)\n{events}"


def send_event_command(base_url: str, body: str, *, bulk: bool = False) -> str:
    """POST one event to the Event API (with `bulk`, a batch to the bulk events
    endpoint); the Event API key comes from its own variable."""
    headers = {**request_headers(), "Content-Type": "application/json"}
    flags = " ".join(f"-H {shlex.quote(f'{k}: {v}')}" for k, v in headers.items())
    url = bulk_events_url(base_url) if bulk else event_url(base_url)
    return (
        f'curl -sS --fail-with-body -u "$BLUESHIFT_EVENT_API_KEY:" {flags} '
        f"--data-raw {shlex.quote(body)} {shlex.quote(url)}"
    )
