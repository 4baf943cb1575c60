"""Model documentation pages: written for the whole pack, parsed back, links resolve."""

from __future__ import annotations

import dataclasses
import datetime as dt
from html.parser import HTMLParser
from pathlib import Path

import pytest

from lexradar.clues import workflow as wf
from lexradar.clues.access import SYSTEM, add_user, user
from lexradar.clues.db import Casebook
from lexradar.clues.queries import list_clues
from lexradar.clues.store import load_clues
from lexradar.models.examples import load_examples
from lexradar.models.registry import Model, Registry
from lexradar.reports.model_docs import write_model_docs
from tests.clues.conftest import make_clues

DOMAINS_ZH = {
    "criminal": "刑事",
    "civil": "民事",
    "administrative": "行政",
    "public_interest": "公益诉讼",
}
STATUS_ZH = {"draft": "草稿", "testing": "测试", "production": "生产", "retired": "停用"}


class Page(HTMLParser):
    """What a test reads from a page: lang, links, scripts, text of classed elements."""

    def __init__(self, path: Path) -> None:
        super().__init__(convert_charrefs=True)
        self.lang = ""
        self.links: list[str] = []
        self.external: list[str] = []
        self.scripts = 0
        self.examples: list[str] = []  # the class of each example section
        self.by_class: dict[str, list[str]] = {}
        self.headings: list[str] = []
        self.text: list[str] = []
        self.cells: dict[str, list[str]] = {}  # table class -> the text of its data cells
        self._tables: list[str] = []
        self._td = False
        self._open: list[tuple[str, str]] = []  # (tag, class) of open classed/heading elements
        self.feed(path.read_text(encoding="utf-8"))
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.lang = a.get("lang", "")
        if tag == "a":
            self.links.append(a.get("href", ""))
        if tag in ("script", "link", "img", "iframe"):
            self.scripts += 1
            self.external.append(a.get("src") or a.get("href") or tag)
        if tag == "section" and "example" in a.get("class", "").split():
            self.examples.append(a["class"])
        if tag == "table":
            self._tables.append(a.get("class", ""))
        if tag == "td":
            self._td = True
            self.cells.setdefault(self._tables[-1], []).append("")
        if "class" in a or tag in ("h1", "h2", "th"):
            self._open.append((tag, a.get("class", tag)))
            self.by_class.setdefault(a.get("class", tag), []).append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._tables.pop()
        if tag == "td":
            self._td = False
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i][0] == tag:
                del self._open[i:]
                break

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._td:
            self.cells[self._tables[-1]][-1] += data
        for _tag, cls in self._open:
            self.by_class[cls][-1] += data

    def all_text(self) -> str:
        return "".join(self.text)


@pytest.fixture(scope="module")
def pack() -> list[Model]:
    return list(Registry().models.values())


@pytest.fixture(scope="module")
def docs(pack: list[Model], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("docs")
    return out, write_model_docs(pack, out)


def test_a_page_per_model_and_an_index(pack: list[Model], docs: tuple[Path, list[Path]]) -> None:
    out, written = docs
    assert {p.name for p in written} == {f"{m.id}.html" for m in pack} | {"index.html"}
    assert all(p.parent == out and p.is_file() for p in written)


def test_each_page_shows_its_model(pack: list[Model], docs: tuple[Path, list[Path]]) -> None:
    out, _ = docs
    for model in pack:
        page = Page(out / f"{model.id}.html")
        assert page.lang == "zh-CN"
        assert page.scripts == 0, page.external
        assert all(not link.startswith(("http:", "https:", "//")) for link in page.links)
        text = page.all_text()
        spec = model.spec
        assert spec.title.zh in page.by_class["h1"][0] and spec.title.en in text
        assert page.by_class["legal-basis"] == ["".join(spec.legal_basis)]
        assert page.by_class["sql"] == [model.sql.rstrip()]
        assert page.by_class["description"] == [spec.description]
        assert len(page.examples) == len(load_examples(model))
        kinds = [c.split()[1] for c in page.examples]
        assert kinds == [ex.kind for ex in load_examples(model)]
        domain, status, version, owner = page.cells["meta"][2:]
        assert domain == DOMAINS_ZH[spec.domain] and status == STATUS_ZH[spec.status]
        assert version == str(spec.version) and owner.startswith(spec.owner)
        assert "内蒙古自治区" in owner  # the owner's name beside its code
        for p in spec.parameters:
            assert p.doc in page.by_class["parameters"][0]


def test_given_rows_and_expected_clues_are_tables(docs: tuple[Path, list[Path]]) -> None:
    out, _ = docs
    page = Page(out / "marriage.bigamy.html")
    given = "".join(page.by_class["given"])
    assert "marriage_events" in "".join(page.by_class["example positive"])
    assert "巴特尔" in given and "2010-05-01" in given
    assert "150402198001010010" in "".join(page.by_class["expect"])
    assert "婚姻登记" in page.by_class["datasets"][0]  # the dataset's Chinese title


def test_index_links_every_page(pack: list[Model], docs: tuple[Path, list[Path]]) -> None:
    out, _ = docs
    index = Page(out / "index.html")
    assert sorted(index.links) == sorted(f"{m.id}.html" for m in pack)
    assert all((out / link).is_file() for link in index.links)
    for model in pack:
        assert (out / "index.html") in [out / link for link in Page(out / f"{model.id}.html").links]
        assert model.spec.title.zh in index.all_text()


def test_user_text_is_escaped(pack: list[Model], tmp_path: Path) -> None:
    model = pack[0]
    evil = dataclasses.replace(
        model,
        spec=model.spec.model_copy(
            update={
                "description": "rule <script>alert('x')</script> & more",
                "title": model.spec.title.model_copy(update={"zh": "<b>粗</b>"}),
            }
        ),
    )
    write_model_docs([evil], tmp_path)
    raw = (tmp_path / f"{model.id}.html").read_text(encoding="utf-8")
    assert "<script>" not in raw and "&lt;script&gt;" in raw
    page = Page(tmp_path / f"{model.id}.html")
    assert page.scripts == 0
    assert page.by_class["description"] == ["rule <script>alert('x')</script> & more"]
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "<b>" not in index and "&lt;b&gt;粗&lt;/b&gt;" in index


def test_english_labels(pack: list[Model], tmp_path: Path) -> None:
    model = next(m for m in pack if m.id == "marriage.bigamy")
    written = write_model_docs([model], tmp_path, lang="en")
    assert written == [tmp_path / "marriage.bigamy.html", tmp_path / "index.html"]
    page = Page(written[0])
    assert page.lang == "en"
    assert "Legal basis" in page.by_class["h2"] and "法律依据" not in page.by_class["h2"]
    assert page.by_class["h1"][0].startswith("Bigamy")
    assert page.cells["meta"][2:4] == ["Criminal", "Production"]
    index = Page(written[1])
    assert index.lang == "en" and index.by_class["h1"] == ["Supervision models"]
    assert index.cells["index"] == ["marriage.bigamy", "Bigamy", "Criminal", "Production", "1"]
    with pytest.raises(ValueError, match="lang"):
        write_model_docs(pack[:1], tmp_path, lang="fr")


def test_runs_and_yield_from_a_casebook(pack: list[Model], tmp_path: Path) -> None:
    casebook = Casebook.open(f"sqlite:///{tmp_path / 'casebook.db'}")
    try:
        casebook.init()
        add_user(casebook, SYSTEM, "songshan", "songshan-secret", "handler", "150404")
        model = next(m for m in pack if m.id == "marriage.bigamy")
        domains = {model.id: model.spec.domain}
        load_clues(
            casebook, make_clues(6, model=model.id), domains=domains, now=dt.datetime(2026, 3, 5)
        )
        handler = user(casebook, "songshan")
        mine = list_clues(casebook, handler, model_id=model.id)
        wf.assign(casebook, handler, mine[0].id, None, "songshan")
        wf.confirm(casebook, handler, mine[0].id, None)
        wf.dismiss(casebook, handler, mine[1].id, None, "false_positive")

        written = write_model_docs([model], tmp_path / "docs", casebook=casebook)
        page = Page(written[0])
        assert "运行记录" in page.by_class["h2"] and "线索成效" in page.by_class["h2"]
        assert "run1" in page.by_class["runs"][0]
        # clues raised, confirmed, dismissed, precision, cases
        assert page.cells["yield"] == ["6", "1", "1", "50.0%", "0"]
        assert page.cells["runs"][0] == "run1"
        assert "false_positive" in page.by_class["reasons"][0]

        county = write_model_docs([model], tmp_path / "county", casebook=casebook, actor=handler)
        assert Page(county[0]).cells["yield"] == ["2", "1", "1", "50.0%", "0"]

        plain = Page(write_model_docs([model], tmp_path / "plain")[0])
        assert "运行记录" not in plain.by_class["h2"]
    finally:
        casebook.dispose()
