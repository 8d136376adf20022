"""Local or shared: the ledger and the store a command uses.

Without the `shared-url` setting, the local ledger and store, as always. With it, the
profile's account is counted and cached in the team's Redis (`shared.ledger`,
`shared.cache`); when Redis cannot be reached the command says so once and carries on
locally. The redis library is imported only here, and only when the setting is set.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bsevents.state.cache.local import Cache
    from bsevents.state.ledger.local import Ledger
    from bsevents.state.settings import Resolved

SETTING = "shared-url"


def shared_url(settings: Resolved) -> str:
    return str(settings.values.get(SETTING) or "")


def open_ledger(settings: Resolved, key: str | None, warn: Callable[[str], None]) -> Ledger:
    """The ledger for the profile's account: shared when a store is set, reachable and a
    key names the account; else local. Raises LedgerUnavailable as Ledger.open does."""
    from bsevents.state.ledger.local import Ledger

    local = Ledger.open(warn=warn)
    url = shared_url(settings)
    if not url or key is None:
        return local
    from bsevents.state.redis_store import connect, shared_account_id, who

    try:
        client = connect(url, warn)  # None: counted locally, teammates' calls as last seen
    except BaseException:
        local.close()
        raise
    from bsevents.state.ledger.local import account_id
    from bsevents.state.ledger.shared import SharedLedger

    return SharedLedger(
        local,
        client,
        url,
        local_account=account_id(settings.region, key),
        shared_account=shared_account_id(settings.region, key),
        who=who(),
        warn=warn,
    )


def open_cache(settings: Resolved, key: str, warn: Callable[[str], None]) -> Cache:
    """The stored responses of the profile's account at its base URL."""
    from bsevents.state.cache.local import Cache
    from bsevents.state.ledger.local import account_id

    local = Cache(account_id(settings.region, key), settings.base_url, warn=warn)
    url = shared_url(settings)
    if not url:
        return local
    from bsevents.state.redis_store import connect, shared_account_id, who

    client = connect(url, warn)
    if client is None:
        return local
    from bsevents.state.cache.shared import SharedCache

    return SharedCache(
        local,
        client,
        url,
        shared_account=shared_account_id(settings.region, key),
        base_url=settings.base_url,
        who=who(),
        warn=warn,
    )
