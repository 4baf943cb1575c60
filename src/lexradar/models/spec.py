"""What a model author writes: the header of ``<id path>.yaml``; the rule is ``<same>.sql``.

The SQL is one SELECT over canonical datasets, parameters written ``:name``; it returns one row
per clue with the clue's key columns, ``person_ids`` and ``record_refs`` (lists), ``region_code``,
``severity`` and whatever the explanation templates name.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Domain = Literal["criminal", "civil", "administrative", "public_interest"]
Status = Literal["draft", "testing", "production", "retired"]
ParamType = Literal["int", "float", "str", "date", "bool"]


class Text(BaseModel):
    """A text in Chinese and English."""

    model_config = ConfigDict(extra="forbid")
    zh: str
    en: str


class Parameter(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    type: ParamType
    default: int | float | str | bool | dt.date
    doc: str

    def coerce(self, raw: object) -> object:
        """The value of this parameter from a flag's text or a YAML value."""
        if self.type == "int":
            return int(raw)  # type: ignore[call-overload]
        if self.type == "float":
            return float(raw)  # type: ignore[arg-type]
        if self.type == "bool":
            return raw if isinstance(raw, bool) else str(raw).lower() in ("1", "true", "yes")
        if self.type == "date":
            return raw if isinstance(raw, dt.date) else dt.date.fromisoformat(str(raw))
        return str(raw)


class ClueSpec(BaseModel):
    """How a result row becomes a clue."""

    model_config = ConfigDict(extra="forbid")
    key: list[str] = Field(min_length=1, description="Columns that identify a clue (fingerprint).")
    persons: str = Field(default="person_ids", description="Column: list of resident IDs.")
    refs: str = Field(default="record_refs", description="Column: list of evidence references.")
    region: str = Field(default="region_code", description="Column: region code for routing.")
    severity: str = Field(default="severity", description="Column: high, medium or low.")


class Transition(BaseModel):
    """One lifecycle step of a model: who moved it from which status to which, when and why."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    from_status: Status = Field(alias="from")
    to_status: Status = Field(alias="to")
    by: str
    at: dt.datetime
    reason: str = ""


#: allowed lifecycle moves
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "draft": ("testing", "retired"),
    "testing": ("draft", "production", "retired"),
    "production": ("testing", "retired"),
    "retired": ("draft",),
}


class ModelSpec(BaseModel):
    """The header of a model file."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
    title: Text
    domain: Domain
    supervision_point: Text
    legal_basis: list[str] = Field(min_length=1)
    datasets: list[str] = Field(min_length=1)
    parameters: list[Parameter] = Field(default_factory=list)
    clue: ClueSpec
    explanation: Text
    status: Status
    version: int = Field(ge=1)
    owner: str = Field(pattern=r"^\d{6}$", description="Region code of the owning procuratorate.")
    description: str
    history: list[Transition] = Field(
        default_factory=list, description="Lifecycle transitions, oldest first."
    )

    @field_validator("datasets")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        from lexradar.datasets import CONTRACT

        unknown = [d for d in value if d not in CONTRACT]
        if unknown:
            raise ValueError(f"unknown dataset(s) {unknown}; known: {', '.join(CONTRACT)}")
        return value

    def parameter(self, name: str) -> Parameter:
        for p in self.parameters:
            if p.name == name:
                return p
        raise KeyError(name)
