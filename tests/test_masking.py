"""A password in a URL is never shown: not by `config`, not in any error, parsed or not,
whichever command reads the URL and however the password is written.

The passwords hold what breaks URL parsing (`/`, `?`, `#`, `@`, a space) and what does
not; each is searched for in every output as a whole and as the pieces either side of
its odd character, so a message that cut it in two would still be caught.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from typing import Any

import pytest

from bsevents.model.sanitize import mask_url, url_secrets
from tests.conftest import CUSTOMER, make_event
from tests.script import SCRIPT
from tests.standin import StandIn

PASSWORDS = [
    "Zm9vYmFy/K3y+Q==",  # base64, as cloud consoles hand them out
    "Sekr1t?Wort9",
    "Sekr1t Wort9",
    "Sekr1t#Wort9",
    "Sekr1t@Wort9",
    "Sekr1t:Wort9",
    "Sekr1t%2FWort9",  # percent-encoded, as it should be written
    "Sekr1tWort9",
]
# Where a password sits in a URL a person might write.
SHAPES = [
    "rediss://:{pw}@cache.example.com:6380/0",
    "redis://team:{pw}@10.0.0.5:6379/2",
    "redis://{pw}@10.0.0.5",
    "unix://:{pw}@/run/redis.sock?db=1",
    "unix:///run/redis.sock?db=1&password={pw}",
    "  rediss://:{pw}@cache.example.com  ",
]


def pieces(password: str) -> list[str]:
    """The password and its parts between odd characters (at least 4 characters long)."""
    parts = re.split(r"[^A-Za-z0-9+=]", password)
    return [password, *(part for part in parts if len(part) >= 4)]


def assert_hidden(text: str, password: str) -> None:
    for piece in pieces(password):
        assert piece not in text, (piece, text)


@pytest.mark.parametrize("password", PASSWORDS)
@pytest.mark.parametrize("shape", SHAPES)
def test_mask_url_hides_the_password_of_any_url_parsed_or_not(shape: str, password: str) -> None:
    url = shape.format(pw=password)
    masked = mask_url(url)
    if "//{pw}@" in shape and ":" in password:
        password = password.split(":", 1)[1]  # by the URL's own grammar, a user name first
    assert_hidden(masked, password)
    assert "***" in masked
    # The host stays, so the message still says which store it means.
    assert ("cache.example.com" in masked) == ("cache.example.com" in url)
    assert password in url_secrets(url) or password.replace("%2F", "/") in url_secrets(
        url.replace("%2F", "/")
    )


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        (
            "rediss://:Zm9vYmFy/K3y+Q==@cache.example.com:6380/0",
            "rediss://:***@cache.example.com:6380/0",
        ),
        ("redis://a b:pw@h", "redis://***@h"),
        ("unix:///run/redis@6379.sock", "unix:///run/redis@6379.sock"),
        ("redis://h:6379/0", "redis://h:6379/0"),
        (":pw@host", ":***@host"),
        ("['rediss://:pw@h']", "['rediss://:***@h']"),
    ],
)
def test_mask_url_keeps_what_is_no_secret(url: str, masked: str) -> None:
    assert mask_url(url) == masked


@pytest.mark.parametrize("password", PASSWORDS)
def test_config_never_shows_the_password(cli: Any, password: str) -> None:
    url = f"rediss://:{password}@cache.example.com:6380/0"
    stored = cli("config", "set", "shared-url", url)
    outputs = [stored.output]
    # A raw / ? or # would end the user info early: refused. A space, @ or : is read.
    refused = any(mark in password for mark in "/?#")
    assert stored.exit_code == (2 if refused else 0), stored.output
    if not refused:
        for args in (["get", "shared-url"], ["show"], ["show", "--json"]):
            shown = cli("config", *args)
            assert shown.exit_code == 0, shown.output
            outputs.append(shown.output)
        assert json.loads(shown.stdout)["shared_url"] == "rediss://:***@cache.example.com:6380/0"
    else:
        assert stored.stderr.startswith(
            "error: not a URL: 'rediss://:***@cache.example.com:6380/0'\n"
            "  write / ? # @ and spaces in a password percent-encoded"
        )
    for output in outputs:
        assert_hidden(output, password)


# Every command that reads the settings stops on a bad BSEVENTS_SHARED_URL.
COMMANDS = [
    ["events", CUSTOMER],
    ["events", CUSTOMER, "--curl"],
    ["lint", CUSTOMER],
    ["quota"],
    ["quota", "--json"],
    ["send", "signed_up", "--customer-id", "1", "--curl"],
    ["config", "show"],
    ["config", "show", "--json"],
    ["config", "get", "shared-url"],
]


@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
@pytest.mark.parametrize("password", ["Zm9vYmFy/K3y+Q==", "Sekr1t?Wort9", "Sekr1t#Wort9"])
def test_a_bad_shared_url_in_the_environment_is_masked_on_every_command(
    cli: Any, monkeypatch: pytest.MonkeyPatch, password: str, debug: bool
) -> None:
    monkeypatch.setenv("BSEVENTS_SHARED_URL", f"rediss://:{password}@cache.example.com:6380/0")
    monkeypatch.setenv("BLUESHIFT_API_KEY", "k" * 24)
    for command in COMMANDS:
        result = cli(*(["--debug", *command] if debug else command))
        assert result.exit_code == 2, (command, result.output)
        assert result.stdout == ""
        assert "error: not a URL: 'rediss://:***@cache.example.com:6380/0'" in result.stderr
        assert_hidden(result.stderr, password)


def test_the_console_script_masks_it_with_debug_too() -> None:
    password = "Zm9vYmFy/K3y+Q=="
    url = f"rediss://:{password}@cache.example.com:6380/0"
    for args in (["config", "set", "shared-url", url], ["--debug", "quota"]):
        done = subprocess.run(
            [str(SCRIPT), *args],
            capture_output=True,
            text=True,
            env={**os.environ, "BSEVENTS_SHARED_URL": url},
            timeout=60,
        )
        assert done.returncode == 2, done.stderr
        assert "error: not a URL: 'rediss://:***@cache.example.com:6380/0'" in done.stderr
        assert_hidden(done.stderr, password)


@pytest.mark.parametrize("password", ["Sekr1t Wort9", "Sekr1t/Wort9", "Sekr1t?Wort9"])
def test_a_store_that_cannot_be_reached_is_named_with_the_password_masked(
    standin: StandIn, cli: Any, monkeypatch: pytest.MonkeyPatch, password: str
) -> None:
    pytest.importorskip("redis")
    standin.customers[CUSTOMER] = [make_event()]
    url = f"redis://:{password}@127.0.0.1:1/0".replace("/Wort9", "%2FWort9")
    url = url.replace("?Wort9", "%3FWort9")
    monkeypatch.setenv("BSEVENTS_SHARED_URL", url)
    result = cli("events", CUSTOMER)
    assert result.exit_code == 0, result.output
    assert "warning: the shared store redis://:***@127.0.0.1:1/0 cannot be used (" in result.stderr
    assert_hidden(result.output, password)
    assert_hidden(result.output, password.replace("/", "%2F").replace("?", "%3F"))


@pytest.mark.parametrize("password", PASSWORDS)
def test_base_url_messages_never_quote_a_password(cli: Any, password: str) -> None:
    for shape in ("https://ana:{pw}@api.example.com", "https://{pw}@api.example.com/x"):
        result = cli("events", "--demo", "--base-url", shape.format(pw=password))
        assert result.exit_code == 2, result.output
        assert result.stdout == ""
        assert_hidden(result.stderr, password)


def test_a_customer_url_with_a_password_is_not_quoted(cli: Any) -> None:
    result = cli("events", "https://ana:Sekr1t Wort9@example.com/customer/x")
    assert result.exit_code == 2
    assert (
        "'https://ana:***@example.com/customer/x' is not a Blueshift dashboard URL" in result.stderr
    )
    assert_hidden(result.stderr, "Sekr1t Wort9")
