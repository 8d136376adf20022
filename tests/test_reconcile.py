"""`bsevents reconcile`, run as the installed console script against the stand-in, with HAR
files and Event API bodies the tests write (tests/har.py): every status, the customer
from the capture's email, the calls it spends (one, or none), `--wait`, exit codes, the
capture's secrets kept in it, hostile values inert, and bad captures refused in one line."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CUSTOMER
from tests.har import (
    COOKIE_HEADER,
    EVENT_API_KEY,
    SITE_KEY,
    Z,
    arrived,
    chrome_pixel,
    chrome_post,
    firefox_pixel,
    other_site,
    proxy_post,
    write_har,
)
from tests.hostile import EVERYTHING, MARKUP, assert_safe
from tests.ptyrun import run_on_pty
from tests.script import SCRIPT
from tests.standin import SEARCH, StandIn

EMAIL = "ana@example.com"
URL = "https://shop.example.com/p/1"
KEYS = [
    "status",
    "event",
    "via",
    "sent_at",
    "http_status",
    "event_uuid",
    "arrived_at",
    "latency_s",
    "differences",
    "duplicates",
]
FAKETIME = next(iter(Path("/usr/lib").glob("*/faketime/libfaketime.so.1")), None)
needs_faketime = pytest.mark.skipif(FAKETIME is None, reason="libfaketime is not installed")


def run(*args: str, faster: bool = False) -> subprocess.CompletedProcess[str]:
    env = os.environ.copy()
    if faster:  # a clock twenty times faster: a minute of waiting takes three seconds
        env.update(LD_PRELOAD=str(FAKETIME), FAKETIME="+0 x20")
    return subprocess.run(
        [str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def uuid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


@pytest.fixture
def ana(standin: StandIn) -> StandIn:
    standin.people[EMAIL] = [{"uuid": CUSTOMER, "email": EMAIL, "customer_id": "42"}]
    return standin


T0 = time.time() - 600  # ten minutes ago: what the tests' captures sent


def a_visit(tmp_path: Path) -> tuple[Path, list[dict[str, Any]]]:
    """A Chrome capture of one visit, with one event of each status, and what arrived."""
    entries = [
        chrome_pixel(T0, "pageload"),
        chrome_pixel(T0 + 10, "add_to_cart", sku="A1", price="30"),
        chrome_pixel(T0 + 20, "view", productId="P1"),
        chrome_pixel(T0 + 30, "wishlist", sku="A1", blocked=True),
        chrome_pixel(T0 + 35, "checkout", products_json='[{"sku":"A1","qty":1}]'),
        other_site(T0 + 36),
        chrome_pixel(T0 + 40, "search", search_term="boots"),
        chrome_post(T0 + 50, {"event": "purchase", "email": EMAIL, "order_id": "O-1"}),
        chrome_post(
            T0 + 60,
            {"event": "signed_up", "email": EMAIL, "plan": "pro"},
            status=400,
            answer={"errors": {"customer": ["is invalid"]}},
        ),
    ]
    url = {"url": "https://shop.example.com/p/1", "cookie": "c-visitor-1"}
    events = [
        arrived(T0 + 1, "pageload", uuid(1), **url),
        arrived(T0 + 11, "add_to_cart", uuid(2), sku="A1", price=30, **url),
        arrived(T0 + 21, "view", uuid(3), productid="P1", **url),
        arrived(T0 + 36, "checkout", uuid(4), products=[{"sku": "A1", "qty": 1}], **url),
        arrived(T0 + 51, "purchase", uuid(5), email=EMAIL, order_id="O-1"),
        arrived(T0 + 51.5, "purchase", uuid(6), email=EMAIL, order_id="O-1"),
    ]
    return write_har(tmp_path / "page.har", entries), events


def test_every_status_from_a_chrome_capture_with_the_customer_from_its_email(
    ana: StandIn, tmp_path: Path
) -> None:
    har, events = a_visit(tmp_path)
    ana.customers[CUSTOMER] = events
    done = run("reconcile", str(har))
    assert done.returncode == 6, done.stderr
    found = json.loads(done.stdout)
    assert [list(o) for o in found] == [KEYS] * 8
    assert [(o["event"], o["via"], o["status"], o["duplicates"]) for o in found] == [
        ("pageload", "pixel", "arrived", 1),
        ("add_to_cart", "pixel", "arrived", 1),  # "30" sent as text is 30
        ("view", "pixel", "changed", 1),
        ("wishlist", "pixel", "blocked", 0),
        ("checkout", "pixel", "arrived", 1),  # products_json against products, parsed
        ("search", "pixel", "missing", 0),
        ("purchase", "event-api", "arrived", 2),  # a double send
        ("signed_up", "event-api", "rejected", 0),
    ]
    view = found[2]
    assert view["differences"] == [
        {
            "key": "productId",
            "sent": "P1",
            "arrived": "P1",
            "why": "renamed",
            "arrived_key": "productid",
        }
    ]
    first = found[0]
    assert first["sent_at"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(T0))
    assert (first["http_status"], first["event_uuid"], first["latency_s"]) == (200, uuid(1), 1.0)
    assert (found[3]["http_status"], found[3]["arrived_at"], found[3]["latency_s"]) == (
        0,
        None,
        None,
    )
    assert found[7]["http_status"] == 400
    # The customer from the capture's one email: Search customer, then one events call.
    assert [r.path for r in ana.requests] == [SEARCH, "/api/v1/customer_search/show_events"]
    lines = done.stderr.splitlines()
    assert lines[0] == f"{EMAIL} is customer {CUSTOMER} (customer_id 42)"
    assert lines[-1] == "8 sent · 4 arrived · 1 changed · 1 missing · 1 rejected · 1 blocked"


def test_the_table_says_why_on_80_columns(ana: StandIn, tmp_path: Path) -> None:
    har, events = a_visit(tmp_path)
    ana.customers[CUSTOMER] = events
    shown = run_on_pty("reconcile", str(har), CUSTOMER, "--utc", "--color", "never", columns=80)
    assert shown.returncode == 6
    lines = shown.output.replace("\r\n", "\n").splitlines()
    table = lines[lines.index(next(line for line in lines if line.startswith("Sent (UTC)"))) :]
    assert all(len(line) <= 80 for line in table)  # above it, the title and the link
    day = time.strftime("%Y-%m-%d", time.gmtime(T0))
    title = f"reconcile · {har} · customer {CUSTOMER} · {day}"
    titled = [line for line in lines if line.endswith(title)]
    # After the progress line, erased with spaces: --color never writes no escape at all.
    assert len(titled) == 1, titled
    assert "\x1b" not in titled[0]
    rows: dict[str, list[str]] = {}
    for line in table[2:-2]:  # a row, then the lines its Differences wrap onto
        if line[:2].isdigit():
            rows[line.split()[1]] = line.split()[2:]
        else:
            rows[list(rows)[-1]] += line.split()
    assert rows["view"] == ["pixel", "changed", "1.0s", "productId", "arrived", "as", "productid"]
    assert rows["wishlist"][:2] == ["pixel", "blocked"]  # a word too long for a line is cut
    assert "".join(rows["wishlist"][2:]) == "net::ERR_BLOCKED_BY_CLIENT"
    assert rows["search"] == ["pixel", "missing"]
    assert rows["purchase"] == ["event-api", "arrived", "×2", "1.0s"]
    assert rows["signed_up"] == [
        "event-api",
        "rejected",
        "HTTP",
        "400:",
        "customer:",  # Blueshift's own `errors`, worded as for a call bsevents makes
        "is",
        "invalid",
    ]
    assert "×N arrived N times: a double send" in shown.output
    assert lines[-1] == "8 sent · 4 arrived · 1 changed · 1 missing · 1 rejected · 1 blocked"


def test_everything_arrived_exits_0_and_all_lists_what_the_capture_did_not_send(
    standin: StandIn, tmp_path: Path
) -> None:
    har = write_har(
        tmp_path / "firefox.har",
        [firefox_pixel(T0, "pageload"), firefox_pixel(T0 + 5, "view", sku="A 1/ü")],
        creator="Firefox",
    )
    url = {"url": "https://shop.example.com/p/1"}
    standin.customers[CUSTOMER] = [
        arrived(T0 - 3600, "pageload", uuid(9), **url),  # before the capture: not listed
        arrived(T0 + 1, "pageload", uuid(1), **url),
        arrived(T0 + 2, "login", uuid(2), email=EMAIL),  # another device, meanwhile
        arrived(T0 + 6, "view", uuid(3), sku="A 1/ü", **url),
    ]
    done = run("reconcile", str(har), CUSTOMER)
    assert done.returncode == 0, done.stderr
    assert [o["status"] for o in json.loads(done.stdout)] == ["arrived", "arrived"]
    shown = run("reconcile", str(har), CUSTOMER, "--all")
    assert shown.returncode == 0, shown.stderr
    unsent = [o for o in json.loads(shown.stdout) if o["status"] == "unsent"]
    assert unsent == [
        {
            "status": "unsent",
            "event": "login",
            "via": None,
            "sent_at": None,
            "http_status": 0,
            "event_uuid": uuid(2),
            "arrived_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(T0 + 2)),
            "latency_s": None,
            "differences": [],
            "duplicates": 0,
        }
    ]
    assert shown.stderr.splitlines()[-1] == "2 sent · 2 arrived · 1 unsent"
    assert len(standin.show_events_requests()) == 1  # the second answer was the stored copy


def test_a_proxy_export_with_bulk_events_and_a_rejection_in_base64(
    standin: StandIn, tmp_path: Path
) -> None:
    bulk = {
        "events": [
            {"event": "app_open", "device_id": "d-1", "timestamp": "2026-11-24T19:00:00Z"},
            {
                "event": "level_up",
                "device_id": "d-1",
                "level": 3,
                "timestamp": "2026-11-24T19:00:05Z",
            },
        ]
    }
    rejected = {"event": "level_up", "device_id": "d-1", "level": 4}
    entries = [
        proxy_post(T0, bulk, path="/api/v1/bulkevents", status=200, answer={"status": "ok"}),
        proxy_post(
            T0 + 9,
            rejected,
            path="/api/v1/event",
            status=422,
            answer={"message": "Validation failed"},
        ),
    ]
    har = write_har(tmp_path / "charles.har", entries, creator="Charles Proxy")
    standin.customers[CUSTOMER] = [
        arrived(0, "app_open", uuid(1), device_id="d-1", timestamp="2026-11-24T19:00:00Z"),
        arrived(
            0, "level_up", uuid(2), device_id="d-1", level="3", timestamp="2026-11-24T19:00:05Z"
        ),
    ]
    done = run("reconcile", str(har), CUSTOMER)
    assert done.returncode == 6, done.stderr
    found = json.loads(done.stdout)
    assert [(o["event"], o["via"], o["status"]) for o in found] == [
        ("app_open", "bulk", "arrived"),
        ("level_up", "bulk", "changed"),  # an Event API body's types must match
        ("level_up", "event-api", "rejected"),
    ]
    assert found[1]["differences"] == [
        {"key": "level", "sent": 3, "arrived": "3", "why": "type", "arrived_key": "level"}
    ]
    assert found[2]["http_status"] == 422
    shown = run_on_pty("reconcile", str(har), CUSTOMER, "--color", "never", columns=100)
    assert "HTTP 422: Validation failed" in shown.output


def test_event_api_bodies_and_ndjson_against_a_saved_response_make_no_call(
    standin: StandIn, tmp_path: Path
) -> None:
    bodies = [
        {
            "event": "signed_up",
            "customer_id": 42,
            "event_uuid": uuid(7),
            "timestamp": "2026-11-24T19:00:00Z",
            "plan": "pro",
        },
        {
            "event": "purchase",
            "customer_id": "42",
            "timestamp": "2026-11-24T19:01:00Z",
            "revenue": 31.5,
        },
    ]
    saved = tmp_path / "events.json"
    saved.write_text(
        json.dumps(
            [
                arrived(
                    0,
                    "signed_up",
                    uuid(7),
                    customer_id="42",
                    timestamp="2026-11-24T19:00:02Z",
                    plan="pro",
                ),
                arrived(
                    0,
                    "purchase",
                    uuid(8),
                    customer_id="42",
                    timestamp="2026-11-24T19:01:01Z",
                    revenue=31.5,
                ),
            ]
        )
    )
    as_array = tmp_path / "bodies.json"
    as_array.write_text(json.dumps(bodies))
    as_lines = tmp_path / "bodies.ndjson"
    as_lines.write_text("\n".join(json.dumps(b) for b in bodies) + "\n")
    for capture in (as_array, as_lines):
        done = run("reconcile", str(capture), "--from-file", str(saved))
        assert done.returncode == 0, done.stderr
        found = json.loads(done.stdout)
        assert [(o["event"], o["via"], o["status"], o["latency_s"]) for o in found] == [
            ("signed_up", "event-api", "arrived", 2.0),
            ("purchase", "event-api", "arrived", 1.0),
        ]
        assert found[0]["sent_at"] == "2026-11-24T19:00:00Z"
    assert standin.requests == []


def test_one_call_at_most_and_none_from_a_copy_fetched_after_the_last_send(
    standin: StandIn, tmp_path: Path
) -> None:
    har, events = a_visit(tmp_path)
    standin.customers[CUSTOMER] = events
    assert run("events", CUSTOMER).returncode == 0  # a copy, fetched after every send
    done = run("reconcile", str(har), CUSTOMER)
    assert done.returncode == 6
    assert len(standin.show_events_requests()) == 1  # the copy answered
    assert "what was sent (1 of 8 events) is not in the copy fetched just now; no call made" in (
        done.stderr
    )
    # Sent after that copy was fetched: the copy cannot hold it, however young.
    later = write_har(tmp_path / "later.har", [chrome_pixel(time.time() + 1, "search", q="x")])
    again = run("reconcile", str(later), CUSTOMER)
    assert again.returncode == 6
    assert len(standin.show_events_requests()) == 2
    assert "what was sent (1 of 1 event) is not in the copy fetched" in again.stderr
    assert "asking Blueshift (call 2 of 10)" in again.stderr


@needs_faketime
def test_wait_ends_when_a_late_event_lands(standin: StandIn, tmp_path: Path) -> None:
    har = write_har(tmp_path / "page.har", [chrome_pixel(T0, "purchase", order_id="O-9")])
    standin.customers[CUSTOMER] = []
    late = arrived(T0 + 40, "purchase", uuid(1), order_id="O-9", url="https://shop.example.com/p/1")
    standin.arrive(CUSTOMER, late, at_request=3)
    done = run("reconcile", str(har), CUSTOMER, "--wait", "1m", "--timeout", "600", faster=True)
    assert done.returncode == 0, done.stderr
    assert [o["status"] for o in json.loads(done.stdout)] == ["arrived"]
    assert len(standin.show_events_requests()) == 3  # at 0, 10 and 30 s
    assert done.stderr.splitlines()[0].startswith(
        f"waiting up to 1m for an arrival of every event the capture sent for customer {CUSTOMER}"
    )


@needs_faketime
def test_wait_shows_what_is_still_missing_at_its_deadline(standin: StandIn, tmp_path: Path) -> None:
    har = write_har(tmp_path / "page.har", [chrome_pixel(T0, "purchase", order_id="O-9")])
    standin.customers[CUSTOMER] = []
    done = run("reconcile", str(har), CUSTOMER, "--wait", "20s", "--timeout", "600", faster=True)
    assert done.returncode == 6
    assert [o["status"] for o in json.loads(done.stdout)] == ["missing"]
    assert len(standin.show_events_requests()) == 3
    assert (
        f"no arrival of every event the capture sent for customer {CUSTOMER} within 20s · "
        "3 calls spent"
    ) in done.stderr
    assert done.stderr.splitlines()[-1] == "1 sent · 0 arrived · 1 missing"


def test_strict_counts_a_changed_event_as_not_arrived(standin: StandIn, tmp_path: Path) -> None:
    har = write_har(tmp_path / "page.har", [chrome_pixel(T0, "view", sku="A1")])
    standin.customers[CUSTOMER] = [
        arrived(T0 + 1, "view", uuid(1), sku="B2", url="https://shop.example.com/p/1")
    ]
    assert run("reconcile", str(har), CUSTOMER).returncode == 0
    assert run("reconcile", str(har), CUSTOMER, "--strict").returncode == 6


def test_the_customer_must_be_one_the_capture_names_by_email(
    standin: StandIn, tmp_path: Path
) -> None:
    two = write_har(
        tmp_path / "two.har",
        [
            chrome_post(T0, {"event": "login", "email": "ana@example.com"}),
            chrome_post(T0 + 1, {"event": "login", "email": "bo@example.com"}),
        ],
    )
    done = run("reconcile", str(two))
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.splitlines() == [
        f"error: {two} sent events for several customers: email 'ana@example.com', "
        "'bo@example.com'",
        f"  give the customer: bsevents reconcile {two} CUSTOMER (a UUID, URL or email)",
    ]
    anonymous = write_har(tmp_path / "anon.har", [chrome_pixel(T0, "pageload", customer_id="42")])
    done = run("reconcile", str(anonymous))
    assert done.returncode == 2
    assert done.stderr.splitlines()[0] == (
        f"error: {anonymous} names no email to find the customer by, only cookie "
        "'c-visitor-1'; customer_id '42'"
    )
    assert standin.requests == []


def test_the_capture_secrets_stay_in_it(ana: StandIn, tmp_path: Path) -> None:
    har, events = a_visit(tmp_path)
    ana.customers[CUSTOMER] = events
    outputs = []
    for args in (
        ["reconcile", str(har)],
        ["--debug", "reconcile", str(har), "--refresh"],
        ["reconcile", str(har), "--json", "--all", "--debug"],
    ):
        done = run(*args)
        assert done.returncode == 6, done.stderr
        outputs += [done.stdout, done.stderr]
    shown = run_on_pty("reconcile", str(har), "--color", "always", "--all", columns=200)
    outputs.append(shown.output)
    credential = base64.b64encode(f"{EVENT_API_KEY}:".encode()).decode()
    secrets = [EVENT_API_KEY, credential, SITE_KEY, f"z={Z}", COOKIE_HEADER, "s3cr3t-session"]
    secrets += ["other-site-secret", "tok_live_secret", "4242"]
    text = "\n".join(outputs)
    assert [s for s in secrets if s in text] == []
    home = Path(os.environ["HOME"])
    held = [
        path
        for path in home.rglob("*")
        if path.is_file() and any(s.encode() in path.read_bytes() for s in secrets)
    ]
    assert held == []
    # Nothing but Blueshift's own answers was asked for: the capture was not sent.
    assert {r.path for r in ana.requests} == {SEARCH, "/api/v1/customer_search/show_events"}
    assert all(not r.body for r in ana.requests)


def test_hostile_values_are_inert_on_a_terminal_and_escaped_in_json(
    standin: StandIn, tmp_path: Path
) -> None:
    name = "purchase" + EVERYTHING
    entries = [
        chrome_pixel(T0, name, note=EVERYTHING),
        chrome_pixel(T0 + 1, "view" + EVERYTHING, blocked=True),
        proxy_post(
            T0 + 2,
            {"event": "x", "cookie": "c"},
            path="/api/v1/event",
            status=400,
            answer={"message": MARKUP},
        ),
    ]
    entries[1]["response"]["_error"] = EVERYTHING
    har = write_har(tmp_path / "hostile.har", entries)
    saved = tmp_path / "arrived.json"
    event = arrived(T0 + 1, name, uuid(1), note="other" + EVERYTHING, url=URL)
    saved.write_text(json.dumps([event]))
    shown = run_on_pty("reconcile", str(har), "-f", str(saved), "--color", "always", columns=80)
    assert shown.returncode == 6
    assert_safe(shown.output)
    # Markup is shown (the rejection's message, wrapped), not obeyed.
    assert "[boldred]alarm[/boldred]" in "".join(shown.output.split())
    piped = run("reconcile", str(har), "-f", str(saved))
    assert_safe(piped.stdout)
    assert_safe(piped.stderr)
    found = json.loads(piped.stdout)
    assert found[0]["event"] == name  # escaped, yet the same data
    assert found[0]["differences"][0]["arrived"] == "other" + EVERYTHING


def test_bad_captures_are_refused_in_one_line(standin: StandIn, tmp_path: Path) -> None:
    cases: list[tuple[str, Any, str]] = [
        (
            "notjson.har",
            "{not json",
            "is not valid JSON (Expecting property name enclosed in double quotes at line 1 "
            "column 2)",
        ),
        ("entries.har", {"log": {"entries": {}}}, "is not a HAR file: it has no log.entries list"),
        ("entry.har", {"log": {"entries": [{"request": {}}]}}, ": entry 1 has no request URL"),
        (
            "other.har",
            {"log": {"entries": [other_site(T0)]}},
            "holds no event sent to Blueshift (1 requests to other hosts or endpoints)",
        ),
        ("body.json", [{"customer_id": "1"}], ": event 1 has no event name"),
        ("empty.har", "", "is empty"),
    ]
    for name, content, message in cases:
        path = tmp_path / name
        path.write_text(content if isinstance(content, str) else json.dumps(content))
        done = run("reconcile", str(path), CUSTOMER)
        assert (done.returncode, done.stdout) == (2, ""), name
        assert (
            done.stderr.splitlines()[0]
            == f"error: {path}{'' if message[0] == ':' else ' '}{message}"
        )
        assert "Traceback" not in done.stderr
    folder = run("reconcile", str(tmp_path), CUSTOMER)
    assert folder.returncode == 2
    assert folder.stderr.startswith(
        f"error: cannot read {tmp_path}: it is a folder, not a regular file"
    )
    assert standin.requests == []


def test_a_capture_past_max_response_mb_is_refused_unread(standin: StandIn, tmp_path: Path) -> None:
    assert run("config", "set", "max-response-mb", "1").returncode == 0
    big = tmp_path / "big.har"
    big.write_text(json.dumps({"log": {"entries": [other_site(T0)] * 9000}}))
    assert big.stat().st_size > 1024 * 1024
    done = run("reconcile", str(big), CUSTOMER)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.splitlines()[0] == f"error: {big} is larger than 1 MB; stopped reading it"
    endless = subprocess.run(
        [str(SCRIPT), "reconcile", "-", CUSTOMER],
        input="[" * (2 * 1024 * 1024),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert endless.returncode == 2
    assert endless.stderr.startswith("error: stdin is larger than 1 MB; stopped reading it")
    assert standin.requests == []
