"""The connection to a team's Redis (or anything speaking its protocol, such as Valkey),
and how things are named there.

Nothing here is ever allowed to hold up a command: connecting and every reply time out
after about half a second, every reply is bounded in size and element count
(`redis_replies`), and a store that fails once is not tried again by the same process (it
reports one line and the caller carries on locally). Keys are named by an
account id that is an HMAC of the API key: teammates holding the same key meet under the
same name, and nobody can recover the key from it.
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import hmac
import re
import socket
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bsevents.errors import UsageProblem
from bsevents.model.sanitize import clean, mask_url, shorten, url_secrets

if TYPE_CHECKING:
    import redis

SCHEMES = ("redis", "rediss", "unix")
PREFIX = "bsevents:v1"
INSTALL_HINT = "install it with `pipx inject bsevents redis` or `pip install 'bsevents[team]'`"
_WHO_RE = re.compile(r"[^A-Za-z0-9._@+-]")
WHO_LIMIT = 64
_ENCODE_HINT = (
    "write / ? # @ and spaces in a password percent-encoded (%2F %3F %23 %40 %20), "
    "e.g. rediss://:PASS%2FWORD@redis.example.com:6380/0"
)

# One connection per URL and process; a URL that failed once stays failed for the
# process, so a dead store costs one timeout per command, not one per step.
_clients: dict[str, redis.Redis] = {}
_failed: set[str] = set()


def check_shared_url(text: str) -> str:
    """A `redis://`, `rediss://` or `unix://` URL, or "" (no shared store)."""
    url = text.strip()
    if not url:
        return ""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is no number
    except ValueError:
        raise UsageProblem(f"not a URL: {mask_url(url)!r}", _ENCODE_HINT) from None
    if parts.scheme not in SCHEMES or not (parts.hostname or parts.path):
        raise UsageProblem(
            f"expected a redis://, rediss:// or unix:// URL, got {mask_url(url)!r}",
            "e.g. rediss://:PASSWORD@redis.example.com:6380/0 or unix:///run/redis.sock",
        )
    if "@" in parts.path + parts.query + parts.fragment:
        # A password with a raw `/`, `?` or `#` ends the user info early: the rest of it
        # would be read as the host (and looked up) and the real host as a path, a query
        # or a fragment. `redis://:12/ab@host`, `redis://:p@ss/x?y@host` parse that way.
        raise UsageProblem(f"not a URL: {mask_url(url)!r}", _ENCODE_HINT)
    return url


def shared_account_id(region: str, key: str) -> str:
    """`us-<32 hex>`: HMAC-SHA256 keyed with the API key, over a fixed label."""
    digest = hmac.new(key.encode(), b"bsevents-shared-account-v1", hashlib.sha256).hexdigest()
    return f"{region}-{digest[:32]}"


def key_name(account: str, *parts: str) -> str:
    """A Redis key of the account. The braces keep an account's keys in one cluster slot,
    so one script may touch all of them."""
    return ":".join((PREFIX, "{" + account + "}", *parts))


def who() -> str:
    """`user@host`, the teammate a call or a copy is credited to."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError):
        user = "someone"
    return clean_who(f"{user}@{socket.gethostname()}") or "someone"


def clean_who(value: object) -> str | None:
    """A teammate's name from the store (written by anyone with access): plain characters
    only, bounded; None when nothing is left."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    text = _WHO_RE.sub("?", value)[:WHO_LIMIT]
    return text or None


def _import_redis() -> Any:
    try:
        import redis
    except ImportError:
        raise UsageProblem(
            "shared-url is set, but the redis client library is not installed", INSTALL_HINT
        ) from None
    return redis


def connect(url: str, warn: Callable[[str], None]) -> redis.Redis | None:
    """A live client for the store, or None after saying in one line why it cannot be used
    (then the caller works locally). Raises UsageProblem when redis is not installed."""
    redis_module = _import_redis()
    if url in _failed:
        return None
    client: redis.Redis | None = _clients.get(url)
    if client is not None:
        return client
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    from bsevents.state.redis_replies import TIMEOUT_SECONDS, BoundedParser

    try:
        client = redis_module.Redis.from_url(
            url,
            # Every reply bounded in size, count and time (the library's parser is not).
            parser_class=BoundedParser,
            protocol=2,
            socket_connect_timeout=TIMEOUT_SECONDS,
            socket_timeout=TIMEOUT_SECONDS,
            retry=Retry(NoBackoff(), 0),  # a retry would double the wait on a dead store
            retry_on_timeout=False,
            health_check_interval=0,
        )
        client.ping()
    except Exception as error:  # any failure means: carry on locally
        failed(url, error, warn)
        return None
    _clients[url] = client
    return client


def failed(url: str, error: BaseException, warn: Callable[[str], None]) -> None:
    """Give up on the store for this process, and say so once."""
    if url in _failed:
        return
    _failed.add(url)
    client = _clients.pop(url, None)
    if client is not None:
        with contextlib.suppress(Exception):
            client.close()
    warn(
        f"the shared store {mask_url(url)} cannot be used ({describe(error, url)}); "
        "carrying on with this machine's ledger and cache"
    )


def describe(error: BaseException, url: str) -> str:
    """A short reason, with no secret in it (a library message may quote the URL)."""
    name = type(error).__name__
    if "Authentication" in name or "NOAUTH" in str(error) or "WRONGPASS" in str(error):
        return "authentication failed"
    if "Timeout" in name:
        return "timed out"
    text = str(error)
    for secret in url_secrets(url):
        text = text.replace(secret, "***")
    return shorten(clean(text), 120) or name


def forget() -> None:
    """Drop connections and failures (tests run many commands in one process)."""
    for client in _clients.values():
        with contextlib.suppress(Exception):
            client.close()
    _clients.clear()
    _failed.clear()
