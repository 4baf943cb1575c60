"""What holds the audit chain down from outside the database: a key and signed checkpoints.

- **The key** (32 random bytes, hex, in a file of mode 0600) signs every entry
  (HMAC-SHA256). The database never holds it, so whoever can only write SQL cannot rehash an
  edited entry or append one that verifies. It is created by ``lexradar casebook init``, and
  nothing writes to a casebook without it.
- **Checkpoints** are lines appended to a file beside the key after every write transaction
  commits: ``{seq, hash, count, at, key_id, mac}``, the MAC over the rest with the same key.
  A chain that ends before its newest checkpoint was cut; one that goes past it was extended
  without the writer's knowledge.

Where they live: given to :meth:`Casebook.open`, else ``LEXRADAR_AUDIT_KEY`` /
``LEXRADAR_AUDIT_CHECKPOINTS``, else beside the casebook but not in it — for
``sqlite:///data/casebook.db`` the files ``data/casebook.db.audit-key`` and
``data/casebook.db.audit-checkpoints``; for PostgreSQL a folder per database (and schema)
under ``~/.local/state/lexradar/audit``. Appenders lock the checkpoint file (``flock``) from
before their commit until their checkpoint is written, so the checkpoints follow the commits.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from lexradar.clues.errors import CasebookError
from lexradar.clues.events import DuplicateKeyError, canonical, loads_strict
from lexradar.errors import Location

KEY_ENV = "LEXRADAR_AUDIT_KEY"
CHECKPOINTS_ENV = "LEXRADAR_AUDIT_CHECKPOINTS"
STATE_DIR = Path("~/.local/state/lexradar/audit")


class AnchorError(CasebookError):
    """The audit key or the checkpoints are missing, unreadable or not as they should be."""


@dataclass(frozen=True)
class Key:
    secret: bytes

    @property
    def id(self) -> str:
        """A short public name of the key (recorded with every entry it signs)."""
        return hashlib.sha256(b"lexradar-audit-key:" + self.secret).hexdigest()[:16]

    def mac(self, message: str) -> str:
        return hmac.new(self.secret, message.encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    count: int
    at: str
    key_id: str
    mac: str = ""

    def body(self) -> str:
        return canonical(
            {
                "seq": self.seq,
                "hash": self.hash,
                "count": self.count,
                "at": self.at,
                "key_id": self.key_id,
            }
        )

    def signed(self, key: Key) -> Checkpoint:
        return Checkpoint(
            self.seq, self.hash, self.count, self.at, self.key_id, key.mac(self.body())
        )

    def line(self) -> str:
        return canonical({**loads_strict(self.body()), "mac": self.mac}) + "\n"


@dataclass(frozen=True)
class BadLine:
    """A line of the checkpoint file that is not a checkpoint."""

    number: int
    problem: str


def default_paths(url: str) -> tuple[Path | None, Path | None]:
    """Where the key and checkpoints of the casebook at ``url`` live by default."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            return None, None
        db = Path(parsed.database)
        return db.with_name(db.name + ".audit-key"), db.with_name(db.name + ".audit-checkpoints")
    options = str(parsed.query.get("options", ""))
    schema = re.search(r"search_path[=%3D]+([\w$]+)", options)
    name = f"{parsed.host or 'local'}-{parsed.port or 5432}-{parsed.database or ''}"
    if schema:
        name += f"-{schema.group(1)}"
    folder = STATE_DIR.expanduser() / re.sub(r"[^\w.-]", "_", name)
    return folder / "key", folder / "checkpoints"


@dataclass
class Anchor:
    """The key file and checkpoint file of one casebook (``None``: held in memory only)."""

    key_path: Path | None
    checkpoints_path: Path | None
    _key: Key | None = None
    _memory: list[Checkpoint] = field(default_factory=list)

    @classmethod
    def for_url(
        cls, url: str, key: Path | str | None = None, checkpoints: Path | str | None = None
    ) -> Anchor:
        default_key, default_cps = default_paths(url)
        key = key or os.environ.get(KEY_ENV) or default_key
        checkpoints = checkpoints or os.environ.get(CHECKPOINTS_ENV) or default_cps
        if key is None or checkpoints is None:  # an in-memory casebook: an in-memory anchor
            return cls(None, None, Key(secrets.token_bytes(32)))
        return cls(Path(key), Path(checkpoints))

    # the key

    def has_key(self) -> bool:
        return self._key is not None or (self.key_path is not None and self.key_path.exists())

    def key(self) -> Key:
        """The key; :class:`AnchorError` when there is none or it is readable by others."""
        if self._key is not None:
            return self._key
        assert self.key_path is not None
        where = Location(file=str(self.key_path))
        try:
            mode = self.key_path.stat().st_mode
            text = self.key_path.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            raise AnchorError(
                "no audit key: nothing is written to the casebook without one "
                "(`lexradar casebook init` creates it; or set LEXRADAR_AUDIT_KEY)",
                where,
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise AnchorError(f"cannot read the audit key: {exc}", where) from None
        if mode & 0o077:
            raise AnchorError(
                f"the audit key is readable by others (mode {mode & 0o777:o}): chmod 600 it",
                where,
            )
        if not re.fullmatch(r"[0-9a-f]{64}", text):
            raise AnchorError("the audit key is not 64 hexadecimal digits", where)
        self._key = Key(bytes.fromhex(text))
        return self._key

    def create_key(self) -> Key:
        """Make a new key file (mode 0600, never overwriting one) and return the key."""
        if self.key_path is None:
            return self.key()
        self.key_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        secret = secrets.token_bytes(32)
        try:
            fd = os.open(self.key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return self.key()
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(secret.hex() + "\n")
            f.flush()
            os.fsync(f.fileno())
        self._key = Key(secret)
        return self._key

    # the checkpoints

    def has_checkpoints(self) -> bool:
        return self.checkpoints_path is None or self.checkpoints_path.exists()

    def create_checkpoints(self) -> None:
        if self.checkpoints_path is not None and not self.checkpoints_path.exists():
            self.checkpoints_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(self.checkpoints_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            os.close(fd)

    def read(self) -> tuple[list[Checkpoint], list[BadLine]]:
        """Every checkpoint in the file (and those held in memory), and the lines that are not."""
        found: list[Checkpoint] = []
        bad: list[BadLine] = []
        if self.checkpoints_path is not None:
            try:
                text = self.checkpoints_path.read_text(encoding="utf-8")
            except FileNotFoundError:
                text = ""
            for number, line in enumerate(text.splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    data = loads_strict(line)
                    found.append(
                        Checkpoint(
                            int(data["seq"]),
                            str(data["hash"]),
                            int(data["count"]),
                            str(data["at"]),
                            str(data["key_id"]),
                            str(data["mac"]),
                        )
                    )
                    if set(data) != {"seq", "hash", "count", "at", "key_id", "mac"}:
                        raise ValueError("unexpected fields")
                except (ValueError, KeyError, TypeError, DuplicateKeyError) as exc:
                    bad.append(BadLine(number, f"not a checkpoint ({exc})"))
        return found + self._memory, bad

    def newest(self) -> Checkpoint | None:
        checkpoints, _bad = self.read()
        return max(checkpoints, key=lambda c: c.seq, default=None)

    @contextlib.contextmanager
    def locked(self, *, shared: bool = False) -> Iterator[IO[Any] | None]:
        """Hold the checkpoint file's lock (exclusive for writers, shared for readers)."""
        if self.checkpoints_path is None or not self.checkpoints_path.exists():
            yield None
            return
        f = open(self.checkpoints_path, "a", encoding="utf-8")  # noqa: SIM115
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
            yield f
        finally:
            f.close()  # closing releases the lock

    def keep(self, checkpoint: Checkpoint) -> None:
        """Hold a checkpoint in memory (a casebook inside a caller's transaction)."""
        self._memory.append(checkpoint)

    @staticmethod
    def write(f: IO[Any] | None, checkpoint: Checkpoint) -> None:
        """Append a checkpoint to the locked file ``f`` and flush it to disk."""
        if f is None:
            raise AnchorError("the audit checkpoint file is missing")
        f.write(checkpoint.line())
        f.flush()
        os.fsync(f.fileno())
