"""Tracking plans: loading and checking one, checking events against it, inferring one.

A plan is a JSON object whose keys are event names and whose values are JSON Schemas
(Draft 2020-12) for that event's object; the key "*" applies to every event.

Validation uses jsonschema-rs (Rust): on 10,000 events it is tens of times faster than
the pure-Python `jsonschema`, imports in one module instead of a dozen, and reports each
error with the instance path and the schema path it needs. It is imported only here,
and this module only by `lint` and `events --plan`. Schemas are compiled with retrieval
off: a `$ref` to a web address fails instead of sending a request.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bsevents.errors import UsageProblem
from bsevents.model.events import Event, loads
from bsevents.model.files import read_file
from bsevents.query.lint import Batch, Finding, finding, json_type

if TYPE_CHECKING:
    from jsonschema_rs import Validator

EVERY = "*"
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
    schemas = {name: _compile(path, name, schema) for name, schema in data.items()}
    every = schemas.pop(EVERY, None)
    return Plan(schemas, every)


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
    try:
        jsonschema_rs.meta.validate(schema)
    except jsonschema_rs.ValidationError as exc:
        at = _dotted(exc.instance_path) or "(the top)"
        raise UsageProblem(
            f"{where} is not a valid schema at {at}: {exc.message}",
            "see https://json-schema.org/draft/2020-12",
        ) from None
    try:
        return jsonschema_rs.Draft202012Validator(schema, offline=True)
    except (jsonschema_rs.ValidationError, jsonschema_rs.ReferencingError, ValueError) as exc:
        # A valid schema that cannot be compiled: a $ref to elsewhere, a bad pattern.
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UsageProblem(
            f"{where} cannot be used: {first}", "a plan must be self-contained (no remote $ref)"
        ) from None


def _dotted(parts: Sequence[Any]) -> str:
    return ".".join(str(p) for p in parts)


def check_plan(plan: Plan, batch: Batch) -> list[Finding]:
    """Each schema violation as a `plan` error with the path of the failing value; an
    event whose name the plan lacks (and no "*") as a `plan` warning."""
    out: list[Finding] = []
    for index, event in enumerate(batch.events):
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
            if each is None or each.is_valid(event):  # the common case, and much faster
                continue
            for number, error in enumerate(each.iter_errors(event)):
                if number == ERRORS_PER_EVENT:
                    break
                message = f"{error.message} (plan: {_dotted(error.schema_path) or 'schema'})"
                out.append(
                    finding("plan", "error", batch, index, _dotted(error.instance_path), message)
                )
    return out


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
        plan[name] = {
            "$schema": DIALECT,
            "type": "object",
            "properties": properties,
            "required": required,
        }
    return plan
