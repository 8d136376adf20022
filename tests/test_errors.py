"""The exit-code table: every row, asserted."""

from __future__ import annotations

import pytest

from bsevents import errors
from bsevents.errors import MEANINGS, ExitCode, exit_code_for
from tests.readme import readme_table


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
    rows = readme_table("## Exit codes")
    assert [int(code) for code, _ in rows] == [c.value for c in ExitCode]
    for code, meaning in rows:
        assert meaning.startswith(MEANINGS[ExitCode(int(code))]), (code, meaning)
    assert set(MEANINGS) == set(ExitCode)
