"""Every main page laid out at the two screens prosecutors use (1366×768 laptops, 1920×1080
desktops), in Chinese and in English, in Chromium: screenshots to
``test-artifacts/screenshots/layout-*.png``, and, measured in the browser, no page wider than the
window and no table column squeezed to a character or two per line."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lexradar.clues.db import Casebook
from lexradar.clues.events import DocumentGenerated
from tests.web.conftest import SCREENSHOTS, World
from tests.web.test_browser import county_clue_ids, login

SIZES = ((1366, 768), (1920, 1080))

#: A cell is squeezed when it is narrower than this many characters of its own font and its
#: text, at least this long, wraps onto more lines than it has characters per line.
NARROW_CHARS, MIN_TEXT = 2.6, 4

MEASURE = """({minText, narrow}) => {
  const doc = document.documentElement;
  const overflow = doc.scrollWidth - doc.clientWidth;
  const squeezed = [];
  for (const cell of document.querySelectorAll('th, td')) {
    const text = cell.innerText.trim();
    if (text.length < minText || cell.offsetParent === null) continue;
    const style = getComputedStyle(cell);
    const em = parseFloat(style.fontSize);
    const pad = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
    const width = cell.clientWidth - pad;
    const line = parseFloat(style.lineHeight) || em * 1.5;
    const lines = Math.round((cell.clientHeight - parseFloat(style.paddingTop)
                              - parseFloat(style.paddingBottom)) / line);
    if (width < narrow * em && lines > Math.max(2, width / em)) {
      const what = `${cell.tagName.toLowerCase()} "${text.slice(0, 20)}"`;
      squeezed.push(`${what} ${Math.round(width)}px, ${lines} lines`);
    }
  }
  const wide = [...document.body.querySelectorAll('*')]
    .filter(e => e.getBoundingClientRect().right > doc.clientWidth + 1)
    .slice(0, 3).map(e => `${e.tagName.toLowerCase()}#${e.id}.${e.className}`);
  return {overflow, squeezed, wide};
}"""


@pytest.fixture
def pages(world: World) -> list[str]:
    _long_audit_detail(world)
    return ["/", "/clues", f"/clues/{county_clue_ids(world)[-1]}", "/cases", "/models",
            "/models/pension.after_death", "/batches", "/audit", "/admin", "/studio"]  # fmt: skip


def _long_audit_detail(world: World) -> None:
    """A recommendation entry whose detail names a long file path: canonical JSON has no
    spaces, so the detail is one long word, the widest thing the audit list shows."""
    clue = county_clue_ids(world)[-1]
    folder = "/srv/lexradar/procuratorate-documents/" + "recommendations-" * 6
    casebook = Casebook.open(world.url)
    try:
        with casebook.write() as (_, events):
            events.append(
                DocumentGenerated(
                    actor="admin",
                    on=f"clue:{clue}",
                    clues=(clue,),
                    model="pension.after_death",
                    revealed=False,
                    template=folder + "template.docx",
                    file=folder + f"recommendation-{clue}.docx",
                )
            )
    finally:
        casebook.dispose()


@pytest.fixture(params=SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def sized(browser, live_server: str, request: pytest.FixtureRequest) -> Iterator[object]:  # type: ignore[no-untyped-def]
    width, height = request.param
    ctx = browser.new_context(
        base_url=live_server, locale="zh-CN", viewport={"width": width, "height": height}
    )
    ctx.size = request.param  # type: ignore[attr-defined]
    yield ctx
    ctx.close()


def test_pages_fit_the_screen_in_both_languages(sized, pages: list[str]) -> None:  # type: ignore[no-untyped-def]
    width, height = sized.size
    page = sized.new_page()
    login(page, "admin")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    for lang in ("zh", "en"):
        if lang == "en":
            page.click("button[data-lang=en]")
            page.wait_for_selector("html[lang=en]")
        for path in pages:
            page.goto(path)
            page.wait_for_load_state("networkidle")
            name = path.strip("/").replace("/", "-").replace(".", "_") or "dashboard"
            page.screenshot(
                path=str(SCREENSHOTS / f"layout-{lang}-{width}x{height}-{name}.png"),
                full_page=True,
            )
            found = page.evaluate(MEASURE, {"minText": MIN_TEXT, "narrow": NARROW_CHARS})
            if found["overflow"] > 1:
                problems.append(
                    f"{lang} {path}: the page is {found['overflow']}px too wide "
                    f"({', '.join(found['wide'])})"
                )
            problems += [f"{lang} {path}: squeezed {s}" for s in found["squeezed"]]
    page.click("button[data-lang=zh]")
    page.wait_for_selector("html[lang=zh-CN]")
    assert not problems, f"{width}x{height}:\n" + "\n".join(problems)


def test_the_measure_finds_a_squeezed_column_and_a_wide_page(browser) -> None:  # type: ignore[no-untyped-def]
    ctx = browser.new_context(viewport={"width": 800, "height": 600})
    page = ctx.new_page()
    page.set_content(
        "<table style='width:100%'><tr><th style='width:1.2em'>最高人民检察院</th>"
        "<td>一段很长很长的正文内容</td></tr></table><div style='width:1200px'>宽</div>"
    )
    found = page.evaluate(MEASURE, {"minText": MIN_TEXT, "narrow": NARROW_CHARS})
    ctx.close()
    assert found["overflow"] > 300
    assert len(found["squeezed"]) == 1 and "最高人民检察院" in found["squeezed"][0]
