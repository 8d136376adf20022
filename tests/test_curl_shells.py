"""`--curl` prints a command that bash, zsh, fish and dash all run with exactly the bytes
bsevents itself sends, and that shows nothing raw on a terminal: a corpus of hostile
values goes through `send --curl`, each printed command runs in each real shell with a
`curl` that writes its arguments out, and the body curl would receive is compared byte
for byte with what `send` really posted to the stand-in.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import unicodedata
from typing import Any

import pytest

from bsevents.model.sanitize import UNSAFE_RE
from tests.conftest import CUSTOMER
from tests.script import SCRIPT
from tests.standin import StandIn

EVENT_KEY = "test-event-key-fedcba9876543210"
SHELLS = {
    "bash": ["bash", "-c"],
    "zsh": ["zsh", "-f", "-c"],
    "dash": ["dash", "-c"],
    "fish": ["fish", "--no-config", "-c"],
}
# A curl that writes each argument, NUL-terminated, with the same printf in every shell.
FAKE_CURL = {
    "bash": "curl() { /usr/bin/printf '%s\\0' \"$@\"; }\n",
    "zsh": "curl() { /usr/bin/printf '%s\\0' \"$@\"; }\n",
    "dash": "curl() { /usr/bin/printf '%s\\0' \"$@\"; }\n",
    "fish": "function curl; /usr/bin/printf '%s\\0' $argv; end\n",
}
HOSTILE = [
    "it's",
    'say "hi"',
    "back\\slash",
    "C:\\new\\table",
    "ends with a backslash\\",
    "\\\\double\\\\",
    "\\'",
    "$HOME ${PATH} $(id) `id`",
    "!! !$ history",
    "*?[glob] ~root",
    "; rm -rf / # & | > <",
    "%s %n %%",
    "line1\nline2",
    "cr\rhere",
    "\x1b[31mred\x1b[0m \x1b]0;title\x07",
    "del\x7f",
    "csi\u009b2J and c1\u0085\u0090",
    "\u202eevil\u202c and \u2066isolate\u2069",
    "zero\u200bwidth\ufeffbom\u2028line",
    "tab\there\x1f\x01\x02 end",
    "emoji 🎉👍🏽 e\u0301 日本語",
    "binaryish \u0080\u00ff\u00a0\u0100",
    "a'b\"c\\d$e`f",
    "",
]


def _run(*args: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "BLUESHIFT_EVENT_API_KEY": EVENT_KEY}
    return subprocess.run([str(SCRIPT), *args], capture_output=True, env=env, timeout=60)


def _curl_arguments(shell: str, command: str) -> list[bytes]:
    done = subprocess.run(
        [*SHELLS[shell], FAKE_CURL[shell] + command],
        capture_output=True,
        env={
            "PATH": os.environ["PATH"],
            "HOME": os.environ["HOME"],
            "BLUESHIFT_EVENT_API_KEY": "K",
        },
        timeout=60,
    )
    assert done.returncode == 0, (shell, done.stderr)
    assert done.stdout.endswith(b"\0")
    return done.stdout[:-1].split(b"\0")


def _check_terminal_safe(printed: str) -> None:
    assert printed.endswith("\n"), printed
    assert printed.count("\n") == 1, printed
    line = printed[:-1]
    # The views' rule (no control, bidi, invisible or surrogate character), and so no
    # character a terminal acts on.
    assert UNSAFE_RE.search(line) is None, repr(line)
    assert not any(unicodedata.category(char) in ("Cc", "Cs") for char in line)


@pytest.fixture
def server(standin: StandIn, monkeypatch: pytest.MonkeyPatch) -> StandIn:
    monkeypatch.setenv("BLUESHIFT_EVENT_API_KEY", EVENT_KEY)
    return standin


@pytest.mark.skipif(
    any(shutil.which(name) is None for name in SHELLS), reason="needs bash, zsh, dash and fish"
)
def test_every_hostile_value_reaches_curl_exactly_in_every_shell(server: StandIn) -> None:
    assert len(HOSTILE) >= 20
    for number, value in enumerate(HOSTILE):
        args = [
            "send",
            "x",
            "--customer-id",
            "1",
            "--event-uuid",
            f"00000000-0000-4000-8000-{number:012d}",
            "-p",
            "timestamp=2026-12-01T00:00:00.000Z",
            "-p",
            f"v={value}",
            "-p",
            f"k{value}=1",
            "-p",
            f"j:={json.dumps(value)}",
        ]
        printed = _run(*args, "--curl")
        assert printed.returncode == 0, printed.stderr
        command = printed.stdout.decode("utf-8")
        _check_terminal_safe(command)
        sent = _run(*args)
        assert sent.returncode == 0, sent.stderr
        posted = server.event_requests()[-1].body
        assert json.loads(posted) == {
            "event": "x",
            "customer_id": "1",
            "event_uuid": f"00000000-0000-4000-8000-{number:012d}",
            "timestamp": "2026-12-01T00:00:00.000Z",
            "v": value,
            f"k{value}": "1",
            "j": value,
        }
        for shell in SHELLS:
            arguments = _curl_arguments(shell, command)
            assert arguments[arguments.index(b"-u") + 1] == b"K:", shell
            body = arguments[arguments.index(b"--data-raw") + 1]
            assert body == posted, (shell, value)
            assert arguments[-1] == f"{server.base_url}/api/v1/event".encode()


@pytest.mark.skipif(
    any(shutil.which(name) is None for name in SHELLS), reason="needs bash, zsh, dash and fish"
)
@pytest.mark.parametrize(
    "path", ["/it's", "/back\\slash", "/$HOME/`id`/$(id)", "/end\\", "/%27;!!~*{a,b}"]
)
def test_an_odd_base_url_reaches_curl_exactly_in_every_shell(cli: Any, path: str) -> None:
    base = f"http://127.0.0.1:9{path}"
    for args in ([CUSTOMER], ["--email", "maya@example.com"]):
        printed = cli("events", *args, "--base-url", base, "--curl")
        assert printed.exit_code == 0, printed.output
        _check_terminal_safe(printed.stdout)
        for shell in SHELLS:
            # The --email form nests the lookup: its curl prints, and jq is not there.
            command = printed.stdout.replace(" | jq -r .user.uuid", "")
            arguments = _curl_arguments(shell, command)
            wanted = f"{base}/api/v1/customer_search/show_events?uuid="
            assert arguments[-1].decode().startswith(wanted), (shell, arguments[-1])
            if args == [CUSTOMER]:
                assert arguments[-1].decode() == wanted + CUSTOMER
