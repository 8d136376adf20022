"""Local or shared: the ledger and the store of responses a run uses, opened once.

Without the `shared-url` setting, the local ledger and store. With it, the profile's
account is counted and cached in the team's Redis (`ledger/shared.py`,
`cache/shared.py`), each holding the local one for its mirror and fallback; when Redis
cannot be reached the run says so once and carries on locally. The redis library is
imported only here, and only when the setting is set.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bsevents.model.report import Reporter

if TYPE_CHECKING:
    from bsevents.state.cache.stored import Cache
    from bsevents.state.ledger.budget import Ledger
    from bsevents.state.settings import Resolved

SETTING = "shared-url"


def shared_url(settings: Resolved) -> str:
    return str(settings.values.get(SETTING) or "")


def open_ledger(settings: Resolved, key: str | None, report: Reporter) -> Ledger:
    """The ledger for the profile's account: shared when a store is set, reachable and a
    key names the account; else local. Raises LedgerUnavailable when the local ledger
    cannot be opened."""
    from bsevents.state.ledger.local import LocalLedger

    local = LocalLedger.open(warn=report.warn)
    url = shared_url(settings)
    if not url or key is None:
        return local
    from bsevents.state.redis_store import connect, shared_account_id, who

    try:
        client = connect(url, report.warn)  # None: counted locally, teammates as last seen
    except BaseException:
        local.close()
        raise
    from bsevents.state.ledger.budget import account_id
    from bsevents.state.ledger.shared import SharedLedger

    return SharedLedger(
        local,
        client,
        url,
        local_account=account_id(settings.region, key),
        shared_account=shared_account_id(settings.region, key),
        who=who(),
        warn=report.warn,
    )


def open_cache(settings: Resolved, key: str, report: Reporter) -> Cache:
    """The stored responses of the profile's account at its base URL."""
    from bsevents.state.cache.local import LocalCache
    from bsevents.state.ledger.budget import account_id

    local = LocalCache(account_id(settings.region, key), settings.base_url, report=report)
    url = shared_url(settings)
    if not url:
        return local
    from bsevents.state.redis_store import connect, shared_account_id, who

    client = connect(url, report.warn)
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
        report=report,
    )
