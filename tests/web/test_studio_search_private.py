"""The model studio's lake search never puts its term in a URL: in Chromium a model builder
searches the lake by a resident ID and by a name, picks a record and comes back, and the term
is in no request URL, no Referer, no browser storage and no line of the server's log (uvicorn's
access log included); through the app, a term in the query string of ``GET /studio`` answers
400 in the user's language and the search's ``POST`` is CSRF-checked."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote, quote_plus, urlparse

import pytest

from tests.web.conftest import World, login_client
from tests.web.test_browser import login, shot
from tests.web.test_queue_browser import _nowhere, server_log  # noqa: F401 (a fixture)


def _lake_person(world: World) -> tuple[str, str, str]:
    """A person of the lake: resident ID, name (two characters or more), persons record ref."""
    import duckdb

    persons = str(world.lake / "persons" / "**" / "*.parquet")
    rows = duckdb.sql(
        f"SELECT person_id, name, record_id FROM read_parquet('{persons}', union_by_name=true) "
        "WHERE person_id IS NOT NULL AND length(person_id) = 18 AND length(name) >= 2 "
        "ORDER BY record_id LIMIT 1"
    ).fetchall()
    if not rows:
        pytest.skip("no person with an ID and a name in the lake")
    person_id, name, record_id = rows[0]
    return str(person_id), str(name), f"persons:{record_id}"


def _forms(term: str) -> set[str]:
    return {term, quote(term), quote_plus(term), quote(term, safe="").lower()}


@pytest.fixture
def context(browser, live_server: str) -> Iterator[object]:  # type: ignore[no-untyped-def]
    ctx = browser.new_context(
        base_url=live_server, locale="zh-CN", viewport={"width": 1400, "height": 1000}
    )
    yield ctx
    ctx.close()


def test_a_studio_search_term_never_travels_in_a_url(  # type: ignore[no-untyped-def]
    context,
    world: World,
    server_log: list[str],  # noqa: F811
) -> None:
    person_id, name, ref = _lake_person(world)
    forms = _forms(person_id) | _forms(name)
    seen: list[tuple[str, str, str]] = []
    page = context.new_page()
    page.on("request", lambda r: seen.append((r.method, r.url, r.headers.get("referer", ""))))
    login(page, "builder")
    page.goto("/studio")
    for term in (person_id, name):
        if page.locator("#search").count():  # the section is replaced by the search's answer
            page.evaluate("() => { document.querySelector('#search').dataset.old = '1'; }")
        page.fill("#studio-q", term)
        with page.expect_response(
            lambda r: r.request.method == "POST" and urlparse(r.url).path == "/studio"
        ):
            page.click("#studio-search")
        page.wait_for_selector("#search:not([data-old]) #found")
        assert page.locator("#found tr[data-ref]").count() >= 1, term
        assert page.input_value("#studio-q") == term  # the term is shown in its box only
        assert urlparse(page.url).path == "/studio" and not urlparse(page.url).query
        assert page.locator("[hx-history=false]").count() == 1  # htmx keeps no copy
    shot(page, "studio-search-private-zh")
    # the ID found the person's own record; pick a record and come back
    page.fill("#studio-q", person_id)
    page.evaluate("() => { document.querySelector('#search').dataset.old = '1'; }")
    page.click("#studio-search")
    page.wait_for_selector(f"#search:not([data-old]) #found tr[data-ref='{ref}']")
    page.check(f"input[name=case][value='{ref}']")
    page.click("#pick-records")
    page.wait_for_url(re.compile(r"/studio/new\?"))
    page.go_back()
    page.wait_for_url(re.compile(r"/studio$"))
    page.wait_for_selector("#studio-q")
    stored = page.evaluate(
        "() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage)"
        " + JSON.stringify(history.state) + document.documentElement.outerHTML"
    )
    assert not any(f in stored for f in forms), "the term is kept in the browser"

    posted = [u for m, u, _ in seen if m == "POST" and urlparse(u).path == "/studio"]
    assert len(posted) == 3, seen
    _nowhere(forms, seen, server_log)
    access = [line for line in server_log if line.startswith("uvicorn.access")]
    assert any('"POST /studio HTTP' in line for line in access), access[:5]


def test_a_term_in_the_studio_url_is_refused(app, world: World) -> None:  # type: ignore[no-untyped-def]
    """``GET /studio?q=…`` answers 400 (Chinese, English after the switch) and shows neither
    the term nor a search; the search is a POST that needs the CSRF token."""
    person_id, name, ref = _lake_person(world)
    builder = login_client(app, "builder")
    for key in ("q", "search"):
        refused = builder.get("/studio", params={key: person_id})
        assert refused.status_code == 400, (key, refused.status_code)
        assert "检索词不能放在网址中" in refused.text and person_id not in refused.text
        assert 'id="found"' not in refused.text
    api = builder.get("/studio", params={"q": name}, headers={"Accept": "application/json"})
    assert api.status_code == 400 and name not in api.text
    builder.post("/lang", data={"lang": "en"})
    english = builder.get("/studio", params={"q": person_id})
    assert english.status_code == 400 and "never put in the address" in english.text
    builder.post("/lang", data={"lang": "zh"})
    without_token = builder.post("/studio", data={"q": person_id}, headers={"X-CSRF-Token": ""})
    assert without_token.status_code == 403 and person_id not in without_token.text
    searched = builder.post("/studio", data={"q": person_id, "csrf_token": builder.csrf})
    assert searched.status_code == 200 and f'data-ref="{ref}"' in searched.text
    assert 'hx-history="false"' in searched.text
    assert builder.post("/studio", data={"q": ""}).status_code == 200  # no term: no search
    assert 'id="found"' not in builder.get("/studio").text
