"""The exit-code table: every row, asserted."""

from __future__ import annotations

import pytest

from bsevents import errors
from bsevents.errors import ExitCode, exit_code_for


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (errors.UsageProblem("x"), 2),
        (errors.RequestFailed("x"), 1),
        (errors.NetworkError("x"), 1),
        (errors.BadResponse("x"), 1),
        (errors.AuthProblem("x"), 3),
        (errors.KeyRejected("x", status=401), 3),
        (errors.KeyringUnavailable("x"), 3),
        (errors.NotFound("x"), 4),
        (errors.RateLimited("x"), 5),
        (errors.AnswerIsNo("x"), 6),
        (KeyboardInterrupt(), 130),
        (errors.BseventsError("x"), 1),
        (ValueError("a bug"), 1),
    ],
)
def test_exit_code_for(error: BaseException, code: int) -> None:
    assert exit_code_for(error) == code


def test_exit_codes_are_the_documented_ones() -> None:
    assert {c.name: c.value for c in ExitCode} == {
        "OK": 0,
        "FAILED": 1,
        "USAGE": 2,
        "AUTH": 3,
        "NOT_FOUND": 4,
        "RATE_LIMITED": 5,
        "ANSWER_IS_NO": 6,
        "INTERRUPTED": 130,
    }
