"""Errors of the casebook (all :class:`~lexradar.errors.LexradarError`)."""

from __future__ import annotations

from lexradar.errors import LexradarError, Location


class CasebookError(LexradarError):
    """The casebook refused an operation."""


class NotFoundError(CasebookError):
    """No such clue, case or user — or not within the acting user's region."""


class ConflictError(CasebookError):
    """Someone changed the record since it was read (stale ``version``); reread and retry."""

    def __init__(self, what: str, expected: int, found: int | None) -> None:
        self.expected = expected
        self.found = found
        super().__init__(
            f"{what} changed since it was read: expected version {expected}, found {found}",
            Location(field="version"),
        )


class TransitionError(CasebookError):
    """A workflow step that the state machine does not allow."""


class PermissionDenied(CasebookError):
    """The acting user's role does not allow this."""
