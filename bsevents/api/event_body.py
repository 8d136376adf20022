"""`bsevents send`: the body of one event for Blueshift's Event API. Pure functions.

The body is one JSON object: `event`, an identity (`customer_id`, `email`, `cookie`),
`event_uuid`, `timestamp`, and the parameters as extra top-level keys, given
HTTPie-style (`key=text`, `key:=JSON`) or as a whole JSON object (`--data`).
"""

from __future__ import annotations

import uuid as uuid_module
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from bsevents.errors import UsageProblem

MAX_DATA_BYTES = 1_000_000  # an event body, not a data dump
IDENTITIES = ("customer_id", "email", "cookie")
# Keys the command sets itself: a parameter may not quietly replace them.
OWN_KEYS = ("event", "event_uuid", *IDENTITIES)
PARAM_HINT = "write --param key=text or --param key:=JSON, e.g. --param seats:=3"
# Sent as the nearest double, a number would arrive as another one (1e400 as 1.8e308).
NUMBER_HINT = (
    "a number must lie within about ±1.8e308 and, unless 0, beyond ±5e-324; "
    "send it as text (key=1e400) if that is what you mean"
)


@dataclass(frozen=True)
class Identity:
    customer_id: str | None = None
    email: str | None = None
    cookie: str | None = None

    def __post_init__(self) -> None:
        for option, value in (("--customer-id", self.customer_id), ("--cookie", self.cookie)):
            # Blueshift answers an empty identity with a 400 after the send: say it first,
            # by the rule every id is held to (a joiner is fine; a control character not).
            problem = id_problem(value) if value is not None else None
            if problem is not None:
                raise UsageProblem(
                    f"{option} {value!r} {problem}", "give the id the site uses for this visitor"
                )

    def fields(self) -> dict[str, str]:
        given = {"customer_id": self.customer_id, "email": self.email, "cookie": self.cookie}
        return {k: v for k, v in given.items() if v is not None}


def check_name(name: str, *, force: bool) -> str:
    """The event name, refused (exit 2) where `model.names` says integrations refuse it,
    unless `force`; a blank name or a control character is refused even then."""
    from bsevents.model.names import SOURCE, judge
    from bsevents.model.words import and_list

    if not name.strip():
        raise UsageProblem("the event name is empty", "for example: bsevents send purchase …")
    verdict = judge(name)
    if verdict.control:
        raise UsageProblem(
            f"event name {name!r} has a control character, which is never sent",
            "--force overrides the naming rule only; type the name again",
        )
    if not verdict.ok and not force:
        raise UsageProblem(
            f"event name {name!r} has {and_list(verdict.problems())}: {SOURCE}",
            "rename it (add_to_cart), or add --force to send it anyway",
        )
    return name


def parse_param(text: str) -> tuple[str, Any]:
    """`key=text` -> (key, "text"); `key:=JSON` -> (key, the JSON value)."""
    from bsevents.model.json_text import NumberOutOfRange, loads

    if "=" not in text:
        raise UsageProblem(f"--param {text!r} has no = (or :=)", PARAM_HINT)
    key, value = text.split("=", 1)
    typed = key.endswith(":")
    key = key.removesuffix(":").strip() if typed else key.strip()
    if not key:
        raise UsageProblem(f"--param {text!r} has no key", PARAM_HINT)
    if not typed:
        return key, value
    try:
        return key, loads(value, exact_numbers=True)
    except NumberOutOfRange as exc:
        raise UsageProblem(f"--param {text!r}: {exc}", NUMBER_HINT) from None
    except (ValueError, RecursionError):
        raise UsageProblem(
            f"--param {text!r}: {value!r} is not JSON",
            "strings need quotes after := (key:='\"text\"'), or use key=text",
        ) from None


def parse_data(raw: bytes, source: str) -> dict[str, Any]:
    """`--data`: a whole JSON object of parameters."""
    from bsevents.model.json_text import NumberOutOfRange, loads

    if len(raw) > MAX_DATA_BYTES:
        raise UsageProblem(f"--data {source}: more than {MAX_DATA_BYTES:,} bytes")
    try:
        data = loads(raw, exact_numbers=True)
    except NumberOutOfRange as exc:
        raise UsageProblem(f"--data {source}: {exc}", NUMBER_HINT) from None
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise UsageProblem(f"--data {source} is not valid JSON") from None
    if not isinstance(data, dict):
        raise UsageProblem(f"--data {source} is not a JSON object", 'for example {"seats": 3}')
    return data


def check_event_uuid(text: str) -> str:
    """--event-uuid: a UUID, lower-cased, or any other id as given (pipelines send ids
    such as `34abcd-efghijkj-1234kf`); never a blank one or a control character."""
    from bsevents.model.customer import UUID_RE

    value = text.strip()
    if UUID_RE.match(value):
        return value.lower()
    problem = id_problem(value)
    if problem is not None:
        raise UsageProblem(f"--event-uuid {text!r} {problem}", "any id will do, e.g. order-1042")
    return value


def build_event(
    name: str,
    identity: Identity,
    *,
    params: Iterable[str] = (),
    data: dict[str, Any] | None = None,
    event_uuid: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The body to POST: `data`, then `params` (a later key wins), around the fields the
    command owns. Raises UsageProblem when no identity is given or a parameter names a
    field an option sets."""
    who = identity.fields()
    if not who:
        raise UsageProblem(
            "no customer given: an event needs --customer-id, --email or --cookie",
            "for example: bsevents send purchase --email maya@example.com",
        )
    extra: dict[str, Any] = dict(data or {})
    extra.update(parse_param(p) for p in params)
    for key in OWN_KEYS:
        if key in extra:
            option = "EVENT" if key == "event" else f"--{key.replace('_', '-')}"
            raise UsageProblem(
                f"the parameters set {key!r}, which bsevents sets itself", f"give it as {option}"
            )
    moment = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return {
        "event": name,
        **who,
        "event_uuid": event_uuid or str(uuid_module.uuid4()),
        "timestamp": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        **extra,
    }


def check_depth(body: dict[str, Any], *, force: bool) -> str | None:
    """Refuse a body that `bsevents events` could not read back at all; refuse one it
    would have to show summarised (nested more than MAX_DEPTH levels) unless `force`,
    and then return the warning to give."""
    from bsevents.model.json_text import MAX_DEPTH, READ_DEPTH, TOO_DEEP, deeper_than

    # The event sits one level down in a show_events answer.
    if deeper_than(body, READ_DEPTH - 1):
        raise UsageProblem(
            f"the event nests arrays and objects more than {READ_DEPTH - 1:,} levels deep: "
            "show_events answers holding it could not be read",
            "nest the data less deeply",
        )
    if not deeper_than(body, MAX_DEPTH):
        return None
    problem = (
        f"the event nests arrays and objects more than {MAX_DEPTH} levels deep: "
        f"`bsevents events` would show its deepest part as {TOO_DEEP}"
    )
    if not force:
        raise UsageProblem(problem, "nest the data less deeply, or --force to send it anyway")
    return problem


def body_text(body: dict[str, Any]) -> str:
    """The body as compact JSON text, the same data in characters that every step can
    carry: control, bidi and invisible characters and lone surrogates as \\uXXXX (the
    views' rule: a surrogate cannot even be encoded as UTF-8), and the backslash and the
    single quote as \\u005c and \\u0027, so that `--curl` can quote it for any shell."""
    import json

    from bsevents.model.json_text import room_to_nest
    from bsevents.model.sanitize import escape_json_text

    with room_to_nest():  # a --force'd body may nest hundreds of levels
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    text = escape_json_text(text)
    # In JSON text a backslash only starts an escape, and the escaped backslash is the
    # only escape with another backslash in it: replacing it leaves no backslash before a
    # backslash or a quote, the two that fish reads specially inside single quotes.
    return text.replace("\\\\", "\\u005c").replace("'", "\\u0027")


CONTROL = "has a control or invisible character, which is never sent"


def id_problem(text: str) -> str | None:
    """Why `text` cannot be sent as an id (an event_uuid, a customer's id), or None. Any
    shape is fine (ids are opaque strings); a blank one, or one with a control or
    invisible character, is not: it is printed one per line, and looks like another."""
    from bsevents.model.sanitize import UNSAFE_RE

    if not text.strip():
        return "is empty"
    if UNSAFE_RE.search(text):
        return CONTROL
    return None
