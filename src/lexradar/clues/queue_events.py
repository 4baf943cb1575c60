"""Audit events of the clue queue: searches, exports and saved filters.

A search term is personal data (a resident ID, a name), so an event keeps it masked
(:attr:`lexradar.clues.terms.Term.masked`) with the kinds it was read as; the subject is the
user's procuratorate, so the entry belongs to their region's audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass(frozen=True)
class ClueSearched:
    """A user searched the queue (the term masked, the filters, how many clues matched)."""

    actor: str
    procuratorate: str
    term: str
    kinds: tuple[str, ...]
    found: int
    filters: dict[str, Any] = field(default_factory=dict)
    action: ClassVar[str] = "clues.search"

    @property
    def subject(self) -> str:
        return f"procuratorate:{self.procuratorate}"

    @property
    def detail(self) -> dict[str, Any]:
        return {
            "term": self.term,
            "kinds": list(self.kinds),
            "found": self.found,
            "filters": self.filters,
        }


@dataclass(frozen=True)
class CluesExported:
    """A user exported the filtered queue; ``reason`` when personal data was revealed."""

    actor: str
    procuratorate: str
    format: str
    rows: int
    filters: dict[str, Any]
    term: str | None = None
    revealed: bool = False
    reason: str | None = None
    action: ClassVar[str] = "clues.export"

    @property
    def subject(self) -> str:
        return f"procuratorate:{self.procuratorate}"

    @property
    def detail(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "format": self.format,
            "rows": self.rows,
            "filters": self.filters,
            "revealed": self.revealed,
        }
        if self.term:
            out["term"] = self.term
        if self.revealed:
            out["reason"] = self.reason
        return out


@dataclass(frozen=True)
class FilterSaved:
    actor: str
    name: str
    filters: dict[str, Any]
    action: ClassVar[str] = "filter.save"

    @property
    def subject(self) -> str:
        return f"user:{self.actor}"

    @property
    def detail(self) -> dict[str, Any]:
        return {"name": self.name, "filters": self.filters}


@dataclass(frozen=True)
class FilterDeleted:
    actor: str
    name: str
    action: ClassVar[str] = "filter.delete"

    @property
    def subject(self) -> str:
        return f"user:{self.actor}"

    @property
    def detail(self) -> dict[str, Any]:
        return {"name": self.name}
