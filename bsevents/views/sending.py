"""What `send` tells as it sends: each event_uuid on stderr before its POST goes out (an
interrupt leaves it on screen), and on stdout as soon as the POST is accepted, whatever
happens next: the ids are data. `--json` writes one object a line instead: each id with
its HTTP status, then with `--wait` each arrival."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bsevents.errors import BseventsError, RequestFailed
from bsevents.model.words import counted
from bsevents.views import ui

if TYPE_CHECKING:
    from bsevents.api.replay import Body
    from bsevents.app.send import Arrival, Sent


def say_before(bodies: list[Body]) -> None:
    """Before anything is sent: what --force let through, and each -p parameter that
    replaced a value a body had (once per key)."""
    counts: dict[str, int] = {}
    for body in bodies:
        if body.deep is not None:
            ui.warn(f"{body.where}: {body.deep}" if body.where else body.deep)
        for key in body.overridden:
            counts[key] = counts.get(key, 0) + 1
    for key, bodies_with_it in counts.items():
        where = f"the value of {counted(bodies_with_it, 'body', 'bodies')}"
        if len(bodies) == 1:
            where = "the body's value"
        ui.note(f"-p {key} replaces {where}")


@dataclass
class Teller:
    """Tells each id as soon as it can (send.Telling): on stderr before its POST goes
    out, so that an interrupt leaves it on screen; on stdout (the ids are data) as soon
    as the POST is accepted, whatever happens next."""

    as_json: bool
    total: int
    in_flight: list[Body] = field(default_factory=list)
    batch: int | None = None
    batch_text: str = ""
    sent: int = 0

    def sending(self, group: list[Body], batch: int | None, batches: int) -> None:
        self.in_flight = group
        if batch is None:
            ui.note(f"sending {_described(group[0])}")
            return
        self.batch, self.batch_text = batch, f"batch {batch} of {batches}"
        ui.note(f"sending {self.batch_text}: {counted(len(group), 'event')}")
        for body in group:
            ui.note(f"  {_described(body)}")

    def accepted(self, sent: list[Sent]) -> None:
        self.in_flight = []
        self.sent += len(sent)
        lines = [_sent_record(item) if self.as_json else item.body.event_uuid for item in sent]
        try:
            _write_lines(lines, stop_on_close=True)
        except BrokenPipeError:
            # The reader stopped (`| head -1`): the ids of what is sent next would be lost,
            # so nothing more is sent, and the end is told, not taken for success.
            raise RequestFailed(
                f"standard output was closed after {self.sent} of {self.total} events were "
                "sent; the rest were not sent",
                "read every line of the output, or send without a pipe that stops early",
            ) from None
        except OSError as error:
            # A full disk or a terminal gone: what Blueshift accepted must not look failed.
            ids = ", ".join(item.body.event_uuid for item in sent)
            rest = "" if self.sent == self.total else "; the rest were not sent"
            raise RequestFailed(
                f"Blueshift accepted event_uuid {ids} ({self.sent} of {self.total} sent) but "
                f"standard output cannot be written ({error.strerror or error}){rest}",
                "do not send it again: look for it with bsevents events",
            ) from None
        if self.batch_text:
            ui.note(f"{self.batch_text} accepted · {sent[0].status}")
        elif self.total == 1:
            ui.note(f"accepted · {sent[0].status}")

    def failed(self, error: BseventsError) -> None:
        """Name what was being sent in the error, and give it a JSON record."""
        group = self.in_flight
        if self.as_json:
            _write_lines([_json(_record(body, error.status, self.batch)) for body in group])
        if self.total == 1:
            error.message = f"{error.message} · event_uuid {group[0].event_uuid}"
            return
        what = self.batch_text or f"{group[0].where}, event_uuid {group[0].event_uuid}"
        error.message = (
            f"{error.message} · sending {what}; {self.sent} of {self.total} sent before it"
        )


def show_arrivals(arrivals: list[Arrival], *, as_json: bool, many: bool) -> None:
    """Each arrival: on stdout with --json (the event as show_events has it), and on
    stderr how long it took."""
    if as_json:
        _write_lines([_arrival_record(arrival) for arrival in arrivals])
    for arrival in arrivals:
        body = arrival.sent.body
        which = f" · {body.where}, event_uuid {body.event_uuid}" if many else ""
        ui.note(f"arrived after {arrival.after:.0f} s{which}")


def _described(body: Body) -> str:
    """`line 3: identify for customer_id C-1 · event_uuid 34abcd-efghijkj-1234kf`."""
    where = f"{body.where}: " if body.where else ""
    new = " (new)" if body.uuid_added else ""
    return f"{where}{body.fields['event']} for {body.who()} · event_uuid {body.event_uuid}{new}"


def _record(body: Body, status: int | None, batch: int | None = None) -> dict[str, Any]:
    """`{"event_uuid": …, "index": 0, "line": 1, "batch": 1, "status": 200}`: a body's
    place in --data (`line` from NDJSON), its bulk call, and the HTTP status (null when
    no answer came)."""
    record: dict[str, Any] = {"event_uuid": body.event_uuid, "index": body.index}
    if body.line is not None:
        record["line"] = body.line
    if batch is not None:
        record["batch"] = batch
    record["status"] = status
    return record


def _sent_record(item: Sent) -> str:
    return _json(_record(item.body, item.status, item.batch))


def _arrival_record(arrival: Arrival) -> str:
    record = _record(arrival.sent.body, arrival.sent.status, arrival.sent.batch)
    record["arrived_after"] = round(arrival.after, 1)
    record["arrived"] = arrival.copies[0] if arrival.copies else None
    if len(arrival.copies) > 1:
        record["copies"] = len(arrival.copies)
    return _json(record)


def _json(record: dict[str, Any]) -> str:
    """One line of --json, as `events --view ndjson` writes an event: safe on a terminal."""
    from bsevents.views.jsonout import dump_event

    return dump_event(record)


def _write_lines(lines: list[str], *, stop_on_close: bool = False) -> None:
    from bsevents.views.output import write_chunks

    write_chunks([line + "\n" for line in lines], closed_is_failure=stop_on_close)
