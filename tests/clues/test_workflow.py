"""The clue state machine, optimistic concurrency, cases and region scoping."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lexradar.clues import workflow as wf
from lexradar.clues.access import User
from lexradar.clues.cases import close_case, list_cases, open_case
from lexradar.clues.db import Casebook
from lexradar.clues.errors import (
    CasebookError,
    ConflictError,
    NotFoundError,
    PermissionDenied,
    TransitionError,
)
from lexradar.clues.queries import count_clues, get_clue, list_clues, reveal
from lexradar.clues.store import load_clues
from tests.clues.conftest import DOMAINS, make_clues


@pytest.fixture
def loaded(casebook: Casebook, people: dict[str, User]) -> dict[str, User]:
    load_clues(casebook, make_clues(30), domains=DOMAINS)
    return people


def _first(casebook: Casebook, user: User) -> int:
    return list_clues(casebook, user, status="new")[0].id


def test_the_whole_life_of_a_clue_is_recorded(casebook: Casebook, loaded) -> None:  # type: ignore[no-untyped-def]
    leader, handler = loaded["chifeng_leader"], loaded["songshan"]
    cid = _first(casebook, handler)
    v = wf.assign(casebook, leader, cid, 1, "songshan", note="请核查")
    v = wf.start_verifying(casebook, handler, cid, v)
    v = wf.confirm(casebook, handler, cid, v, note="属实")
    case_id = open_case(casebook, handler, "procuratorial_recommendation", {cid: v})
    close_case(casebook, handler, case_id, None, "funds_recovered", funds_recovered="1234.50")
    clue = get_clue(casebook, handler, cid)
    assert clue.status == "closed" and clue.version == 6
    steps = [(h["from_status"], h["to_status"], h["actor"]) for h in clue.history]
    assert steps == [
        ("new", "assigned", "chifeng_leader"),
        ("assigned", "verifying", "songshan"),
        ("verifying", "confirmed", "songshan"),
        ("confirmed", "supervised", "songshan"),
        ("supervised", "closed", "songshan"),
    ]
    (case,) = list_cases(casebook, handler)
    assert case.clue_ids == [cid] and case.funds_recovered == Decimal("1234.50")
    assert case.domain == "civil" and case.outcome == "funds_recovered"


def test_the_machine_refuses_steps_it_does_not_have(casebook: Casebook, loaded) -> None:  # type: ignore[no-untyped-def]
    handler = loaded["songshan"]
    cid = _first(casebook, handler)
    with pytest.raises(TransitionError, match="new: it can go to assigned, dismissed"):
        wf.transition(casebook, handler, cid, "confirmed", None)
    with pytest.raises(CasebookError, match="needs a reason"):
        wf.dismiss(casebook, handler, cid, None, "boring")
    wf.dismiss(casebook, handler, cid, None, "duplicate")
    with pytest.raises(TransitionError):
        wf.assign(casebook, handler, cid, None, "songshan")
    assert get_clue(casebook, handler, cid).dismiss_reason == "duplicate"
    with pytest.raises(PermissionDenied):
        wf.dismiss(casebook, loaded["builder"], _first(casebook, handler), None, "duplicate")


def test_a_stale_version_is_a_conflict_and_nothing_is_lost(casebook: Casebook, loaded) -> None:  # type: ignore[no-untyped-def]
    a, b = loaded["songshan"], loaded["songshan2"]
    cid = _first(casebook, a)
    seen = get_clue(casebook, b, cid).version
    wf.assign(casebook, a, cid, seen, "songshan")
    with pytest.raises(ConflictError, match="expected version 1, found 2"):
        wf.dismiss(casebook, b, cid, seen, "false_positive")
    clue = get_clue(casebook, a, cid)
    assert clue.status == "assigned" and clue.version == 2 and len(clue.history) == 1


def test_bulk_assign_is_all_or_nothing(casebook: Casebook, loaded) -> None:  # type: ignore[no-untyped-def]
    leader = loaded["chifeng_leader"]
    ids = [c.id for c in list_clues(casebook, leader, status="new")]
    assert len(ids) == 20  # 松山区 and 红山区, not 呼和浩特
    with pytest.raises(PermissionDenied, match="songshan cannot see"):
        wf.bulk_assign(casebook, leader, dict.fromkeys(ids), "songshan")
    assert len(list_clues(casebook, leader, status="new")) == 20
    mine = [c.id for c in list_clues(casebook, loaded["songshan"])]
    versions = wf.bulk_assign(casebook, leader, dict.fromkeys(mine, 1), "songshan")
    assert set(versions.values()) == {2}
    assert len(list_clues(casebook, leader, status="assigned")) == 10


def test_a_county_handler_never_sees_another_countys_clue(casebook: Casebook, loaded) -> None:  # type: ignore[no-untyped-def]
    songshan, hongshan = loaded["songshan"], loaded["hongshan"]
    theirs = [c.id for c in list_clues(casebook, hongshan)]
    assert len(theirs) == 10 and count_clues(casebook, songshan) == 10
    assert count_clues(casebook, loaded["chifeng_leader"]) == 20
    assert count_clues(casebook, loaded["admin"]) == 30
    assert all(c.procuratorate_code == "150404" for c in list_clues(casebook, songshan))
    cid = theirs[0]
    calls = [
        lambda: get_clue(casebook, songshan, cid),
        lambda: reveal(casebook, songshan, cid, "curious"),
        lambda: wf.assign(casebook, songshan, cid, None, "songshan"),
        lambda: wf.dismiss(casebook, songshan, cid, None, "duplicate"),
        lambda: wf.confirm(casebook, songshan, cid, None),
        lambda: wf.add_note(casebook, songshan, cid, "x"),
        lambda: open_case(casebook, songshan, "other", {cid: None}),
    ]
    for call in calls:
        with pytest.raises(NotFoundError):
            call()
    wf.assign(casebook, hongshan, cid, None, "hongshan")
    wf.confirm(casebook, hongshan, cid, None)
    case_id = open_case(casebook, hongshan, "other", {cid: None})
    assert list_cases(casebook, songshan) == []
    with pytest.raises(NotFoundError):
        close_case(casebook, songshan, case_id, None, "other")


def test_personal_data_is_masked_unless_revealed(casebook: Casebook, loaded) -> None:  # type: ignore[no-untyped-def]
    handler = loaded["songshan"]
    clue = get_clue(casebook, handler, _first(casebook, handler))
    assert clue.person_ids.startswith("150404********")
    assert "张三丰" not in clue.explanation and "张**" in clue.explanation
    assert clue.evidence["person_name"] == "张**"
    with pytest.raises(CasebookError, match="needs a reason"):
        reveal(casebook, handler, clue.id, " ")
    shown = reveal(casebook, handler, clue.id, "核查身份")
    assert shown.person_ids.isdigit() and "张三丰" in shown.explanation
    with pytest.raises(PermissionDenied):  # a model builder works on models, not on persons
        reveal(casebook, loaded["builder"], clue.id, "想看看")


def test_the_procuratorate_tree_is_editable_by_admins(casebook: Casebook, loaded) -> None:  # type: ignore[no-untyped-def]
    from lexradar.clues.access import add_procuratorate, list_users

    with pytest.raises(PermissionDenied):
        add_procuratorate(casebook, loaded["chifeng_leader"], "150499", "开发区检察院", "150400")
    add_procuratorate(casebook, loaded["admin"], "150499", "赤峰市开发区人民检察院", "150400")
    names = {u.username for u in list_users(casebook, loaded["chifeng_leader"])}
    assert names == {"chifeng_leader", "songshan", "songshan2", "hongshan"}
