"""The API key: environment, keyring (behind a timeout), the plain-text file, and the
`config set-key / delete-key / show` commands, with in-memory and misbehaving keyrings."""

from __future__ import annotations

import json
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

from bsevents.errors import AuthProblem, KeyringUnavailable
from bsevents.state import keys as credentials
from bsevents.state.keys import ApiKey, resolve_key
from bsevents.state.paths import config_dir
from tests.conftest import API_KEY, CUSTOMER, make_event
from tests.recorder import Recorder
from tests.standin import StandIn

KEY = "stored-key-0123456789ABCD"  # what the tests store; API_KEY is what the stand-in wants
WAYS_OUT = (
    "  set BLUESHIFT_API_KEY in the environment instead, or keep the key in a plain-text "
    "file with `bsevents config set-key --insecure-storage`"
)


def key_file() -> Path:
    return config_dir() / "credentials.toml"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- resolving ------------------------------------------------------------------------------


def test_environment_key_never_touches_the_keyring(keyring_backend: Any) -> None:
    ring = keyring_backend("HangingKeyring")  # would time out if it were asked
    key = resolve_key("default", env={"BLUESHIFT_API_KEY": f"  {KEY}\n"})
    assert (key.value, key.source) == (KEY, "env")
    assert ring.calls == []


def test_keyring_key_is_found_with_its_backend_name(keyring_backend: Any) -> None:
    ring = keyring_backend("MemoryKeyring")
    ring.entries[("bsevents", "default")] = KEY
    ring.entries[("bsevents", "staging")] = "staging-key-0123456789"
    key = resolve_key("default", env={})
    assert (key.value, key.source, key.backend) == (KEY, "keyring", "memory keyring MemoryKeyring")
    assert resolve_key("staging", env={}).value == "staging-key-0123456789"
    assert key.origin() == "the keyring, via memory keyring MemoryKeyring"
    assert KEY not in repr(key)
    assert KEY not in str(key)
    assert str(key) == "<ApiKey from keyring: ••••ABCD>"


def test_no_key_anywhere_is_an_auth_problem(keyring_backend: Any) -> None:
    keyring_backend("MemoryKeyring")
    with pytest.raises(AuthProblem) as caught:
        resolve_key("staging", env={})
    assert type(caught.value) is AuthProblem
    assert caught.value.message == "no Blueshift API key for profile 'staging'"
    assert caught.value.hint == (
        "set BLUESHIFT_API_KEY, or store one with `bsevents config set-key --profile staging`"
    )


def test_unusable_keyring_without_a_file_says_so_and_names_the_ways_out() -> None:
    with pytest.raises(KeyringUnavailable) as caught:  # the isolated fixture's `fail` backend
        resolve_key("default", env={})
    assert caught.value.message == (
        "no Blueshift API key for profile 'default': BLUESHIFT_API_KEY is not set and the "
        "system keyring cannot be used (no keyring backend is available on this system)"
    )
    assert "--insecure-storage" in (caught.value.hint or "")


def test_plain_text_file_is_the_last_resort_and_warns_each_use(keyring_backend: Any) -> None:
    ring = keyring_backend("MemoryKeyring")
    credentials.file_set("default", KEY)
    recorder = Recorder()
    warnings = recorder.warnings
    for _ in range(2):
        key = resolve_key("default", env={}, report=recorder)
        assert (key.value, key.source, key.path) == (KEY, "file", key_file())
    warning = f"using the API key for profile 'default' kept in plain text in {key_file()}"
    assert warnings == [warning] * 2
    ring.entries[("bsevents", "default")] = "keyring-wins-0123456789"
    assert resolve_key("default", env={}).source == "keyring"


def test_a_key_file_others_can_read_gets_a_second_warning() -> None:
    credentials.file_set("default", KEY)
    key_file().chmod(0o644)
    recorder = Recorder()
    warnings = recorder.warnings
    assert resolve_key("default", env={}, report=recorder).source == "file"
    assert warnings[1] == f"{key_file()} can be read by other users: run chmod 600 {key_file()}"


def test_hanging_keyring_times_out_and_the_file_still_works(keyring_backend: Any) -> None:
    keyring_backend("HangingKeyring")
    with pytest.raises(KeyringUnavailable) as caught:
        resolve_key("default", env={})
    assert "system keyring cannot be used (the keyring did not answer within 0.3 s)" in (
        caught.value.message
    )
    assert (caught.value.hint or "").endswith(
        "if it was waiting for you to unlock it, allow longer with BSEVENTS_KEYRING_TIMEOUT=30"
    )
    # While the first call is still stuck, later ones fail at once instead of waiting again.
    with pytest.raises(KeyringUnavailable, match="still not answering an earlier request"):
        resolve_key("default", env={})
    credentials.file_set("default", KEY)
    recorder = Recorder()
    warnings = recorder.warnings
    assert resolve_key("default", env={}, report=recorder).source == "file"
    assert "(the keyring cannot be used: the keyring is still not answering" in warnings[0]


@pytest.mark.parametrize("value", ["0", "-1", "abc", "601", "nan", "1_0", "\u0663", "inf"])
def test_bad_keyring_timeout_is_a_usage_error(
    keyring_backend: Any, monkeypatch: pytest.MonkeyPatch, cli: Any, value: str
) -> None:
    keyring_backend("MemoryKeyring")
    monkeypatch.setenv("BSEVENTS_KEYRING_TIMEOUT", value)
    result = cli("config", "show")
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: BSEVENTS_KEYRING_TIMEOUT must be a number of seconds (0 to 600), got {value!r}\n"
    )


# --- set-key ----------------------------------------------------------------------------------


def test_set_key_from_stdin_strips_and_stores_in_the_keyring(
    keyring_backend: Any, cli: Any
) -> None:
    ring = keyring_backend("MemoryKeyring")
    result = cli("config", "set-key", "--stdin", input=f"\n  {KEY} \r\n")
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == (
        "stored the API key ••••ABCD for profile 'default' in the keyring, "
        "via memory keyring MemoryKeyring\n"
    )
    assert ring.entries == {("bsevents", "default"): KEY}
    # A read first: set-key checks the keyring can be used before it asks for the key.
    assert ring.calls == [
        ("get", "bsevents", "default"),
        ("set", "bsevents", "default"),
        ("get", "bsevents", "default"),
    ]
    assert not key_file().exists()


def test_set_key_for_a_new_profile_creates_it(keyring_backend: Any, cli: Any) -> None:
    ring = keyring_backend("MemoryKeyring")
    result = cli("config", "set-key", "--stdin", "--profile", "staging", input=KEY)
    assert result.exit_code == 0
    assert result.stderr.startswith("created profile 'staging'\n")
    assert ring.entries == {("bsevents", "staging"): KEY}
    assert cli("config", "profiles").stdout == "* default\n  staging\n"


def test_set_key_as_an_argument_is_refused_without_echoing_it(
    keyring_backend: Any, cli: Any
) -> None:
    ring = keyring_backend("MemoryKeyring")
    result = cli("config", "set-key", KEY)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "error: the key is not taken as an argument: it would stay in your shell history and "
        "show in `ps`\n"
        "  type or paste it at the hidden prompt of `bsevents config set-key`, or pipe it: "
        'printf %s "$KEY" | bsevents config set-key --stdin\n'
    )
    assert ring.calls == []


def test_set_key_without_a_terminal_or_stdin_flag_says_how(cli: Any) -> None:
    result = cli("config", "set-key", input="")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: no terminal to ask for the key on: pipe it in with --stdin\n"
        '  printf %s "$KEY" | bsevents config set-key --stdin\n'
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no API key given (the input was empty)"),
        ("  \n", "no API key given (the input was empty)"),
        ("two keys\n", "that is not one API key: it has spaces, line breaks or control"),
        ("a\nb", "that is not one API key"),
        ("ab\x1bc", "that is not one API key"),
    ],
)
def test_set_key_refuses_what_cannot_be_a_key(
    keyring_backend: Any, cli: Any, text: str, message: str
) -> None:
    ring = keyring_backend("MemoryKeyring")
    result = cli("config", "set-key", "--stdin", input=text)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {message}")
    assert ring.entries == {}


@pytest.mark.parametrize(
    ("backend", "reason"),
    [
        (None, "no keyring backend is available on this system"),
        ("LockedKeyring", "memory keyring LockedKeyring: the keyring is locked"),
        ("HangingKeyring", "the keyring did not answer within 0.3 s"),
        (
            "ForgetfulKeyring",
            "memory keyring ForgetfulKeyring: the key was accepted but could not be read back",
        ),
        (
            "LeakyKeyring",
            "memory keyring LeakyKeyring: RuntimeError: backend exploded while storing '***'",
        ),
    ],
)
def test_set_key_on_an_unusable_keyring_exits_3_naming_the_ways_out(
    keyring_backend: Any, cli: Any, backend: str | None, reason: str
) -> None:
    if backend:
        keyring_backend(backend)
    result = cli("config", "set-key", "--stdin", input=KEY)
    assert (result.exit_code, result.stdout) == (3, "")
    lines = result.stderr.splitlines()
    assert lines[0] == f"error: cannot store the key: the system keyring cannot be used ({reason})"
    assert lines[1].startswith(WAYS_OUT)
    assert KEY not in result.stderr
    assert not key_file().exists()


def test_null_backend_is_no_keyring(monkeypatch: pytest.MonkeyPatch, cli: Any) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    result = cli("config", "set-key", "--stdin", input=KEY)
    assert result.exit_code == 3
    assert "(keyring is set to its null backend, which keeps nothing)" in result.stderr


def test_insecure_storage_writes_a_private_file_and_warns(
    keyring_backend: Any, cli: Any, isolated: Path
) -> None:
    ring = keyring_backend("MemoryKeyring")
    ring.entries[("bsevents", "default")] = "old-key-in-the-keyring-123"
    result = cli("config", "set-key", "--stdin", "--insecure-storage", input=KEY)
    assert result.exit_code == 0
    assert result.stderr == (
        "removed the old key from the keyring\n"
        f"warning: stored the API key ••••ABCD for profile 'default' in plain text in "
        f"{key_file()}: anyone who can read that file can use the key\n"
    )
    assert ring.entries == {}  # an old keyring key must not shadow the new one
    assert (mode(key_file()), mode(key_file().parent)) == (0o600, 0o700)
    text = key_file().read_text(encoding="utf-8")
    assert text.startswith("# Blueshift API keys kept in PLAIN TEXT")
    # Written as a person would: each profile table followed by a blank line.
    assert text.endswith(f'[profiles.default]\napi-key = "{KEY}"\n\n')
    # Moving it back to the keyring removes the plain-text copy.
    moved = cli("config", "set-key", "--stdin", input=KEY)
    assert moved.stderr.startswith(f"removed the plain-text copy from {key_file()}\n")
    assert ring.entries == {("bsevents", "default"): KEY}
    assert not key_file().exists()


def test_insecure_storage_works_with_no_keyring_at_all(cli: Any) -> None:
    result = cli("config", "set-key", "--stdin", "--insecure-storage", "--profile", "ci", input=KEY)
    assert result.exit_code == 0
    assert resolve_key("ci", env={}).source == "file"
    assert credentials.file_get("default") == (None, key_file())


def test_set_key_mentions_an_environment_key_that_wins(
    keyring_backend: Any, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyring_backend("MemoryKeyring")
    monkeypatch.setenv("BLUESHIFT_API_KEY", API_KEY)
    result = cli("config", "set-key", "--stdin", input=KEY)
    assert result.stderr.endswith(
        "BLUESHIFT_API_KEY is set here, and takes precedence over the stored key\n"
    )


# --- delete-key -------------------------------------------------------------------------------


def test_delete_key_removes_both_copies_and_is_idempotent(keyring_backend: Any, cli: Any) -> None:
    ring = keyring_backend("MemoryKeyring")
    credentials.file_set("default", KEY)
    credentials.file_set("other", "other-key-0123456789")
    ring.entries[("bsevents", "default")] = KEY
    result = cli("config", "delete-key")
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == (
        f"deleted the plain-text API key for profile 'default' from {key_file()}\n"
        "deleted the API key for profile 'default' from the keyring "
        "(memory keyring MemoryKeyring)\n"
    )
    assert ring.entries == {}
    assert credentials.file_get("other")[0] == "other-key-0123456789"
    again = cli("config", "delete-key")
    assert (again.exit_code, again.stderr) == (
        0,
        "no stored API key for profile 'default'; nothing to delete\n",
    )
    cli("config", "delete-key", "--profile", "other")
    assert not key_file().exists()  # no file saying "keys are kept here" when none are


def test_delete_key_on_a_locked_keyring_exits_3(keyring_backend: Any, cli: Any) -> None:
    keyring_backend("LockedKeyring")
    result = cli("config", "delete-key")
    assert result.exit_code == 3
    assert result.stderr.splitlines()[0] == (
        "error: could not remove the key from the keyring: it cannot be used "
        "(memory keyring LockedKeyring: the keyring is locked)"
    )


# --- show ---------------------------------------------------------------------------------------


def test_show_json_has_exactly_the_documented_keys(keyring_backend: Any, cli: Any) -> None:
    from bsevents.state.settings import SETTINGS

    ring = keyring_backend("MemoryKeyring")
    ring.entries[("bsevents", "default")] = KEY
    result = cli("config", "show", "--json")
    assert (result.exit_code, result.stderr) == (0, "")
    shown = json.loads(result.stdout)
    documented = {
        "profile": "default",
        "region": "us",
        "base_url": "https://api.getblueshift.com",
        "api_key": "••••ABCD",
        "api_key_source": "keyring",
        "hourly_cap": 10,
        "cache_ttl": 300,
    }
    assert {k: shown[k] for k in documented} == documented
    # ...and one more key for each setting declared since, named like the others.
    extra = {name.replace("-", "_") for name in SETTINGS} - set(documented)
    assert set(shown) == set(documented) | extra


def test_show_reports_each_source(
    keyring_backend: Any, cli: Any, monkeypatch: pytest.MonkeyPatch, isolated: Path
) -> None:
    ring = keyring_backend("MemoryKeyring")
    ring.entries[("bsevents", "staging")] = KEY
    cli("config", "set", "--profile", "staging", "hourly-cap", "4")
    monkeypatch.setenv("BSEVENTS_PROFILE", "staging")
    monkeypatch.setenv("BLUESHIFT_REGION", "eu")
    result = cli("config", "show", "--base-url", "http://127.0.0.1:9")
    assert result.exit_code == 0
    assert result.stdout == (
        "profile          staging  (from BSEVENTS_PROFILE)\n"
        "region           eu  (from BLUESHIFT_REGION)\n"
        "base URL         http://127.0.0.1:9  (from --base-url)\n"
        "API key          ••••ABCD  (from the keyring, via memory keyring MemoryKeyring)\n"
        "hourly-cap       4  (from [profiles.staging] in the settings file)\n"
        "cache-ttl        300  (default)\n"
        "max-response-mb  128  (default)\n"
        "pager            false  (default)\n"
        "refresh-on-miss  30  (default)\n"
        "shared-url       not set  (default)\n"
        f"settings         {isolated / '.config/bsevents/config.toml'}\n"
    )
    monkeypatch.setenv("BLUESHIFT_API_KEY", API_KEY)
    shown = cli("config", "show", "--region", "us").stdout.splitlines()
    assert shown[1] == "region           us  (from --region)"
    assert shown[2] == "base URL         https://api.getblueshift.com  (from the region)"
    assert shown[3] == (
        "API key          ••••cdef  (from the environment variable BLUESHIFT_API_KEY)"
    )


def test_show_with_a_plain_text_key_says_so(cli: Any) -> None:
    credentials.file_set("default", KEY)
    result = cli("config", "show")
    assert result.stdout.splitlines()[3] == (
        f"API key          ••••ABCD  (from the plain-text file {key_file()}: not encrypted)"
    )
    assert result.stderr.startswith("warning: using the API key for profile 'default' kept in")
    assert json.loads(cli("config", "show", "--json").stdout)["api_key_source"] == "file"


def test_show_without_a_key(keyring_backend: Any, cli: Any) -> None:
    result = cli("config", "show", "--json")
    assert result.exit_code == 0
    shown = json.loads(result.stdout)
    assert (shown["api_key"], shown["api_key_source"]) == (None, None)
    assert result.stderr == (
        "warning: no API key found: the keyring cannot be used "
        "(no keyring backend is available on this system)\n"
    )
    keyring_backend("MemoryKeyring")
    human = cli("config", "show")
    assert (human.exit_code, human.stderr) == (0, "")
    assert human.stdout.splitlines()[3] == (
        "API key          none: store one with `bsevents config set-key`"
    )


# --- events with stored keys ----------------------------------------------------------------


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The stand-in server with no key in the environment."""
    stand_in = StandIn(API_KEY).start()
    monkeypatch.setenv("BSEVENTS_BASE_URL", stand_in.base_url)
    yield stand_in
    stand_in.stop()


def test_events_uses_each_profiles_own_key(keyring_backend: Any, cli: Any, server: StandIn) -> None:
    ring = keyring_backend("MemoryKeyring")
    cli("config", "set-key", "--stdin", input=API_KEY)
    cli("config", "set-key", "--stdin", "--profile", "staging", input="staging-key-0123456789")
    server.customers[CUSTOMER] = [make_event()]
    assert cli("events", CUSTOMER).exit_code == 0
    staging = cli("events", CUSTOMER, "--profile", "staging")
    assert staging.exit_code == 3
    assert [r.auth_user for r in server.requests] == [API_KEY, "staging-key-0123456789"]
    assert ("bsevents", "staging") in ring.entries


def test_rejected_key_and_unreachable_keyring_are_told_apart(
    keyring_backend: Any, cli: Any, server: StandIn
) -> None:
    ring = keyring_backend("MemoryKeyring")
    ring.entries[("bsevents", "default")] = "wrong-key-0123456789"
    rejected = cli("events", CUSTOMER)
    assert rejected.exit_code == 3
    assert rejected.stderr.startswith("error: Blueshift rejected the API key (401")
    keyring_backend("LockedKeyring")
    unreachable = cli("events", CUSTOMER)
    assert unreachable.exit_code == 3
    assert unreachable.stderr.splitlines() == [
        "error: no Blueshift API key for profile 'default': BLUESHIFT_API_KEY is not set and "
        "the system keyring cannot be used (memory keyring LockedKeyring: the keyring is locked)",
        WAYS_OUT,
    ]
    assert len(server.requests) == 1  # nothing was sent without a key


def test_events_with_a_file_key_warns_once_per_run(cli: Any, server: StandIn) -> None:
    credentials.file_set("default", API_KEY)
    server.customers[CUSTOMER] = []
    result = cli("events", CUSTOMER)
    assert (result.exit_code, result.stdout) == (0, "[]\n")
    assert result.stderr == (
        f"warning: using the API key for profile 'default' kept in plain text in {key_file()}\n"
    )


def test_api_key_value_object_keeps_the_key_out_of_its_repr() -> None:
    key = ApiKey("short", "env")
    assert (key.masked(), "short" in repr(key)) == ("••••", False)


@pytest.mark.parametrize("args", [(KEY,), (f"-{KEY}",), (f"--key={KEY}",), ("--stdin", KEY)])
def test_set_key_refuses_every_shape_of_argument(cli: Any, args: tuple[str, ...]) -> None:
    result = cli("config", "set-key", *args, input=KEY)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith("error: the key is not taken as an argument")
    assert KEY not in result.stderr


def test_the_key_is_not_a_setting(cli: Any) -> None:
    result = cli("config", "set", "api_key", KEY)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        "error: the API key is not a setting: store it with `config set-key`"
    )
    assert KEY not in result.stderr


# --- which keyring backend, chosen once per machine ----------------------------------------

MEMORY = "tests.memory_keyring.MemoryKeyring"


@pytest.fixture
def own_choice(monkeypatch: pytest.MonkeyPatch) -> Any:
    """keyring left to bsevents' choice (no PYTHON_KEYRING_BACKEND), made afresh; returns
    a function that remembers a backend as a search would have: remember(name, **changes)."""
    from bsevents.state import keyring_backend

    monkeypatch.delenv("PYTHON_KEYRING_BACKEND")
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")  # no real one
    monkeypatch.setattr(keyring_backend, "_chosen", None)

    def remember(name: str, **changes: str) -> Path:
        keyring_backend._remember(name)
        path = keyring_backend.choice_file()
        data = {**json.loads(path.read_text()), **changes}
        path.write_text(json.dumps(data))
        return path

    return remember


def test_the_remembered_backend_is_the_one_used(own_choice: Any, cli: Any) -> None:
    from bsevents.state import keyring_backend

    path = own_choice(MEMORY)
    assert mode(path) == 0o600
    result = cli("config", "set-key", "--stdin", input=KEY)
    assert (result.exit_code, result.stderr) == (
        0,
        "stored the API key ••••ABCD for profile 'default' in the keyring, via memory keyring "
        "MemoryKeyring\n",
    )
    assert keyring_backend.chosen_backend().entries == {("bsevents", "default"): KEY}


@pytest.mark.parametrize(
    ("changes", "name", "file_mode"),
    [
        ({}, MEMORY, 0o600),
        ({}, MEMORY, 0o620),  # others could choose what is imported
        ({"host": "another-machine"}, MEMORY, 0o600),  # a home shared between machines
        ({"platform": "darwin" if sys.platform != "darwin" else "linux"}, MEMORY, 0o600),
        ({}, "keyring.backends.macOS.Keyring" if sys.platform != "darwin" else "x", 0o600),
        ({}, "keyring.backends.chainer.ChainerBackend", 0o600),
        ({}, "keyring.backends.fail.Keyring", 0o600),
        ({}, "x" * 300 + ".Keyring", 0o600),
    ],
)
def test_a_remembered_backend_is_trusted_only_from_a_private_file_of_this_machine(
    own_choice: Any, changes: dict[str, str], name: str, file_mode: int
) -> None:
    from bsevents.state import keyring_backend

    path = own_choice(name, **changes)
    path.chmod(file_mode)
    trusted = not changes and file_mode == 0o600 and name == MEMORY
    assert keyring_backend.remembered_name() == (name if trusted else None)


def test_keyring_own_config_file_comes_before_the_remembered_backend(
    own_choice: Any, cli: Any, isolated: Path
) -> None:
    own_choice("tests.memory_keyring.LockedKeyring")
    config = isolated / ".config" / "python_keyring" / "keyringrc.cfg"
    config.parent.mkdir(parents=True)
    config.write_text(f"[backend]\ndefault-keyring={MEMORY}\n")
    result = cli("config", "set-key", "--stdin", input=KEY)
    # The keyring's own file wins over the remembered LockedKeyring, which would refuse.
    assert (result.exit_code, result.stderr) == (
        0,
        "stored the API key ••••ABCD for profile 'default' in the keyring, via memory keyring "
        "MemoryKeyring\n",
    )
