"""The audit chain: every change is a signed entry written in the change's own transaction.

Tampering case by case, through ``lexradar audit verify``: tests/security/test_audit_tamper.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from lexradar.clues import audit
from lexradar.clues import workflow as wf
from lexradar.clues.access import SYSTEM, User, add_user, login, user
from lexradar.clues.anchor import Anchor, AnchorError
from lexradar.clues.db import Casebook, make_engine, upgrade
from lexradar.clues.errors import PermissionDenied
from lexradar.clues.events import ClueMoved, DuplicateKeyError, canonical, loads_strict
from lexradar.clues.queries import list_clues, reveal
from lexradar.clues.store import load_clues
from lexradar.clues.tables import audit_log, clues, users
from tests.clues.conftest import DOMAINS, make_clues

ROOT = Path(__file__).parents[2]


@pytest.fixture
def chained(casebook: Casebook, people: dict[str, User]) -> Casebook:
    load_clues(casebook, make_clues(6), domains=DOMAINS, batch_size=3)
    handler = people["songshan"]
    cid = list_clues(casebook, handler)[0].id
    wf.assign(casebook, handler, cid, None, "songshan")
    reveal(casebook, handler, cid, "核查")
    return casebook


def _count(casebook: Casebook, table: sa.Table) -> int:
    with casebook.read() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def test_every_change_is_a_signed_entry_and_the_chain_holds(chained: Casebook) -> None:
    assert audit.verify(chained) is None
    entries = audit.tail(chained, 1000)
    actions = [e.action for e in entries]
    assert actions[0] == "audit.key", "init gives the chain its key first"
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
    key = chained.anchor.key()
    assert {(e.alg, e.key_id) for e in entries} == {("hmac-sha256", key.id)}
    # each write transaction starts right after the entry checkpointed before it
    assert entries[-1].anchor == entries[-1].seq - 1
    assert entries[base].anchor == entries[base + 1].anchor - 1 == entries[base].seq - 1
    assert entries[-1].data == {"reason": "核查"}


def test_typed_events_keep_their_fields_and_canonical_details(chained: Casebook) -> None:
    event = ClueMoved("songshan", 7, "new", "assigned", 2, note="交办", assignee_id=3)
    assert (event.action, event.subject) == ("clue.assigned", "clue:7")
    assert canonical(event.detail) == (
        '{"assignee_id":3,"from":"new","note":"交办","to":"assigned","version":2}'
    )
    with pytest.raises(AttributeError):
        event.note = "changed"  # type: ignore[misc]
    assigned = next(e for e in audit.tail(chained, 10) if e.action == "clue.assigned")
    assert assigned.detail == canonical(json.loads(assigned.detail))
    assert set(assigned.data) == {"from", "to", "version", "assignee_id"}


def test_reading_a_detail_refuses_a_duplicate_key_at_any_depth() -> None:
    assert loads_strict('{"a":{"b":1},"c":[{"d":2}]}') == {"a": {"b": 1}, "c": [{"d": 2}]}
    with pytest.raises(DuplicateKeyError, match="'reason'"):
        loads_strict('{"reason":"核查","reason":"nothing"}')
    with pytest.raises(DuplicateKeyError, match="'b'"):
        loads_strict('{"a":[{"b":1,"b":2}]}')


def test_logins_are_audited_whether_they_succeed_or_not(casebook: Casebook) -> None:
    assert login(casebook, "songshan", "songshan-secret").procuratorate_code == "150404"
    with pytest.raises(PermissionDenied):
        login(casebook, "songshan", "wrong")
    with pytest.raises(PermissionDenied):
        login(casebook, "nobody", "x")
    assert [e.action for e in audit.tail(casebook, 3)] == ["login", "login.failed", "login.failed"]
    assert audit.verify(casebook) is None


# the change and its entries commit together


def _failing_append(*_args: object, **_kwargs: object) -> None:
    raise RuntimeError("the audit append failed (injected)")


def test_a_failed_audit_append_rolls_the_change_back(
    fresh_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """5,000 clues in one batch: with the append failing, none of them stays."""
    casebook = Casebook.open(fresh_url)
    admin, handler = user(casebook, "admin"), user(casebook, "songshan")
    entries = _count(casebook, audit_log)
    with monkeypatch.context() as m:
        m.setattr(audit, "append", _failing_append)
        with pytest.raises(RuntimeError, match="injected"):
            load_clues(casebook, make_clues(5000), admin, domains=DOMAINS, batch_size=5000)
        with pytest.raises(RuntimeError, match="injected"):
            add_user(casebook, admin, "newcomer", "pw-123456", "handler", "150404")
    assert _count(casebook, clues) == 0 and _count(casebook, audit_log) == entries
    with casebook.read() as conn:
        assert (
            conn.execute(sa.select(users.c.id).where(users.c.username == "newcomer")).first()
            is None
        )
    assert audit.verify(casebook) is None
    report = load_clues(casebook, make_clues(5000), admin, domains=DOMAINS, batch_size=5000)
    assert report.new == 5000
    cid = list_clues(casebook, handler)[0].id
    version = wf.assign(casebook, handler, cid, None, "songshan")
    with monkeypatch.context() as m:
        m.setattr(audit, "append", _failing_append)
        with pytest.raises(RuntimeError):
            wf.dismiss(casebook, handler, cid, version, "duplicate")
    with casebook.read() as conn:
        assert (
            conn.execute(sa.select(clues.c.status).where(clues.c.id == cid)).scalar() == "assigned"
        )
    loads = [e.data for e in audit.tail(casebook, 100) if e.action == "clues.load"]
    assert sum(d["new"] for d in loads) == _count(casebook, clues) == 5000
    assert audit.verify(casebook) is None
    casebook.dispose()


def test_a_failed_append_inside_a_callers_transaction_leaves_nothing(
    casebook: Casebook, people: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _count(casebook, audit_log)
    monkeypatch.setattr(audit, "append", _failing_append)
    with pytest.raises(RuntimeError):
        load_clues(casebook, make_clues(300), people["admin"], domains=DOMAINS)
    assert _count(casebook, clues) == 0 and _count(casebook, audit_log) == before


def test_a_writer_stopped_after_its_commit_is_checkpointed_by_the_next(
    fresh_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between a commit and its checkpoint: the entries stay, verify says so, the next write
    checks them, checkpoints them and records that it did (``audit.checkpoint``)."""
    casebook = Casebook.open(fresh_url)
    admin = user(casebook, "admin")

    def stop(_f: object, _checkpoint: object) -> None:
        raise KeyboardInterrupt  # the process stops right after its commit

    with monkeypatch.context() as m:
        m.setattr(Anchor, "write", staticmethod(stop))
        with pytest.raises(KeyboardInterrupt):
            add_user(casebook, admin, "late", "pw-123456", "handler", "150404")
    assert user(casebook, "late").role == "handler", "committed"
    report = audit.check(casebook)
    head = report.head[0] if report.head else 0
    assert report.broken is None and report.pending == (head, head)
    login(casebook, "late", "pw-123456")
    last = audit.tail(casebook, 2)
    assert [e.action for e in last] == ["audit.checkpoint", "login"]
    assert last[0].data == {"after": head - 1, "head": head}
    report = audit.check(casebook)
    assert report.broken is None and report.pending is None
    casebook.dispose()


# the key


def test_the_key_is_a_private_file_beside_the_casebook(fresh_url: str) -> None:
    casebook = Casebook.open(fresh_url)
    path = casebook.anchor.key_path
    assert path is not None and path.stat().st_mode & 0o777 == 0o600
    if fresh_url.startswith("sqlite"):
        assert path.parent == Path(fresh_url.removeprefix("sqlite:///")).parent
    first = casebook.anchor.key().id
    casebook.init()  # again: the same key, no new entry
    assert Casebook.open(fresh_url).anchor.key().id == first
    assert [e.action for e in audit.tail(casebook, 100)].count("audit.key") == 1
    path.chmod(0o644)
    with pytest.raises(AnchorError, match="readable by others"):
        Casebook.open(fresh_url).anchor.key()
    path.chmod(0o600)
    casebook.dispose()


def test_nothing_is_written_without_the_key_and_init_does_not_replace_it(fresh_url: str) -> None:
    casebook = Casebook.open(fresh_url)
    admin = user(casebook, "admin")
    path = casebook.anchor.key_path
    assert path is not None
    saved = path.read_bytes()
    path.unlink()
    keyless = Casebook.open(fresh_url)
    with pytest.raises(AnchorError, match="no audit key"):
        add_user(keyless, admin, "ghost", "pw-123456", "handler", "150404")
    with pytest.raises(AnchorError, match="restore the key"):
        keyless.init()
    assert not path.exists(), "init made no new key"
    with keyless.read() as conn:
        assert (
            conn.execute(sa.select(users.c.id).where(users.c.username == "ghost")).first() is None
        )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, saved)
    os.close(fd)
    assert audit.verify(Casebook.open(fresh_url)) is None
    keyless.dispose()
    casebook.dispose()


def test_a_key_and_checkpoints_can_be_named(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cb.db'}"
    key, cps = tmp_path / "keys" / "audit.key", tmp_path / "keys" / "audit.checkpoints"
    casebook = Casebook.open(url, audit_key=key, checkpoints=cps)
    casebook.init()
    assert key.exists() and cps.exists()
    assert not (tmp_path / "cb.db.audit-key").exists()
    assert audit.verify(casebook) is None
    with pytest.raises(AnchorError, match="no audit key"):  # the default files are not these
        audit.verify(Casebook.open(url))
    casebook.dispose()


# casebooks from before migration 0004


def _legacy_casebook(url: str, n: int = 3) -> None:
    """A casebook at revision 0003 with ``n`` entries hashed the old way (unkeyed sha256)."""
    engine = make_engine(url)
    with engine.begin() as conn:
        upgrade(conn, "0003")
        prev = audit.GENESIS
        for seq in range(1, n + 1):
            at, detail = f"2026-01-0{seq}T00:00:00.000000+00:00", canonical({"n": seq})
            digest = audit.entry_hash(prev, seq, at, "admin", "login", "user:admin", detail)
            conn.execute(
                sa.text(
                    "INSERT INTO audit_log (seq, at, actor, action, subject, detail, prev_hash, "
                    "hash) VALUES (:seq, :at, 'admin', 'login', 'user:admin', :detail, :prev, :h)"
                ),
                {"seq": seq, "at": at, "detail": detail, "prev": prev, "h": digest},
            )
            prev = digest
    engine.dispose()


def test_a_chain_from_before_0004_verifies_and_init_signs_what_follows(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    _legacy_casebook(url)
    old = Casebook.open(url)
    engine = make_engine(url)
    with engine.begin() as conn:  # the code's schema, as any upgrade does (no key yet)
        upgrade(conn)
    engine.dispose()
    report = audit.check(old)
    assert report.broken is None and not report.anchored and report.legacy == 3
    with pytest.raises(AnchorError, match="no audit key"):
        add_user(old, SYSTEM, "x", "pw-123456", "handler", "150404")
    old.init()
    add_user(old, SYSTEM, "admin", "pw-123456", "admin", "150000")
    entries = audit.tail(old, 10)
    assert [(e.seq, e.alg, e.action) for e in entries] == [
        (1, "sha256", "login"),
        (2, "sha256", "login"),
        (3, "sha256", "login"),
        (4, "hmac-sha256", "audit.checkpoint"),
        (5, "hmac-sha256", "audit.key"),
        (6, "hmac-sha256", "user.add"),
    ]
    assert entries[4].data == {"legacy_entries": 3, "legacy_head": entries[2].hash}
    report = audit.check(old)
    assert report.broken is None and report.anchored and report.legacy == 3
    engine = make_engine(url)
    with engine.begin() as conn:  # an old entry edited: its unkeyed hash breaks
        conn.execute(sa.text("UPDATE audit_log SET actor = 'someone' WHERE seq = 2"))
    engine.dispose()
    broken = audit.verify(old)
    assert broken is not None and broken.seq == 2
    old.dispose()


def test_a_broken_old_chain_is_not_signed_over(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    _legacy_casebook(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE audit_log SET detail = '{\"n\":9}' WHERE seq = 2")
    engine.dispose()
    old = Casebook.open(url)
    with pytest.raises(AnchorError, match="does not verify"):
        old.init()
    broken = audit.verify(old)
    assert broken is not None and broken.seq == 2
    old.dispose()


# the command and the modules


def test_verify_names_user_mistakes_in_one_line_with_status_2(
    fresh_url: str, tmp_path: Path
) -> None:
    from lexradar.cli.app import app

    runner = CliRunner()
    ok = runner.invoke(app, ["audit", "verify", "--casebook", fresh_url])
    assert ok.exit_code == 0, ok.output
    assert "audit chain intact" in ok.output and "checkpoints" in ok.output
    head = ok.output.split("head ")[1].strip()
    again = runner.invoke(app, ["audit", "verify", "--casebook", fresh_url, "--head", head])
    assert again.exit_code == 0, again.output
    for bad in ("bad", "12", "x:y", "3:" + "0" * 63):
        res = runner.invoke(app, ["audit", "verify", "--casebook", fresh_url, "--head", bad])
        assert res.exit_code == 2 and "--head must be SEQ:HASH" in res.output, res.output
        assert "Traceback" not in res.output
    res = runner.invoke(
        app, ["audit", "verify", "--casebook", fresh_url, "--key", str(tmp_path / "none")]
    )
    assert res.exit_code == 2 and "no audit key" in res.output, res.output


def test_the_chain_does_not_import_the_write_path() -> None:
    """Issue 15: clues.audit and clues.db no longer import each other."""
    code = "import sys, lexradar.clues.audit\nprint('lexradar.clues.db' in sys.modules)\n"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    assert out.strip() == "False"
