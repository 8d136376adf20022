"""Saved responses for `--from-file`: what show_events returns, what `--json`,
`--view ndjson` or `--show` wrote, or a Postman collection holding a saved response.
No key and no call."""

from __future__ import annotations

import json
from typing import Any, BinaryIO

from bsevents.app.result import EventsResult
from bsevents.errors import BadResponse, UsageProblem
from bsevents.model.events import Event, check_events, ndjson_objects, sort_events
from bsevents.model.files import read_file
from bsevents.model.json_text import encode_json, load_json, loads, unreadable_json


def get_from_file(path: str, *, limit: int, stdin: BinaryIO | None = None) -> EventsResult:
    """Events from a saved response (`-` reads `stdin`): no key, no call.

    Accepts what show_events returns (a JSON array of event objects, which is also what
    `--json` writes), NDJSON (what `--view ndjson` writes), a single event object (what
    `--show` writes), and a Postman collection export holding a saved response. Raises
    UsageProblem (exit 2) when the file cannot be read or holds none of these.
    """
    name = "stdin" if path == "-" else path
    events, notes = parse_saved(read_text(path, stdin, limit), name)
    return EventsResult(sort_events(events), _common_user(events), "file", notes)


def read_text(path: str, stdin: BinaryIO | None, limit: int) -> str:
    """The text of a saved response at `path` (`-`: `stdin`). Decoding here, rather than
    handing bytes to json, lets the bytes go before parsing starts: 100 MB less at the
    peak for 100,000 events."""
    body = read_bytes(path, stdin, limit=limit)
    try:
        # The encodings json accepts (UTF-8, with or without a BOM as Windows tools
        # write, UTF-16, UTF-32), found the way json.loads finds them.
        return body.decode(json.detect_encoding(body), "surrogatepass")
    except UnicodeDecodeError:
        name = "stdin" if path == "-" else path
        raise UsageProblem(f"{name} is not UTF-8 text", _SAVED_HINT) from None


SIZE_HINT = "the limit is the max-response-mb setting (bsevents config set max-response-mb N)"


def read_bytes(
    path: str,
    stdin: BinaryIO | None,
    *,
    limit: int,
    option: str = "--from-file",
    what: str = "a saved response",
    size_hint: str | None = SIZE_HINT,
) -> bytes:
    """The bytes of the file at `path` (`-`: `stdin`; a pipe too), at most `limit` (for a
    saved answer, the max-response-mb setting, as for a live one). `option` and `what`
    name it in messages; `size_hint` says where the limit comes from. Raises
    UsageProblem (exit 2)."""
    name = "stdin" if path == "-" else path
    try:
        if path == "-":
            if stdin is None:
                raise UsageProblem(f"{option} -: there is no standard input to read")
            body = stdin.read(limit + 1)
        else:
            body = read_file(path, limit + 1, pipes=True)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise UsageProblem(f"cannot read {name}: {reason}", f"give the path of {what}") from None
    if len(body) > limit:
        # Read no further: /dev/zero or an endless pipe would take all the memory there is.
        raise UsageProblem(
            f"{name} is larger than {limit // (1024 * 1024)} MB; stopped reading it", size_hint
        )
    return body


_SAVED_HINT = (
    "expected a saved show_events response: a JSON array of events (what --json "
    "writes), NDJSON, or a Postman collection with a saved response"
)


def parse_saved(body: str, name: str = "the file") -> tuple[list[Event], list[str]]:
    """The events in a saved response, and notes about how they were found."""
    hint = _SAVED_HINT
    if not body.strip():
        raise UsageProblem(f"{name} is empty", hint)
    try:
        data: Any = load_json(body.removeprefix("\ufeff"))
    except ValueError as exc:
        lines = ndjson_objects(body)
        if lines is not None:
            return lines, []
        raise UsageProblem(unreadable_json(name, exc), hint) from None
    notes: list[str] = []
    if isinstance(data, dict):
        if isinstance(data.get("item"), list):
            data, notes = _from_postman(data, name, hint)
        elif isinstance(data.get("event"), str) or "event_uuid" in data:
            data = [data]
    try:
        return check_events(data), notes
    except BadResponse as problem:
        raise UsageProblem(f"{name}: {problem.message}", hint) from None


def _from_postman(collection: dict[str, Any], name: str, hint: str) -> tuple[Any, list[str]]:
    """The body of a saved response in a Postman collection (v2.x), preferring those of
    show_events requests; the first when there are several, with a note saying so."""
    found: list[tuple[bool, str, Any]] = []

    def walk(items: list[Any]) -> None:
        for item in items:
            if not isinstance(item, dict):
                continue
            if isinstance(item.get("item"), list):
                walk(item["item"])
            for response in item.get("response") or []:
                if not isinstance(response, dict) or not isinstance(response.get("body"), str):
                    continue
                if response.get("code", 200) != 200:
                    continue
                try:
                    parsed = loads(response["body"])
                except ValueError:
                    continue
                if isinstance(parsed, list):
                    request = encode_json(
                        response.get("originalRequest") or item.get("request"), json.dumps
                    )
                    label = str(response.get("name") or item.get("name") or "unnamed")
                    found.append(("show_events" in request, label, parsed))

    walk(collection["item"])
    if not found:
        raise UsageProblem(f"{name} is a Postman collection with no saved 200 response", hint)
    found.sort(key=lambda entry: not entry[0])  # show_events responses first, stable
    _, label, parsed = found[0]
    note = f"using the saved response {label!r} from the Postman collection"
    if len(found) > 1:
        note += f" (the first of {len(found)})"
    return parsed, [note]


def _common_user(events: list[Event]) -> str:
    """The customer the events belong to, when they all name the same one."""
    # Any JSON value can sit in user_uuid, an unhashable object too: only strings count.
    users = {user if isinstance(user := e.get("user_uuid"), str) else None for e in events}
    if len(users) == 1:
        (user,) = users
        if user is not None:
            return user
    return ""
