"""Every string survives every view: any code point (lone surrogates and noncharacters
included), in keys and values, at any depth, and any JSON type in any documented field.

JSON and NDJSON must stay valid JSON that reads back as the same data; the table, the
timeline, CSV and --show on a terminal must show no control character at all.
"""

from __future__ import annotations

import csv
import io
import json
import re
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bsevents.model.events import STANDARD_FIELDS, sort_events
from tests.conftest import CUSTOMER, make_event
from tests.standin import StandIn

# Every code point, the surrogates (category Cs) too.
ANY_CHAR = st.characters(codec=None)
ANY_TEXT = st.text(alphabet=ANY_CHAR, max_size=6)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | ANY_TEXT
)
ANY_JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ANY_TEXT, inner, max_size=3),
    max_leaves=8,
)
UUID = "deadbeef-0000-4000-8000-00000000feed"
# What a terminal view may contain: no C0 but the newline, no DEL, C1, bidi control,
# surrogate or noncharacter (the colour is off, so no escape sequence either).
TERMINAL_UNSAFE = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]"
)


def _nest(value: Any, key: str, depth: int) -> Any:
    for level in range(depth):
        value = {key: value} if level % 2 else [value]
    return value


@st.composite
def events(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Two to four events: documented fields holding any JSON value, custom keys of any
    code points, one value nested 40 levels under a hostile key; one event has a plain
    event_uuid for --show."""
    count = draw(st.integers(2, 4))
    out = []
    for index in range(count):
        event: dict[str, Any] = {}
        for name in draw(st.lists(st.sampled_from(STANDARD_FIELDS), max_size=6, unique=True)):
            event[name] = draw(ANY_JSON)
        event.update(draw(st.dictionaries(ANY_TEXT, ANY_JSON, max_size=3)))
        key = draw(ANY_TEXT)
        event["deep" + key] = _nest(draw(ANY_TEXT), key, 40)
        if index == 0:
            event["event_uuid"] = UUID
        out.append(event)
    return out


VIEWS: list[list[str]] = [
    ["--view", "table"],
    ["--view", "table", "--all", "--reverse"],
    ["--view", "table", "--fields", "event,user_uuid,url,deep,timestamp.0"],
    ["--view", "timeline"],
    ["--view", "csv"],
    ["--view", "csv", "--fields", "event,user_uuid,products.0.sku,session_uuid"],
    ["--view", "json"],
    ["--view", "ndjson"],
    ["--show", UUID],
]


def _run(path: Path, args: list[str], *, terminal: bool = False) -> Any:
    from typer.testing import CliRunner

    from bsevents.cli.app import app

    with ExitStack() as stack:
        if terminal:  # --show draws highlighted JSON through rich only on a terminal
            for where in ("bsevents.views.output", "bsevents.views.events"):
                stack.enter_context(mock.patch(f"{where}.stdout_is_terminal", return_value=True))
        return CliRunner().invoke(
            app,
            ["events", "--from-file", str(path), "--utc", "--color", "never", *args],
            catch_exceptions=False,
        )


def _check(view: list[str], stdout: str, data: list[dict[str, Any]]) -> None:
    expected = sort_events(data)
    if view[-1] == "json":
        assert json.loads(stdout) == expected
    elif view[-1] == "ndjson":
        assert [json.loads(line) for line in stdout.splitlines()] == expected
    elif view[0] == "--show":
        assert json.loads(stdout) == data[0]
    elif "csv" in view:
        rows = list(csv.reader(io.StringIO(stdout)))
        assert len(rows) == len(data) + 1
        assert len(stdout.splitlines()) == len(data) + 1  # no newline inside a cell
        assert TERMINAL_UNSAFE.search(stdout) is None
    else:
        assert TERMINAL_UNSAFE.search(stdout) is None, stdout
    if view[-1] in ("json", "ndjson") or view[0] == "--show":
        # Valid JSON whatever it holds: lone surrogates are escaped, so the text is
        # plain UTF-8 and reads back exactly.
        assert re.search("[\ud800-\udfff]", stdout) is None


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=events())
def test_any_string_survives_every_view(data: list[dict[str, Any]], tmp_path: Path) -> None:
    path = tmp_path / "any.json"
    path.write_text(json.dumps(data), "ascii")  # \udXXXX escapes, as an API may send
    for view in VIEWS:
        result = _run(path, view)
        assert result.exit_code == 0, (view, result.stderr)
        _check(view, result.stdout, data)
        assert TERMINAL_UNSAFE.search(result.stderr) is None
    shown = _run(path, ["--show", UUID], terminal=True)
    assert shown.exit_code == 0, shown.stderr
    assert TERMINAL_UNSAFE.search(shown.stdout) is None
    assert json.loads(shown.stdout) == data[0]


@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=events())
def test_raw_surrogates_in_a_utf8_file_survive(data: list[dict[str, Any]], tmp_path: Path) -> None:
    # A file written by a lenient tool can carry surrogates as raw (CESU-style) bytes.
    path = tmp_path / "raw.json"
    path.write_bytes(json.dumps(data, ensure_ascii=False).encode("utf-8", "surrogatepass"))
    for view in (["--view", "table"], ["--view", "json"], ["--view", "csv"]):
        result = _run(path, view)
        assert result.exit_code == 0, (view, result.stderr)
        _check(view, result.stdout, data)


LONE = {
    "event": "purchase\ud800",
    "event_uuid": UUID,
    "user_uuid": CUSTOMER,
    "timestamp": "2026-11-24T19:02:11Z",
    "url": "https://shop.example/a\udfffb",
    "session_uuid": "s\udbff",
    "note\ud83d": {"deep\udc00": ["x\ud800y", "\ufffe\U0010ffff\ufdd0"]},
}


def test_lone_surrogates_are_escaped_in_json_and_shown_as_placeholders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "140")  # the summary in full, beside the `!` column
    path = tmp_path / "lone.json"
    path.write_text(json.dumps([LONE]), "ascii")
    ndjson = _run(path, ["--view", "ndjson"])
    assert ndjson.exit_code == 0
    assert r'"purchase\ud800"' in ndjson.stdout
    # U+10FFFF, a noncharacter past the first plane, is harmless and kept as it is.
    assert '"note\\ud83d": {"deep\\udc00": ["x\\ud800y", "\\ufffe\U0010ffff\\ufdd0"]}' in (
        ndjson.stdout
    )
    assert json.loads(ndjson.stdout) == LONE
    table = _run(path, ["--view", "table"])
    assert table.exit_code == 0
    assert "purchase\\ud800" in table.stdout
    assert 'note\\ud83d={"deep\\udc00":["x\\ud800y","\\ufffe\U0010ffff\\ufdd0"]}' in table.stdout
    assert "s\\udbff" in table.stdout
    timeline = _run(path, ["--view", "timeline"])
    assert "session s\\udbff" in timeline.stdout
    csv_out = _run(path, ["--view", "csv"])
    assert "https://shop.example/a\\udfffb," in csv_out.stdout  # a placeholder in a string
    # ... and nested values are JSON text, with JSON's escapes.
    assert '"{""deep\\udc00"": [""x\\ud800y"", ""\\ufffe\U0010ffff\\ufdd0""]}"' in csv_out.stdout


def test_raw_surrogate_bytes_in_a_file_are_shown_and_escaped(tmp_path: Path) -> None:
    path = tmp_path / "raw.json"
    path.write_bytes(json.dumps([LONE], ensure_ascii=False).encode("utf-8", "surrogatepass"))
    table = _run(path, ["--view", "table"])
    assert table.exit_code == 0, table.stderr
    assert "purchase\\ud800" in table.stdout
    piped = _run(path, ["--view", "json"])
    assert json.loads(piped.stdout) == [LONE]


def test_a_failing_view_leaves_stdout_empty(tmp_path: Path) -> None:
    path = tmp_path / "lone.json"
    path.write_text(json.dumps([LONE]), "ascii")
    with mock.patch("bsevents.views.table.summary", side_effect=RuntimeError("boom")):
        from typer.testing import CliRunner

        from bsevents.cli.app import app

        result = CliRunner().invoke(
            app, ["events", "--from-file", str(path), "--view", "table"], catch_exceptions=True
        )
    assert isinstance(result.exception, RuntimeError)
    assert result.stdout == ""  # not even the heading


@pytest.mark.parametrize(
    "odd",
    [{}, [], [1, {"a": None}], 3.5, -1, True, False, None, "", "\ud800", 10**300],
    ids=repr,
)
def test_any_json_type_in_every_documented_field(odd: Any, tmp_path: Path) -> None:
    event = dict.fromkeys(STANDARD_FIELDS, odd)
    event["products"] = odd
    path = tmp_path / "odd.json"
    path.write_text(json.dumps([event, make_event()]), "ascii")
    for view in VIEWS[:-1]:
        result = _run(path, view)
        assert result.exit_code == 0, (view, result.stderr)
        _check(view, result.stdout, [event, make_event()])


def test_lone_surrogates_live_cached_and_offline(standin: StandIn, cli: Any) -> None:
    standin.customers[CUSTOMER] = [LONE, make_event()]
    for args in (["--refresh"], [], ["--offline"]):  # live, from the cache, offline
        result = cli("events", CUSTOMER, "--view", "table", "--color", "never", *args)
        assert result.exit_code == 0, (args, result.stderr)
        assert "purchase\\ud800" in result.stdout
        piped = cli("events", CUSTOMER, "--view", "ndjson", *args)
        assert piped.exit_code == 0
        assert [json.loads(line) for line in piped.stdout.splitlines()][-1] == LONE
    assert len(standin.requests) == 2  # the two --refresh runs; the rest read the store


def test_a_stdout_that_is_not_utf8_gets_every_view(tmp_path: Path) -> None:
    # JSON and CSV are data and go out as UTF-8; the views for people keep the terminal's
    # encoding and show what it cannot hold as an escape.
    import os
    import subprocess

    from tests.script import SCRIPT

    path = tmp_path / "lone.json"
    path.write_text(json.dumps([LONE, make_event(event="signal", note="日本 é")]), "ascii")
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    for view in (VIEWS[0], VIEWS[3], VIEWS[4], VIEWS[6], VIEWS[8]):
        done = subprocess.run(
            [str(SCRIPT), "events", "--from-file", str(path), "--color", "never", *view],
            capture_output=True,
            env=env,
            timeout=60,
        )
        assert done.returncode == 0, (view, done.stderr)
        if "table" in view and "--fields" not in view:
            assert "note=\\u65e5\\u672c \\xe9" in done.stdout.decode("ascii")
        elif view[-1] in ("json", "ndjson", "csv"):
            assert "日本 é" in done.stdout.decode("utf-8")
