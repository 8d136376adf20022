"""The equivalent curl command for a request, to hand to Blueshift support or a colleague.

The key is never written out: the command reads it from $BLUESHIFT_API_KEY. The command
pastes into bash, zsh, fish and dash alike and means the same bytes in each: every
argument is quoted by `quote`, and the JSON body (`event_body.body_text`) holds no control
or bidi character, no backslash pair and no single quote, so the terminal shows it as is.
"""

from __future__ import annotations

import re

from bsevents.api.endpoints import (
    bulk_events_url,
    event_url,
    request_headers,
    search_url,
    show_events_url,
)

# What a single-quoted word cannot hold in every shell: the quote ends it, and fish reads
# `\\` and `\'` as escapes even there (a backslash before anything else stays itself).
_SPECIAL_RE = re.compile(r"('|\\(?=[\\']|\Z))")
_PLAIN_RE = re.compile(r"[\w@%+=:,./-]+", re.ASCII)


def quote(text: str) -> str:
    """`text` as one shell word that bash, zsh, fish and dash all read as exactly `text`:
    single quotes, with a single quote, or a backslash that fish would join to the next
    character, on its own in double quotes (`"'"`, `"\\"`, which all four read alike).
    (shlex.quote's `'C:\\\\new'` is two backslashes to bash and one to fish.)"""
    if text and _PLAIN_RE.fullmatch(text):
        return text  # nothing any shell reads specially, as shlex.quote leaves it
    words = [
        ('"\'"' if part == "'" else '"\\\\"') if part in ("'", "\\") else f"'{part}'"
        for part in _SPECIAL_RE.split(text)
        if part
    ]
    return "".join(words) or "''"


def _start(max_time: float | None) -> str:
    """`curl` and its common flags; `--max-time` for a --timeout given on the command line
    (curl, unlike bsevents, has no deadline of its own)."""
    # --fail-with-body: a non-2xx exits non-zero but still shows Blueshift's message.
    deadline = f" --max-time {max_time:g}" if max_time is not None else ""
    return f"curl -sS --fail-with-body{deadline}"


def _curl(quoted_url: str, max_time: float | None) -> str:
    headers = " ".join(f"-H {quote(f'{k}: {v}')}" for k, v in request_headers().items())
    return f'{_start(max_time)} -u "$BLUESHIFT_API_KEY:" {headers} {quoted_url}'


def show_events_command(base_url: str, uuid: str, max_time: float | None = None) -> str:
    return _curl(quote(show_events_url(base_url, uuid)), max_time)


def email_then_events_commands(base_url: str, email: str, max_time: float | None = None) -> str:
    """One command: fetch the events of the customer that looking the email up finds
    first. Nested, as `"$(…)"`: fish has no `UUID=$(…)` assignment, and all four shells
    read a substitution in double quotes."""
    search = _curl(quote(search_url(base_url, email)), max_time)
    events = quote(show_events_url(base_url, ""))
    return _curl(events + f'"$({search} | jq -r .user.uuid)"', max_time)


def send_event_command(
    base_url: str, body: str, *, bulk: bool = False, max_time: float | None = None
) -> str:
    """POST one event to the Event API (with `bulk`, a batch to the bulk events
    endpoint); the Event API key comes from its own variable. `body` is
    event_body.body_text's (or a bulk call's of such bodies): the bytes bsevents itself
    would send."""
    headers = {**request_headers(), "Content-Type": "application/json"}
    flags = " ".join(f"-H {quote(f'{k}: {v}')}" for k, v in headers.items())
    url = bulk_events_url(base_url) if bulk else event_url(base_url)
    return (
        f'{_start(max_time)} -u "$BLUESHIFT_EVENT_API_KEY:" {flags} '
        f"--data-raw {quote(body)} {quote(url)}"
    )
