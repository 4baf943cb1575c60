"""User management on SQLite and PostgreSQL: deactivate, reactivate, reset a password (changed
at the next login), change role and procuratorate; who may, the last admin, stale versions,
and an audit entry of its own for every change."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from lexradar.clues import audit, sessions, users
from lexradar.clues.access import SYSTEM, User, add_user, login, user
from lexradar.clues.db import Casebook
from lexradar.clues.errors import (
    CasebookError,
    ConflictError,
    NotFoundError,
    PermissionDenied,
    TransitionError,
)
from lexradar.clues.store import load_clues
from lexradar.clues.tables import audit_log, clues
from lexradar.clues.workflow import assign
from tests.clues.conftest import DOMAINS, make_clues

NOW = dt.datetime(2026, 3, 1, 12, 0)
IDLE = dt.timedelta(minutes=30)


def _entries(casebook: Casebook, after: int) -> list[tuple[str, str, str, dict]]:
    with casebook.read() as conn:
        rows = conn.execute(
            sa.select(audit_log).where(audit_log.c.seq > after).order_by(audit_log.c.seq)
        ).all()
    return [(r.actor, r.action, r.subject, json.loads(r.detail)) for r in rows]


def _head(casebook: Casebook) -> int:
    with casebook.read() as conn:
        return int(conn.execute(sa.select(sa.func.max(audit_log.c.seq))).scalar() or 0)


def _session(casebook: Casebook, who: User, name: str) -> str:
    hashed = sessions.id_hash(name)
    sessions.create(casebook, hashed, who, {}, NOW, idle=IDLE, lifetime=dt.timedelta(hours=8))
    return hashed


def test_a_deactivated_user_cannot_log_in_loses_every_session_and_keeps_their_clues(
    casebook: Casebook, people: dict[str, User]
) -> None:
    admin, songshan = people["admin"], people["songshan"]
    load_clues(casebook, make_clues(3, regions=("150404",)), domains=DOMAINS)
    with casebook.read() as conn:
        clue_id = conn.execute(sa.select(sa.func.min(clues.c.id))).scalar_one()
    assign(casebook, admin, clue_id, 1, "songshan")
    one, two = _session(casebook, songshan, "s1"), _session(casebook, songshan, "s2")
    keep = _session(casebook, people["songshan2"], "other")
    before = _head(casebook)

    version = users.deactivate(casebook, admin, "songshan", 0)

    assert version == 1
    assert sessions.load(casebook, one, NOW, IDLE) is None
    assert sessions.load(casebook, two, NOW, IDLE) is None
    assert sessions.load(casebook, keep, NOW, IDLE) is not None
    with pytest.raises(PermissionDenied):
        login(casebook, "songshan", "songshan-secret")
    with casebook.read() as conn:
        assert (
            conn.execute(sa.select(clues.c.assignee_id).where(clues.c.id == clue_id)).scalar_one()
            == songshan.id
        )
        assert users.deactivated_ids(conn, [songshan.id, admin.id]) == {songshan.id}
    listed = {a.username: a for a in users.accounts(casebook, admin)}
    assert listed["songshan"].active is False and listed["songshan2"].active is True
    entries = _entries(casebook, before)
    assert entries[0] == (
        "admin", "user.deactivate", "user:songshan",
        {"version": 1, "sessions": 2, "assigned_clues": 1},
    )  # fmt: skip
    with pytest.raises(TransitionError):
        users.deactivate(casebook, admin, "songshan", 1)

    assert users.activate(casebook, admin, "songshan", 1) == 2
    assert login(casebook, "songshan", "songshan-secret").username == "songshan"
    assert ("user.activate", "user:songshan") in [e[1:3] for e in _entries(casebook, before)]
    assert [e[1] for e in entries] == ["user.deactivate", "login.failed"]


def test_a_reset_password_is_temporary_and_must_be_changed(
    casebook: Casebook, people: dict[str, User]
) -> None:
    admin = people["admin"]
    live = _session(casebook, people["hongshan"], "h1")
    before = _head(casebook)
    temporary, version = users.reset_password(casebook, admin, "hongshan", 0)

    assert len(temporary) == 12 and version == 1
    assert sessions.load(casebook, live, NOW, IDLE) is None
    with pytest.raises(PermissionDenied):
        login(casebook, "hongshan", "hongshan-secret")
    forced = login(casebook, "hongshan", temporary)
    assert forced.must_change_password
    entry = _entries(casebook, before)[0]
    assert entry[:3] == ("admin", "user.reset_password", "user:hongshan")
    assert entry[3] == {"version": 1, "generated": True, "sessions": 1}
    assert temporary not in json.dumps(_entries(casebook, before), ensure_ascii=False)

    s = _session(casebook, forced, "h2")
    loaded = sessions.load(casebook, s, NOW, IDLE)
    assert loaded is not None and loaded.user is not None and loaded.user.must_change_password
    with pytest.raises(PermissionDenied, match="current password"):
        users.change_own_password(casebook, forced, "wrong-one", "new-pass-123")
    with pytest.raises(CasebookError, match="differ"):
        users.change_own_password(casebook, forced, temporary, temporary)
    other = _session(casebook, forced, "h3")
    users.change_own_password(casebook, forced, temporary, "new-pass-123", keep_session=s)
    assert not login(casebook, "hongshan", "new-pass-123").must_change_password
    assert sessions.load(casebook, s, NOW, IDLE) is not None  # the session it was changed in
    assert sessions.load(casebook, other, NOW, IDLE) is None
    last = [e for e in _entries(casebook, before) if e[1] == "user.passwd"]
    assert last == [("hongshan", "user.passwd", "user:hongshan", {"forced": True, "sessions": 1})]

    given, _v = users.reset_password(casebook, admin, "hongshan", None, "given-pass-9")
    assert given == "given-pass-9" and login(casebook, "hongshan", given).must_change_password
    with pytest.raises(CasebookError, match="8 to 200"):
        users.reset_password(casebook, admin, "hongshan", None, "short")


def test_role_and_procuratorate_change_within_the_admins_subtree_only(
    casebook: Casebook, people: dict[str, User]
) -> None:
    county_admin = add_user(casebook, SYSTEM, "county_admin", "county-secret", "admin", "150404")
    before = _head(casebook)
    assert users.change(casebook, people["admin"], "songshan", 0, role="leader") == 1
    assert user(casebook, "songshan").role == "leader"
    assert users.change(casebook, county_admin, "songshan", 1, role="handler") == 2
    # a county admin cannot touch a city user, nor move anyone above the county
    with pytest.raises(NotFoundError):
        users.change(casebook, county_admin, "chifeng_leader", 0, role="handler")
    with pytest.raises(NotFoundError):
        users.deactivate(casebook, county_admin, "hongshan", 0)
    with pytest.raises(PermissionDenied, match="outside"):
        users.change(casebook, county_admin, "songshan", 2, procuratorate="150400")
    with pytest.raises(PermissionDenied):
        users.deactivate(casebook, people["songshan2"], "songshan", 2)  # not an admin
    with pytest.raises(CasebookError, match="role must be"):
        users.change(casebook, county_admin, "songshan", 2, role="king")
    with pytest.raises(CasebookError, match="nothing to change"):
        users.change(casebook, county_admin, "songshan", 2, role="handler")
    assert users.change(casebook, people["admin"], "songshan", 2, procuratorate="150402") == 3
    assert user(casebook, "songshan").procuratorate_code == "150402"
    # now outside the county admin's subtree
    with pytest.raises(NotFoundError):
        users.reset_password(casebook, county_admin, "songshan", 3)
    changes = [e for e in _entries(casebook, before) if e[1] == "user.change"]
    assert [e[3] for e in changes] == [
        {"version": 1, "role": ["handler", "leader"]},
        {"version": 2, "role": ["leader", "handler"]},
        {"version": 3, "procuratorate": ["150404", "150402"]},
    ]
    assert [e[0] for e in changes] == ["admin", "county_admin", "admin"]


def test_a_stale_version_is_refused_and_changes_nothing(
    casebook: Casebook, people: dict[str, User]
) -> None:
    users.change(casebook, people["admin"], "songshan", 0, role="leader")
    before = _head(casebook)
    with pytest.raises(ConflictError) as err:
        users.deactivate(casebook, people["admin"], "songshan", 0)
    assert (err.value.expected, err.value.found) == (0, 1)
    assert login(casebook, "songshan", "songshan-secret").role == "leader"
    assert _head(casebook) == before + 1  # only the login


def test_the_last_admin_of_a_region_cannot_deactivate_or_demote_themselves(
    casebook: Casebook, people: dict[str, User]
) -> None:
    admin = people["admin"]  # the only admin at the top
    for attempt in (
        lambda: users.deactivate(casebook, admin, "admin", None),
        lambda: users.change(casebook, admin, "admin", None, role="leader"),
        lambda: users.change(casebook, admin, "admin", None, procuratorate="150400"),
    ):
        with pytest.raises(PermissionDenied, match="last active admin"):
            attempt()
    assert user(casebook, "admin").role == "admin"
    # with a second admin at the top, either may step down
    add_user(casebook, SYSTEM, "admin2", "admin2-secret", "admin", "150000")
    users.change(casebook, admin, "admin", None, role="leader")
    assert user(casebook, "admin").role == "leader"
    admin2 = user(casebook, "admin2")
    with pytest.raises(PermissionDenied, match="yourself"):
        users.deactivate(casebook, admin2, "admin2", None)
    # a county admin under an admin above may step down; the one above still covers the county
    county = add_user(casebook, SYSTEM, "county_admin", "county-secret", "admin", "150404")
    users.deactivate(casebook, county, "county_admin", None)
    with pytest.raises(PermissionDenied):  # nor can the system remove the last one
        users.deactivate(casebook, SYSTEM, "admin2", None)


# the CLI


def _cli(*args: str) -> tuple[int, str, str]:
    from typer.testing import CliRunner

    from lexradar.cli.app import app

    res = CliRunner().invoke(app, list(args))
    return res.exit_code, res.stdout, res.stderr


def test_the_users_commands(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    for name in ("LEXRADAR_CASEBOOK_URL", "LEXRADAR_USER", "LEXRADAR_MODEL_PATHS"):
        monkeypatch.delenv(name, raising=False)
    url = f"sqlite:///{tmp_path / 'casebook.db'}"
    cb = ("--casebook", url)
    assert _cli("casebook", "init", "--admin", "root", "--password", "pw-root-1", *cb)[0] == 0
    assert _cli("users", "add", "wang", "--role", "handler", "--procuratorate", "150404",
                "--password", "pw-wang-1", "--as", "root", *cb)[0] == 0  # fmt: skip
    assert _cli("users", "add", "li", "--role", "admin", "--procuratorate", "150404",
                "--password", "pw-li-123", "--as", "root", *cb)[0] == 0  # fmt: skip

    code, out, err = _cli("users", "deactivate", "wang", "--as", "root", *cb)
    assert code == 0 and "deactivated" in out, err
    listed = {
        u["username"]: u
        for u in json.loads(_cli("users", "list", "--json", "--as", "root", *cb)[1])
    }
    assert listed["wang"]["active"] is False and listed["wang"]["role"] == "handler"
    assert listed["wang"]["procuratorate"] == "150404" and listed["wang"]["version"] == 1
    code, _out, err = _cli("users", "deactivate", "wang", "--as", "root", *cb)
    assert code == 2 and "already deactivated" in err and "Traceback" not in err
    assert _cli("users", "activate", "wang", "--as", "root", "--version", "1", *cb)[0] == 0
    code, _out, err = _cli("users", "activate", "wang", "--as", "root", "--version", "1", *cb)
    assert code == 2 and "expected version 1, found 2" in err

    code, out, _err = _cli("users", "reset-password", "wang", "--as", "root", *cb)
    temporary = out.strip().rsplit(" ", 1)[-1]
    assert code == 0 and len(temporary) == 12
    code, _out, err = _cli("users", "passwd", "--as", "wang", "--current", "pw-wang-1",
                           "--new", "pw-wang-2", *cb)  # fmt: skip
    assert code == 2 and "current password is wrong" in err
    assert _cli("users", "passwd", "--as", "wang", "--current", temporary,
                "--new", "pw-wang-2", *cb)[0] == 0  # fmt: skip
    assert _cli("users", "reset-password", "wang", "--password", "given-pw-1", "--as", "root",
                *cb)[1].count("given-pw-1") == 0  # fmt: skip

    # a county admin: within the county only, and never above it
    code, _out, err = _cli("users", "set", "root", "--role", "leader", "--as", "li", *cb)
    assert code == 2 and "no user 'root'" in err
    code, _out, err = _cli("users", "set", "wang", "--procuratorate", "150400", "--as", "li", *cb)
    assert code == 2 and "outside" in err
    assert _cli("users", "set", "wang", "--role", "leader", "--as", "li", *cb)[0] == 0
    code, _out, err = _cli("users", "set", "wang", "--as", "li", *cb)
    assert code == 2 and "--role" in err
    code, _out, err = _cli("users", "deactivate", "root", "--as", "root", *cb)
    assert code == 2 and "last active admin" in err
    casebook = Casebook.open(url)
    try:
        actions = [e.action for e in audit.tail(casebook, 40) if e.subject == "user:wang"]
    finally:
        casebook.dispose()
    assert actions == ["user.add", "user.deactivate", "user.activate", "user.reset_password",
                       "user.passwd", "user.reset_password", "user.change"]  # fmt: skip
