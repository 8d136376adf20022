"""The views and filters through the CLI: options, defaults, exit codes, sources."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from bsevents.app.demo import demo_events
from bsevents.state.settings import SETTINGS, resolve
from tests.conftest import CUSTOMER, make_event
from tests.ptyrun import SCRIPT, run_on_pty
from tests.standin import StandIn

SGR_RE = re.compile(r"\x1b\[[0-9;]*m")


def many(count: int) -> list[dict[str, Any]]:
    """`count` events a minute apart, newest first as an API might send them."""
    events = [
        make_event(
            event="view" if i % 2 else "pageload",
            event_uuid=f"00000000-0000-4000-8000-{i:012d}",
            timestamp=f"2026-11-{20 + i // 1440:02d}T{(i // 60) % 24:02d}:{i % 60:02d}:00Z",
            n=i,
        )
        for i in range(count)
    ]
    return events[::-1]


def save(tmp_path: Path, data: Any, name: str = "saved.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), "utf-8")
    return path


@pytest.fixture
def big(tmp_path: Path) -> Path:
    return save(tmp_path, many(250), "big.json")


def body_lines(stdout: str) -> list[str]:
    """Table rows: the lines that start with a date."""
    return [line for line in stdout.splitlines() if re.match(r"\d{4}-\d{2}-\d{2} ", line)]


# Views ----------------------------------------------------------------------------------


def test_table_shows_the_200_most_recent_with_a_footer(cli: Any, big: Path) -> None:
    result = cli("events", "--from-file", str(big), "--view", "table")
    assert result.exit_code == 0, result.stderr
    rows = body_lines(result.stdout)
    assert len(rows) == 200
    assert rows[0].startswith("2026-11-20 00:50:00")  # oldest of the 200 newest, first
    assert rows[-1].startswith("2026-11-20 04:09:00")  # the newest, last, near the prompt
    assert result.stdout.splitlines()[-1] == "showing 200 of 250 · --all or --limit N"
    assert result.stdout.splitlines()[0] == f"250 events · customer {CUSTOMER} · from {big}"


def test_all_and_limit(cli: Any, big: Path) -> None:
    everything = cli("events", "--from-file", str(big), "--view", "table", "--all")
    assert len(body_lines(everything.stdout)) == 250
    assert "showing" not in everything.stdout
    ten = cli("events", "--from-file", str(big), "--view", "timeline", "-n", "10", "--reverse")
    assert ten.stdout.splitlines()[-1] == "showing 10 of 250"
    times = re.findall(r"^   (\d\d:\d\d:\d\d)", ten.stdout, re.MULTILINE)
    assert times[0] == "04:09:00"
    assert times[-1] == "04:00:00"
    assert len(times) == 10


def test_machine_formats_are_not_capped(cli: Any, big: Path) -> None:
    assert len(json.loads(cli("events", "--from-file", str(big)).stdout)) == 250
    lines = cli("events", "--from-file", str(big), "--view", "ndjson").stdout.splitlines()
    assert len(lines) == 250
    assert json.loads(lines[0])["n"] == 0  # oldest first
    rows = list(csv.reader(io.StringIO(cli("events", "-f", str(big), "--view", "csv").stdout)))
    assert len(rows) == 251
    assert rows[0][:3] == ["timestamp", "event", "event_uuid"]
    assert rows[0][-1] == "n"


def test_timeline_view(cli: Any) -> None:
    result = cli("events", "--demo", "--view", "timeline", "--utc")
    assert result.exit_code == 0
    assert "Wednesday 25 November 2026 (UTC)" in result.stdout
    assert "▸ session 907a70c3  12:17:40 · 12m26s · 14 events · Chrome 131 · macOS" in (
        result.stdout
    )
    assert "+41m00s  pageload" in result.stdout


def test_fields_pick_table_and_csv_columns(cli: Any) -> None:
    table = cli("events", "--demo", "--view", "table", "--fields", "event,products.0.price,nope")
    assert table.stdout.splitlines()[1].split() == [
        "Time",
        "(UTC)",
        "event",
        "products.0.price",
        "nope",
    ]
    assert "129.00" in table.stdout
    assert table.stderr == "warning: no event has a field 'nope'; its column stays empty\n"
    text = cli("events", "--demo", "--view", "csv", "--fields", "event,order_id", "-t", "purchase")
    assert text.stdout == "event,order_id\npurchase,SO-2026-118734\n"
    ignored = cli("events", "--demo", "--json", "--fields", "event")
    assert "--fields picks the columns of the table and csv views; ignored for json" in (
        ignored.stderr
    )
    assert len(json.loads(ignored.stdout)) == 35


def test_colour_choice(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = cli("events", "--demo", "--view", "table")
    assert "\x1b" not in plain.stdout  # not a terminal: no colour
    forced = cli("events", "--demo", "--view", "table", "--color", "always")
    assert "\x1b[36mpageload" in forced.stdout
    monkeypatch.setenv("NO_COLOR", "1")
    still = cli("events", "--demo", "--view", "timeline", "--color", "always")
    assert "\x1b[36mpageload" in still.stdout  # the explicit flag beats NO_COLOR
    never = cli("events", "--demo", "--view", "table", "--color", "never")
    assert "\x1b" not in never.stdout


def test_no_color_on_a_terminal_keeps_only_plain_styles() -> None:
    env = {**os.environ, "NO_COLOR": "1"}
    done = run_on_pty("events", "--demo", "-n", "5", env=env)
    assert done.returncode == 0
    codes = set(re.findall(r"\x1b\[([0-9;]*)m", done.output))
    assert codes <= {"0", "1", "2", "4", "1;4"}, codes  # bold/dim/underline, no colours
    coloured = run_on_pty("events", "--demo", "-n", "5")
    assert "\x1b[36mpageload" in coloured.output
    never = run_on_pty("events", "--demo", "-n", "5", "--color", "never")
    assert "\x1b" not in never.output


def test_terminal_default_is_the_table_and_pipes_get_json() -> None:
    done = run_on_pty("events", "--demo", "--color", "never", columns=130)
    assert done.output.splitlines()[1].split()[:4] == ["Time", "(UTC)", "Event", "Summary"]
    piped = subprocess.run([str(SCRIPT), "events", "--demo"], capture_output=True, timeout=60)
    assert json.loads(piped.stdout)[0]["event"] == "pageload"


def test_show_on_a_terminal_is_highlighted_json() -> None:
    done = run_on_pty("events", "--demo", "--show", "519088f5", "--color", "always")
    assert done.returncode == 0
    plain = SGR_RE.sub("", done.output.replace("\r\n", "\n"))
    assert json.loads(plain)["event"] == "cart_abandoned"
    assert "\x1b[" in done.output


# Filters --------------------------------------------------------------------------------


def test_type_is_repeatable_and_comma_separated(cli: Any) -> None:
    result = cli("events", "--demo", "--type", "view,search", "-t", "purchase")
    names = {e["event"] for e in json.loads(result.stdout)}
    assert names == {"view", "search", "purchase"}


def test_filters_compose_before_the_view(cli: Any) -> None:
    result = cli(
        "events",
        "--demo",
        "--type",
        "view",
        "--grep",
        "TRAILBLAZER",
        "--since",
        "2026-11-24T19:05:00Z",
        "--until",
        "2026-11-25",
        "--limit",
        "2",
        "--reverse",
    )
    assert result.exit_code == 0, result.stderr
    events = json.loads(result.stdout)
    assert [e["timestamp"] for e in events] == ["2026-11-25T12:19:00Z", "2026-11-24T19:08:41Z"]


def test_filtered_table_footer_counts_matches(cli: Any) -> None:
    result = cli("events", "--demo", "--view", "table", "--type", "view")
    assert result.stdout.splitlines()[-1] == "6 of 35 events match"
    nothing = cli("events", "--demo", "--view", "table", "--type", "Purchase")
    assert "no events to show" in nothing.stdout
    assert "no 'Purchase' events (names are case-sensitive); did you mean 'purchase'?" in (
        nothing.stderr
    )


def test_relative_since_counts_back_from_now(cli: Any, tmp_path: Path) -> None:
    from datetime import datetime, timedelta, timezone

    now = datetime.now(timezone.utc)
    stamps = [now - timedelta(hours=3), now - timedelta(minutes=20)]
    events = [
        make_event(event=f"e{i}", timestamp=s.strftime("%Y-%m-%dT%H:%M:%SZ"))
        for i, s in enumerate(stamps)
    ]
    path = save(tmp_path, events)
    assert [
        e["event"] for e in json.loads(cli("events", "-f", str(path), "--since", "30m").stdout)
    ] == ["e1"]
    assert [
        e["event"] for e in json.loads(cli("events", "-f", str(path), "--until", "2h").stdout)
    ] == ["e0"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "yesterday"], "--since: 'yesterday' is not a date, a date-time or a duration"),
        (["--until", "2026-02-30"], "--until: '2026-02-30' is not a possible date or time"),
        (["--since", "2026-11-25", "--until", "2026-11-24"], "is after --until"),
        (["--all", "--limit", "5"], "--all and --limit contradict each other"),
        (["--json", "--view", "table"], "--json and --view table ask for different views"),
        (["--show", "abc", "--view", "csv"], "--show prints one event as JSON"),
        (["--fields", ","], "--fields needs at least one field name"),
        (["--grep", ""], "--grep needs some text"),
    ],
)
def test_bad_options_exit_2_before_any_call(
    standin: StandIn, cli: Any, args: list[str], message: str
) -> None:
    standin.customers[CUSTOMER] = [make_event()]
    result = cli("events", CUSTOMER, *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""
    assert standin.requests == []  # a typo costs none of the 10 calls an hour


def test_limit_must_be_positive(cli: Any) -> None:
    result = cli("events", "--demo", "--limit", "0")
    assert result.exit_code == 2
    assert result.stdout == ""


ODD_TYPES = [
    {"event": ["x"], "timestamp": 5, "session_uuid": {"a": 1}, "browser_type": 7,
     "browser_platform": ["p"], "url": 3, "products": "nope", "event_uuid": 12},
    {"event": {"k": 1}, "timestamp": "2021-01-01T00:00:00Z", "session_uuid": 99, "url": "::::",
     "products": [1, None, {"id": [1]}], "product_id": {"a": 1}},
    {"event": 42, "timestamp_epoch": "1600000000", "event_uuid": "abc", "search_term": {"q": 1}},
    {"event": None, "_bsft_ts": "2021-01-01T00:00:01Z", "revenue": 1.5e300, "x": -0.0},
    {},
]  # fmt: skip


@pytest.mark.parametrize("view", ["table", "timeline", "json", "ndjson", "csv"])
def test_any_json_value_in_any_field_is_shown(cli: Any, tmp_path: Path, view: str) -> None:
    path = save(tmp_path, ODD_TYPES)
    for extra in ([], ["--type", "x", "--grep", "1"], ["--fields", "event,products.2.id.0"]):
        result = cli("events", "-f", str(path), "--view", view, *extra)
        assert result.exit_code == 0, result.stderr
        assert "error" not in result.stderr


# One event ------------------------------------------------------------------------------


def test_show_prints_the_whole_event_as_plain_json_when_piped(cli: Any) -> None:
    wanted = next(e for e in demo_events() if e["event"] == "purchase")
    result = cli("events", "--demo", "--show", wanted["event_uuid"].upper())
    assert result.exit_code == 0
    assert json.loads(result.stdout) == wanted
    assert "\x1b" not in result.stdout
    assert result.stdout.startswith('{\n  "_bsft_doc_type"')  # fields in the order received


def test_show_unknown_uuid_exits_4(cli: Any) -> None:
    result = cli("events", "--demo", "--show", "00000000-dead")
    assert result.exit_code == 4
    assert result.stderr.startswith("error: no event has event_uuid '00000000-dead'")
    assert result.stdout == ""


def test_show_says_when_the_filters_hide_the_event(cli: Any) -> None:
    result = cli("events", "--demo", "--show", "519088f5", "--type", "view")
    assert result.exit_code == 4
    assert "is there, but the filters leave it out" in result.stderr


def test_show_lists_events_sharing_a_uuid(cli: Any, tmp_path: Path) -> None:
    twins = [make_event(event_uuid="twin", n=1), make_event(event_uuid="twin", n=2)]
    result = cli("events", "-f", str(save(tmp_path, twins)), "--show", "twin")
    assert [e["n"] for e in json.loads(result.stdout)] == [1, 2]
    assert "2 events share this event_uuid" in result.stderr


# --from-file ----------------------------------------------------------------------------


def test_from_file_needs_no_key_and_makes_no_call(
    standin: StandIn, cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BLUESHIFT_API_KEY")
    events = [make_event(event="b", timestamp="2026-01-02T00:00:00Z"), make_event(event="a")]
    result = cli("events", "--from-file", str(save(tmp_path, events)))
    assert result.exit_code == 0, result.stderr
    assert [e["event"] for e in json.loads(result.stdout)] == ["a", "b"]
    assert standin.requests == []


def test_from_file_reads_what_json_ndjson_and_show_wrote(cli: Any, tmp_path: Path) -> None:
    demo = cli("events", "--demo", "--json").stdout
    again = cli("events", "-f", str(save(tmp_path, demo, "a.json")), "--json").stdout
    assert again == demo
    ndjson = cli("events", "--demo", "--view", "ndjson").stdout
    assert cli("events", "-f", str(save(tmp_path, ndjson, "b.ndjson")), "--json").stdout == demo
    one = cli("events", "--demo", "--show", "519088f5").stdout
    shown = json.loads(cli("events", "-f", str(save(tmp_path, one, "c.json"))).stdout)
    assert [e["event"] for e in shown] == ["cart_abandoned"]


def test_from_file_reads_stdin(cli: Any) -> None:
    demo = cli("events", "--demo", "--json").stdout
    result = cli("events", "--from-file", "-", "--view", "table", "-n", "1", input=demo)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"35 events · customer {CUSTOMER} · from stdin"


def test_from_file_reads_a_postman_collection(cli: Any, tmp_path: Path) -> None:
    events = [make_event(event="from_postman")]
    collection = {
        "info": {"name": "Blueshift", "schema": "https://schema.getpostman.com/v2.1.0"},
        "item": [
            {
                "name": "folder",
                "item": [
                    {
                        "name": "search",
                        "request": {
                            "url": {"raw": "https://api.getblueshift.com/api/v1/customers"}
                        },
                        "response": [{"name": "ok", "code": 200, "body": "[]"}],
                    },
                    {
                        "name": "Get customer events",
                        "request": {
                            "url": {
                                "raw": "https://api.getblueshift.com/api/v1/customer_search/"
                                "show_events?uuid=x"
                            }
                        },
                        "response": [
                            {"name": "rate limited", "code": 429, "body": '{"message": "x"}'},
                            {"name": "saved", "code": 200, "body": json.dumps(events)},
                        ],
                    },
                ],
            }
        ],
    }
    result = cli("events", "-f", str(save(tmp_path, collection)))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == events
    assert "using the saved response 'saved' from the Postman collection (the first of 2)" in (
        result.stderr
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "is empty"),
        ("[{bad", "is not valid JSON (Expecting property name"),
        ('{"message": "Not authorized"}', "expected a JSON array of events, got a JSON object"),
        ("[1, 2]", "event 0 is a JSON number, not an object"),
        ('{"info": {}, "item": []}', "a Postman collection with no saved 200 response"),
    ],
)
def test_from_file_rejects_what_it_cannot_read(
    cli: Any, tmp_path: Path, content: str, message: str
) -> None:
    path = save(tmp_path, content)
    result = cli("events", "--from-file", str(path))
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_from_file_missing_or_with_a_customer(cli: Any, tmp_path: Path) -> None:
    missing = cli("events", "--from-file", str(tmp_path / "nope.json"))
    assert missing.exit_code == 2
    assert "cannot read" in missing.stderr
    assert "No such file or directory" in missing.stderr
    both = cli("events", CUSTOMER, "--from-file", str(save(tmp_path, [])))
    assert both.exit_code == 2
    assert both.stderr == (
        "error: --from-file and a customer are two sources\n  give one of them\n"
    )
    demo = cli("events", "--demo", "--from-file", str(save(tmp_path, [])))
    assert demo.stderr.startswith("error: --from-file and --demo are two sources\n")


# Pager ----------------------------------------------------------------------------------


def pager_env(tmp_path: Path) -> tuple[dict[str, str], Path]:
    paged = tmp_path / "paged.txt"
    script = tmp_path / "pager.py"
    script.write_text(f"import sys\nopen({str(paged)!r}, 'w').write(sys.stdin.read())\n", "utf-8")
    env = {**os.environ, "PAGER": f"{sys.executable} {script}"}
    return env, paged


def test_pager_pages_long_output_on_a_terminal(tmp_path: Path) -> None:
    env, paged = pager_env(tmp_path)
    done = run_on_pty("events", "--demo", "--pager", rows=10, env=env)
    assert done.returncode == 0
    assert "pageload" not in done.output  # it went to the pager, not the terminal
    text = paged.read_text("utf-8")
    assert "\x1b[36mpageload" in text  # in colour, as the terminal would have had it
    assert len(body_lines(SGR_RE.sub("", text))) == 35


def test_pager_is_not_used_by_default_nor_for_short_output(tmp_path: Path) -> None:
    env, paged = pager_env(tmp_path)
    done = run_on_pty("events", "--demo", rows=10, env=env)
    assert "pageload" in done.output
    short = run_on_pty("events", "--demo", "--pager", "-n", "2", rows=40, env=env)
    assert "pageload" in short.output
    assert not paged.exists()


def test_pager_is_never_used_when_piped(tmp_path: Path) -> None:
    env, paged = pager_env(tmp_path)
    done = subprocess.run(
        [str(SCRIPT), "events", "--demo", "--view", "table", "--pager"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert "pageload" in done.stdout
    assert not paged.exists()


def test_missing_pager_falls_back_to_printing(tmp_path: Path) -> None:
    env = {**os.environ, "PAGER": "/nonexistent/pager -x"}
    done = run_on_pty("events", "--demo", "--pager", rows=10, env=env)
    assert done.returncode == 0
    assert "cannot run the pager '/nonexistent/pager'" in done.output
    assert "pageload" in done.output


def test_a_broken_settings_file_does_not_stop_the_demo(isolated: Path) -> None:
    # A value the settings file holds costs only the pager; the same value given as a
    # flag or in the environment is refused, as a live run refuses it.
    config = isolated / ".config" / "bsevents"
    config.mkdir(parents=True)
    (config / "config.toml").write_text('[profiles.default]\nregion = "mars"\n')
    done = run_on_pty("events", "--demo", "-n", "2", env=dict(os.environ))
    assert done.returncode == 0, done.output
    assert "unknown region 'mars'" in done.output
    assert "not paging" in done.output
    assert "pageload" in done.output
    refused = run_on_pty("events", "--demo", env={**os.environ, "BLUESHIFT_REGION": "mars"})
    assert refused.returncode == 2


def test_pager_setting_exists_and_is_off_by_default() -> None:
    setting = SETTINGS["pager"]
    assert resolve(env={}).values["pager"] is False
    assert setting.parse("yes") is True
    assert setting.parse("off") is False


# Speed and safety of the pipe -----------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["--json"],
        ["--view", "ndjson"],
        ["--view", "csv", "--fields", "event"],
        ["--show", "519088f5"],
        ["--type", "view", "--grep", "x", "--since", "3d"],
    ],
)
def test_machine_output_never_imports_rich(args: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bsevents", "events", "--demo", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    imported = [line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()]
    assert "bsevents.model.events" in imported  # the measurement works
    assert not [name for name in imported if name.split(".")[0] == "rich"]


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path: Path) -> None:
    path = save(tmp_path, many(3000))
    producer = subprocess.Popen(
        [str(SCRIPT), "events", "--from-file", str(path), "--view", "ndjson"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert producer.stdout is not None
    assert producer.stderr is not None
    first = producer.stdout.readline()
    producer.stdout.close()  # like `| head -1`
    errors = producer.stderr.read()
    assert producer.wait(timeout=60) == 0  # the reader stopping is no failure
    assert json.loads(first)["n"] == 0
    assert errors == b""


def test_postman_bodies_get_the_same_number_handling(cli: Any, tmp_path: Path) -> None:
    body = '[{"event": "purchase", "revenue": 1e400}]'
    collection = {
        "info": {"name": "x"},
        "item": [
            {
                "name": "show",
                "request": {"url": "/api/v1/customer_search/show_events"},
                "response": [{"name": "ok", "code": 200, "body": body}],
            }
        ],
    }
    path = tmp_path / "pm.json"
    path.write_text(json.dumps(collection))
    result = cli("events", "--from-file", str(path), "--json")
    assert result.exit_code == 0, result.stderr
    assert "Infinity" not in result.stdout
    assert json.loads(result.stdout)[0]["revenue"] == 1.7976931348623157e308


def test_show_finds_a_numeric_event_uuid_as_the_id_column_shows_it(
    cli: Any, tmp_path: Path
) -> None:
    path = tmp_path / "numeric.json"
    path.write_text(json.dumps([{"event": "a", "event_uuid": 12345, "timestamp": "2026-11-20"}]))
    table = cli("events", "-f", str(path), "--view", "table")
    assert "12345" in table.stdout
    shown = cli("events", "-f", str(path), "--show", "12345")
    assert shown.exit_code == 0, shown.stderr
    assert json.loads(shown.stdout)["event_uuid"] == 12345


def _endless_pipe(path: Path) -> str:
    """A named pipe that a thread fills with `[` until the reader hangs up."""
    os.mkfifo(path)

    def fill() -> None:
        with contextlib.suppress(OSError), path.open("wb") as pipe:
            while True:
                pipe.write(b"[" * 65536)

    threading.Thread(target=fill, daemon=True).start()
    return str(path)


@pytest.mark.parametrize("source", ["endless named pipe", "-"])
def test_from_file_stops_reading_at_the_size_limit(cli: Any, source: str, tmp_path: Path) -> None:
    assert cli("config", "set", "max-response-mb", "1").exit_code == 0
    if source != "-":
        source = _endless_pipe(tmp_path / "pipe")
    done = cli("events", "-f", source, "--json", input="[" * (2 * 1024 * 1024))
    assert (done.exit_code, done.stdout) == (2, "")
    assert "is larger than 1 MB; stopped reading it" in done.stderr
