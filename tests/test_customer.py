"""Customer parsing: UUIDs and dashboard URLs in, lower-case UUIDs out."""

from __future__ import annotations

from typing import Any

import pytest

from bsevents.errors import UsageProblem
from bsevents.model.customer import UUID_RE, Customer, parse_customer
from tests.standin import SEARCH, StandIn

U = "51aceb79-2cbc-4e2b-a132-b02de69bba15"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (U, Customer(U)),
        (U.upper(), Customer(U)),
        (f"  {U}\n", Customer(U)),
        (f"'{U}'", Customer(U)),
        (f'"{U.upper()}"', Customer(U)),
        (
            f"https://app.getblueshift.com/dashboard#/app/customer/{U.upper()}/show/overview",
            Customer(U, "us"),
        ),
        (f"https://app.getblueshift.com/dashboard/app/customer/{U}/show/events", Customer(U, "us")),
        (f"https://app.getblueshift.com/dashboard#/app/customer/{U}", Customer(U, "us")),
        (
            f"https://app.eu.getblueshift.com/dashboard#/app/customer/{U}/show/overview",
            Customer(U, "eu"),
        ),
        (f"app.getblueshift.com/dashboard#/app/customer/{U}/show/overview", Customer(U, "us")),
        (
            f" 'https://app.getblueshift.com/dashboard#/app/customer/{U}/show/overview?tab=2' ",
            Customer(U, "us"),
        ),
    ],
)
def test_accepts_uuids_and_dashboard_urls(text: str, expected: Customer) -> None:
    assert parse_customer(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("not-a-uuid", "'not-a-uuid' is not a UUID"),
        ("", "no customer given"),
        ("   ", "no customer given"),
        ("https://app.getblueshift.com/dashboard#/app/customers", "has no customer UUID"),
        (f"https://example.com/customer/{U}", "is not a Blueshift dashboard URL"),
        (f"{U}x", "is not a UUID"),
        (U[:-1], "is not a UUID"),
        ("maya@example.com", "looks like an email address"),
    ],
)
def test_rejects_everything_else_with_an_example(text: str, problem: str) -> None:
    with pytest.raises(UsageProblem) as caught:
        parse_customer(text)
    assert problem in caught.value.message
    assert caught.value.hint is not None
    assert "51aceb79-2cbc-4e2b-a132-b02de69bba15" in caught.value.hint


@pytest.mark.parametrize(
    "address", ["maya@example.com", "o'brien@example.co.uk", " <maya+tag@example.com> "]
)
def test_email_addresses_accepted(address: str) -> None:
    from bsevents.model.customer import check_email

    assert check_email(address) == address.strip(" <>")


def test_a_uuid_with_a_trailing_newline_is_not_a_uuid(standin: StandIn, cli: Any) -> None:
    assert UUID_RE.match(U + "\n") is None
    standin.people["nl@example.com"] = [{"uuid": U + "\n"}]
    result = cli("events", "--email", "nl@example.com")
    assert result.exit_code == 1
    assert "not a UUID" in result.stderr
    assert [r.path for r in standin.requests] == [SEARCH]
    assert parse_customer(f" {U}\n").uuid == U  # pasted input is trimmed
