"""`send --data`: whole Event API bodies, as a pipeline sent them, sent again. Pure functions.

`--data` holds one body, a JSON array of them, or NDJSON (one per line). A body may be
complete (`event`, an identity, `event_uuid`, `timestamp`, parameters: what RudderStack's
Blueshift destination posts) or hold parameters only; the command's flags fill in what a
body lacks, and must agree with what it has. A body is sent exactly as given: its keys in
their order, its values with their JSON types. The tool adds an `event_uuid` only when a
body has none (it must know the id to print it and to wait for it), and nothing else
unless a flag asks. Every body is checked before the first one is sent.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bsevents.api.event_body import (
    CONTROL,
    MAX_DATA_BYTES,
    NUMBER_HINT,
    OWN_KEYS,
    Identity,
    check_name,
    id_problem,
    parse_data,
)
from bsevents.errors import UsageProblem

# The identities the Event API takes (the flags' three, and a device's id): one list,
# the one reconcile reads captures by.
from bsevents.model.customer import UUID_RE
from bsevents.model.event_api import IDENTITY_KEYS

MAX_FILE_BYTES = 64 * MAX_DATA_BYTES  # many bodies; each is still bounded on its own
MAX_BODIES = 10_000
# Blueshift's bulk events endpoint takes at most 30 events and 1 MB a call, and asks for
# at most 5 calls a second (developer.blueshift.com/reference/post_api-v1-bulkevents).
BULK_EVENTS = 30
BULK_BYTES = 1_000_000
BULK_PAUSE = 0.2  # seconds between two bulk calls
_BULK_OPEN, _BULK_CLOSE = '{"events":[', "]}"


@dataclass(frozen=True)
class Flags:
    """What the command line says of every body: EVENT, the identity flags, --event-uuid,
    the -p parameters (parsed) and --force."""

    name: str | None = None
    identity: Identity = field(default_factory=Identity)
    event_uuid: str | None = None
    params: tuple[tuple[str, Any], ...] = ()
    force: bool = False


@dataclass(frozen=True)
class Read:
    """One JSON object read from --data, and where: `line 3` (NDJSON), `index 2` (an
    array), or "" for the only body."""

    data: dict[str, Any]
    where: str = ""
    line: int | None = None


@dataclass(frozen=True)
class Body:
    """One body ready to send: its fields, the JSON text that is sent, where it came from
    (`index` counts the bodies from 0), whether the tool chose its event_uuid, the -p
    parameters that replaced a value it had, and what --force let through."""

    fields: dict[str, Any]
    text: str
    index: int = 0
    where: str = ""
    line: int | None = None
    uuid_added: bool = False
    overridden: tuple[str, ...] = ()
    deep: str | None = None  # the warning for a body nested deeper than views show

    @property
    def event_uuid(self) -> str:
        return str(self.fields["event_uuid"])

    def who(self) -> str:
        """`customer_id C-1, email m@x.io`: the identities the body carries."""
        return ", ".join(
            f"{key} {value}"
            for key, value in self.fields.items()
            if key in IDENTITY_KEYS and _usable(value)
        )


def read_bodies(raw: bytes, source: str) -> list[Read]:
    """The JSON objects of --data: one object, an array of them, or NDJSON (more than one
    non-blank line, the first an object on its own). UsageProblem names what is wrong."""
    from bsevents.model.json_text import NumberOutOfRange, json_type, loads

    if len(raw) > MAX_FILE_BYTES:
        raise UsageProblem(f"--data {source}: more than {MAX_FILE_BYTES:,} bytes")
    if raw.lstrip()[:1] == b"[":
        try:
            items = loads(raw, exact_numbers=True)
        except NumberOutOfRange as exc:
            raise UsageProblem(f"--data {source}: {exc}", NUMBER_HINT) from None
        except (ValueError, UnicodeDecodeError):
            raise UsageProblem(f"--data {source} is not valid JSON") from None
        if not isinstance(items, list):  # `[` then something else: not JSON either
            raise UsageProblem(f"--data {source} is not valid JSON")
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                raise UsageProblem(
                    f"--data {source}: index {index} (of {len(items)}) is a JSON "
                    f"{json_type(item)}, not an event object; nothing was sent",
                    'each item is one event, for example {"event": "view", "email": "…"}',
                )
        return _counted([Read(item, f"index {i}") for i, item in enumerate(items)], source)
    lines = [(n, text) for n, text in enumerate(raw.split(b"\n"), 1) if text.strip()]
    if len(lines) > 1 and _one_object(lines[0][1]):
        return _counted(
            [Read(parse_data(text, f"{source} line {n}"), f"line {n}", n) for n, text in lines],
            source,
        )
    return [Read(parse_data(raw, source))]


def _one_object(text: bytes) -> bool:
    from bsevents.model.json_text import loads

    try:
        return isinstance(loads(text), dict)
    except (ValueError, UnicodeDecodeError):
        return False


def _counted(found: list[Read], source: str) -> list[Read]:
    if not found:
        raise UsageProblem(f"--data {source} holds no event", 'for example [{"event": "view"}]')
    if len(found) > MAX_BODIES:
        raise UsageProblem(
            f"--data {source} holds {len(found):,} events, more than {MAX_BODIES:,}",
            "split it into smaller files",
        )
    return found


def prepare(
    found: list[Read], source: str, flags: Flags, new_uuid: Callable[[], str]
) -> list[Body]:
    """Every body, completed and checked, before anything is sent: the first problem
    raises UsageProblem naming its body (`--data events.ndjson line 3: …`)."""
    if flags.event_uuid is not None and len(found) > 1:
        raise UsageProblem(
            f"--event-uuid names one event, and --data {source} holds {len(found)}",
            "give each body its own event_uuid, or drop --event-uuid",
        )
    bodies = []
    for index, read in enumerate(found):
        try:
            bodies.append(complete(read, flags, new_uuid, index))
        except UsageProblem as problem:
            where = f" {read.where}" if read.where else ""
            raise UsageProblem(f"--data {source}{where}: {problem.message}", problem.hint) from None
    return bodies


def complete(read: Read, flags: Flags, new_uuid: Callable[[], str], index: int = 0) -> Body:
    """One body with what the flags add: the keys it lacks first (event, identities, an
    event_uuid), then its own keys in their order, -p parameters replacing its values in
    place or added after them. Raises UsageProblem for a flag that disagrees with the
    body, a bad name, identity or event_uuid, or a body too large or too deep."""
    data = read.data
    front: dict[str, Any] = {}
    name = _event_name(data, flags)
    if "event" not in data:
        front["event"] = name
    for key, value in flags.identity.fields().items():
        if key not in data:
            front[key] = value
        elif not _agrees(key, data[key], value):
            raise _disagree(f"--{key.replace('_', '-')}", value, key, data[key])
    if "event_uuid" in data:
        _check_event_uuid(data["event_uuid"], flags.event_uuid)
    else:
        front["event_uuid"] = flags.event_uuid or new_uuid()
    fields = {**front, **data}
    overridden = []
    for key, value in flags.params:
        if key in OWN_KEYS:
            option = "EVENT" if key == "event" else f"--{key.replace('_', '-')}"
            raise UsageProblem(
                f"the parameters set {key!r}, which bsevents sets itself", f"give it as {option}"
            )
        if key in data:
            overridden.append(key)
        fields[key] = value
    _check_identity(fields)
    return finish(
        fields,
        force=flags.force,
        index=index,
        where=read.where,
        line=read.line,
        uuid_added="event_uuid" not in data and flags.event_uuid is None,
        overridden=tuple(dict.fromkeys(overridden)),
    )


def finish(fields: dict[str, Any], *, force: bool = False, **where: Any) -> Body:
    """The body as sent (event_body.body_text: the same JSON, in characters every step
    can carry), bounded as every body is: at most MAX_DATA_BYTES, and no deeper than
    event_body.check_depth allows (with `force`, deeper, with the warning to give)."""
    from bsevents.api.event_body import body_text, check_depth

    deep = check_depth(fields, force=force)
    text = body_text(fields)
    size = len(text.encode())
    if size > MAX_DATA_BYTES:
        raise UsageProblem(
            f"the body is {size:,} bytes of JSON, more than {MAX_DATA_BYTES:,}",
            "an event is not a data dump: send less",
        )
    return Body(fields, text, deep=deep, **where)


def _event_name(data: dict[str, Any], flags: Flags) -> str:
    if "event" not in data:
        if flags.name is None:
            raise UsageProblem(
                "no event name: the body has no `event`",
                "give it as EVENT, e.g. bsevents send view",
            )
        return check_name(flags.name, force=flags.force)
    name = data["event"]
    if not isinstance(name, str):
        raise UsageProblem(f"the body's event is not text: {_shown(name)}")
    if flags.name is not None and flags.name != name:
        raise _disagree("EVENT", flags.name, "event", name)
    return check_name(name, force=flags.force)


def _check_event_uuid(value: Any, flag: str | None) -> None:
    if not isinstance(value, str):
        raise UsageProblem(
            f"the body's event_uuid is not text: {_shown(value)}",
            "pipelines send it as a string; quote it",
        )
    problem = id_problem(value)
    if problem is not None:
        raise UsageProblem(f"the body's event_uuid {_shown(value)} {problem}")
    if flag is not None and not same_id(flag, value):
        raise _disagree("--event-uuid", flag, "event_uuid", value)


def _check_identity(fields: dict[str, Any]) -> None:
    """Each identity the body has is text or a number (or null), with no control
    character, and one at least has a value."""
    from bsevents.model.sanitize import UNSAFE_RE

    for key in IDENTITY_KEYS:
        value = fields.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise UsageProblem(f"the body's {key} is not text: {_shown(value)}")
        if isinstance(value, str) and UNSAFE_RE.search(value):
            raise UsageProblem(f"the body's {key} {_shown(value)} {CONTROL}")
    if not any(_usable(fields.get(key)) for key in IDENTITY_KEYS):
        raise UsageProblem(
            "no customer given: the body has no customer_id, email, cookie or device_id",
            "add one to the body, or give --customer-id, --email or --cookie",
        )


def _usable(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    return isinstance(value, int) and not isinstance(value, bool)


def same_id(first: str, second: str) -> bool:
    """Whether two event_uuids name one event: equal, or two UUIDs equal ignoring case (a
    UUID's hex digits mean the same in either case). An opaque id such as `Abc-1` is
    compared as it is: nothing says a pipeline treats `abc-1` as the same event."""
    if first == second:
        return True
    return bool(UUID_RE.match(first) and UUID_RE.match(second)) and first.lower() == second.lower()


def _agrees(key: str, body_value: Any, flag_value: str) -> bool:
    if isinstance(body_value, bool) or not isinstance(body_value, (str, int)):
        return False
    text = str(body_value)
    return text.lower() == flag_value.lower() if key == "email" else text == flag_value


def _disagree(flag: str, flag_value: str, key: str, body_value: Any) -> UsageProblem:
    return UsageProblem(
        f"{flag} {_shown(flag_value)} disagrees with the body's {key} {_shown(body_value)}",
        "drop the flag to send the body as it is, or change one of them",
    )


def _shown(value: Any) -> str:
    """A value in a message: JSON text, at most 60 characters."""
    from bsevents.model.sanitize import shorten

    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        text = repr(value)
    return shorten(text, 60)


def batches(bodies: list[Body]) -> list[list[Body]]:
    """The bodies in order, in bulk calls of at most BULK_EVENTS events and BULK_BYTES of
    JSON each. Raises UsageProblem for a body too large for a bulk call on its own."""
    groups: list[list[Body]] = []
    size = 0
    for body in bodies:
        length = len(body.text.encode()) + 1  # its comma
        if len(_BULK_OPEN) + length + len(_BULK_CLOSE) > BULK_BYTES:
            raise UsageProblem(
                f"{_named(body)} is {length - 1:,} bytes: a bulk call takes at most "
                f"{BULK_BYTES:,} bytes",
                "send it without --bulk",
            )
        if not groups or len(groups[-1]) == BULK_EVENTS or size + length > BULK_BYTES:
            groups.append([])
            size = len(_BULK_OPEN) + len(_BULK_CLOSE)
        groups[-1].append(body)
        size += length
    return groups


def _named(body: Body) -> str:
    return f"the body at {body.where}" if body.where else "the body"


def bulk_text(batch: list[Body]) -> str:
    """The bulk call's body: `{"events":[…]}` around the bodies' own JSON text."""
    return _BULK_OPEN + ",".join(body.text for body in batch) + _BULK_CLOSE
