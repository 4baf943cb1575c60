"""Judgment documents as an ingest input: a batch per file, nothing lost, idempotent."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from lexradar.cli.app import app
from lexradar.errors import IngestError
from lexradar.ingest.batches import list_batches
from lexradar.ingest.documents import ingest_documents

GOOD = """内蒙古自治区包头市青山区人民法院
刑事判决书
（2023）蒙0204刑初57号
公诉机关包头市青山区人民检察院。
被告人王某，男，1985年3月2日出生，汉族，公民身份号码150204198503021234，户籍地包头市青山区。
包头市青山区人民检察院以青检刑诉〔2023〕50号起诉书指控被告人王某犯危险驾驶罪，于2023年3月1日向本院提起公诉。
本院认为，被告人王某的行为已构成危险驾驶罪。依照《中华人民共和国刑法》第一百三十三条之一第一款之规定，判决如下：
被告人王某犯危险驾驶罪，判处拘役二个月，并处罚金人民币四千元。
审判员  李海涛
二〇二三年四月六日
书记员  刘敏
本判决已于2023年4月20日发生法律效力。"""
#: a document whose result part names no sentence: its defendant cannot be a row
NO_SENTENCE = GOOD.replace("判处拘役二个月，并处罚金人民币四千元。", "（判决内容缺页）").replace(
    "57号", "58号"
)


def test_every_party_is_loaded_or_quarantined_with_file_and_index(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "two.txt").write_text(GOOD + "\n====\n" + NO_SENTENCE, encoding="gb18030")
    lines = [json.dumps({"id": "d1", "document": GOOD.replace("57号", "59号")}, ensure_ascii=False),
             "{not json", json.dumps({"id": "d3"})]  # fmt: skip
    (folder / "many.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "one.html").write_text(
        "<html><body>" + "".join(f"<p>{x}</p>" for x in GOOD.splitlines()) + "</body></html>",
        encoding="utf-8",
    )
    lake = tmp_path / "lake"
    results = {Path(r.file).name: r for r in ingest_documents([folder], lake)}
    assert {n: (r.read, r.loaded, r.quarantined) for n, r in results.items()} == {
        "many.jsonl": (3, 1, 2),
        "one.html": (1, 1, 0),
        "two.txt": (2, 1, 1),
    }
    assert results["many.jsonl"].rejects == {"unreadable_document": 2}
    rows = pq.read_table(lake / "judgments").to_pylist()
    assert {r["record_id"] for r in rows} == {"d1#1", "one#1", "two#1"}
    row = next(r for r in rows if r["record_id"] == "two#1")
    assert (row["outcome"], row["term_months"], row["cause"], row["court_region_code"]) == (
        "criminal_detention",
        2,
        "危险驾驶罪",
        "150204",
    )
    assert str(row["effective_date"]) == "2023-04-20" and row["source_row"] == 1
    q = pq.read_table(lake / "_quarantine").to_pylist()
    lost = next(x for x in q if x["reason"] == "document_not_read")
    assert lost["source_file"].endswith("two.txt") and lost["source_row"] == 2
    assert "outcome" in lost["detail"] and json.loads(lost["raw_row"])["party"] == "王某"
    assert sorted(x["source_row"] for x in q if x["reason"] == "unreadable_document") == [2, 3]
    # again: nothing changes; the manifests say documents
    again = ingest_documents([folder], lake)
    assert {r.status for r in again} == {"unchanged"}
    manifests = list_batches(lake)
    assert {m["input"] for m in manifests} == {"judgment_documents"}
    assert (lake / "_batches" / f"{manifests[0]['batch_id']}.quality.json").exists()


def test_a_missing_file_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match=r"nope\.txt"):
        ingest_documents([tmp_path / "nope.txt"], tmp_path / "lake")


def test_the_command_ingests_documents(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(GOOD, encoding="utf-8")
    done = CliRunner().invoke(
        app,
        [
            "ingest",
            "documents",
            str(tmp_path / "a.txt"),
            "--lake",
            str(tmp_path / "lake"),
            "--json",
        ],
    )
    assert done.exit_code == 0, done.output
    out = json.loads(done.output.splitlines()[0])
    assert (out["dataset"], out["read"], out["loaded"], out["status"]) == (
        "judgments",
        1,
        1,
        "loaded",
    )


def test_the_cited_sentence_is_read_from_the_document(tmp_path: Path) -> None:
    from lexradar.documents.cited import cited_sentence

    (tmp_path / "two.txt").write_text(GOOD + "\n====\n" + GOOD.replace("57号", "62号").replace(
        "王某", "赵某"), encoding="utf-8")  # fmt: skip
    lake = tmp_path / "lake"
    ingest_documents([tmp_path / "two.txt"], lake)
    cited = cited_sentence(lake, "judgments:two#2#1")
    assert cited is not None
    assert cited.clause == "被告人赵某犯危险驾驶罪，判处拘役二个月，并处罚金人民币四千元。"
    assert (cited.case_no, cited.document_index) == ("(2023)蒙0204刑初62号", 2)
    text = (tmp_path / "two.txt").read_text(encoding="utf-8").split("\n====\n")[1]
    assert text[cited.start : cited.end].strip() == cited.clause
    assert cited_sentence(lake, "judgments:nope#1") is None
