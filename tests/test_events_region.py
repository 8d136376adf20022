"""`bsevents events` with profiles: --profile, BSEVENTS_PROFILE, and the region check."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import API_KEY, CUSTOMER, make_event
from tests.standin import StandIn

EU_URL = f"https://app.eu.getblueshift.com/dashboard#/app/customer/{CUSTOMER}/show/overview"
US_URL = f"https://app.getblueshift.com/dashboard#/app/customer/{CUSTOMER}/show/overview"
NOTE = (
    "the URL is from the eu dashboard (app.eu.getblueshift.com): calling the eu API, not "
    "region us of profile 'default'"
)
EU_CALL = f"'https://api.eu.getblueshift.com/api/v1/customer_search/show_events?uuid={CUSTOMER}'"
US_CALL = f"'https://api.getblueshift.com/api/v1/customer_search/show_events?uuid={CUSTOMER}'"


def test_url_from_the_other_region_says_so_before_anything_is_spent(cli: Any) -> None:
    # No key and no server: the note must come first, before the key is even looked up.
    result = cli("events", EU_URL)
    assert result.exit_code == 3
    assert result.stderr.splitlines()[0] == NOTE


@pytest.mark.parametrize(
    ("args", "profile_region", "called"),
    [
        ((EU_URL,), None, EU_CALL),
        ((EU_URL,), "eu", EU_CALL),
        ((EU_URL, "--region", "eu"), None, EU_CALL),
        ((US_URL,), "eu", US_CALL),
        ((US_URL, "--region", "us"), "eu", US_CALL),
        ((CUSTOMER,), "eu", EU_CALL),
        ((CUSTOMER,), None, US_CALL),
        ((CUSTOMER, "--uuid", EU_URL), None, EU_CALL),
        ((EU_URL, "--uuid", CUSTOMER), None, EU_CALL),
    ],
)
def test_the_url_names_the_region_called(
    cli: Any, args: tuple[str, ...], profile_region: str | None, called: str
) -> None:
    if profile_region:
        cli("config", "set", "region", profile_region)
    result = cli("events", *args, "--curl")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.rstrip("\n").endswith(called)


def test_the_base_url_overrides_the_region_of_the_url(cli: Any) -> None:
    result = cli("events", EU_URL, "--base-url", "http://127.0.0.1:9", "--curl")
    assert result.exit_code == 0
    assert result.stdout.rstrip("\n").endswith(
        f"'http://127.0.0.1:9/api/v1/customer_search/show_events?uuid={CUSTOMER}'"
    )
    assert result.stderr == ""


@pytest.mark.parametrize(("url", "flag", "host"), [(EU_URL, "us", "app.eu.getblueshift.com")])
def test_a_region_flag_against_the_url_is_a_usage_error(
    cli: Any, standin: StandIn, url: str, flag: str, host: str
) -> None:
    result = cli("events", url, "--region", flag)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"error: --region us contradicts the URL, which is from the eu dashboard ({host})",
        "  drop --region, or give --region eu",
    ]
    assert standin.requests == []


def test_the_note_names_the_profile_and_its_region(cli: Any) -> None:
    cli("config", "set", "--profile", "us-acct", "region", "us")
    result = cli("events", EU_URL, "--profile", "us-acct")
    assert result.stderr.splitlines()[0] == NOTE.replace("'default'", "'us-acct'")


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


def test_urls_from_both_dashboards_for_one_customer_are_refused(cli: Any) -> None:
    result = cli("events", EU_URL, "--uuid", US_URL, "--curl")
    assert (result.exit_code, result.stdout) == (2, "")
    assert "URLs from different regions' dashboards" in result.stderr
