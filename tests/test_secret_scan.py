"""The key stays secret: run every command in an isolated home, then look for the key in
every file under it and in everything printed.

The key is searched for as itself and in the forms a leak would take: the Basic
credential (base64 of "key:") and base64 of the key alone.
"""

from __future__ import annotations

import base64
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CUSTOMER, make_event
from tests.script import SCRIPT
from tests.standin import Reply, StandIn

SECRET = "scan-secret-5f2b9c1e7d3a4b6c"
WRONG = "scan-wrong-0a1b2c3d4e5f6071"  # a key Blueshift rejects is just as secret


def forms(key: str) -> list[bytes]:
    return [
        key.encode(),
        base64.b64encode(f"{key}:".encode()),
        base64.b64encode(key.encode()),
    ]


def files_holding(root: Path, keys: list[str]) -> set[Path]:
    needles = [form for key in keys for form in forms(key)]
    found = set()
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            if any(needle in data for needle in needles):
                found.add(path)
    return found


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[StandIn]:
    stand_in = StandIn(SECRET).start()
    monkeypatch.setenv("BSEVENTS_BASE_URL", stand_in.base_url)
    stand_in.customers[CUSTOMER] = [make_event(event="identify"), make_event()]
    yield stand_in
    stand_in.stop()


class Transcript:
    """Every command run, and everything it printed."""

    def __init__(self, cli: Any) -> None:
        self.cli = cli
        self.output: list[str] = []

    def run(self, *args: str, input: str | None = None, code: int | None = 0) -> Any:
        result = self.cli(*args, input=input)
        self.output += [result.stdout, result.stderr]
        if code is not None:
            assert result.exit_code == code, (args, result.stderr)
        return result

    def leaks(self, keys: list[str]) -> list[str]:
        text = "\n".join(self.output).encode()
        return [form.decode() for key in keys for form in forms(key) if form in text]


def test_no_command_leaks_the_key_from_the_keyring(
    keyring_backend: Any, cli: Any, server: StandIn, tmp_path: Path
) -> None:
    ring = keyring_backend("MemoryKeyring")
    t = Transcript(cli)
    for args in (  # refused, and must not be echoed back
        ("config", "set-key", SECRET),
        ("config", "set-key", f"-{SECRET}"),
        ("config", "set-key", f"--key={SECRET}"),
        ("config", "set-key", "--stdin", "--", SECRET),
        ("config", "set", "api-key", SECRET),
    ):
        t.run(*args, code=2)
    t.run("config", "set-key", "--stdin", input=f" {SECRET}\n")
    t.run("config", "set-key", "--stdin", "--profile", "wrong", input=WRONG)
    t.run("config", "set-key", "--stdin", input=f"{SECRET} {SECRET}", code=2)
    for args in (
        ("config", "show"),
        ("config", "show", "--json"),
        ("config", "show", "--profile", "wrong"),
        ("config", "get", "region"),
        ("config", "set", "region", "us"),
        ("config", "set", "--profile", "wrong", "hourly-cap", "3"),
        ("config", "unset", "region"),
        ("config", "profiles"),
        ("config", "use", "default"),
        ("config", "path"),
        ("events", CUSTOMER),
        ("events", CUSTOMER, "--view", "table"),
        ("events", CUSTOMER, "--debug"),
        ("--debug", "events", CUSTOMER, "--json"),
        ("events", "--demo"),
        ("--help",),
        ("config", "--help"),
        ("config", "set-key", "--help"),
    ):
        t.run(*args)
    t.run("events", CUSTOMER, "--debug", "--profile", "wrong", code=3)  # 401, with traceback
    server.reply(Reply(500, b'{"message": "Internal Server Error - boom"}'))
    t.run("--debug", "events", CUSTOMER, "--refresh", code=1)
    keyring_backend("LockedKeyring")
    t.run("--debug", "events", CUSTOMER, code=3)
    t.run("--debug", "config", "set-key", "--stdin", input=SECRET, code=3)
    keyring_backend("LeakyKeyring")  # its error message contains the key
    t.run("--debug", "config", "set-key", "--stdin", input=SECRET, code=3)
    assert ring.entries[("bsevents", "default")] == SECRET  # it really was used
    assert [r.auth_user for r in server.requests][:1] == [SECRET]
    assert t.leaks([SECRET, WRONG]) == []
    assert files_holding(tmp_path, [SECRET, WRONG]) == set()


def test_plain_text_storage_keeps_the_key_in_that_one_file_only(
    cli: Any, server: StandIn, tmp_path: Path, isolated: Path
) -> None:
    t = Transcript(cli)
    t.run("config", "set-key", "--stdin", code=3, input=SECRET)  # no keyring here
    t.run("config", "set-key", "--stdin", "--insecure-storage", input=SECRET)
    for args in (
        ("config", "show"),
        ("config", "show", "--json"),
        ("config", "set", "hourly-cap", "5"),
        ("events", CUSTOMER, "--debug"),
        ("events", CUSTOMER, "--view", "table"),
    ):
        t.run(*args)
    assert t.leaks([SECRET]) == []
    key_file = isolated / ".config" / "bsevents" / "credentials.toml"
    assert files_holding(tmp_path, [SECRET]) == {key_file}
    t.run("config", "delete-key")
    assert files_holding(tmp_path, [SECRET]) == set()


def test_the_console_script_does_not_leak_an_environment_key(
    server: StandIn, tmp_path: Path
) -> None:
    env = {**os.environ, "BLUESHIFT_API_KEY": SECRET, "BSEVENTS_DEBUG": "1"}
    outputs = []
    for args in (
        ["events", CUSTOMER],
        ["config", "show"],
        ["config", "show", "--json"],
        ["events", CUSTOMER, "--base-url", "http://127.0.0.1:9"],  # refused connection
        ["events", "not-a-uuid"],
    ):
        done = subprocess.run(
            [str(SCRIPT), *args], capture_output=True, env=env, timeout=60, check=False
        )
        outputs.append(done.stdout + done.stderr)
    assert server.requests[0].auth_user == SECRET
    assert not [form for form in forms(SECRET) if any(form in out for out in outputs)]
    assert files_holding(tmp_path, [SECRET]) == set()


EVENT_SECRET = "scan-event-secret-7c1d2e3f4a5b"


def test_the_event_api_key_never_leaks(
    keyring_backend: Any, cli: Any, server: StandIn, tmp_path: Path
) -> None:
    server.event_api_key = EVENT_SECRET
    server.people["maya@example.com"] = [{"uuid": CUSTOMER, "email": "maya@example.com"}]
    keyring_backend("MemoryKeyring")
    t = Transcript(cli)
    t.run("config", "set-key", "--stdin", input=SECRET)
    t.run("config", "set-key", "--event", "--stdin", input=f"{EVENT_SECRET}\n")
    t.run("config", "set-key", "--event", "--stdin", EVENT_SECRET, code=2)
    for args in (
        ("send", "purchase", "--email", "maya@example.com", "-p", "seats:=2"),
        ("--debug", "send", "purchase", "--cookie", "c1"),
        ("send", "purchase", "--cookie", "c1", "--curl"),
        ("config", "show"),
        ("send", "--help"),
    ):
        t.run(*args)
    t.run("config", "set", "--profile", "other", "region", "us")
    t.run("send", "purchase", "--cookie", "c1", "--profile", "other", code=3)  # no key there
    t.run("send", "order.placed", "--cookie", "c1", code=2)
    server.event_api_key = WRONG
    t.run("--debug", "send", "purchase", "--cookie", "c1", code=3)  # 401, with traceback
    assert [r.auth_user for r in server.event_requests()][:1] == [EVENT_SECRET]
    assert t.leaks([EVENT_SECRET, SECRET]) == []
    assert files_holding(tmp_path, [EVENT_SECRET, SECRET]) == set()


def test_a_plain_text_event_key_stays_in_the_key_file(
    cli: Any, server: StandIn, tmp_path: Path, isolated: Path
) -> None:
    server.event_api_key = EVENT_SECRET
    t = Transcript(cli)
    t.run("config", "set-key", "--event", "--stdin", "--insecure-storage", input=EVENT_SECRET)
    t.run("send", "purchase", "--cookie", "c1")
    t.run("send", "purchase", "--cookie", "c1", "--debug")
    assert t.leaks([EVENT_SECRET]) == []
    key_file = isolated / ".config" / "bsevents" / "credentials.toml"
    assert files_holding(tmp_path, [EVENT_SECRET]) == {key_file}


def test_the_console_script_does_not_leak_an_environment_event_key(server: StandIn) -> None:
    server.event_api_key = EVENT_SECRET
    env = {**os.environ, "BLUESHIFT_EVENT_API_KEY": EVENT_SECRET, "BSEVENTS_DEBUG": "1"}
    outputs = []
    for args in (
        ["send", "purchase", "--cookie", "c1"],
        ["send", "purchase", "--cookie", "c1", "--curl"],
        ["send", "purchase", "--cookie", "c1", "--base-url", "http://127.0.0.1:9"],
    ):
        done = subprocess.run(
            [str(SCRIPT), *args], capture_output=True, env=env, timeout=60, check=False
        )
        outputs.append(done.stdout + done.stderr)
    assert server.event_requests()[0].auth_user == EVENT_SECRET
    assert not [f for f in forms(EVENT_SECRET) if any(f in out for out in outputs)]
