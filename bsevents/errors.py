"""The exception tree and the one table that turns exceptions into exit codes.

Core code raises these; only `bsevents.cli.app` catches them, prints the message on
stderr and exits with `exit_code_for(error)`. Messages never contain the API key.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes, documented in the README."""

    OK = 0
    FAILED = 1  # the request failed: network, timeout, 5xx, bad body, other 4xx
    USAGE = 2  # bad input or usage; nothing was sent
    AUTH = 3  # no key, key rejected (401) or not allowed (403), keyring unusable
    NOT_FOUND = 4  # 404, or no customer matches
    RATE_LIMITED = 5  # server 429, or the local hourly cap
    ANSWER_IS_NO = 6  # no event passes (--exit-status), a --wait deadline, a failed lint
    INTERRUPTED = 130  # Ctrl-C


# What each code means, in the words the README's exit-code table starts its row with
# (a test holds the two together).
MEANINGS: dict[ExitCode, str] = {
    ExitCode.OK: "success",
    ExitCode.FAILED: "the request failed",
    ExitCode.USAGE: "usage error or bad input",
    ExitCode.AUTH: "no API key, the key was rejected (401) or lacks permission (403)",
    ExitCode.NOT_FOUND: "not found",
    ExitCode.RATE_LIMITED: "rate limited",
    ExitCode.ANSWER_IS_NO: "the answer is no",
    ExitCode.INTERRUPTED: "interrupted",
}


class BseventsError(Exception):
    """Base of every error the user should see as one clear message.

    `message` says what went wrong; `hint` (optional) says what to do next; `status` is
    the HTTP status that caused it, when an answer did (the ledger records it).
    """

    def __init__(self, message: str, hint: str | None = None, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.status = status


class UsageProblem(BseventsError):
    """Bad input or usage, detected before anything is sent."""


class RequestFailed(BseventsError):
    """The request was sent (or attempted) and did not give usable events."""


class NetworkError(RequestFailed):
    """No HTTP answer: DNS, refused or reset connection, TLS, timeout."""

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        reached_server: bool = False,
        kind: str = "network",
    ) -> None:
        super().__init__(message, hint)
        # False when the request certainly never reached the server (DNS, refused):
        # such a call may be given back to the hourly budget.
        self.reached_server = reached_server
        self.kind = kind  # for the ledger: "timeout", "connect", "network"


class BadResponse(RequestFailed):
    """An HTTP 200 whose body is not the documented JSON array of objects."""


class AuthProblem(BseventsError):
    """No key, a key Blueshift rejects, or a key store that cannot be used."""


class KeyRejected(AuthProblem):
    """401 or 403 from Blueshift."""


class KeyringUnavailable(AuthProblem):
    """The system keyring cannot be used: no backend, locked, failing, or not answering."""


class NotFound(BseventsError):
    """404 from Blueshift, or a lookup with no match."""


class RateLimited(BseventsError):
    """A 429 from Blueshift or the local hourly cap."""

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, hint, status=status)
        self.retry_after = retry_after  # seconds, when the server said so


class Interrupted(BseventsError):
    """Ctrl-C, with something to say about what it interrupted (an event being sent)."""


class AnswerIsNo(BseventsError):
    """Nothing went wrong, and the answer to the question asked is no: no event passes
    the filters (`--exit-status`), none arrived before a `--wait` deadline, or `lint`
    found an error. Shown as a plain line, not as an error."""


# The one table: the first class in an error's MRO that is listed here decides its
# exit code. Keep the README's exit-code table in step with it.
EXIT_CODES: dict[type[BaseException], ExitCode] = {
    UsageProblem: ExitCode.USAGE,
    RequestFailed: ExitCode.FAILED,
    AuthProblem: ExitCode.AUTH,
    NotFound: ExitCode.NOT_FOUND,
    RateLimited: ExitCode.RATE_LIMITED,
    AnswerIsNo: ExitCode.ANSWER_IS_NO,
    Interrupted: ExitCode.INTERRUPTED,
    KeyboardInterrupt: ExitCode.INTERRUPTED,
    BseventsError: ExitCode.FAILED,
}


def exit_code_for(error: BaseException) -> ExitCode:
    """Exit code for an exception, by the nearest class listed in EXIT_CODES."""
    for cls in type(error).__mro__:
        if cls in EXIT_CODES:
            return EXIT_CODES[cls]
    return ExitCode.FAILED
