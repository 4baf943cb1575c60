"""A model's page describes its parameters in the reader's language: the Chinese description
(``doc_zh``) in Chinese, the English one (``doc``) in English."""

from __future__ import annotations

import html

import lxml.html

from lexradar.models.registry import Registry
from lexradar.web.i18n import catalogue
from tests.web.conftest import login_client


def _parameters_row(page: str, lang: str) -> str:
    """The text of the page's parameters row (the row headed 参数 / Parameters)."""
    heading = catalogue(lang)["models.parameters"]
    doc = lxml.html.fromstring(page)
    rows = doc.xpath("//table[@class='meta']//tr")
    (cell,) = [tr.find("td") for tr in rows if tr.findtext("th") == heading]
    return html.unescape(cell.text_content())


def test_model_page_describes_parameters_in_the_readers_language(app) -> None:  # type: ignore[no-untyped-def]
    client = login_client(app, "county_handler")
    for model_id in ("pension.after_death", "identity.double_registration"):
        params = Registry().pack[model_id].spec.parameters
        assert len(params) >= 2
        shown = {}
        for lang in ("zh", "en"):
            client.post("/lang", data={"lang": lang})
            answer = client.get(f"/models/{model_id}")
            assert answer.status_code == 200, answer.text
            shown[lang] = _parameters_row(answer.text, lang)
        for p in params:
            assert p.doc_zh
            assert f"({p.doc_zh})" in shown["zh"] and p.doc not in shown["zh"], p.name
            assert f"({p.doc})" in shown["en"] and p.doc_zh not in shown["en"], p.name
