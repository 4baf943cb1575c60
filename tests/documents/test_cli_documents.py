"""``lexradar documents show`` and ``extract`` on real documents: elements shown, data masked."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from lexradar.cli.app import app

runner = CliRunner()
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "judgments"
DOCS = FIXTURES / "dev-documents.jsonl"
DOC = "fc90ce22-b77b-46cb-9720-7a82ef039c3e"

ID_DOC = (
    "内蒙古自治区赤峰市松山区人民法院 刑事判决书 （2019）内0404刑初1234号 "
    "公诉机关赤峰市松山区人民检察院。 被告人王某某，男，1990年1月1日出生，"
    "公民身份号码150404199001011234，蒙古族，住内蒙古自治区赤峰市松山区兴安路18号。 "
    "赤峰市松山区人民检察院以赤松检刑诉〔2019〕88号起诉书指控被告人王某某犯盗窃罪，"
    "于2019年3月1日向本院提起公诉。 依照《中华人民共和国刑法》第二百六十四条之规定，"
    "判决如下： 被告人王某某犯盗窃罪，判处拘役三个月，并处罚金人民币1000元。 "
    "如不服本判决，可提出上诉。 审判员张某 二〇一九年五月六日 书记员赵某"
)


def test_show_prints_the_elements_with_spans() -> None:
    result = runner.invoke(app, ["documents", "show", DOC, "--corpus", str(DOCS)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "(2016)川0322刑初263号" in out and "36–53" in out
    assert "510322 (case_number)" in out
    assert "容留他人吸毒罪 (art. 354)" in out
    assert "2016-10-13" in out
    assert "刑法 67 §3" in out
    assert "牟某甲" not in out and "牟**" in out  # names masked, in the text and the table
    assert "1987-**-**" in out and "1987年8月17日" not in out


def test_show_masks_ids_and_addresses_unless_revealed(tmp_path: Path) -> None:
    corpus = tmp_path / "docs.jsonl"
    corpus.write_text(json.dumps({"id": "d1", "document": ID_DOC}, ensure_ascii=False) + "\n")
    masked = runner.invoke(app, ["documents", "show", "d1", "--corpus", str(corpus)])
    assert masked.exit_code == 0, masked.output
    assert "150404199001011234" not in masked.output
    assert "150404********1234" in masked.output
    assert "兴安路18号" not in masked.output
    revealed = runner.invoke(app, ["documents", "show", "d1", "--corpus", str(corpus), "--reveal"])
    assert "150404199001011234" in revealed.output and "兴安路18号" in revealed.output


def test_show_unknown_id_is_one_error_line() -> None:
    result = runner.invoke(app, ["documents", "show", "nope", "--corpus", str(DOCS)])
    assert result.exit_code == 2
    assert "no document with id 'nope'" in result.output


def test_extract_writes_one_masked_line_per_document(tmp_path: Path) -> None:
    out = tmp_path / "elements.jsonl"
    result = runner.invoke(app, ["documents", "extract", str(DOCS), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == sum(1 for line in DOCS.read_text(encoding="utf-8").splitlines() if line)
    row = next(r for r in rows if r["id"] == DOC)
    [defendant] = row["defendants"]
    assert defendant["name"] == "牟**"
    assert defendant["sentence"]["term_months"] == {"value": 6, "span": [863, 866]}
    assert row["parties"][0]["birth_date"]["value"] == "1987-**-**"

    single = tmp_path / "one.txt"
    single.write_text(ID_DOC, encoding="utf-8")
    out2 = tmp_path / "one.jsonl"
    assert (
        runner.invoke(app, ["documents", "extract", str(single), "--out", str(out2)]).exit_code == 0
    )
    [one] = [json.loads(line) for line in out2.read_text(encoding="utf-8").splitlines()]
    assert one["id"] == "one"
    assert one["parties"][0]["resident_id"]["value"] == "150404********1234"
    assert "王某某" not in out2.read_text(encoding="utf-8")


def test_extract_names_the_bad_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "document": "x"}\n{"id": "b"}\n', encoding="utf-8")
    result = runner.invoke(
        app, ["documents", "extract", str(bad), "--out", str(tmp_path / "o.jsonl")]
    )
    assert result.exit_code == 2
    assert "bad.jsonl, line 2" in result.output


def test_victims_and_witnesses_are_masked_too() -> None:
    doc = "5ab143b9-2461-4af4-8a45-b3a8c4cdd89c"
    result = runner.invoke(app, ["documents", "show", doc, "--corpus", str(DOCS)])
    assert result.exit_code == 0, result.output
    assert "许杰" not in result.output  # the victim, named in the text and in an order
    assert "退赔 2208.3 元" in result.output
