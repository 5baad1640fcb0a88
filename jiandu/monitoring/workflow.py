"""The alert state machine as a pure transition table: which action moves which status where."""

from __future__ import annotations

from .choices import AlertAction, AlertStatus

S, A = AlertStatus, AlertAction

# action -> (statuses it may start from, status it leads to; None keeps the status)
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    A.ACKNOWLEDGE: (frozenset({S.OPEN}), S.ACKNOWLEDGED),
    A.DISMISS: (frozenset({S.OPEN, S.ACKNOWLEDGED}), S.DISMISSED),
    A.TO_CLUE: (frozenset({S.OPEN, S.ACKNOWLEDGED}), S.CLUE),
    A.ASSIGN: (frozenset({S.OPEN, S.ACKNOWLEDGED}), None),
    A.COMMENT: (frozenset(S.values), None),
    A.REINSTATE: (frozenset({S.DISMISSED}), S.OPEN),
    # Only the engine takes these two: people never resolve or reopen by hand.
    A.RESOLVE: (frozenset({S.OPEN, S.ACKNOWLEDGED}), S.RESOLVED),
    A.REOPEN: (frozenset({S.RESOLVED}), S.OPEN),
}
ENGINE_ACTIONS = frozenset({A.RESOLVE, A.REOPEN})


class TransitionError(ValueError):
    def __init__(self, action: str, status: str):
        self.action, self.status = action, status
        super().__init__(
            f"状态为“{AlertStatus(status).label}”的预警不能“{AlertAction(action).label}” "
            f"(an alert in status {status} cannot take action {action})"
        )


def next_status(status: str, action: str) -> str:
    """The status after ``action``; raises TransitionError when the action is not allowed."""
    allowed, target = TRANSITIONS[action]
    if status not in allowed:
        raise TransitionError(action, status)
    return status if target is None else target


def can(status: str, action: str) -> bool:
    return status in TRANSITIONS[action][0]
