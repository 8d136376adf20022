"""Event names: the one rule `send` and `lint` apply.

Blueshift documents no rule for event names, but RudderStack's Blueshift destination,
which sends events to Blueshift in production, has one (rudder-transformer,
src/v0/destinations/blueshift/transform.js): it refuses an empty name, turns each run of
white space into `_`, then refuses the name when it contains a period, a digit
(JavaScript's `\\d`: 0-9 only) or more than 64 characters (JavaScript's `length`: UTF-16
code units). A name that passes there can be sent by any integration; one
that does not is an event that other senders cannot produce. Control and invisible
characters are refused besides: no integration sends them on purpose, and they make two
names that look alike differ.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bsevents.model.sanitize import UNSAFE_RE

LIMIT = 64
SOURCE = (
    "RudderStack's Blueshift destination refuses a name with a period, a digit or more than "
    f"{LIMIT} characters, and sends white space as _ "
    "(rudder-transformer, src/v0/destinations/blueshift/transform.js)"
)
# JavaScript's `\s`, which the destination's `replace(/\s+/g, "_")` matches.
_JS_SPACE_RE = re.compile(
    "[\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+"
)
_DIGIT_RE = re.compile("[0-9]")


@dataclass(frozen=True)
class Verdict:
    """What is wrong with an event name: what the destination refuses it for (`a period`,
    `a digit`, `65 characters`, `nothing`), whether it has white space (sent as `_`), and
    whether it has a control or invisible character."""

    refused: tuple[str, ...] = ()
    spaced: bool = False
    control: bool = False

    @property
    def ok(self) -> bool:
        return not (self.refused or self.spaced or self.control)

    def problems(self) -> list[str]:
        """`a control character`, `white space`, `a period` … in that order."""
        found = ["a control character"] if self.control else []
        if self.spaced:
            found.append("white space")
        return found + list(self.refused)


_GOOD = Verdict()


def judge(name: str) -> Verdict:
    """The verdict on one event name (a pure function: callers cache it by name)."""
    # The common case, ASCII letters and _, told apart without the patterns.
    if (
        name.isascii()
        and name.isidentifier()
        and len(name) <= LIMIT
        and _DIGIT_RE.search(name) is None
    ):
        return _GOOD
    sent = _JS_SPACE_RE.sub("_", name)
    refused = []
    if not sent:
        refused.append("nothing in it")
    if "." in sent:
        refused.append("a period")
    if _DIGIT_RE.search(sent):
        refused.append("a digit")
    length = len(sent.encode("utf-16-le", "surrogatepass")) // 2
    if length > LIMIT:
        refused.append(f"{length} characters")
    return Verdict(
        refused=tuple(refused),
        spaced=_JS_SPACE_RE.search(name) is not None,
        control=UNSAFE_RE.search(name) is not None,
    )
