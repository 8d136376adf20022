"""The keyring for real: gnome-keyring's Secret Service in a private D-Bus session, and a
D-Bus that never answers.

The Secret Service tests (marker `secretservice`) start their own dbus-daemon and
gnome-keyring-daemon inside the test's isolated home, so they never touch the Secret
Service of the person running them; they need the Debian packages `dbus` and
`gnome-keyring` (.ci/run installs them) and are skipped, with that reason, without them.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import API_KEY, CUSTOMER, make_event
from tests.script import SCRIPT
from tests.standin import StandIn

SECRET_SERVICE = "keyring.backends.SecretService.Keyring"
NEEDED = {"dbus-daemon": "dbus", "gnome-keyring-daemon": "gnome-keyring"}


def bsevents(
    env: dict[str, str], *args: str, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *args], input=input, capture_output=True, text=True, env=env, timeout=60
    )


def python(env: dict[str, str], code: str, input: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        input=input,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def _wait_for_name(env: dict[str, str], name: str, limit: float = 20.0) -> None:
    """Wait until `name` is owned on the bus (asking never starts it, unlike a call would)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        asked = subprocess.run(
            [
                "dbus-send",
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.DBus",
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus.NameHasOwner",
                f"string:{name}",
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=10,
        )
        if "boolean true" in asked.stdout:
            return
        time.sleep(0.1)
    raise AssertionError(f"{name} did not appear on the test bus")


@pytest.fixture
def secret_service(isolated: Path, tmp_path: Path) -> Iterator[dict[str, str]]:
    """A private session bus with an unlocked gnome-keyring: the environment to use it."""
    missing = sorted({package for tool, package in NEEDED.items() if not shutil.which(tool)})
    if missing or not shutil.which("dbus-send"):
        pytest.skip(
            f"needs the Debian packages {' and '.join(missing or ['dbus'])} "
            "(bash .ci/run installs them)"
        )
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime)}
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    log = (tmp_path / "daemons.log").open("wb")
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=log,
        env=env,
    )
    daemons = [bus]
    try:
        assert bus.stdout is not None
        env["DBUS_SESSION_BUS_ADDRESS"] = bus.stdout.readline().decode().strip()
        keyring_daemon = subprocess.Popen(
            ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=log,
            env=env,
        )
        daemons.append(keyring_daemon)
        assert keyring_daemon.stdin is not None
        keyring_daemon.stdin.write(b"test-keyring-password")  # unlocks (creates) "login"
        keyring_daemon.stdin.close()
        _wait_for_name(env, "org.freedesktop.secrets")
        env["PYTHON_KEYRING_BACKEND"] = SECRET_SERVICE
        yield env
    finally:
        for daemon in reversed(daemons):
            daemon.terminate()
            try:
                daemon.wait(10)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait()
        log.close()


@pytest.fixture
def server() -> Iterator[StandIn]:
    stand_in = StandIn(API_KEY).start()
    stand_in.customers[CUSTOMER] = [make_event(event="identify")]
    yield stand_in
    stand_in.stop()


@pytest.mark.secretservice
def test_set_use_show_and_delete_a_key_in_gnome_keyring(
    secret_service: dict[str, str], server: StandIn, tmp_path: Path
) -> None:
    env = {**secret_service, "BSEVENTS_BASE_URL": server.base_url}
    stored = bsevents(env, "config", "set-key", "--stdin", input=f"{API_KEY}\n")
    assert (stored.returncode, stored.stdout) == (0, "")
    assert stored.stderr == (
        "stored the API key ••••cdef for profile 'default' in the keyring, "
        "via SecretService Keyring\n"
    )
    # Really in the Secret Service, where any other client would find it.
    check = (
        "import keyring, sys; "
        "sys.exit(keyring.get_password('bsevents', 'default') != sys.stdin.read())"
    )
    assert python(env, check, API_KEY).returncode == 0

    shown = bsevents(env, "config", "show", "--json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["api_key"] == "••••cdef"
    assert json.loads(shown.stdout)["api_key_source"] == "keyring"
    human = bsevents(env, "config", "show")
    assert (
        "API key          ••••cdef  (from the keyring, via SecretService Keyring)" in human.stdout
    )

    fetched = bsevents(env, "events", CUSTOMER)
    assert fetched.returncode == 0, fetched.stderr
    assert json.loads(fetched.stdout)[0]["event"] == "identify"
    assert server.requests[-1].auth_user == API_KEY

    # The keyring file on disk is encrypted: the key is nowhere in plain text.
    assert not [
        p for p in tmp_path.rglob("*") if p.is_file() and API_KEY.encode() in p.read_bytes()
    ]

    deleted = bsevents(env, "config", "delete-key")
    assert (deleted.returncode, deleted.stderr) == (
        0,
        "deleted the API key for profile 'default' from the keyring (SecretService Keyring)\n",
    )
    assert python(env, check, API_KEY).returncode == 1
    after = bsevents(env, "events", CUSTOMER)
    assert after.returncode == 3
    assert after.stderr.startswith("error: no Blueshift API key for profile 'default'\n")
    assert len(server.requests) == 1


@pytest.mark.secretservice
def test_a_locked_secret_service_is_reported_not_waited_for(
    secret_service: dict[str, str], server: StandIn
) -> None:
    env = {**secret_service, "BSEVENTS_BASE_URL": server.base_url}
    assert bsevents(env, "config", "set-key", "--stdin", input=API_KEY).returncode == 0
    lock = (
        "import secretstorage; c = secretstorage.get_default_collection("
        "secretstorage.dbus_init()); c.lock(); assert c.is_locked()"
    )
    assert python(env, lock).returncode == 0
    # Unlocking needs a prompt, which no one can answer here: exit 3, nothing sent.
    result = bsevents(env, "events", CUSTOMER)
    assert result.returncode == 3
    assert result.stderr.startswith(
        "error: no Blueshift API key for profile 'default': BLUESHIFT_API_KEY is not set and "
        "the system keyring cannot be used (SecretService Keyring: "
    )
    assert "--insecure-storage" in result.stderr
    assert server.requests == []
    # The environment still works without touching the keyring at all.
    with_env = bsevents({**env, "BLUESHIFT_API_KEY": API_KEY}, "events", CUSTOMER)
    assert with_env.returncode == 0, with_env.stderr


class SilentBus:
    """A Unix socket that accepts D-Bus clients and never says a word."""

    def __init__(self, path: Path) -> None:
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(str(path))
        self.listener.listen(8)
        self.address = f"unix:path={path}"
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.held.append(connection)

    def close(self) -> None:
        for connection in self.held:
            connection.close()
        self.listener.close()


def test_a_dbus_that_never_answers_costs_the_timeout_not_a_hang(tmp_path: Path) -> None:
    pytest.importorskip("secretstorage", reason="keyring's Secret Service backend (Linux)")
    bus = SilentBus(tmp_path / "silent-bus")
    env = {
        **os.environ,
        "DBUS_SESSION_BUS_ADDRESS": bus.address,
        "PYTHON_KEYRING_BACKEND": SECRET_SERVICE,
        "BSEVENTS_KEYRING_TIMEOUT": "0.5",
    }
    try:
        stored = bsevents(env, "config", "set-key", "--stdin", input=API_KEY)
        assert stored.returncode == 3
        assert stored.stderr.splitlines()[0] == (
            "error: cannot store the key: the system keyring cannot be used "
            "(the keyring did not answer within 0.5 s)"
        )
        assert stored.stderr.splitlines()[1].endswith(
            "if it was waiting for you to unlock it, allow longer with BSEVENTS_KEYRING_TIMEOUT=30"
        )
        assert (
            bsevents(
                env, "config", "set-key", "--stdin", "--insecure-storage", input=API_KEY
            ).returncode
            == 0
        )
        shown = bsevents(env, "config", "show", "--json")
        assert shown.returncode == 0
        assert json.loads(shown.stdout)["api_key_source"] == "file"
        assert (
            "(the keyring cannot be used: the keyring did not answer within 0.5 s)" in shown.stderr
        )
        with_env = bsevents({**env, "BLUESHIFT_API_KEY": API_KEY}, "config", "show", "--json")
        assert (json.loads(with_env.stdout)["api_key_source"], with_env.stderr) == ("env", "")
    finally:
        bus.close()


@pytest.mark.secretservice
def test_the_keyring_found_is_remembered_and_then_loaded_alone(
    secret_service: dict[str, str], server: StandIn, tmp_path: Path
) -> None:
    from bsevents.state import keyring_backend
    from tests.script import run_and_list_imports

    # keyring left to choose for itself, as on a person's machine
    env = {k: v for k, v in secret_service.items() if k != "PYTHON_KEYRING_BACKEND"}
    env["BSEVENTS_BASE_URL"] = server.base_url
    stored, modules = run_and_list_imports(
        ["config", "set-key", "--stdin"], env, tmp_path / "modules", input=API_KEY
    )
    assert stored.stderr.endswith("in the keyring, via SecretService Keyring\n")
    assert [m for m in modules if m.startswith("keyring.backends.macOS")] == []
    remembered = keyring_backend.choice_file()
    assert json.loads(remembered.read_text())["backend"] == SECRET_SERVICE
    assert remembered.stat().st_mode & 0o777 == 0o600

    fetched, modules = run_and_list_imports(["events", CUSTOMER], env, tmp_path / "modules")
    assert fetched.returncode == 0, fetched.stderr
    assert server.requests[-1].auth_user == API_KEY
    backends = sorted(m for m in modules if m.startswith("keyring.backends."))
    assert backends == ["keyring.backends.SecretService", "keyring.backends.fail"]

    # A remembered backend that no longer works here is looked for again, and replaced.
    remembered.write_text(
        remembered.read_text().replace(SECRET_SERVICE, "keyring.backends.kwallet.DBusKeyring")
    )
    shown = bsevents(env, "config", "show")  # a command that asks the keyring for the key
    assert (shown.returncode, shown.stderr) == (0, "")
    assert "(from the keyring, via SecretService Keyring)" in shown.stdout
    assert json.loads(remembered.read_text())["backend"] == SECRET_SERVICE
