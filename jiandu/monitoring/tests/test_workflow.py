"""The alert state machine, without a database."""

import pytest

from jiandu.monitoring.choices import AlertAction, AlertStatus
from jiandu.monitoring.workflow import (
    ENGINE_ACTIONS,
    TRANSITIONS,
    TransitionError,
    can,
    next_status,
)

S, A = AlertStatus, AlertAction


@pytest.mark.parametrize(("status", "action", "after"), [
    (S.OPEN, A.ACKNOWLEDGE, S.ACKNOWLEDGED),
    (S.OPEN, A.DISMISS, S.DISMISSED),
    (S.ACKNOWLEDGED, A.DISMISS, S.DISMISSED),
    (S.ACKNOWLEDGED, A.TO_CLUE, S.CLUE),
    (S.OPEN, A.ASSIGN, S.OPEN),
    (S.DISMISSED, A.COMMENT, S.DISMISSED),
    (S.ACKNOWLEDGED, A.RESOLVE, S.RESOLVED),
    (S.RESOLVED, A.REOPEN, S.OPEN),
    (S.DISMISSED, A.REINSTATE, S.OPEN),
])
def test_allowed(status, action, after):
    assert next_status(status, action) == after


@pytest.mark.parametrize(("status", "action"), [
    (S.ACKNOWLEDGED, A.ACKNOWLEDGE), (S.DISMISSED, A.ACKNOWLEDGE), (S.DISMISSED, A.DISMISS),
    (S.CLUE, A.DISMISS), (S.DISMISSED, A.REOPEN), (S.CLUE, A.ASSIGN), (S.DISMISSED, A.RESOLVE),
    (S.OPEN, A.REINSTATE), (S.CLUE, A.REINSTATE), (S.RESOLVED, A.REINSTATE),
])
def test_refused(status, action):
    assert not can(status, action)
    with pytest.raises(TransitionError, match="不能"):
        next_status(status, action)


def test_every_action_has_a_row_and_only_the_engine_resolves_or_reopens():
    assert set(TRANSITIONS) == set(A.values)
    assert ENGINE_ACTIONS == {A.RESOLVE, A.REOPEN}
