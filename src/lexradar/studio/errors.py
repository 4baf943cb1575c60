"""Errors of the model studio (all :class:`~lexradar.errors.LexradarError`)."""

from __future__ import annotations

from lexradar.errors import LexradarError


class StudioError(LexradarError):
    """A draft, a block, a search or a lifecycle move the studio cannot do, and where."""
