"""The error tree. Every error says what went wrong and where: file, row or line, field."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """Where a problem is: a file, a row or line in it, a field."""

    file: str | None = None
    row: int | None = None
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file)
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.field:
            parts.append(f"field '{self.field}'")
        return ", ".join(parts)


class LexradarError(Exception):
    """Base of every error lexradar raises on purpose."""

    def __init__(self, message: str, location: Location | None = None) -> None:
        self.message = message
        self.location = location or Location()
        where = str(self.location)
        super().__init__(f"{where}: {message}" if where else message)


class SettingsError(LexradarError):
    """lexradar.toml, an environment variable or a flag holds a bad value."""


class ContractError(LexradarError):
    """Data does not match the canonical data contract."""


class LakeError(LexradarError):
    """The lake folder is missing, incomplete or unreadable."""


class ModelError(LexradarError):
    """A model file is invalid: bad header, bad SQL, unknown dataset or column."""


class EngineError(LexradarError):
    """The engine failed while running a named step."""

    def __init__(self, message: str, step: str, sql: str) -> None:
        self.step = step
        self.sql = sql
        super().__init__(f"step '{step}' failed: {message}\n--- SQL ---\n{sql}")


class EvalError(LexradarError):
    """A clue file or a truth file cannot be scored."""


class NormalizeError(LexradarError):
    """A value (resident ID, name, date, region code, amount) cannot be cleaned.

    ``reason`` is a short machine-readable code (e.g. ``bad_check_digit``), ``value`` the raw value.
    """

    def __init__(
        self, message: str, reason: str, value: object, location: Location | None = None
    ) -> None:
        self.reason = reason
        self.value = value
        super().__init__(f"{message} (value {value!r})", location)


class IngestError(LexradarError):
    """A raw agency file or its mapping cannot be ingested; nothing of the batch is written."""
