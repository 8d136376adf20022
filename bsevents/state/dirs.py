"""bsevents' user directories, worked out the way platformdirs does on Linux and macOS
without importing it (that costs ~30 ms, felt on every command and every TAB); other
platforms still ask platformdirs. Tests check the answers equal platformdirs'."""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

APP = "bsevents"

# Base directory per kind: (XDG variable, Linux default, macOS default), as platformdirs.
_DIRS = {
    "config": ("XDG_CONFIG_HOME", "~/.config", "~/Library/Application Support"),
    "cache": ("XDG_CACHE_HOME", "~/.cache", "~/Library/Caches"),
    "state": ("XDG_STATE_HOME", "~/.local/state", "~/Library/Application Support"),
}


def user_dir(kind: str, env: Mapping[str, str] | None = None, platform: str | None = None) -> str:
    """bsevents' user directory of `kind` ("config", "cache" or "state"): the directory
    `platformdirs.user_<kind>_path("bsevents")` gives, without importing platformdirs on
    Linux and macOS."""
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    if platform in ("win32", "ios", "android", "emscripten", "wasi") or _maybe_android(env):
        import platformdirs

        return str(getattr(platformdirs, f"user_{kind}_path")(APP))
    variable, linux, macos = _DIRS[kind]
    base = env.get(variable, "")
    # platformdirs ignores a relative XDG value, as the XDG spec says to.
    if not base.startswith("/"):
        base = _home(env) + (macos if platform == "darwin" else linux)[1:]
    return os.path.join(base, APP)


def _maybe_android(env: Mapping[str, str]) -> bool:
    return hasattr(sys, "getandroidapilevel") or (
        env.get("ANDROID_DATA") == "/data" and env.get("ANDROID_ROOT") == "/system"
    )


def _home(env: Mapping[str, str]) -> str:
    """The home directory as platformdirs expands `~`: $HOME when absolute, else the
    password database (no trailing slash, so "/" becomes "")."""
    home = env.get("HOME")
    if home is None or not home.startswith("/"):
        import pwd

        home = pwd.getpwuid(os.getuid()).pw_dir
    return home.rstrip("/")
