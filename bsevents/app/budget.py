"""The hourly budget of the profile's account, for `quota` and for the waits that pace
themselves by it. Light on purpose: `quota` should start as fast as the demo.

With the key in the environment the account is worked out from it; else from the key's
fingerprint remembered when the key was last used or stored (`keys.remembered_print`),
so that `quota` need not open the keyring; only when neither is known is the keyring
asked. With no key at all, the account the profile used last in the region.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bsevents.app.context import Context
    from bsevents.state.ledger.budget import Budget


@dataclass(frozen=True)
class Quota:
    """The hourly budget, and whose it is."""

    budget: Budget
    profile: str
    region: str
    account: str | None  # region-fingerprint; None when the profile has no record
    # How the key was known: "" looked up now; "remembered" its print from the last run
    # that used it (no keyring asked); "last used" the account the profile called with
    # last, no key being at hand now.
    guessed: str = ""

    @property
    def shared(self) -> bool:
        """Counted in the team's shared store (every member's calls)."""
        return self.budget.shared

    @property
    def fingerprint(self) -> str | None:
        """The short key fingerprint (never the key)."""
        return self.account.split("-", 1)[1] if self.account else None


def quota(ctx: Context) -> Quota:
    """The hourly budget of the profile's account now."""
    settings = ctx.settings
    account, guessed = _account(ctx)
    ledger = ctx.ledger()
    if account is None:
        account = ledger.latest_account(settings.profile, settings.region)
        guessed = "last used" if account is not None else ""
    found = ledger.budget(account or "", settings.hourly_cap, ctx.clock.now())
    return Quota(found, settings.profile, settings.region, account, guessed)


def _account(ctx: Context) -> tuple[str | None, str]:
    from bsevents.state.keys import KEY_ENV, remembered_print

    if ctx.env.get(KEY_ENV, "").strip():
        return ctx.account, ""
    printed = remembered_print(ctx.settings.profile)
    if printed is not None:
        return f"{ctx.settings.region}-{printed}", "remembered"
    return (ctx.account, "") if ctx.user_key_if_any() is not None else (None, "")


def budget(ctx: Context) -> Budget:
    """The hourly budget of the account of the key this run calls with, now."""
    return ctx.ledger().budget(ctx.account, ctx.settings.hourly_cap, ctx.clock.now())
