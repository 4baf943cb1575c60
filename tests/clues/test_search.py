"""The queue's search (by resident ID in its damaged forms, name, case and certificate number),
saved filters and export, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
import sqlalchemy as sa

from lexradar.clues import saved, terms
from lexradar.clues.access import User
from lexradar.clues.db import Casebook
from lexradar.clues.errors import CasebookError, NotFoundError, PermissionDenied
from lexradar.clues.export import export_queue
from lexradar.clues.queries import Filters, queue
from lexradar.clues.store import load_clues
from lexradar.clues.tables import audit_log, clue_terms, clues
from lexradar.models.run import CLUE_SCHEMA, fingerprint
from lexradar.normalize.resident_id import check_digit, to15

DOMAINS = {"test.model": "civil"}


def rid(first17: str) -> str:
    return first17 + check_digit(first17)


SONGSHAN = rid("15040419650312123")  # born 1965: has a 15-digit form
HONGSHAN = rid("15040219881120456")
OTHER_CITY = rid("15010219770505789")
CASE = "（2023）蒙0404民初字第0012号"
CERT = "J150404-2018-000035"


def _clues(rows: list[dict[str, Any]]) -> pa.Table:
    data: dict[str, list[Any]] = {f.name: [] for f in CLUE_SCHEMA}
    for i, r in enumerate(rows):
        data["fingerprint"].append(fingerprint("test.model", [i, r["person"]]))
        data["model_id"].append("test.model")
        data["model_version"].append(1)
        data["run_id"].append("run1")
        data["as_of"].append(dt.date(2026, 1, 31))
        data["person_ids"].append(r["person"])
        data["record_refs"].append(f"judgments:J{i:06d}")
        data["region_code"].append(r["region"])
        data["severity"].append("high")
        data["explanation"].append(f"{r['name']}（{r['person']}）的案件{r.get('case', '')}")
        data["explanation_en"].append(f"{r['name']} ({r['person']})")
        evidence = {"plaintiff_name": r["name"], "defendant_id": r.get("other", "")}
        if "case" in r:
            evidence["case_no"] = r["case"]
        if "cert" in r:
            evidence["cited_cert_no"] = r["cert"]
        data["evidence"].append(json.dumps(evidence, ensure_ascii=False))
    for column in data.values():
        column.extend([None] * (len(rows) - len(column)))
    return pa.table(data, schema=CLUE_SCHEMA)


ROWS = [
    {"person": SONGSHAN, "region": "150404", "name": "巴特尔", "case": CASE, "cert": CERT},
    {"person": SONGSHAN, "region": "150404", "name": "巴特尔"},
    {"person": HONGSHAN, "region": "150402", "name": "乌日娜", "other": SONGSHAN},
    {"person": OTHER_CITY, "region": "150102", "name": "张伟", "cert": "J150102-2019-7"},
]


@pytest.fixture
def loaded(casebook: Casebook) -> dict[str, int]:
    load_clues(casebook, _clues(ROWS), domains=DOMAINS)
    with casebook.read() as conn:
        found = conn.execute(sa.select(clues.c.id, clues.c.region_code).order_by(clues.c.id))
        return {f"{r.region_code}-{n}": r.id for n, r in enumerate(found)}


def _ids(casebook: Casebook, actor: User, term: str, **kw: Any) -> list[int]:
    page = queue(casebook, actor, Filters(search=term, **kw), size=100)
    return sorted(c.id for c in page.clues)


def _last_audit(casebook: Casebook) -> Any:
    with casebook.read() as conn:
        return conn.execute(sa.select(audit_log).order_by(audit_log.c.seq.desc())).first()


def test_an_id_finds_its_clues_in_every_form_and_only_in_scope(
    casebook: Casebook, people: dict[str, User], loaded: dict[str, int]
) -> None:
    admin, songshan, hongshan = people["admin"], people["songshan"], people["hongshan"]
    mine = sorted([loaded["150404-0"], loaded["150404-1"]])
    cited = sorted([*mine, loaded["150402-2"]])  # 红山区's clue names him as defendant
    spaced = " " + SONGSHAN[:6] + "\u3000" + SONGSHAN[6:].lower() + " "
    fullwidth = SONGSHAN.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    for form in (SONGSHAN, to15(SONGSHAN), spaced, fullwidth, f"'{SONGSHAN}"):
        assert _ids(casebook, admin, form) == cited, form
    # Excel's damage: the lost digits are not guessed, the 15 kept ones are searched
    damaged = f"{SONGSHAN[0]}.{SONGSHAN[1:15]}E+17"
    assert _ids(casebook, admin, damaged) == cited
    assert _ids(casebook, admin, SONGSHAN[:15] + "000") == cited
    # scoped: the county handlers see their own county's clues only
    assert _ids(casebook, songshan, SONGSHAN) == mine
    assert _ids(casebook, hongshan, SONGSHAN) == [loaded["150402-2"]]
    assert _ids(casebook, people["songshan"], OTHER_CITY) == []
    # with the queue's other filters
    assert _ids(casebook, admin, SONGSHAN, procuratorate="150402") == [loaded["150402-2"]]
    assert _ids(casebook, admin, SONGSHAN, status="dismissed") == []


def test_names_cases_and_certificates_are_found_in_their_normal_forms(
    casebook: Casebook, people: dict[str, User], loaded: dict[str, int]
) -> None:
    admin = people["admin"]
    assert _ids(casebook, admin, "巴特尔") == sorted([loaded["150404-0"], loaded["150404-1"]])
    assert _ids(casebook, admin, " 乌日娜 ") == [loaded["150402-2"]]
    assert _ids(casebook, admin, "張偉") == [loaded["150102-3"]]  # traditional characters
    for case in (CASE, "(2023)蒙0404民初12号", "（２０２３）蒙0404民初12号"):
        assert _ids(casebook, admin, case) == [loaded["150404-0"]], case
    for cert in (CERT, "j150404－2018－35", "J1501404" and "J1504042018000035"):
        assert _ids(casebook, admin, cert) == [loaded["150404-0"]], cert
    assert _ids(casebook, admin, "J150102-2019-000007") == [loaded["150102-3"]]
    assert _ids(casebook, admin, "巴图尔") == []  # exact on the normal form, not fuzzy
    with pytest.raises(CasebookError, match="search by"):
        queue(casebook, admin, Filters(search="12345"))
    with pytest.raises(CasebookError, match="two characters"):
        queue(casebook, admin, Filters(search="x"))


def test_the_index_holds_keyed_hashes_only_and_follows_new_evidence(
    casebook: Casebook, people: dict[str, User], loaded: dict[str, int]
) -> None:
    key = terms.casebook_key(casebook)
    with casebook.read() as conn:
        stored = [r.term for r in conn.execute(sa.select(clue_terms.c.term))]
    assert stored and all(len(t) == 32 and int(t, 16) >= 0 for t in stored)
    assert terms.digest(key, "id", SONGSHAN) in stored
    assert SONGSHAN not in stored and terms.digest(b"other key", "id", SONGSHAN) not in stored
    # the same clue, new evidence: its old name no longer finds it
    changed = [dict(ROWS[3], name="李娜")]
    table = _clues(ROWS[:3] + changed)
    load_clues(casebook, table, domains=DOMAINS)
    admin = people["admin"]
    assert _ids(casebook, admin, "张伟") == []
    assert _ids(casebook, admin, "李娜") == [loaded["150102-3"]]
    # backfill: clues without terms (loaded before migration 0007) are indexed
    with casebook.write() as (conn, _events):
        conn.execute(clue_terms.delete())
        assert terms.backfill(conn, key) == 4
    assert _ids(casebook, admin, "李娜") == [loaded["150102-3"]]


def test_every_search_is_audited_with_the_term_masked(
    casebook: Casebook, people: dict[str, User], loaded: dict[str, int]
) -> None:
    queue(casebook, people["songshan"], Filters(search=SONGSHAN, severity="high"))
    entry = _last_audit(casebook)
    assert entry.action == "clues.search" and entry.actor == "songshan"
    assert entry.subject == "procuratorate:150404"
    detail = json.loads(entry.detail)
    assert detail["term"] == SONGSHAN[:6] + "********" + SONGSHAN[-4:]
    assert detail == {**detail, "kinds": ["id"], "found": 2, "filters": {"severity": "high"}}
    queue(casebook, people["songshan"], Filters(search="巴特尔"))
    detail = json.loads(_last_audit(casebook).detail)
    assert detail["term"] == "巴**" and "巴特尔" not in _last_audit(casebook).detail
    before = _last_audit(casebook).seq
    queue(casebook, people["songshan"], Filters(status="new"))  # no search, no entry
    assert _last_audit(casebook).seq == before


def test_saved_filters_are_own_and_audited(
    casebook: Casebook, people: dict[str, User], loaded: dict[str, int]
) -> None:
    songshan, other = people["songshan"], people["songshan2"]
    f = saved.save(casebook, songshan, " 高危 新线索 ", Filters(status="new", severity="high",
                   search=SONGSHAN, seen_from=dt.date(2026, 1, 1)))  # fmt: skip
    assert f.name == "高危 新线索" and f.filters == {
        "status": "new", "severity": "high", "seen_from": "2026-01-01"
    }  # fmt: skip
    assert _last_audit(casebook).action == "filter.save"
    again = saved.save(casebook, songshan, "高危 新线索", Filters(status="assigned"))
    assert again.id == f.id and saved.get_saved(casebook, songshan, f.id).filters == {
        "status": "assigned"
    }
    assert [s.name for s in saved.list_saved(casebook, songshan)] == ["高危 新线索"]
    assert saved.list_saved(casebook, other) == []
    with pytest.raises(NotFoundError):
        saved.delete(casebook, other, f.id)
    with pytest.raises(CasebookError, match="status"):
        saved.save(casebook, songshan, "bad", Filters(status="nope"))
    assert saved.delete(casebook, songshan, f.id) == "高危 新线索"
    assert _last_audit(casebook).action == "filter.delete"
    assert saved.list_saved(casebook, songshan) == []
    with casebook.read() as conn:
        kept = conn.execute(sa.text("SELECT filters FROM saved_filters")).scalars().all()
    assert kept == []


def test_export_keeps_ids_as_masked_text_and_reveals_only_with_a_reason(
    casebook: Casebook, people: dict[str, User], loaded: dict[str, int], tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    admin = people["admin"]
    out = export_queue(casebook, admin, Filters(search=SONGSHAN), tmp_path / "q.xlsx")
    assert out.rows == 3 and not out.revealed
    sheet = load_workbook(tmp_path / "q.xlsx").active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=False))
    assert rows[0][7].value == "Resident IDs" and len(rows) == 4
    ids = [r[7] for r in rows[1:]]
    assert all(c.data_type == "s" and c.number_format == "@" for c in ids)
    assert {c.value for c in ids} >= {SONGSHAN[:6] + "********" + SONGSHAN[-4:]}
    text = "".join(str(c.value) for r in rows for c in r)
    assert SONGSHAN not in text and "巴特尔" not in text and "巴**" in text
    detail = json.loads(_last_audit(casebook).detail)
    assert detail["rows"] == 3 and detail["revealed"] is False and detail["format"] == "xlsx"
    assert SONGSHAN not in _last_audit(casebook).detail

    with pytest.raises(CasebookError, match="reason"):
        export_queue(casebook, admin, Filters(), tmp_path / "r.csv", reason=" ")
    with pytest.raises(PermissionDenied):
        export_queue(casebook, people["builder"], Filters(), tmp_path / "r.csv", reason="核查")
    export_queue(casebook, admin, Filters(procuratorate="150404"), tmp_path / "r.csv",
                 reason="核查身份")  # fmt: skip
    raw = (tmp_path / "r.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(table) == 3 and table[1][7] == SONGSHAN and table[1][8] == "巴特尔"
    detail = json.loads(_last_audit(casebook).detail)
    assert detail["revealed"] is True and detail["reason"] == "核查身份"


def test_export_cells_that_look_like_formulas_stay_text(
    casebook: Casebook, people: dict[str, User], tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    evil = {"person": HONGSHAN, "region": "150402", "name": '=HYPERLINK("x")'}
    table = _clues([evil])
    table = table.set_column(
        table.schema.get_field_index("explanation"), "explanation",
        pa.array(['=HYPERLINK("http://x","y")'])
    )  # fmt: skip
    load_clues(casebook, table, domains=DOMAINS)
    export_queue(casebook, people["admin"], Filters(), tmp_path / "e.csv")
    export_queue(casebook, people["admin"], Filters(), tmp_path / "e.xlsx")
    lines = (tmp_path / "e.csv").read_text(encoding="utf-8-sig").splitlines()
    assert "'=HYPERLINK" in lines[1]
    sheet = load_workbook(tmp_path / "e.xlsx").active
    assert sheet is not None
    cell = sheet.cell(row=2, column=10)
    assert cell.value == '=HYPERLINK("http://x","y")' and cell.data_type == "s"
    assert cell.quotePrefix


def test_the_cli_searches_exports_and_keeps_filters(fresh_url: str, tmp_path: Path) -> None:
    from openpyxl import load_workbook
    from typer.testing import CliRunner

    from lexradar.cli.app import app

    casebook = Casebook.open(fresh_url)
    load_clues(casebook, _clues(ROWS), domains=DOMAINS)
    casebook.dispose()

    def run(*args: str) -> str:
        res = CliRunner().invoke(app, [*args, "--casebook", fresh_url, "--as", "songshan"])
        assert res.exit_code == 0, res.output
        return res.stdout

    found = json.loads(run("clues", "list", "--search", to15(SONGSHAN), "--json"))
    assert len(found) == 2 and all(SONGSHAN not in c["persons"] for c in found)
    assert all(c["region"] == "150404" for c in found)
    assert json.loads(run("clues", "list", "--search", "乌日娜", "--json")) == []  # 红山区's
    out = run("clues", "export", "--out", str(tmp_path / "q.xlsx"), "--search", "巴特尔")
    assert "2 clues" in out and "masked" in out
    sheet = load_workbook(tmp_path / "q.xlsx").active
    assert sheet is not None
    assert sheet.cell(1, 8).value == "身份证号" and sheet.cell(2, 8).data_type == "s"
    assert sheet.cell(2, 8).value == SONGSHAN[:6] + "********" + SONGSHAN[-4:]
    run("clues", "export", "--out", str(tmp_path / "q.csv"), "--lang", "en",
        "--reveal", "核查身份")  # fmt: skip
    text = (tmp_path / "q.csv").read_text(encoding="utf-8-sig")
    assert text.startswith("Clue,Model,Domain") and SONGSHAN in text
    assert "saved" in run("clues", "save-filter", "高危", "--severity", "high")
    kept = json.loads(run("clues", "filters", "--json"))
    assert [(f["name"], f["filters"]) for f in kept] == [("高危", {"severity": "high"})]
    assert len(json.loads(run("clues", "list", "--saved", "高危", "--json"))) == 2
    assert "deleted" in run("clues", "delete-filter", str(kept[0]["id"]))
    assert json.loads(run("clues", "filters", "--json")) == []
    bad = CliRunner().invoke(
        app, ["clues", "list", "--search", "12345", "--casebook", fresh_url, "--as", "songshan"]
    )
    assert bad.exit_code == 2 and "Traceback" not in bad.output
