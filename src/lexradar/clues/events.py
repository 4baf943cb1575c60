"""Audit events: one small frozen record per action, and the canonical JSON they are kept in.

A write collects events while it changes rows (``Casebook.write``); the audit chain
(:mod:`lexradar.clues.audit`) appends them in the same transaction. Every event has an
``actor``, an ``action``, a ``subject`` (``clue:17``, ``user:admin``…) and a ``detail`` — a
JSON object stored as :func:`canonical` text (sorted keys, no spaces, UTF-8). Reading a detail
back goes through :func:`loads_strict`, which refuses a duplicate key: a detail such as
``{"reason":"核查","reason":"x"}`` would otherwise show one value and hide the other.

This module imports nothing of the casebook, so the chain, the write path and the code that
raises events all depend on it and not on each other.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol


class DuplicateKeyError(ValueError):
    """A JSON object names the same key twice."""


def canonical(value: Any) -> str:
    """Canonical JSON: sorted keys, no spaces, non-ASCII kept, dates and decimals as text."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise DuplicateKeyError(f"duplicate key {key!r}")
        out[key] = value
    return out


def loads_strict(text: str) -> Any:
    """Parse JSON, refusing duplicate keys (:class:`DuplicateKeyError`) at any depth."""
    return json.loads(text, object_pairs_hook=_no_duplicates)


class Auditable(Protocol):
    """What the chain needs of an event."""

    @property
    def actor(self) -> str: ...

    @property
    def action(self) -> str: ...

    @property
    def subject(self) -> str: ...

    @property
    def detail(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Event:
    """An event of an action that has no record of its own yet (prefer a typed one below)."""

    actor: str
    action: str
    subject: str
    detail: dict[str, Any] = field(default_factory=dict)


# Sign-in and users


@dataclass(frozen=True)
class LoggedIn:
    actor: str
    action: ClassVar[str] = "login"

    @property
    def subject(self) -> str:
        return f"user:{self.actor}"

    @property
    def detail(self) -> dict[str, Any]:
        return {}


@dataclass(frozen=True)
class LoginFailed(LoggedIn):
    action: ClassVar[str] = "login.failed"


@dataclass(frozen=True)
class UserAdded:
    actor: str
    username: str
    role: str
    procuratorate: str
    action: ClassVar[str] = "user.add"

    @property
    def subject(self) -> str:
        return f"user:{self.username}"

    @property
    def detail(self) -> dict[str, Any]:
        return {"role": self.role, "procuratorate": self.procuratorate}


@dataclass(frozen=True)
class ProcuratorateAdded:
    actor: str
    code: str
    name: str
    parent: str | None
    action: ClassVar[str] = "procuratorate.add"

    @property
    def subject(self) -> str:
        return f"procuratorate:{self.code}"

    @property
    def detail(self) -> dict[str, Any]:
        return {"name": self.name, "parent": self.parent}


# Clues


@dataclass(frozen=True)
class ClueMoved:
    """A clue's state changed (``clue.assigned``, ``clue.dismissed``, …)."""

    actor: str
    clue_id: int
    from_status: str
    to_status: str
    version: int
    reason: str | None = None
    note: str = ""
    dismiss_reason: str | None = None
    assignee_id: int | None = None

    @property
    def action(self) -> str:
        return f"clue.{self.to_status}"

    @property
    def subject(self) -> str:
        return f"clue:{self.clue_id}"

    @property
    def detail(self) -> dict[str, Any]:
        out: dict[str, Any] = {"from": self.from_status, "to": self.to_status}
        out["version"] = self.version
        if self.reason:
            out["reason"] = self.reason
        if self.note:
            out["note"] = self.note
        if self.dismiss_reason is not None:
            out["dismiss_reason"] = self.dismiss_reason
        if self.assignee_id is not None:
            out["assignee_id"] = self.assignee_id
        return out


@dataclass(frozen=True)
class ClueNoted:
    actor: str
    clue_id: int
    note: str
    action: ClassVar[str] = "clue.note"

    @property
    def subject(self) -> str:
        return f"clue:{self.clue_id}"

    @property
    def detail(self) -> dict[str, Any]:
        return {"note": self.note}


@dataclass(frozen=True)
class ClueRevealed:
    """Personal data of a clue shown unmasked, with the reason given."""

    actor: str
    clue_id: int
    reason: str
    document: str | None = None
    action: ClassVar[str] = "clue.reveal"

    @property
    def subject(self) -> str:
        return f"clue:{self.clue_id}"

    @property
    def detail(self) -> dict[str, Any]:
        out = {"reason": self.reason}
        if self.document:
            out["document"] = self.document
        return out


@dataclass(frozen=True)
class RunLoaded:
    actor: str
    run_id: str
    model: str
    clues: int
    action: ClassVar[str] = "run.load"

    @property
    def subject(self) -> str:
        return f"run:{self.run_id}"

    @property
    def detail(self) -> dict[str, Any]:
        return {"model": self.model, "clues": self.clues}


@dataclass(frozen=True)
class CluesLoaded:
    """One batch of a clue file loaded: what it added, refreshed, changed and reopened."""

    actor: str
    start: int
    read: int
    new: int
    refreshed: int
    changed: int
    reopened: tuple[str, ...] = ()
    action: ClassVar[str] = "clues.load"

    @property
    def subject(self) -> str:
        return f"batch:{self.start}"

    @property
    def detail(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "new": self.new,
            "refreshed": self.refreshed,
            "changed": self.changed,
            "reopened": list(self.reopened),
        }


# Cases, models, documents


@dataclass(frozen=True)
class CaseOpened:
    actor: str
    case_id: int
    kind: str
    domain: str
    clues: tuple[int, ...]
    action: ClassVar[str] = "case.open"

    @property
    def subject(self) -> str:
        return f"case:{self.case_id}"

    @property
    def detail(self) -> dict[str, Any]:
        return {"kind": self.kind, "domain": self.domain, "clues": sorted(self.clues)}


@dataclass(frozen=True)
class CaseClosed:
    actor: str
    case_id: int
    outcome: str
    funds_recovered: str
    action: ClassVar[str] = "case.close"

    @property
    def subject(self) -> str:
        return f"case:{self.case_id}"

    @property
    def detail(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "funds_recovered": self.funds_recovered}


@dataclass(frozen=True)
class ModelMoved:
    actor: str
    model_id: str
    from_status: str
    to_status: str
    version: int
    reason: str
    examples_passed: int | None
    action: ClassVar[str] = "model.move"

    @property
    def subject(self) -> str:
        return f"model:{self.model_id}"

    @property
    def detail(self) -> dict[str, Any]:
        return {
            "from": self.from_status,
            "to": self.to_status,
            "version": self.version,
            "reason": self.reason,
            "examples_passed": self.examples_passed,
        }


@dataclass(frozen=True)
class DocumentGenerated:
    """A procuratorial recommendation drafted for a clue or a case (``on``)."""

    actor: str
    on: str
    clues: tuple[int, ...]
    model: str
    revealed: bool
    template: str
    file: str
    reason: str | None = None
    number: str | None = None
    """The document number as printed (``昆检建〔2026〕7号``); ``None``: left blank."""
    date: str | None = None
    """The document's date, ISO (``None``: an entry written before dates were recorded)."""
    format: str | None = None
    """``docx`` or ``pdf``."""
    action: ClassVar[str] = "document.recommendation"

    @property
    def subject(self) -> str:
        return self.on

    @property
    def detail(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "clues": list(self.clues),
            "model": self.model,
            "revealed": self.revealed,
            "template": self.template,
            "file": self.file,
        }
        if self.revealed:
            out["reason"] = self.reason
        if self.date is not None:
            out.update(number=self.number, date=self.date, format=self.format)
        return out


# The chain's own events


@dataclass(frozen=True)
class ChainKeyed:
    """The chain is signed with a key from here on (``casebook init``): what came before."""

    actor: str
    key_id: str
    legacy_entries: int
    legacy_head: str | None
    action: ClassVar[str] = "audit.key"

    @property
    def subject(self) -> str:
        return f"key:{self.key_id}"

    @property
    def detail(self) -> dict[str, Any]:
        return {"legacy_entries": self.legacy_entries, "legacy_head": self.legacy_head}


@dataclass(frozen=True)
class CheckpointRestored:
    """A writer found committed entries with no checkpoint (a process stopped between its
    commit and its checkpoint) and checkpointed them after checking their signatures."""

    actor: str
    after: int
    head: int
    action: ClassVar[str] = "audit.checkpoint"

    @property
    def subject(self) -> str:
        return f"entries:{self.after + 1}-{self.head}"

    @property
    def detail(self) -> dict[str, Any]:
        return {"after": self.after, "head": self.head}
