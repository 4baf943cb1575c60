"""The audit chain: every change is chained; tampering by SQL is found at its entry."""

from __future__ import annotations

import pytest

from lexradar.clues import audit
from lexradar.clues import workflow as wf
from lexradar.clues.access import User, login
from lexradar.clues.db import Casebook
from lexradar.clues.errors import PermissionDenied
from lexradar.clues.queries import list_clues, reveal
from lexradar.clues.store import load_clues
from tests.clues.conftest import DOMAINS, make_clues


@pytest.fixture
def chained(casebook: Casebook, people: dict[str, User]) -> Casebook:
    load_clues(casebook, make_clues(6), domains=DOMAINS, batch_size=3)
    handler = people["songshan"]
    cid = list_clues(casebook, handler)[0].id
    wf.assign(casebook, handler, cid, None, "songshan")
    reveal(casebook, handler, cid, "核查")
    return casebook


def test_every_change_is_an_entry_and_the_chain_holds(chained: Casebook) -> None:
    assert audit.verify(chained) is None
    entries = audit.tail(chained, 1000)
    actions = [e.action for e in entries]
    base = actions.index("run.load")  # the session's users come first
    assert actions[base:] == [
        "run.load",
        "clues.load",
        "clues.load",
        "clue.assigned",
        "clue.reveal",
    ]
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    assert entries[-1].prev_hash == entries[-2].hash


def _seq_of(casebook: Casebook, action: str) -> int:
    return next(e.seq for e in audit.tail(casebook, 1000) if e.action == action)


TAMPERING = {
    "edit": 'UPDATE audit_log SET detail = \'{"reason":"nothing"}\' WHERE seq = {s}',
    "delete": "DELETE FROM audit_log WHERE seq = {s}",
    "reorder": "",
    "edit_actor": "UPDATE audit_log SET actor = 'someone_else' WHERE seq = {s}",
}


@pytest.mark.parametrize("how", list(TAMPERING))
def test_tampering_by_sql_is_reported_at_that_entry(chained: Casebook, how: str) -> None:
    target = _seq_of(chained, "clue.assigned")
    sql = TAMPERING[how].replace("{s}", str(target))
    with chained.read() as conn:
        if how == "reorder":  # swap through a free number so the primary key allows it
            conn.exec_driver_sql(f"UPDATE audit_log SET seq = -1 WHERE seq = {target}")
            conn.exec_driver_sql(f"UPDATE audit_log SET seq = {target} WHERE seq = {target + 1}")
            conn.exec_driver_sql(f"UPDATE audit_log SET seq = {target + 1} WHERE seq = -1")
        else:
            conn.exec_driver_sql(sql)
    broken = audit.verify(chained)
    assert broken is not None and broken.seq == target, broken


def test_a_rehashed_forgery_breaks_the_next_link(chained: Casebook) -> None:
    target = _seq_of(chained, "clue.assigned")
    (entry,) = [e for e in audit.tail(chained, 1000) if e.seq == target]
    forged = '{"to":"assigned"}'
    digest = audit.entry_hash(
        entry.prev_hash, entry.seq, entry.at, entry.actor, entry.action, entry.subject, forged
    )
    with chained.read() as conn:
        conn.exec_driver_sql(
            f"UPDATE audit_log SET detail = '{forged}', hash = '{digest}' WHERE seq = {target}"
        )
    broken = audit.verify(chained)
    assert broken is not None and broken.seq == target + 1
    assert "previous-hash" in broken.problem


def test_logins_are_audited_whether_they_succeed_or_not(casebook: Casebook) -> None:
    assert login(casebook, "songshan", "songshan-secret").procuratorate_code == "150404"
    with pytest.raises(PermissionDenied):
        login(casebook, "songshan", "wrong")
    with pytest.raises(PermissionDenied):
        login(casebook, "nobody", "x")
    assert [e.action for e in audit.tail(casebook, 3)] == ["login", "login.failed", "login.failed"]
    assert audit.verify(casebook) is None


def test_cutting_off_the_tail_is_found_against_a_recorded_head(chained: Casebook) -> None:
    head = audit.tail(chained, 1)[0]
    assert audit.verify(chained, head=(head.seq, head.hash)) is None
    with chained.read() as conn:
        conn.exec_driver_sql(f"DELETE FROM audit_log WHERE seq = {head.seq}")
    assert audit.verify(chained) is None, "a chain cut at its end still holds by itself"
    broken = audit.verify(chained, head=(head.seq, head.hash))
    assert broken is not None and broken.seq == head.seq
