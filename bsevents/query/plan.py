"""Tracking plans: loading and checking one, checking events against it, inferring one.

A plan is a JSON object whose keys are event names and whose values are JSON Schemas
(Draft 2020-12) for that event's object; the key "*" applies to every event, and `\\*`
names an event called `*` (a backslash in front escapes a name that starts with one).

Validation uses jsonschema-rs (Rust): on 10,000 events it is tens of times faster than
the pure-Python `jsonschema`, imports in one module instead of a dozen, and reports each
error with the instance path and the schema path it needs. It is imported only here,
and this module only by `lint` and `events --plan`. Schemas are compiled with retrieval
off: a `$ref` to a web address fails instead of sending a request.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any

from bsevents.errors import UsageProblem
from bsevents.model.events import Event
from bsevents.model.files import read_file
from bsevents.model.json_text import json_type, loads
from bsevents.query.lint import Batch, Finding, finding, lint, sort_findings

if TYPE_CHECKING:
    from jsonschema_rs import Validator

EVERY = "*"
# `*` names every event, so a key that means the event literally called `*` (or any name
# that starts with the escape itself) is written with a backslash in front: `\\*`.
ESCAPE = "\\"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
PLAN_LIMIT = 10 * 1024 * 1024  # bytes: a plan is written by hand or by --infer
ERRORS_PER_EVENT = 20  # a wholly wrong event should not bury the others
_HINT = 'expected a JSON object of event names to JSON Schemas, e.g. {"purchase": {...}}'


@dataclass(frozen=True)
class Plan:
    """Compiled schemas by event name; `every` is the "*" schema, when given."""

    schemas: dict[str, Validator]
    every: Validator | None


def load_plan(path: str) -> Plan:
    """Read and compile a plan file. Raises UsageProblem naming the file and the place
    when it cannot be read, is not JSON, or holds something that is not a schema."""
    try:
        body = read_file(path, PLAN_LIMIT + 1, pipes=True)
    except OSError as exc:
        raise UsageProblem(f"--plan: cannot read {path}: {exc.strerror or exc}") from None
    if len(body) > PLAN_LIMIT:
        raise UsageProblem(f"--plan: {path} is over {PLAN_LIMIT // 1048576} MB", _HINT)
    try:
        data = loads(body)
    except json.JSONDecodeError as exc:
        raise UsageProblem(
            f"--plan: {path} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
            _HINT,
        ) from None
    except ValueError:  # undecodable bytes, or NaN/Infinity, which JSON does not have
        raise UsageProblem(f"--plan: {path} is not valid JSON text", _HINT) from None
    if not isinstance(data, dict):
        raise UsageProblem(f"--plan: {path} holds a JSON {json_type(data)}, not an object", _HINT)
    compiled = {key: _compile(path, key, schema) for key, schema in data.items()}
    every = compiled.pop(EVERY, None)
    return Plan({event_name(key): schema for key, schema in compiled.items()}, every)


def plan_key(name: str) -> str:
    """The key that names the event `name` in a plan (what --infer writes)."""
    return ESCAPE + name if name == EVERY or name.startswith(ESCAPE) else name


def event_name(key: str) -> str:
    """The event a plan's key names (any key but `*`): plan_key undone."""
    return key.removeprefix(ESCAPE)


def _compile(path: str, name: str, schema: Any) -> Validator:
    import jsonschema_rs

    where = f"--plan: {path}: the schema of {json.dumps(name, ensure_ascii=False)}"
    if not isinstance(schema, (dict, bool)):
        raise UsageProblem(f"{where} is a JSON {json_type(schema)}, not a schema", _HINT)
    if isinstance(schema, dict) and schema.get("$schema", DIALECT) != DIALECT:
        raise UsageProblem(
            f"{where} declares $schema {json.dumps(schema['$schema'])}",
            f"plans use Draft 2020-12: drop $schema or make it {DIALECT}",
        )
    schema = for_rust(schema)
    try:
        jsonschema_rs.meta.validate(schema)
    except jsonschema_rs.ValidationError as exc:
        at = _dotted(exc.instance_path) or "(the top)"
        raise UsageProblem(
            f"{where} is not a valid schema at {at}: {from_rust(exc.message)}",
            "see https://json-schema.org/draft/2020-12",
        ) from None
    except ValueError as exc:  # "Recursion limit reached": nested too deep to check
        raise UsageProblem(f"{where} cannot be checked: {exc}", _HINT) from None
    try:
        return jsonschema_rs.Draft202012Validator(schema, offline=True)
    except (jsonschema_rs.ValidationError, jsonschema_rs.ReferencingError, ValueError) as exc:
        # A valid schema that cannot be compiled: a $ref to elsewhere, a bad pattern.
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UsageProblem(
            f"{where} cannot be used: {first}", "a plan must be self-contained (no remote $ref)"
        ) from None


def _dotted(parts: Sequence[Any]) -> str:
    return from_rust(".".join(str(p) for p in parts))


# jsonschema-rs takes Rust strings, which cannot hold a lone surrogate (the `\ud800` a
# JSON escape can put in event data, or a plan that --infer wrote from it): passing one
# raises UnicodeEncodeError. So each stands in as a private-use character of the 16th
# plane, one code point as it was, so that types, lengths and equal values stay as they
# are; what jsonschema-rs says is mapped back, and then shown by the views' rules.
_SURROGATES = "[\ud800-\udfff]"
_STAND_INS = "[\U000f0000-\U000f07ff]"
_OFFSET = 0xF0000 - 0xD800


def for_rust(value: Any) -> Any:
    """`value` with every lone surrogate in its keys and strings stood in for."""
    import re

    from bsevents.model.json_text import room_to_nest

    with room_to_nest():
        text = json.dumps(value, ensure_ascii=False)
    if re.search(_SURROGATES, text) is None:
        return value
    return loads(re.sub(_SURROGATES, lambda m: chr(ord(m.group()) + _OFFSET), text))


def from_rust(text: str) -> str:
    """`text` from jsonschema-rs with the stand-ins of for_rust back as surrogates."""
    import re

    return re.sub(_STAND_INS, lambda m: chr(ord(m.group()) - _OFFSET), text)


def findings(batch: Batch, plan: Plan | None, only: Collection[int] | None = None) -> list[Finding]:
    """What `lint` and `--show` list: the built-in rules' findings and the plan's, sorted
    (query.lint.sort_findings), about every event or the events `only` names."""
    found = lint(batch, only)
    if plan is not None:
        found += check_plan(plan, batch, only)
    return sort_findings(found)


def check_plan(plan: Plan, batch: Batch, only: Collection[int] | None = None) -> list[Finding]:
    """Each schema violation as a `plan` error with the path of the failing value; an
    event whose name the plan lacks (and no "*") as a `plan` warning. About every event,
    or only the events `only` names (the rows a view shows)."""
    out: list[Finding] = []
    for index in range(len(batch.events)) if only is None else sorted(only):
        event = batch.events[index]
        name = event.get("event")
        validator = plan.schemas.get(name) if isinstance(name, str) else None
        if validator is None and plan.every is None:
            shown = json.dumps(name, ensure_ascii=False)
            out.append(
                finding(
                    "plan",
                    "warning",
                    batch,
                    index,
                    "",
                    f"unplanned event: the plan has no {shown}; expected one of its names",
                )
            )
            continue
        for each in (plan.every, validator):
            if each is None:
                continue
            try:
                errors = _violations(each, event)
            except UnicodeEncodeError:  # a lone surrogate: rare, so looked for only now
                errors = _violations(each, for_rust(event))
            for error in errors:
                found = from_rust(error.message)
                message = f"{found} (plan: {_dotted(error.schema_path) or 'schema'})"
                out.append(
                    finding("plan", "error", batch, index, _dotted(error.instance_path), message)
                )
    return out


def _violations(validator: Validator, event: Event) -> list[Any]:
    if validator.is_valid(event):  # the common case, and much faster
        return []
    return list(islice(validator.iter_errors(event), ERRORS_PER_EVENT))


def infer_plan(events: Sequence[Event]) -> dict[str, Any]:
    """A plan that the given events satisfy: per event name, the JSON types seen for
    each key, and as `required` the keys that every event of that name has."""
    seen: dict[str, dict[str, set[str]]] = {}
    counts: dict[str, int] = {}
    present: dict[str, dict[str, int]] = {}
    for event in events:
        name = event.get("event")
        if not isinstance(name, str):
            continue
        counts[name] = counts.get(name, 0) + 1
        keys = seen.setdefault(name, {})
        have = present.setdefault(name, {})
        for key, value in event.items():
            keys.setdefault(key, set()).add(json_type(value))
            have[key] = have.get(key, 0) + 1
    plan: dict[str, Any] = {}
    for name in sorted(seen):
        properties = {}
        for key, kinds in sorted(seen[name].items()):
            ordered = sorted(kinds)
            properties[key] = {"type": ordered[0] if len(ordered) == 1 else ordered}
        required = sorted(k for k, n in present[name].items() if n == counts[name])
        plan[plan_key(name)] = {
            "$schema": DIALECT,
            "type": "object",
            "properties": properties,
            "required": required,
        }
    return plan
