"""`bsevents events` with profiles: --profile, BSEVENTS_PROFILE, and the region check."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import API_KEY, CUSTOMER, make_event
from tests.standin import StandIn

EU_URL = f"https://app.eu.getblueshift.com/dashboard#/app/customer/{CUSTOMER}/show/overview"
US_URL = f"https://app.getblueshift.com/dashboard#/app/customer/{CUSTOMER}/show/overview"
WARNING = (
    "warning: the URL is from the eu dashboard (app.eu.getblueshift.com) but profile "
    "'default' uses region us; if the call fails, try --region eu or "
    "`bsevents config set region eu`"
)


def test_url_from_the_other_region_warns_before_anything_is_spent(cli: Any) -> None:
    # No key and no server: the warning must come first, before the key is even looked up.
    result = cli("events", EU_URL)
    assert result.exit_code == 3
    assert result.stderr.splitlines()[0] == WARNING


@pytest.mark.parametrize(
    ("args", "profile_region"),
    [
        ((EU_URL, "--region", "eu"), None),
        ((EU_URL,), "eu"),
        ((US_URL,), None),
        ((CUSTOMER,), None),
        ((EU_URL, "--base-url", "http://127.0.0.1:9"), None),  # the base URL decides the host
    ],
)
def test_no_warning_when_the_region_matches(
    cli: Any, args: tuple[str, ...], profile_region: str | None
) -> None:
    if profile_region:
        cli("config", "set", "region", profile_region)
    result = cli("events", *args)
    assert result.exit_code in (1, 3)
    assert "warning" not in result.stderr


def test_warning_names_the_profile_and_its_region(cli: Any) -> None:
    cli("config", "set", "--profile", "us-acct", "region", "us")
    result = cli("events", EU_URL, "--profile", "us-acct")
    assert result.stderr.splitlines()[0] == WARNING.replace("'default'", "'us-acct'")


def test_events_takes_settings_from_the_profile(
    cli: Any, standin: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    standin.customers[CUSTOMER] = [make_event()]
    cli("config", "set", "--profile", "eu-acct", "region", "eu")
    unknown = cli("events", CUSTOMER, "--profile", "nope")
    assert unknown.exit_code == 2
    assert unknown.stderr.splitlines()[0] == (
        "error: no profile 'nope' (from --profile): known profiles are default, eu-acct"
    )
    monkeypatch.setenv("BSEVENTS_PROFILE", "nope")
    assert cli("events", CUSTOMER).exit_code == 2
    assert cli("events", CUSTOMER, "--profile", "eu-acct").exit_code == 0
    assert standin.requests[0].auth_user == API_KEY
