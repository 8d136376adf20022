"""The ledger and the budget arithmetic, directly."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from bsevents.errors import RateLimited
from bsevents.state.ledger.budget import SEARCH, Budget, Call, Outcome, Planned, account_id
from bsevents.state.ledger.local import LocalLedger as Ledger

T0 = 1_800_000_000.0
ACCOUNT = "us-000000000000"


def reserve(ledger: Ledger, at: float, *, force: bool = False, limit: int = 3) -> None:
    ledger.reserve(
        Planned(ACCOUNT, "default", "us", "u", limit),
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
    first = ledger.reserve(Planned(ACCOUNT, "p", "us", "a", 3), now=T0)
    second = ledger.reserve(Planned(ACCOUNT, "p", "us", "b", 3), now=T0)
    ledger.release(first)
    ledger.finish(second, Outcome("200", 0.5, 123))
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
            Planned(ACCOUNT, "p", "us", None, 1, SEARCH),
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


def test_a_ledger_written_before_call_ids_gives_each_call_one(tmp_path: Path) -> None:
    import sqlite3

    from bsevents.state.ledger.db import APPLICATION_ID

    path = tmp_path / "ledger.sqlite3"
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE calls (id INTEGER PRIMARY KEY, at REAL NOT NULL, account TEXT NOT NULL,"
        " profile TEXT NOT NULL, region TEXT NOT NULL, endpoint TEXT NOT NULL, uuid TEXT,"
        " status TEXT NOT NULL, duration REAL, bytes INTEGER, forced INTEGER NOT NULL DEFAULT 0);"
        "CREATE TABLE holds (account TEXT PRIMARY KEY, until REAL NOT NULL, reason TEXT NOT NULL);"
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value);"
        f"PRAGMA application_id = {APPLICATION_ID};"
    )
    for at in (T0, T0 + 1):
        old.execute(
            "INSERT INTO calls (at, account, profile, region, endpoint, uuid, status) "
            "VALUES (?, ?, 'default', 'us', 'show_events', 'u', '200')",
            (at, ACCOUNT),
        )
    old.commit()
    old.close()
    warnings: list[str] = []
    calls = Ledger.open(path, warn=warnings.append).budget(ACCOUNT, 3, T0 + 2).calls
    assert warnings == []  # kept, not set aside as damaged
    assert [c.at for c in calls] == [T0, T0 + 1]
    ids = [c.call_id or "" for c in calls]
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)
    assert ids[0] != ids[1]
    again = Ledger.open(path).budget(ACCOUNT, 3, T0 + 2).calls
    assert [c.call_id for c in again] == ids  # given once


def test_calls_known_elsewhere_count_once_by_id_and_a_hold_known_elsewhere_holds(
    ledger: Ledger,
) -> None:
    mine = ledger.reserve(Planned(ACCOUNT, "p", "us", "u", 3), now=T0, call_id="a" * 32)
    assert [c.call_id for c in mine.budget_after.calls] == ["a" * 32]
    also = (
        Call(T0 - 10, "u", "200", call_id="a" * 32),  # this ledger's own call, seen elsewhere
        Call(T0 - 5, "u", "200", call_id="b" * 32, by="ana@desk"),
        Call(T0 - 3700, "u", "200", call_id="c" * 32),  # out of the window
    )
    budget = ledger.budget(ACCOUNT, 3, T0 + 1, also=also)
    assert [(c.call_id, c.by) for c in budget.calls] == [("b" * 32, "ana@desk"), ("a" * 32, None)]
    with pytest.raises(RateLimited) as held:
        ledger.reserve(
            Planned(ACCOUNT, "p", "us", "u", 3),
            now=T0 + 2,
            held_until=T0 + 600,
        )
    assert "Blueshift answered 429" in held.value.message
    with pytest.raises(RateLimited) as full:
        ledger.reserve(Planned(ACCOUNT, "p", "us", "u", 2), now=T0 + 2, also=also)
    assert "hourly budget used: 2 of 2" in full.value.message


def test_a_call_recorded_from_elsewhere_is_kept_as_it_was(ledger: Ledger) -> None:
    for i in range(3):
        reserve(ledger, T0 + i)
    call = Call(T0 + 5, "u", "pending", forced=False, call_id="d" * 32)
    ledger.record(call, Planned(ACCOUNT, "p", "us", None, 3))
    calls = ledger.budget(ACCOUNT, 3, T0 + 6).calls
    assert (len(calls), calls[-1], calls[-1].call_id) == (4, call, "d" * 32)
    assert not any(c.forced for c in calls)
