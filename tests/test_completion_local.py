"""Local data for completion: where the files are, and what is read from them."""

from __future__ import annotations

import json
import os
import pwd
from pathlib import Path

import platformdirs
import platformdirs.macos
import platformdirs.unix
import pytest

from bsevents.completion import local
from bsevents.completion.local import LocalSources, describe_customers, describe_profiles
from bsevents.state import dirs, paths
from tests.completion_support import ANA, BO, DATA, EVENT_NAMES, NULL_EMAIL, install_local_data

KINDS = ("config", "cache", "state")
# 2026-03-02T10:00:00Z: half an hour after the newest fetch in the fixture index.
NOW = 1772445600.0
ENVIRONMENTS = [
    {},
    {"XDG_CONFIG_HOME": "/x/config", "XDG_CACHE_HOME": "/x/cache", "XDG_STATE_HOME": "/x/s"},
    {"XDG_CONFIG_HOME": "/x/config/", "XDG_CACHE_HOME": "/x//cache"},
    {"XDG_CONFIG_HOME": "relative/config", "XDG_CACHE_HOME": "rel", "XDG_STATE_HOME": "r"},
    {"XDG_CONFIG_HOME": "", "XDG_CACHE_HOME": "   ", "XDG_STATE_HOME": ""},
    {"HOME": "/home/someone/"},
    {"HOME": "/"},
    {"HOME": ""},
    {"HOME": "relative/home"},
    {"HOME": None},
]


def apply(monkeypatch: pytest.MonkeyPatch, env: dict[str, str | None]) -> None:
    for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)


@pytest.mark.parametrize("env", ENVIRONMENTS, ids=lambda env: repr(env) if env else "defaults")
def test_directories_are_platformdirs_own_on_linux(
    env: dict[str, str | None], monkeypatch: pytest.MonkeyPatch
) -> None:
    apply(monkeypatch, env)
    for kind in KINDS:
        expected = getattr(platformdirs.unix.Unix("bsevents"), f"user_{kind}_path")
        if not expected.is_absolute():
            # platformdirs before 4.13 (the newest for Python 3.10) took a relative $HOME
            # as it is; bsevents follows the later rule of ignoring it.
            pytest.skip(f"platformdirs {platformdirs.__version__} keeps a relative HOME")
        assert Path(dirs.user_dir(kind, platform="linux")) == expected, kind


@pytest.mark.parametrize("env", ENVIRONMENTS, ids=lambda env: repr(env) if env else "defaults")
def test_directories_are_platformdirs_own_on_macos(
    env: dict[str, str | None], monkeypatch: pytest.MonkeyPatch
) -> None:
    apply(monkeypatch, env)
    for kind in KINDS:
        expected = getattr(platformdirs.macos.MacOS("bsevents"), f"user_{kind}_path")
        if not expected.is_absolute():
            pytest.skip(f"platformdirs {platformdirs.__version__} keeps a relative HOME")
        assert Path(dirs.user_dir(kind, platform="darwin")) == expected, kind


def test_without_home_the_password_database_decides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HOME")
    monkeypatch.delenv("XDG_CACHE_HOME")
    home = pwd.getpwuid(os.getuid()).pw_dir.rstrip("/")
    assert dirs.user_dir("cache", platform="linux") == f"{home}/.cache/bsevents"


def test_other_platforms_ask_platformdirs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(platformdirs, "user_cache_path", lambda app: Path("/asked") / app)
    assert dirs.user_dir("cache", platform="win32") == "/asked/bsevents"


def test_files_are_where_bsevents_paths_puts_them(isolated: Path) -> None:
    assert Path(local.config_file()) == paths.config_file()
    assert Path(local.index_file()) == paths.cache_dir() / "index.json"


# --- profiles --------------------------------------------------------------------------


def test_profiles_from_the_settings_file_default_first_with_regions_and_the_one_in_use() -> None:
    text = (DATA / "config.toml").read_text()
    assert describe_profiles(text) == [
        ("default", "region us"),
        ("staging", "region eu, in use"),
        ("ci.eu", "region eu"),
    ]
    assert describe_profiles(text, env_profile="ci.eu")[2] == ("ci.eu", "region eu, in use")


def test_without_a_settings_file_there_is_the_default_profile() -> None:
    assert describe_profiles("") == [("default", "in use")]


def test_profiles_in_any_toml_spelling_and_unusable_names_skipped() -> None:
    text = "\n".join(
        [
            "profiles.top.region = 'us'",
            "[profiles]",
            'inline = { region = "eu" }',
            "dotted.region = 'eu'",
            '[ profiles . "quoted" ]',
            "[profiles.nested.sub]",
            "[profiles.'has space']",
            '[profiles."$(boom)"]',
            "[[profiles.array]]",
            "# [profiles.commented]",
            "[other.profiles]",
            "[profiles.staging]",
            'region = "\x1b[31m"',
        ]
    )
    assert describe_profiles(text) == [
        ("default", "in use"),
        ("top", "region us"),
        ("inline", None),
        ("dotted", "region eu"),
        ("quoted", None),
        ("nested", None),
        ("staging", None),
    ]


# --- the cache index -------------------------------------------------------------------


def test_customers_from_the_index_newest_first_described_by_email_events_and_age() -> None:
    index = json.loads((DATA / "index.json").read_text())
    assert describe_customers(index["customers"], NOW) == [
        (ANA, "ana@example.com · 35 events · fetched 30 min ago"),
        (NULL_EMAIL, "1 event · fetched 15 h ago"),
        (BO, "bo@example.org · 0 events · fetched 9 d ago"),
    ]


def test_customer_entries_that_are_malformed_are_skipped_and_emails_made_safe() -> None:
    entries = [
        "not an object",
        {"uuid": "not-a-uuid", "email": "x@example.com"},
        {"uuid": ANA.upper(), "email": "evil\x1b]0;pwned\x07@example.com\n", "events": True},
        {"uuid": ANA, "email": "duplicate@example.com"},
        {"uuid": BO, "email": "  ", "events": -1, "fetched_at": "yesterday"},
        {"uuid": NULL_EMAIL, "email": "x" * 80, "fetched_at": "2030-01-01T00:00:00Z"},
    ]
    assert describe_customers(entries, NOW) == [
        (ANA, "evil␛]0;pwned␇@example.com"),
        (BO, None),
        (NULL_EMAIL, "x" * 59 + "…"),
    ]


def test_customers_older_than_two_months_show_the_date_and_the_list_is_capped() -> None:
    old = [{"uuid": ANA, "fetched_at": "2025-06-01T00:00:00+00:00"}]
    assert describe_customers(old, NOW) == [(ANA, "fetched 2025-06-01")]
    many = [{"uuid": f"{n:08x}-2cbc-4e2b-a132-b02de69bba15"} for n in range(150)]
    assert len(describe_customers(many, NOW)) == local.MAX_CUSTOMERS


@pytest.mark.parametrize(
    "data",
    [
        None,
        b"",
        b"{not json",
        b"\xff\xfe",
        b"[]",
        b'{"customers": []}',
        b'{"version": 2, "customers": [{"uuid": "51aceb79-2cbc-4e2b-a132-b02de69bba15"}]}',
    ],
)
def test_a_missing_malformed_or_unknown_index_is_empty(data: bytes | None) -> None:
    assert local.read_index(data) == {}


def test_a_malformed_index_offers_nothing_silently(isolated: Path) -> None:
    install_local_data(isolated)
    (isolated / ".cache" / "bsevents" / "index.json").write_text('{"version": 1, "customers": 3')
    sources = LocalSources(now=NOW)
    assert sources.customers() == []
    assert sources.event_names() == []


def test_event_names_that_a_shell_would_not_take_literally_are_not_offered() -> None:
    names = ["pageload", "add_to_cart", "checkout:step-1", "$(rm -rf ~)", "a b", "x;y", "", 7]
    names += ["pageload", "é_vent", "quote'd", "glob*", "\u202egnp.exe"]
    assert local.safe_event_names(names) == ["pageload", "add_to_cart", "checkout:step-1", "é_vent"]


def test_local_sources_read_the_users_files(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_local_data(isolated)
    sources = LocalSources(now=NOW)
    assert [uuid for uuid, _ in sources.customers()] == [ANA, NULL_EMAIL, BO]
    assert sources.event_names() == EVENT_NAMES
    assert sources.profiles()[1] == ("staging", "region eu, in use")
    monkeypatch.setenv("BSEVENTS_PROFILE", "default")
    assert LocalSources().profiles()[0] == ("default", "region us, in use")


def test_local_sources_with_no_files_offer_the_default_profile_only(isolated: Path) -> None:
    sources = LocalSources()
    assert sources.customers() == []
    assert sources.event_names() == []
    assert sources.profiles() == [("default", "in use")]
