"""A Reporter that keeps what it is told, for tests of core code (see bsevents.model.report)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Recorder:
    notes: list[str] = field(default_factory=list)
    said: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    debugs: list[str] = field(default_factory=list)
    received: list[int | None] = field(default_factory=list)

    def note(self, message: str) -> None:
        self.notes.append(message)

    def say(self, message: str) -> None:
        self.said.append(message)

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def debug(self, message: str) -> None:
        self.debugs.append(message)

    def progress(self, received: int | None) -> None:
        self.received.append(received)


def context(
    report: Recorder | None = None, *, clock: object = None, transport: object = None, **choice: str
) -> object:
    """A pipeline Context for in-process tests: the settings of the test's isolated home
    (and the flags in `choice`), a recording reporter, and a clock and transport if given."""
    from bsevents.app.context import Choice, Clock, Context

    return Context(
        Choice(**choice),  # type: ignore[arg-type]
        report if report is not None else Recorder(),
        clock if isinstance(clock, Clock) else Clock(),
        transport,
    )


class FakeClock:
    """Time that passes only when something sleeps: the wall clock starts at the real now,
    the monotonic one at 0. `slept` keeps each sleep."""

    def __init__(self, start: float | None = None) -> None:
        import time

        self.wall = time.time() if start is None else start
        self.elapsed = 0.0
        self.slept: list[float] = []

    def now(self) -> float:
        return self.wall + self.elapsed

    def monotonic(self) -> float:
        return self.elapsed

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.elapsed += max(0.0, seconds)

    def clock(self) -> object:
        from bsevents.app.context import Clock

        return Clock(now=self.now, monotonic=self.monotonic, sleep=self.sleep)
