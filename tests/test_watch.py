"""--watch refusals that come before any call: the interval, and a hold after a 429."""

from __future__ import annotations

from typing import Any

import pytest

from bsevents.app.watch import parse_interval
from bsevents.errors import UsageProblem
from tests.conftest import CUSTOMER
from tests.standin import Reply, StandIn


@pytest.mark.parametrize("interval", ["99999999999999999999w", "2d"])
def test_a_watch_interval_over_a_day_is_refused_before_any_call(
    standin: StandIn, cli: Any, interval: str
) -> None:
    result = cli("events", CUSTOMER, "--watch", interval)
    assert result.exit_code == 2
    assert "is longer than a day" in result.stderr
    assert standin.requests == []


def test_a_watch_during_a_hold_is_refused_at_once(standin: StandIn, cli: Any) -> None:
    standin.reply(Reply(429, {"message": "Rate limit exceeded"}))
    assert cli("events", CUSTOMER).exit_code == 5
    result = cli("events", CUSTOMER, "--watch")
    assert result.exit_code == 5
    assert "live calls are held until" in result.stderr
    assert len(standin.requests) == 1


def test_parse_interval_rejects_text() -> None:
    with pytest.raises(UsageProblem):
        parse_interval("soon", 10)
