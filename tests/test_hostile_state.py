"""The ledger and the store in a hostile world: full disks, unwritable directories,
corrupt pages, foreign files, held locks, wrong clocks. Through the CLI where it matters."""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bsevents.errors import RateLimited
from bsevents.state.cache.local import LocalCache
from bsevents.state.cache.stored import Answer
from bsevents.state.ledger import db as ledger_db
from bsevents.state.ledger.budget import Planned, account_id
from bsevents.state.ledger.db import APPLICATION_ID
from bsevents.state.ledger.local import LocalLedger as Ledger
from bsevents.state.paths import set_aside
from tests.conftest import API_KEY, CUSTOMER, make_event
from tests.script import SCRIPT
from tests.standin import Reply, StandIn

E1 = make_event(event="identify", event_uuid="e-1", timestamp="2026-11-28T10:00:00Z")
ACCOUNT = account_id("us", API_KEY)
DAY = 86400.0


def state(home: Path) -> Path:
    return home / ".local" / "state" / "bsevents"


def ledger_file(home: Path) -> Path:
    return state(home) / "ledger.sqlite3"


def asides(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.damaged-*"))


def record_calls(home: Path, count: int, at: float) -> None:
    with Ledger.open(ledger_file(home)) as ledger:
        for i in range(count):
            ledger.reserve(
                Planned(ACCOUNT, "default", "us", CUSTOMER, 10**6),
                now=at + i,
            )


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Callable[[Path, str], Path]]:
    """mount("dir", "size=64k") mounts a tiny tmpfs there (root only); unmounted after."""
    mounted: list[Path] = []

    def mount(where: Path, options: str) -> Path:
        where.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"{options},mode=0700", "tmpfs", str(where)],
            capture_output=True,
            check=False,
        )
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
        mounted.append(where)
        return where

    yield mount
    for where in reversed(mounted):
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill(directory: Path) -> None:
    """Write until the file system is full."""
    fd = os.open(directory / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)


# -- the ledger: I/O problems are not damage ----------------------------------------------


def test_a_full_disk_keeps_the_ledger_and_refuses_the_call(
    standin: StandIn, cli: Any, isolated: Path, tmpfs: Callable[[Path, str], Path]
) -> None:
    directory = tmpfs(state(isolated), "size=256k")
    record_calls(isolated, 3, time.time() - 60)
    before = ledger_file(isolated).read_bytes()
    fill(directory)
    for _ in range(2):
        refused = cli("events", CUSTOMER, "--refresh")
        assert refused.exit_code == 1, refused.stderr
        assert refused.stdout == ""
        assert re.search(
            r"^error: the call ledger .* cannot be used \(.*\); no call was made$",
            refused.stderr,
            re.M,
        ), refused.stderr
    assert standin.requests == []
    assert asides(directory) == []
    assert ledger_file(isolated).read_bytes() == before
    (directory / "filler").unlink()
    # Space again: the three calls were never forgotten.
    report = json.loads(cli("quota", "--json").stdout)
    assert report["used"] == 3
    assert report["counting_since_reason"] == "new"


def test_a_disk_that_fills_during_the_call_still_shows_the_answer(
    standin: StandIn, cli: Any, isolated: Path, tmpfs: Callable[[Path, str], Path]
) -> None:
    directory = tmpfs(state(isolated), "size=256k")
    standin.customers[CUSTOMER] = [E1]
    standin.reply(Reply(200, [E1], delay=1.0))
    record_calls(isolated, 1, time.time() - 60)

    def fill_once_asked() -> None:
        while not standin.requests:
            time.sleep(0.01)
        fill(directory)

    filler = threading.Thread(target=fill_once_asked)
    filler.start()
    result = cli("events", CUSTOMER)
    filler.join()
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == [E1]
    assert re.search(
        r"^warning: the call ledger .* cannot be used \(database or disk is full\); the call "
        r"stays counted as pending$",
        result.stderr,
        re.M,
    ), result.stderr
    (directory / "filler").unlink()
    report = json.loads(cli("quota", "--json").stdout)
    assert [c["status"] for c in report["calls"]] == ["pending", "pending"]
    assert asides(directory) == []


def test_a_state_directory_that_cannot_be_created_refuses_live_calls(
    standin: StandIn, cli: Any, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    standin.customers[CUSTOMER] = [E1]
    assert cli("events", CUSTOMER).exit_code == 0  # a fresh copy in the store
    blocker = isolated / "not-a-dir"
    blocker.write_text("a file")
    monkeypatch.setenv("XDG_STATE_HOME", str(blocker))
    refused = cli("events", CUSTOMER, "--refresh")
    assert refused.exit_code == 1
    assert refused.stderr.splitlines()[0] == (
        f"error: cannot use {blocker}/bsevents: part of that path is a file, not a folder; "
        "no call was made"
    )
    assert "internal error" not in refused.stderr
    assert len(standin.show_events_requests()) == 1
    quota = cli("quota")
    assert quota.exit_code == 1
    assert "part of that path is a file, not a folder" in quota.stderr
    # The stored copy is still shown, without the count it cannot read.
    stored = cli("events", CUSTOMER)
    assert stored.exit_code == 0
    assert json.loads(stored.stdout) == [E1]
    assert "from cache, fetched just now · no call made" in stored.stderr


def _hold_the_lock(path: Path) -> subprocess.Popen[str]:
    code = (
        "import sqlite3, sys, time\n"
        f"db = sqlite3.connect({str(path)!r}, isolation_level=None)\n"
        "db.execute('BEGIN IMMEDIATE')\n"
        "print('ready', flush=True)\n"
        "time.sleep(60)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None
    assert holder.stdout.readline() == "ready\n"
    return holder


def test_a_held_lock_is_waited_for_a_bounded_time(
    standin: StandIn, cli: Any, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record_calls(isolated, 1, time.time() - 60)
    monkeypatch.setattr(ledger_db, "LOCK_WAIT_SECONDS", 0.3)
    holder = _hold_the_lock(ledger_file(isolated))
    try:
        refused = cli("events", CUSTOMER, "--refresh")
        assert refused.exit_code == 1
        assert (
            "error: the call ledger is locked by another process (waited 0 s); no call was "
            "made" in refused.stderr
        )
        assert standin.requests == []
        # Reading needs no write lock: quota still answers.
        assert json.loads(cli("quota", "--json").stdout)["used"] == 1
    finally:
        holder.kill()
        holder.wait()
    assert asides(state(isolated)) == []


def test_ctrl_c_while_waiting_for_the_lock_exits_130(standin: StandIn, isolated: Path) -> None:
    record_calls(isolated, 1, time.time() - 60)
    holder = _hold_the_lock(ledger_file(isolated))
    try:
        proc = subprocess.Popen(
            [str(SCRIPT), "events", CUSTOMER, "--refresh"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=os.environ.copy(),
            text=True,
        )
        time.sleep(1.5)  # well inside the 5 s wait
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        holder.kill()
        holder.wait()
    assert proc.returncode == 130, err
    assert "locked by another process" not in err
    assert "Traceback" not in err
    assert standin.requests == []


# -- the ledger: damage, wherever it is found, is set aside ------------------------------


def test_a_corrupt_inner_page_is_set_aside_and_the_tool_carries_on(
    standin: StandIn, cli: Any, isolated: Path
) -> None:
    standin.customers[CUSTOMER] = [E1]
    record_calls(isolated, 300, time.time() - 3000)  # several pages of calls
    path = ledger_file(isolated)
    data = path.read_bytes()
    assert len(data) > 3 * 4096
    path.write_bytes(data[:4096] + b"\xa5" * (len(data) - 4096))  # page 1 (the schema) intact
    quota = cli("quota")
    assert quota.exit_code == 0, quota.stderr
    assert quota.stderr.count("the call ledger was damaged (database disk image is malformed)") == 1
    assert re.search(
        r"^counting since \d\d:\d\d, when a damaged ledger was set aside$", quota.stdout, re.M
    )
    assert len(asides(state(isolated))) == 1
    result = cli("events", CUSTOMER, "--refresh")
    assert result.exit_code == 0, result.stderr
    assert "damaged" not in result.stderr
    assert len(standin.show_events_requests()) == 1
    report = json.loads(cli("quota", "--json").stdout)
    assert (report["used"], report["blocked_until"]) == (1, None)
    assert report["counting_since_reason"] == "damaged ledger set aside"


def _overwrite_header(path: Path, fill: bytes) -> None:
    data = bytearray(path.read_bytes())
    data[40:70] = fill
    path.write_bytes(bytes(data))


def _drop(table: str) -> Callable[[Path], None]:
    def drop(path: Path) -> None:
        db = sqlite3.connect(path)
        db.execute(f"DROP TABLE {table}")
        db.commit()
        db.close()

    return drop


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda path: _overwrite_header(path, b"\xff" * 30), "unsupported file format"),
        (lambda path: _overwrite_header(path, b"\x07" * 30), "unsupported file format"),
        (_drop("calls"), "its calls table is missing"),
        (_drop("holds"), "its holds table is missing"),
    ],
    ids=["header-ff", "header-07", "no-calls-table", "no-holds-table"],
)
def test_a_damaged_header_or_a_missing_table_is_set_aside(
    standin: StandIn, cli: Any, isolated: Path, damage: Callable[[Path], None], reason: str
) -> None:
    standin.customers[CUSTOMER] = [E1]
    record_calls(isolated, 3, time.time() - 600)
    damage(ledger_file(isolated))
    result = cli("events", CUSTOMER)
    assert result.exit_code == 0, result.stderr
    said = [line for line in result.stderr.splitlines() if "ledger" in line]
    assert len(said) == 1, result.stderr
    assert said[0].startswith(f"warning: the call ledger was damaged ({reason}) and is kept as ")
    assert len(asides(state(isolated))) == 1
    assert len(standin.show_events_requests()) == 1
    report = json.loads(cli("quota", "--json").stdout)
    assert (report["used"], report["counting_since_reason"]) == (1, "damaged ledger set aside")


def test_a_table_dropped_while_the_ledger_is_open_is_recovered(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    said: list[str] = []
    with Ledger.open(path, warn=said.append) as ledger:
        _drop("calls")(path)
        ledger.reserve(Planned(ACCOUNT, "p", "us", "u", 10))
        assert ledger.budget(ACCOUNT, 10).used == 1
    assert said[0].startswith("the call ledger was damaged (no such table: calls) and is ")
    assert len(asides(tmp_path)) == 1


def test_corruption_found_after_opening_is_recovered(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    said: list[str] = []
    ledger = Ledger.open(path, warn=said.append)
    for i in range(300):
        ledger.reserve(Planned(ACCOUNT, "p", "us", "u", 999), now=1e9 + i)
    ledger.close()
    ledger = Ledger.open(path, warn=said.append)  # opens: page 1 is still fine
    data = path.read_bytes()
    path.write_bytes(data[:4096] + b"\xa5" * (len(data) - 4096))
    ledger.reserve(Planned(ACCOUNT, "p", "us", "u", 10), now=2e9)
    assert ledger.budget(ACCOUNT, 10, 2e9 + 1).used == 1
    assert len(said) == 1
    assert len(asides(tmp_path)) == 1


def test_a_directory_in_the_ledgers_place_is_set_aside(
    standin: StandIn, cli: Any, isolated: Path
) -> None:
    standin.customers[CUSTOMER] = [E1]
    ledger_file(isolated).mkdir(parents=True)
    (ledger_file(isolated) / "inside").write_text("kept")
    result = cli("events", CUSTOMER)
    assert result.exit_code == 0, result.stderr
    assert "the call ledger was damaged (it is not a regular file)" in result.stderr
    [aside] = asides(state(isolated))
    assert (aside / "inside").read_text() == "kept"
    assert json.loads(cli("quota", "--json").stdout)["used"] == 1


def _foreign_database(path: Path) -> bytes:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE secrets (name TEXT, value TEXT)")
    db.execute("INSERT INTO secrets VALUES ('a', 'b')")
    db.commit()
    db.close()
    return path.read_bytes()


def test_a_symlink_to_a_foreign_database_is_never_written_into(
    standin: StandIn, cli: Any, isolated: Path
) -> None:
    standin.customers[CUSTOMER] = [E1]
    foreign = isolated / "app.db"
    before = _foreign_database(foreign)
    state(isolated).mkdir(parents=True)
    ledger_file(isolated).symlink_to(foreign)
    result = cli("events", CUSTOMER)
    assert result.exit_code == 0, result.stderr
    assert "the call ledger was damaged (it is not a regular file)" in result.stderr
    assert foreign.read_bytes() == before
    [aside] = asides(state(isolated))
    assert aside.is_symlink()
    assert not ledger_file(isolated).is_symlink()
    assert json.loads(cli("quota", "--json").stdout)["used"] == 1


def test_a_symlinked_write_ahead_log_is_never_written_through(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    Ledger.open(path).close()
    victim = tmp_path / "victim"
    victim.write_text("precious")
    (tmp_path / "ledger.sqlite3-wal").symlink_to(victim)
    said: list[str] = []
    with Ledger.open(path, warn=said.append) as ledger:
        ledger.reserve(Planned(ACCOUNT, "p", "us", "u", 10))
    assert said[0].startswith("the call ledger was damaged (its wal file is not a regular file)")
    assert victim.read_text() == "precious"
    assert sorted(p.name.split(".damaged-")[0] for p in asides(tmp_path)) == [
        "ledger.sqlite3",
        "ledger.sqlite3-wal",
    ]


def test_a_foreign_database_in_place_is_set_aside_not_written(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    before = _foreign_database(path)
    said: list[str] = []
    Ledger.open(path, warn=said.append).close()
    assert "the call ledger was damaged (it is not a bsevents call ledger)" in said[0]
    [aside] = asides(tmp_path)
    assert aside.read_bytes() == before
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


def test_a_ledger_from_before_the_mark_is_adopted_with_its_calls(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(ledger_db._SCHEMA.split("CREATE TABLE IF NOT EXISTS meta")[0])
    db.execute(
        "INSERT INTO calls (at, account, profile, region, endpoint, uuid, status) "
        "VALUES (?, ?, 'p', 'us', 'show_events', 'u', '200')",
        (time.time() - 60, ACCOUNT),
    )
    db.commit()
    db.close()
    said: list[str] = []
    with Ledger.open(path, warn=said.append) as ledger:
        assert ledger.budget(ACCOUNT, 10).used == 1
    assert said == []
    assert asides(tmp_path) == []


def test_set_aside_names_never_collide(tmp_path: Path) -> None:
    names = []
    for text in ("first", "second", "third"):
        path = tmp_path / "ledger.sqlite3"
        path.write_text(text)
        names.append(set_aside(path))
    assert len(set(names)) == 3
    assert [p.read_text() for p in names] == ["first", "second", "third"]


# -- a wrong clock --------------------------------------------------------------------------


def test_calls_stamped_in_the_future_hold_for_one_window_at_most(
    standin: StandIn, cli: Any, isolated: Path
) -> None:
    record_calls(isolated, 10, time.time() + 2 * DAY)  # made while the clock was 2 days ahead
    refused = cli("events", CUSTOMER)
    assert refused.exit_code == 5
    assert re.search(r"the next call is free at \d\d:\d\d \(in 60 min\)", refused.stderr)
    report = json.loads(cli("quota", "--json").stdout)
    assert report["used"] == 10
    assert time.time() + 3500 < _epoch(report["next_slot_at"]) <= time.time() + 3600


def _epoch(iso: str) -> float:
    import calendar

    return calendar.timegm(time.strptime(iso, "%Y-%m-%dT%H:%M:%SZ"))


FAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")


@pytest.mark.skipif(not FAKETIME.exists(), reason="libfaketime is not installed")
def test_a_call_made_two_days_ahead_counts_one_hour_once_the_clock_is_fixed(
    standin: StandIn, cli: Any
) -> None:
    standin.customers[CUSTOMER] = [E1]
    skewed = dict(
        os.environ,
        LD_PRELOAD=str(FAKETIME),
        FAKETIME="+2d",
        FAKETIME_DONT_FAKE_MONOTONIC="1",
    )
    ahead = subprocess.run(
        [str(SCRIPT), "events", CUSTOMER], capture_output=True, text=True, env=skewed, timeout=60
    )
    assert ahead.returncode == 0, ahead.stderr
    assert "in the future" in cli("events", CUSTOMER, "--offline").stderr
    # The clock is right again: the copy from the future is not fresh, so it is fetched.
    fixed = cli("events", CUSTOMER)
    assert fixed.exit_code == 0
    assert "from cache" not in fixed.stderr
    assert len(standin.show_events_requests()) == 2
    report = json.loads(cli("quota", "--json").stdout)
    assert report["used"] == 2
    assert _epoch(report["next_slot_at"]) <= time.time() + 3600


def test_the_budget_ages_out_an_hour_after_the_clock_is_fixed(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    now = 1_800_000_000.0
    with Ledger.open(path) as ledger:
        for i in range(3):
            ledger.reserve(Planned(ACCOUNT, "p", "us", "u", 3), now=now + 2 * DAY + i)
        with pytest.raises(RateLimited):
            ledger.reserve(Planned(ACCOUNT, "p", "us", "u", 3), now=now)
        assert ledger.budget(ACCOUNT, 3, now + 3599).free_at == now + 3600
        ledger.reserve(Planned(ACCOUNT, "p", "us", "u", 3), now=now + 3600)


@pytest.mark.parametrize("until", [1e308, float("inf"), "soon", 1e20])
def test_an_absurd_stored_hold_never_crashes(
    standin: StandIn, cli: Any, isolated: Path, until: object
) -> None:
    standin.customers[CUSTOMER] = [E1]
    record_calls(isolated, 1, time.time() - 60)
    db = sqlite3.connect(ledger_file(isolated))
    db.execute("INSERT INTO holds VALUES (?, ?, '429')", (ACCOUNT, until))
    db.execute("UPDATE calls SET at = ?", (until,))
    db.commit()
    db.close()
    quota = cli("quota")
    assert quota.exit_code == 0, quota.stderr
    held = cli("events", CUSTOMER)
    assert "internal error" not in held.stderr
    if isinstance(until, float):
        assert held.exit_code == 5
        assert re.search(r"held until \d\d:\d\d \(in 60 min\)", held.stderr), held.stderr
    assert cli("events", CUSTOMER, "--force").exit_code == 0


def test_a_copy_from_the_future_is_not_fresh(standin: StandIn, cli: Any) -> None:
    standin.customers[CUSTOMER] = [E1]
    future = time.time() + 2 * DAY
    LocalCache(ACCOUNT, standin.base_url).store(Answer(CUSTOMER, b"[]", [], future, "us"), None)
    offline = cli("events", CUSTOMER, "--offline")
    assert offline.exit_code == 0
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(future))
    assert (
        f"stored response, stamped {stamp}, in the future (the clock was wrong when it was "
        "fetched, or is now) · no call made"
    ) in offline.stderr
    live = cli("events", CUSTOMER)
    assert live.exit_code == 0
    assert json.loads(live.stdout) == [E1]
    assert len(standin.show_events_requests()) == 1


# -- the store ---------------------------------------------------------------------------


def _one_warning(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if "could not be stored" in line]
    assert len(lines) == 1, stderr
    return lines[0]


def test_a_paid_answer_is_shown_when_the_cache_dir_is_a_file(
    standin: StandIn, cli: Any, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    standin.customers[CUSTOMER] = [E1]
    blocker = isolated / "cache-file"
    blocker.write_text("a file")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    result = cli("events", CUSTOMER)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == [E1]
    assert _one_warning(result.stderr) == (
        "warning: the response could not be stored (Not a directory); it is shown but not kept"
    )
    assert "internal error" not in result.stderr
    report = json.loads(cli("quota", "--json").stdout)
    assert [c["status"] for c in report["calls"]] == ["200"]


@pytest.mark.parametrize("options", ["size=64k,ro", "size=16k"])
def test_a_paid_answer_is_shown_when_the_cache_is_read_only_or_full(
    standin: StandIn,
    cli: Any,
    isolated: Path,
    tmpfs: Callable[[Path, str], Path],
    options: str,
) -> None:
    standin.customers[CUSTOMER] = [E1] * 200  # more than the tiny disk holds
    tmpfs(isolated / ".cache", options)
    result = cli("events", CUSTOMER)
    assert result.exit_code == 0, result.stderr
    assert len(json.loads(result.stdout)) == 200
    assert _one_warning(result.stderr).startswith("warning: the response could not be stored (")
    assert len(standin.show_events_requests()) == 1
    assert json.loads(cli("quota", "--json").stdout)["used"] == 1


def test_the_store_is_keyed_by_base_url(standin: StandIn, cli: Any, isolated: Path) -> None:
    standin.customers[CUSTOMER] = [E1]
    assert cli("events", CUSTOMER).exit_code == 0
    real = StandIn(API_KEY).start()
    try:
        real.customers[CUSTOMER] = []
        other = cli("events", CUSTOMER, "--base-url", real.base_url)
        assert other.exit_code == 0, other.stderr
        assert json.loads(other.stdout) == []
        assert "from cache" not in other.stderr
        assert len(real.show_events_requests()) == 1
        offline = cli("events", CUSTOMER, "--offline", "--base-url", real.base_url)
        assert json.loads(offline.stdout) == []
    finally:
        real.stop()
    # Each base URL keeps its own copy; completion's index knows the customer once.
    assert json.loads(cli("events", CUSTOMER, "--offline").stdout) == [E1]
    index = json.loads((isolated / ".cache" / "bsevents" / "index.json").read_text())
    assert [c["uuid"] for c in index["customers"]] == [CUSTOMER]


def test_offline_without_a_key_finds_only_this_base_urls_copy(
    standin: StandIn, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    standin.customers[CUSTOMER] = [E1]
    assert cli("events", CUSTOMER).exit_code == 0
    monkeypatch.delenv("BLUESHIFT_API_KEY")
    assert json.loads(cli("events", CUSTOMER, "--offline").stdout) == [E1]
    elsewhere = cli("events", CUSTOMER, "--offline", "--base-url", "http://127.0.0.1:9")
    assert elsewhere.exit_code == 1
    assert f"nothing is stored for customer {CUSTOMER}" in elsewhere.stderr


def test_the_fingerprint_never_reveals_the_key() -> None:
    assert hashlib.sha256(API_KEY.encode()).hexdigest()[:12] not in ACCOUNT
