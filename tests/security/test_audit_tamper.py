"""Tampering with the audit chain by SQL or with its checkpoint file: a plain
``lexradar audit verify`` finds each of the 17 cases (issue 16), on SQLite and on PostgreSQL.

The attacker here can run any SQL on the casebook and write the checkpoint file, but does not
hold the audit key (a file the database never sees).
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from lexradar.cli.app import app
from lexradar.clues import audit
from lexradar.clues import workflow as wf
from lexradar.clues.access import add_user, user
from lexradar.clues.anchor import AnchorError, Checkpoint, Key
from lexradar.clues.db import Casebook
from lexradar.clues.events import canonical
from lexradar.clues.queries import list_clues, reveal
from lexradar.clues.store import load_clues
from tests.clues.conftest import DOMAINS, fresh_url, make_clues  # noqa: F401 (a fixture)


@dataclass
class Book:
    url: str
    checkpoints: Path
    older_checkpoints: Path
    """A copy of the checkpoint file taken four write transactions before the end."""
    head: int
    middle: int
    """The second of three entries written by one transaction (a bulk assignment)."""
    revealed: int
    """The ``clue.reveal`` entry; its detail is ``{"reason":"核查"}``."""


@pytest.fixture
def book(fresh_url: str, tmp_path: Path) -> Iterator[Book]:  # noqa: F811
    """A committed casebook: init, users, a load in three batches, then four more writes."""
    casebook = Casebook.open(fresh_url)
    admin, handler = user(casebook, "admin"), user(casebook, "songshan")
    load_clues(casebook, make_clues(9), admin, domains=DOMAINS, batch_size=3)
    assert casebook.anchor.checkpoints_path is not None
    older = tmp_path / "older-checkpoints"
    shutil.copy(casebook.anchor.checkpoints_path, older)
    ids = [c.id for c in list_clues(casebook, handler)][:3]
    wf.bulk_assign(casebook, handler, dict.fromkeys(ids), "songshan")
    reveal(casebook, handler, ids[0], "核查")
    wf.add_note(casebook, handler, ids[1], "电话核实")
    wf.dismiss(casebook, handler, ids[2], None, "duplicate")
    entries = audit.tail(casebook, 1000)
    assigned = [e.seq for e in entries if e.action == "clue.assigned"]
    (revealed,) = [e.seq for e in entries if e.action == "clue.reveal"]
    casebook.dispose()
    yield Book(
        fresh_url,
        casebook.anchor.checkpoints_path,
        older,
        entries[-1].seq,
        assigned[1],
        revealed,
    )


def _sql(url: str, *statements: str, params: dict[str, Any] | None = None) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for statement in statements:
            if params:
                conn.execute(sa.text(statement), params)
            else:
                conn.exec_driver_sql(statement)
    engine.dispose()


def _entry(url: str, seq: int) -> Any:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT * FROM audit_log WHERE seq = :s"), {"s": seq}).one()
    engine.dispose()
    return row


_INSERT = (
    "INSERT INTO audit_log (seq, at, actor, action, subject, detail, prev_hash, hash, alg, "
    "key_id, anchor) VALUES (:seq, :at, :actor, :action, :subject, :detail, :prev, :hash, "
    ":alg, :key_id, :anchor)"
)


def _append(url: str, *, alg: str, sign: Callable[[dict[str, Any]], str]) -> None:
    """Append a forged ``clue.reveal`` after the head, hashed by ``sign``."""
    head = _entry(url, _head(url))
    row = {
        "seq": head.seq + 1,
        "at": head.at,
        "actor": "songshan",
        "action": "clue.reveal",
        "subject": "clue:1",
        "detail": canonical({"reason": "核查"}),
        "prev": head.hash,
        "alg": alg,
        "key_id": head.key_id,
        "anchor": head.anchor,
    }
    _sql(url, _INSERT, params={**row, "hash": sign(row)})


def _head(url: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        seq = conn.execute(sa.text("SELECT max(seq) FROM audit_log")).scalar_one()
    engine.dispose()
    return seq


def _legacy(row: Any, prev: str, detail: str | None = None) -> str:
    return audit.entry_hash(
        prev, row.seq, row.at, row.actor, row.action, row.subject, detail or row.detail
    )


# the 17 cases


def truncate_tail_by_one(b: Book) -> None:
    _sql(b.url, f"DELETE FROM audit_log WHERE seq = {b.head}")


def truncate_tail_by_many(b: Book) -> None:
    _sql(b.url, f"DELETE FROM audit_log WHERE seq > {b.head - 5}")


def delete_a_middle_entry(b: Book) -> None:
    _sql(b.url, f"DELETE FROM audit_log WHERE seq = {b.middle}")


def edit_a_detail(b: Book) -> None:
    _sql(
        b.url,
        "UPDATE audit_log SET detail = :d WHERE seq = :s",
        params={"d": canonical({"reason": "nothing"}), "s": b.revealed},
    )


def edit_and_rehash_one(b: Book) -> None:
    row = _entry(b.url, b.revealed)
    forged = canonical({"reason": "nothing"})
    digest = _legacy(row, row.prev_hash, forged)
    _sql(
        b.url,
        f"UPDATE audit_log SET detail = '{forged}', hash = '{digest}' WHERE seq = {b.revealed}",
    )


def edit_and_rehash_to_the_end(b: Book) -> None:
    """The edit, then every later entry rehashed (unkeyed) so that every link holds."""
    prev = _entry(b.url, b.middle - 1).hash
    for seq in range(b.middle, b.head + 1):
        row = _entry(b.url, seq)
        detail = canonical({"to": "assigned"}) if seq == b.middle else row.detail
        digest = _legacy(row, prev, detail)
        _sql(
            b.url,
            "UPDATE audit_log SET detail = :d, prev_hash = :p, hash = :h, alg = 'sha256' "
            "WHERE seq = :s",
            params={"d": detail, "p": prev, "h": digest, "s": seq},
        )
        prev = digest


def append_a_forged_entry_with_sha256(b: Book) -> None:
    _append(
        b.url,
        alg="sha256",
        sign=lambda r: audit.entry_hash(
            r["prev"], r["seq"], r["at"], r["actor"], r["action"], r["subject"], r["detail"]
        ),
    )


def append_an_entry_signed_with_another_key(b: Book) -> None:
    other = Key(secrets.token_bytes(32))
    _append(
        b.url,
        alg="hmac-sha256",
        sign=lambda r: audit.signed_hash(
            other,
            r["prev"],
            r["seq"],
            r["at"],
            r["actor"],
            r["action"],
            r["subject"],
            r["detail"],
            r["anchor"],
        ),
    )


def reorder_two_entries(b: Book) -> None:
    m = b.middle  # swapped through a free number so the primary key allows it
    _sql(
        b.url,
        f"UPDATE audit_log SET seq = -1 WHERE seq = {m}",
        f"UPDATE audit_log SET seq = {m} WHERE seq = {m + 1}",
        f"UPDATE audit_log SET seq = {m + 1} WHERE seq = -1",
    )


def duplicate_a_sequence_number(b: Book) -> None:
    """The primary key dropped (the table rebuilt without it) and an entry inserted twice."""
    _sql(
        b.url,
        "CREATE TABLE audit_copy AS SELECT * FROM audit_log",
        "DROP TABLE audit_log",
        "ALTER TABLE audit_copy RENAME TO audit_log",
        f"INSERT INTO audit_log SELECT * FROM audit_log WHERE seq = {b.middle}",
    )


def change_the_actor(b: Book) -> None:
    _sql(b.url, f"UPDATE audit_log SET actor = 'someone_else' WHERE seq = {b.middle}")


def change_the_timestamp(b: Book) -> None:
    _sql(
        b.url,
        f"UPDATE audit_log SET at = '2020-01-01T00:00:00.000000+00:00' WHERE seq = {b.middle}",
    )


def a_detail_with_a_duplicate_key(b: Book) -> None:
    """``{"reason":"nothing","reason":"核查"}`` parses (last wins) to the signed detail."""
    _sql(
        b.url,
        "UPDATE audit_log SET detail = :d WHERE seq = :s",
        params={"d": '{"reason":"nothing","reason":"核查"}', "s": b.revealed},
    )


def delete_every_entry(b: Book) -> None:
    _sql(b.url, "DELETE FROM audit_log")


def replace_the_checkpoints_with_an_older_copy(b: Book) -> None:
    shutil.copy(b.older_checkpoints, b.checkpoints)


def delete_the_checkpoint_file(b: Book) -> None:
    b.checkpoints.unlink()


def forge_a_checkpoint(b: Book) -> None:
    """The last two entries deleted and a checkpoint of the new head appended (no key)."""
    truncated = _entry(b.url, b.head - 2)
    _sql(b.url, f"DELETE FROM audit_log WHERE seq > {b.head - 2}")
    cp = Checkpoint(truncated.seq, truncated.hash, truncated.seq, truncated.at, truncated.key_id)
    with b.checkpoints.open("a", encoding="utf-8") as f:
        f.write(cp.signed(Key(secrets.token_bytes(32))).line())


CASES: dict[Callable[[Book], None], str] = {
    truncate_tail_by_one: "entries were removed",
    truncate_tail_by_many: "entries were removed",
    delete_a_middle_entry: "is missing",
    edit_a_detail: "content does not match its hash",
    edit_and_rehash_one: "content does not match its hash",
    edit_and_rehash_to_the_end: "unsigned (sha256) entry after signed ones",
    append_a_forged_entry_with_sha256: "unsigned (sha256) entry after signed ones",
    append_an_entry_signed_with_another_key: "content does not match its hash",
    reorder_two_entries: "previous-hash link does not match",
    duplicate_a_sequence_number: "appears twice",
    change_the_actor: "content does not match its hash",
    change_the_timestamp: "",
    a_detail_with_a_duplicate_key: "duplicate key 'reason'",
    delete_every_entry: "entries were removed",
    replace_the_checkpoints_with_an_older_copy: "checkpoint",
    delete_the_checkpoint_file: "is missing",
    forge_a_checkpoint: "not signed by the casebook's key",
}
AT: dict[Callable[[Book], None], Callable[[Book], int]] = {
    truncate_tail_by_one: lambda b: b.head,
    truncate_tail_by_many: lambda b: b.head - 4,
    delete_a_middle_entry: lambda b: b.middle,
    edit_a_detail: lambda b: b.revealed,
    edit_and_rehash_one: lambda b: b.revealed,
    edit_and_rehash_to_the_end: lambda b: b.middle,
    append_a_forged_entry_with_sha256: lambda b: b.head + 1,
    append_an_entry_signed_with_another_key: lambda b: b.head + 1,
    reorder_two_entries: lambda b: b.middle,
    duplicate_a_sequence_number: lambda b: b.middle,
    change_the_actor: lambda b: b.middle,
    change_the_timestamp: lambda b: b.middle,
    a_detail_with_a_duplicate_key: lambda b: b.revealed,
    delete_every_entry: lambda b: 1,
}


def _verify(url: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["audit", "verify", "--casebook", url])
    return result.exit_code, " ".join(result.output.split())


def test_there_are_seventeen_cases() -> None:
    assert len(CASES) == 17


@pytest.mark.parametrize("tamper", list(CASES), ids=lambda f: f.__name__)
def test_a_plain_verify_finds_it(book: Book, tamper: Callable[[Book], None]) -> None:
    status, output = _verify(book.url)
    assert status == 0 and "audit chain intact" in output, output
    tamper(book)
    status, output = _verify(book.url)
    assert status == 1, output
    assert "audit chain broken" in output and CASES[tamper] in output, output
    if tamper in AT:
        assert f"broken at entry {AT[tamper](book)}:" in output, output


def test_rehashing_every_entry_as_unsigned_does_not_pass_either(book: Book) -> None:
    prev = audit.GENESIS
    for seq in range(1, book.head + 1):
        row = _entry(book.url, seq)
        digest = _legacy(row, prev)
        _sql(
            book.url,
            "UPDATE audit_log SET prev_hash = :p, hash = :h, alg = 'sha256' WHERE seq = :s",
            params={"p": prev, "h": digest, "s": seq},
        )
        prev = digest
    status, output = _verify(book.url)
    assert status == 1 and "differs from its checkpoint" in output, output


def test_the_older_copy_is_found_after_further_writes_too(book: Book) -> None:
    """The copy put back, then two more writes: the first checks and re-checkpoints the head
    (``audit.checkpoint``), yet the checkpoints the copy lacks are still missed."""
    replace_the_checkpoints_with_an_older_copy(book)
    casebook = Casebook.open(book.url)
    admin = user(casebook, "admin")
    add_user(casebook, admin, "later", "pw-123456", "handler", "150404")
    add_user(casebook, admin, "later2", "pw-123456", "handler", "150404")
    assert "audit.checkpoint" in [e.action for e in audit.tail(casebook, 3)]
    casebook.dispose()
    status, output = _verify(book.url)
    assert status == 1 and "checkpoint" in output, output


@pytest.mark.parametrize(
    "tamper",
    [truncate_tail_by_one, delete_the_checkpoint_file, forge_a_checkpoint, delete_every_entry],
    ids=lambda f: f.__name__,
)
def test_a_cut_or_unanchored_chain_takes_no_more_writes(
    book: Book, tamper: Callable[[Book], None]
) -> None:
    tamper(book)
    casebook = Casebook.open(book.url)
    admin = user(casebook, "admin")
    with pytest.raises(AnchorError, match="nothing is written"):
        add_user(casebook, admin, "after", "pw-123456", "handler", "150404")
    casebook.dispose()


def test_the_key_never_reaches_the_database(book: Book) -> None:
    casebook = Casebook.open(book.url)
    secret = casebook.anchor.key().secret.hex()
    assert casebook.anchor.key_path is not None
    assert os.stat(casebook.anchor.key_path).st_mode & 0o777 == 0o600
    engine = sa.create_engine(book.url)
    with engine.connect() as conn:
        for table in sa.inspect(conn).get_table_names():
            rows = conn.execute(sa.text(f"SELECT * FROM {table}")).all()
            assert not any(secret in str(v) for r in rows for v in r), table
    engine.dispose()
    casebook.dispose()
