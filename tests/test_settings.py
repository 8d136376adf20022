"""Settings: the file, profiles, precedence, and `config set/unset/get/use/profiles/path`."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bsevents.errors import UsageProblem
from bsevents.state.paths import config_file
from bsevents.state.settings import SETTINGS, Setting, resolve
from tests.conftest import CUSTOMER


def write_config(text: str) -> Path:
    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- precedence -------------------------------------------------------------------------


def test_no_file_gives_the_defaults() -> None:
    resolved = resolve(env={})
    assert (resolved.profile, resolved.region, resolved.hourly_cap, resolved.cache_ttl) == (
        "default",
        "us",
        10,
        300,
    )
    assert resolved.values == {
        "region": "us",
        "hourly-cap": 10,
        "cache-ttl": 300,
        "max-response-mb": 128,
        "pager": False,
        "refresh-on-miss": 30,
        "shared-url": "",
    }
    assert dict(resolved.sources) == {
        "profile": "default",
        "region": "default",
        "hourly-cap": "default",
        "cache-ttl": "default",
        "max-response-mb": "default",
        "pager": "default",
        "refresh-on-miss": "default",
        "shared-url": "default",
        "base_url": "region",
    }
    assert not config_file().exists()  # reading never creates the file


def test_flag_beats_env_beats_profile_beats_default() -> None:
    write_config('[profiles.default]\nregion = "eu"\nhourly-cap = 4\n')
    from_file = resolve(env={})
    assert (from_file.region, from_file.hourly_cap, from_file.cache_ttl) == ("eu", 4, 300)
    assert from_file.base_url == "https://api.eu.getblueshift.com"
    assert (from_file.sources["region"], from_file.sources["hourly-cap"]) == ("file", "file")
    assert from_file.sources["cache-ttl"] == "default"
    from_env = resolve(env={"BLUESHIFT_REGION": "US"})
    assert (from_env.region, from_env.sources["region"]) == ("us", "env")
    from_flag = resolve(region="eu", env={"BLUESHIFT_REGION": "us"})
    assert (from_flag.region, from_flag.sources["region"]) == ("eu", "flag")
    with_base = resolve(base_url="http://127.0.0.1:8080/", env={})
    assert (with_base.base_url, with_base.sources["base_url"]) == ("http://127.0.0.1:8080", "flag")


def test_profile_comes_from_flag_env_file_default() -> None:
    write_config(
        'default_profile = "b"\n[profiles.a]\nregion = "eu"\n[profiles.b]\nhourly-cap = 2\n'
    )
    assert (resolve(env={}).profile, resolve(env={}).sources["profile"]) == ("b", "file")
    assert resolve(env={}).hourly_cap == 2
    by_env = resolve(env={"BSEVENTS_PROFILE": "a"})
    assert (by_env.profile, by_env.sources["profile"], by_env.region) == ("a", "env", "eu")
    by_flag = resolve(profile="default", env={"BSEVENTS_PROFILE": "a"})
    assert (by_flag.profile, by_flag.sources["profile"], by_flag.region) == (
        "default",
        "flag",
        "us",
    )


def test_unknown_profile_is_a_usage_error_listing_the_known_ones() -> None:
    write_config("[profiles.staging]\n")
    with pytest.raises(UsageProblem) as caught:
        resolve(profile="stagign", env={})
    assert caught.value.message == (
        "no profile 'stagign' (from --profile): known profiles are default, staging"
    )
    with pytest.raises(UsageProblem, match="from BSEVENTS_PROFILE"):
        resolve(env={"BSEVENTS_PROFILE": "nope"})


@pytest.mark.parametrize("name", ["", "a b", "-x", "a/b", "x" * 65, "ü"])
def test_bad_profile_names_are_refused(name: str) -> None:
    with pytest.raises(UsageProblem, match="cannot name a profile"):
        resolve(profile=name, env={})


def test_a_new_setting_is_one_line(monkeypatch: pytest.MonkeyPatch, cli: Any) -> None:
    """Declaring a setting is all it takes for resolve, set, get and show to know it."""
    monkeypatch.setitem(
        SETTINGS, "colour", Setting("colour", "auto", str.strip, "when to use colour")
    )
    assert resolve(env={}).values["colour"] == "auto"
    assert cli("config", "set", "colour", "never").exit_code == 0
    assert resolve(env={}).values["colour"] == "never"
    assert cli("config", "get", "colour").stdout == "never\n"
    shown = json.loads(cli("config", "show", "--json").stdout)
    assert shown["colour"] == "never"
    assert "colour" in cli("config", "show").stdout


# --- the file: malformed, wrong values, never overwritten ---------------------------------


def test_malformed_file_names_file_and_line_exits_2_and_is_not_overwritten(cli: Any) -> None:
    text = '# mine\n[profiles.default]\nregion = "eu"\nhourly-cap = \n'
    path = write_config(text)
    for args in (("config", "set", "region", "us"), ("config", "show"), ("events", CUSTOMER)):
        result = cli(*args)
        assert result.exit_code == 2, args
        assert result.stdout == ""
        assert result.stderr.startswith(f"error: {path}, line 4: not valid TOML: Invalid value\n")
        assert "never overwrites a file it cannot read" in result.stderr
    assert path.read_text(encoding="utf-8") == text


def test_file_that_is_not_utf8_names_the_line(cli: Any) -> None:
    path = config_file()
    path.parent.mkdir(parents=True)
    path.write_bytes(b'[profiles.default]\nregion = "\xff"\n')
    result = cli("config", "get", "region")
    assert result.exit_code == 2
    assert f"{path}, line 2: not valid TOML: the file is not UTF-8 text" in result.stderr


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("profiles = 1\n", "'profiles' must be a table of [profiles.NAME] tables"),
        ("default_profile = 5\n", "default_profile must be a profile name, got 5"),
        ("[profiles]\ndefault = 1\n", "profiles.default must be a table ([profiles.default])"),
        ('[profiles."a b"]\n', "[profiles.a b]: 'a b' cannot name a profile"),
    ],
)
def test_wrong_shapes_are_named(cli: Any, text: str, message: str) -> None:
    path = write_config(text)
    result = cli("config", "show")
    assert result.exit_code == 2
    assert f"error: {path}: {message}" in result.stderr


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('region = "mars"', "region: unknown region 'mars': expected one of us, eu"),
        ("hourly-cap = 0", "hourly-cap: expected a positive whole number, got '0'"),
        ("hourly-cap = true", "hourly-cap: expected a number, got true"),
        ("cache-ttl = [1]", "cache-ttl: expected a number, got [1]"),
    ],
)
def test_a_bad_value_in_the_file_names_file_line_profile_and_setting(
    cli: Any, line: str, problem: str
) -> None:
    path = write_config(f"# x\n\n[profiles.other]\nregion = 'eu'\n\n[profiles.default]\n{line}\n")
    result = cli("config", "get", "cache-ttl")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == f"error: {path}, line 7: [profiles.default] {problem}"


def test_set_keeps_comments_unknown_keys_and_layout(cli: Any) -> None:
    path = write_config(
        "# my bsevents settings\n"
        'theme = "dark"  # not bsevents\' business\n'
        "\n"
        "[profiles.default]\n"
        "# US account\n"
        'region = "us"   # the main one\n'
        "colour = true\n"
        "\n"
        "[elsewhere]\n"
        "x = [1, 2]\n"
    )
    assert cli("config", "set", "region", "eu").exit_code == 0
    assert cli("config", "set", "--profile", "ci", "hourly-cap", "3").exit_code == 0
    assert cli("config", "use", "ci").exit_code == 0
    assert cli("config", "unset", "--profile", "ci", "hourly-cap").exit_code == 0
    assert path.read_text(encoding="utf-8") == (
        "# my bsevents settings\n"
        'theme = "dark"  # not bsevents\' business\n'
        'default_profile = "ci"\n'
        "\n"
        "[profiles.default]\n"
        "# US account\n"
        'region = "eu"   # the main one\n'
        "colour = true\n"
        "\n"
        "[profiles.ci]\n"
        "\n"
        "[elsewhere]\n"
        "x = [1, 2]\n"
    )


def test_written_file_is_0600_in_a_0700_dir_and_typed(cli: Any) -> None:
    result = cli("config", "set", "hourly-cap", " 7 ")
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == "profile 'default': hourly-cap = 7\n"
    path = config_file()
    assert (mode(path), mode(path.parent)) == (0o600, 0o700)
    assert "[profiles.default]\nhourly-cap = 7\n" in path.read_text(encoding="utf-8")
    # No temp file left; the empty write lock stays (see bsevents/state/filelock.py).
    assert sorted(p.name for p in path.parent.iterdir()) == [".lock", "config.toml"]
    assert (path.parent / ".lock").stat().st_size == 0
    assert mode(path.parent / ".lock") == 0o600


# --- the commands ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("region", "mars"), "unknown region 'mars': expected one of us, eu"),
        (("hourly-cap", "0"), "expected a positive whole number, got '0'"),
        (("hourly-cap", "ten"), "expected a whole number, got 'ten'"),
        (("hourly-cap", "1_000"), "expected a whole number, got '1_000'"),
        (("refresh-on-miss", "٣"), "expected seconds or never, got '٣'"),
        (("cache-ttl", "-1"), "expected 0 or a positive whole number, got '-1'"),
        (("refresh-on-miss", "soon"), "expected seconds or never, got 'soon'"),
        (
            ("colour", "x"),
            "unknown setting 'colour': expected one of region, hourly-cap, cache-ttl, "
            "max-response-mb, pager, refresh-on-miss, shared-url",
        ),
    ],
)
def test_set_refuses_bad_values_with_exit_2(cli: Any, args: tuple[str, str], message: str) -> None:
    result = cli("config", "set", "--", *args)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == f"error: {message}"
    assert not config_file().exists()


def test_get_prints_the_bare_effective_value(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli("config", "get", "region").stdout == "us\n"
    cli("config", "set", "region", "eu")
    cli("config", "set", "--profile", "p2", "cache-ttl", "0")
    assert cli("config", "get", "region").stdout == "eu\n"
    assert cli("config", "get", "cache_ttl", "--profile", "p2").stdout == "0\n"
    monkeypatch.setenv("BLUESHIFT_REGION", "us")
    result = cli("config", "get", "region")
    assert (result.stdout, result.stderr) == ("us\n", "(from BLUESHIFT_REGION)\n")
    result = cli("config", "set", "region", "eu")
    assert "BLUESHIFT_REGION is set here, and takes precedence" in result.stderr


def test_profiles_and_use(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli("config", "profiles").stdout == "* default\n"
    cli("config", "set", "--profile", "staging", "region", "eu")
    cli("config", "set", "--profile", "a-1", "region", "us")
    assert cli("config", "profiles").stdout == "* default\n  a-1\n  staging\n"
    result = cli("config", "use", "staging")
    assert (result.exit_code, result.stderr) == (0, "commands now use profile 'staging'\n")
    assert cli("config", "profiles").stdout == "  default\n  a-1\n* staging\n"
    assert cli("config", "get", "region").stdout == "eu\n"
    monkeypatch.setenv("BSEVENTS_PROFILE", "a-1")
    assert cli("config", "profiles").stdout == "  default\n* a-1\n  staging\n"
    assert cli("config", "get", "region").stdout == "us\n"
    assert cli("config", "profiles", "--profile", "default").stdout.startswith("* default\n")


def test_use_refuses_an_unknown_profile(cli: Any) -> None:
    result = cli("config", "use", "nope")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == "error: no profile 'nope': known profiles are default"
    assert not config_file().exists()


def test_unset_brings_the_default_back(cli: Any) -> None:
    cli("config", "set", "hourly-cap", "3")
    result = cli("config", "unset", "hourly-cap")
    assert result.stderr == "profile 'default': hourly-cap is back to its default (10)\n"
    assert cli("config", "get", "hourly-cap").stdout == "10\n"
    again = cli("config", "unset", "hourly-cap")
    assert (again.exit_code, again.stderr) == (
        0,
        "profile 'default' does not set hourly-cap; nothing to change\n",
    )


def test_path_lists_every_place_and_prints_one_bare(cli: Any, isolated: Path) -> None:
    result = cli("config", "path")
    config = isolated / ".config" / "bsevents"
    assert result.stdout == (
        f"settings  {config / 'config.toml'}  (settings file)\n"
        f"key-file  {config / 'credentials.toml'}  (only with set-key --insecure-storage)\n"
        f"state     {isolated / '.local/state/bsevents'}  (the call ledger)\n"
        f"cache     {isolated / '.cache/bsevents'}  (stored responses)\n"
    )
    assert cli("config", "path", "settings").stdout == f"{config / 'config.toml'}\n"
    assert cli("config", "path", "cache").stdout == f"{isolated / '.cache/bsevents'}\n"
    assert cli("config", "path", "nope").exit_code == 2


def test_reading_without_a_file_imports_no_toml_parser() -> None:
    code = (
        "import sys; from bsevents.state import settings; settings.resolve(); "
        "print(sorted(m for m in ('tomllib', 'tomli', 'tomlkit', 'keyring') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=os.environ.copy()
    )
    assert (done.returncode, done.stdout) == (0, "[]\n"), done.stderr


def test_boolean_setting_round_trips_through_the_file(cli: Any) -> None:
    for value, shown in (("true", "true"), ("off", "false"), ("YES", "true")):
        assert cli("config", "set", "pager", value).exit_code == 0
        got = cli("config", "get", "pager")
        assert (got.exit_code, got.stdout) == (0, f"{shown}\n")
        assert cli("events", "--demo", "--json").exit_code == 0
    assert "pager = true" in config_file().read_text()
    bad = cli("config", "set", "pager", "maybe")
    assert bad.exit_code == 2
    assert "expected true or false, got 'maybe'" in bad.stderr


def test_a_negative_value_is_a_value_not_an_option(cli: Any) -> None:
    result = cli("config", "set", "cache-ttl", "-1")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        "error: expected 0 or a positive whole number, got '-1'"
    )
