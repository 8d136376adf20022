"""Hostile event data on every view, piped and on a real pseudo-terminal.

No string from an event may reach the output as a control sequence or as rich markup:
the data's sequences must show up as visible placeholders, and markup literally.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from bsevents.model.sanitize import clean
from tests.hostile import (
    HOSTILE_UUID,
    HUGE,
    MARKUP,
    assert_safe,
    hostile_events,
)
from tests.ptyrun import SCRIPT, run_on_pty

VIEWS = [
    ["--view", "table"],
    ["--view", "table", "--all", "--reverse"],
    ["--view", "table", "--fields", "event,session_uuid,browser_type,products,nested,note"],
    ["--view", "timeline"],
    ["--view", "json"],
    ["--view", "ndjson"],
    ["--view", "csv"],
    ["--view", "csv", "--fields", "event,url,nested,products.0.sku"],
    ["--show", HOSTILE_UUID],
    ["--show", HOSTILE_UUID, "--json"],
    ["--grep", "ALARM", "--type", "purchase\x1b[2J,nope"],
]


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "hostile.json"
    path.write_text(json.dumps(hostile_events(), ensure_ascii=False), "utf-8")
    return path


def _env() -> dict[str, str]:
    env = os.environ.copy()
    env.pop("NO_COLOR", None)
    return env


@pytest.mark.parametrize("color", ["auto", "always", "never"])
@pytest.mark.parametrize("view", VIEWS, ids=lambda v: " ".join(v)[:40])
def test_piped_output_is_safe(saved: Path, view: list[str], color: str) -> None:
    done = subprocess.run(
        [str(SCRIPT), "events", "--from-file", str(saved), "--utc", "--color", color, *view],
        capture_output=True,
        env=_env(),
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    out, err = done.stdout.decode(), done.stderr.decode()
    assert_safe(out)
    assert_safe(err)


@pytest.mark.parametrize("color", ["auto", "always"])
@pytest.mark.parametrize("view", VIEWS, ids=lambda v: " ".join(v)[:40])
def test_terminal_output_is_safe(saved: Path, view: list[str], color: str) -> None:
    done = run_on_pty("events", "--from-file", str(saved), "--color", color, *view, env=_env())
    assert done.returncode == 0, done.output[-2000:]
    assert_safe(done.output)
    if color == "always" or "--json" not in view:
        assert "\x1b[" in done.output  # it really was coloured: the test can see escapes


def test_table_shows_placeholders_and_markup_literally(saved: Path) -> None:
    done = run_on_pty("events", "--from-file", str(saved), "--view", "table", "--color", "never")
    text = done.output
    assert "␛[2J" in text  # the clear-screen sequence, made visible
    assert "[bold red]alarm" in text  # markup shown as typed, not applied
    assert "…" in text  # long values are cut
    # The title names the file in full, as long as the temporary folder makes it (longer
    # under pytest-xdist): the rows are what must fit.
    rows = [line for line in text.splitlines() if str(saved) not in line]
    assert len(max(rows, key=len)) <= 120
    assert_safe(text)


def test_timeline_cuts_the_huge_value(saved: Path) -> None:
    done = run_on_pty("events", "--from-file", str(saved), "--view", "timeline", columns=100)
    assert done.returncode == 0
    assert HUGE[:200] not in done.output  # cut long before it
    assert max(len(line) for line in done.output.replace("\x1b", "").splitlines()) < 400


def test_json_on_a_terminal_escapes_but_keeps_the_data(saved: Path) -> None:
    done = run_on_pty("events", "--from-file", str(saved), "--json", "--color", "never")
    assert done.returncode == 0
    text = done.output.replace("\r\n", "\n")
    assert text.startswith("1 event has no usable time")  # the note, on stderr
    shown = json.loads(text[text.index("\n[") :])
    assert shown == hostile_events()  # \\uXXXX escapes are the same data


def test_csv_cells_hold_visible_placeholders(saved: Path) -> None:
    done = subprocess.run(
        [str(SCRIPT), "events", "--from-file", str(saved), "--view", "csv"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "␛]52;c;ZWNobyBwd25lZA==␇" in done.stdout
    assert MARKUP in done.stdout
    assert "\\u202e" in done.stdout


def test_joiners_that_scripts_and_emoji_need_are_kept() -> None:
    assert clean("می\u200cخواهم 👨\u200d👩") == "می\u200cخواهم 👨\u200d👩"
    assert clean("purchase\u200b") == "purchase\\u200b"
