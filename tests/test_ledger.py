"""The ledger and the budget arithmetic, directly."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from bsevents.errors import RateLimited
from bsevents.state.ledger.budget import SEARCH, Budget, Call, account_id
from bsevents.state.ledger.local import LocalLedger as Ledger

T0 = 1_800_000_000.0
ACCOUNT = "us-000000000000"


def reserve(ledger: Ledger, at: float, *, force: bool = False, limit: int = 3) -> None:
    ledger.reserve(
        account=ACCOUNT,
        profile="default",
        region="us",
        uuid="u",
        limit=limit,
        now=at,
        force=force,
    )


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    return Ledger.open(tmp_path / "state" / "ledger.sqlite3")


def test_account_id_is_region_and_fingerprint_never_the_key() -> None:
    account = account_id("eu", "secret-key-123456")
    assert account.startswith("eu-")
    assert len(account) == 15
    assert "secret" not in account
    assert account != account_id("eu", "secret-key-123457")
    assert account_id("us", "k") != account_id("eu", "k")


def test_cap_refuses_the_call_after_the_limit(ledger: Ledger) -> None:
    for i in range(3):
        reserve(ledger, T0 + i)
    with pytest.raises(RateLimited) as refused:
        reserve(ledger, T0 + 10)
    assert "hourly budget used: 3 of 3 show_events calls" in refused.value.message
    assert refused.value.hint == "--offline shows the last stored response; --force sends anyway"
    assert ledger.budget(ACCOUNT, 3, T0 + 10).used == 3


def test_window_slides(ledger: Ledger) -> None:
    for i in range(3):
        reserve(ledger, T0 + i * 60)
    budget = ledger.budget(ACCOUNT, 3, T0 + 3599)
    assert budget.free_at == T0 + 3600
    assert budget.next_slot_at == T0 + 3600
    reserve(ledger, T0 + 3600)  # the first call aged out exactly now
    assert ledger.budget(ACCOUNT, 3, T0 + 3600).used == 3


def test_force_goes_past_the_cap_and_is_counted(ledger: Ledger) -> None:
    for i in range(3):
        reserve(ledger, T0 + i)
    reserve(ledger, T0 + 5, force=True)
    budget = ledger.budget(ACCOUNT, 3, T0 + 6)
    assert (budget.used, budget.remaining) == (4, 0)
    assert budget.calls[-1].forced
    # Two calls must age out before the next one is free.
    assert budget.free_at == T0 + 1 + 3600


def test_release_gives_the_call_back_and_finish_records_outcome(ledger: Ledger) -> None:
    first = ledger.reserve(account=ACCOUNT, profile="p", region="us", uuid="a", limit=3, now=T0)
    second = ledger.reserve(account=ACCOUNT, profile="p", region="us", uuid="b", limit=3, now=T0)
    ledger.release(first)
    ledger.finish(second, "200", duration=0.5, nbytes=123)
    assert ledger.budget(ACCOUNT, 3, T0 + 1).calls == (Call(T0, "b", "200"),)


def test_unfinished_reservation_still_counts(ledger: Ledger) -> None:
    reserve(ledger, T0)
    assert ledger.budget(ACCOUNT, 3, T0 + 1).calls == (Call(T0, "u", "pending"),)


def test_hold_blocks_until_its_end(ledger: Ledger) -> None:
    reserve(ledger, T0)
    ledger.hold(ACCOUNT, T0 + 600, "429", now=T0)
    with pytest.raises(RateLimited) as refused:
        reserve(ledger, T0 + 10)
    assert "Blueshift answered 429" in refused.value.message
    reserve(ledger, T0 + 601)
    assert ledger.budget(ACCOUNT, 3, T0 + 602).blocked_until is None


def test_search_calls_are_recorded_but_not_capped(ledger: Ledger) -> None:
    for i in range(5):
        ledger.reserve(
            account=ACCOUNT,
            profile="p",
            region="us",
            uuid=None,
            limit=1,
            endpoint=SEARCH,
            now=T0 + i,
        )
    assert ledger.budget(ACCOUNT, 1, T0 + 10).used == 0


def test_budget_properties() -> None:
    calls = tuple(Call(T0 + i, "u", "200") for i in range(4))
    budget = Budget(limit=10, calls=calls, blocked_until=None, now=T0 + 100)
    assert (budget.used, budget.remaining, budget.free_at) == (4, 6, None)
    assert budget.next_slot_at == T0 + 3600


def test_damaged_ledger_is_set_aside_and_counting_starts_afresh(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    path.write_bytes(b"this is not a database" * 100)  # written just now
    said: list[str] = []
    ledger = Ledger.open(path, warn=said.append)
    [aside] = tmp_path.glob("ledger.sqlite3.damaged-*")
    assert aside.read_bytes().startswith(b"this is not a database")
    assert len(said) == 1
    assert said[0].startswith("the call ledger was damaged (file is not a database) and is ")
    assert said[0].endswith("; counting starts afresh now (Blueshift still enforces its own limit)")
    # No hold: the server enforces the cap anyway, and a 429 costs nothing.
    reserve(ledger, time.time())
    budget = ledger.budget(ACCOUNT, 3)
    assert (budget.used, budget.blocked_until) == (1, None)
    assert budget.counting_reason == "damaged ledger set aside"
    assert budget.counting_since is not None
    assert abs(budget.counting_since - time.time()) < 60


def test_next_slot_past_the_cap_is_when_a_call_becomes_possible(ledger: Ledger) -> None:
    for i in range(5):
        reserve(ledger, T0 + i, force=True)
    budget = ledger.budget(ACCOUNT, 3, T0 + 10)
    assert budget.next_slot_at == T0 + 2 + 3600 == budget.free_at


def test_a_success_ends_the_hold(ledger: Ledger) -> None:
    ledger.hold(ACCOUNT, T0 + 600, "429", now=T0)
    ledger.clear_hold(ACCOUNT)
    assert ledger.budget(ACCOUNT, 3, T0).blocked_until is None


def test_a_damaged_ledger_from_the_future_holds_nothing(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    path.write_bytes(b"garbage" * 100)
    future = time.time() + 10 * 86400
    os.utime(path, (future, future))
    ledger = Ledger.open(path)
    assert ledger.budget("us-000000000000", 10).blocked_until is None
