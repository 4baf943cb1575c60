"""The clue page's evidence shows the court's own words for a judgment read from a document,
masked: the party's name and any resident ID never appear in full."""

from __future__ import annotations

from pathlib import Path

from lexradar.ingest.documents import ingest_documents
from lexradar.web.evidence import cited_sentences

DOCUMENT = """内蒙古自治区包头市青山区人民法院
刑事判决书
（2023）蒙0204刑初57号
公诉机关包头市青山区人民检察院。
被告人王建国，男，1985年3月2日出生，汉族，公民身份号码150204198503021234，户籍地包头市青山区。
包头市青山区人民检察院以青检刑诉〔2023〕50号起诉书指控被告人王建国犯危险驾驶罪，于2023年3月1日向本院提起公诉。
本院认为，被告人王建国的行为已构成危险驾驶罪。依照《中华人民共和国刑法》第一百三十三条之一第一款之规定，判决如下：
被告人王建国犯危险驾驶罪，判处拘役二个月，并处罚金人民币四千元。
审判员  李海涛
二〇二三年四月六日
书记员  刘敏
本判决已于2023年4月20日发生法律效力。"""


def test_a_cited_document_judgment_shows_its_result_masked(tmp_path: Path) -> None:
    (tmp_path / "doc.txt").write_text(DOCUMENT, encoding="utf-8")
    lake = tmp_path / "lake"
    ingest_documents([tmp_path / "doc.txt"], lake)
    refs = "judgments:doc#1;persons:P000000001"
    (shown,) = cited_sentences(lake, refs)
    assert shown["ref"] == "judgments:doc#1"
    assert shown["case_no"] == "(2023)蒙0204刑初57号"
    assert "判处拘役二个月，并处罚金人民币四千元" in shown["clause"]
    assert "王建国" not in shown["clause"] and shown["clause"].startswith("被告人王")
    start, end = shown["span"]
    assert DOCUMENT[start:end].strip().endswith("四千元。")


def test_a_judgment_from_a_table_has_no_sentence(tmp_path: Path) -> None:
    assert cited_sentences(tmp_path / "lake", "judgments:J000000001;deaths:D000000002") == []


def test_the_evidence_fragment_shows_the_sentence_in_both_languages(tmp_path: Path) -> None:
    from lexradar.web.i18n import current_lang
    from lexradar.web.templating import templates

    (tmp_path / "doc.txt").write_text(DOCUMENT, encoding="utf-8")
    ingest_documents([tmp_path / "doc.txt"], tmp_path / "lake")
    sentences = cited_sentences(tmp_path / "lake", "judgments:doc#1")
    fragment = templates.env.get_template("_evidence.html")
    evidence = {"problem": None, "records": [], "missing": []}
    for lang, heading in (("zh", "判决书原文"), ("en", "own words (its result)")):
        token = current_lang.set(lang)
        try:
            html = fragment.render(evidence=evidence, sentences=sentences, lang=lang)
        finally:
            current_lang.reset(token)
        assert heading in html and "判处拘役二个月" in html
        assert "王建国" not in html and "150204198503021234" not in html
