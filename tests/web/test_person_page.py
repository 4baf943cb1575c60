"""The person page (一人一档) and the linkage panel's chains, over a resolved copy of the web
tests' lake: every record of one person on a timeline, the clues citing them, the links that
joined the records, masked and scoped; a transitively linked pair explained link by link."""

from __future__ import annotations

import re
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlalchemy as sa

from lexradar.clues.access import SYSTEM, add_user
from lexradar.clues.db import Casebook
from lexradar.clues.tables import clues
from tests.web.conftest import (
    PASSWORD,
    World,
    copy_casebook,
    login_client,
)

ID18 = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
pytestmark = pytest.mark.slow


@dataclass
class Resolved:
    lake: Path
    url: str
    app: Any
    chain: tuple[str, str, str]
    """Three mentions of one person: the first and the last linked only through the middle."""
    clue_id: int
    """A clue of ``world.county`` citing the chain's two ends."""
    names: set[str]
    ids: set[str]


def _transitive(lake: Path) -> tuple[str, str, str]:
    """Mentions a–b–c of one person, with a–b and b–c links and no a–c link (datasets with one
    record per mention, not payments)."""
    links = str(lake / "_linkage" / "links.parquet")
    row = duckdb.sql(
        f"""
        WITH l AS (
          SELECT person_key, unique_id_l AS a, unique_id_r AS b FROM read_parquet('{links}')
          UNION ALL
          SELECT person_key, unique_id_r, unique_id_l FROM read_parquet('{links}'))
        SELECT x.a, x.b, y.b FROM l x JOIN l y ON y.person_key = x.person_key AND y.a = x.b
        WHERE x.a < y.b AND x.a NOT LIKE '%payments%' AND y.b NOT LIKE '%payments%'
          AND NOT EXISTS (SELECT 1 FROM l z WHERE z.a = x.a AND z.b = y.b)
        ORDER BY x.a, y.b LIMIT 1
        """
    ).fetchall()
    assert row, "the region has no transitively linked person"
    row = row[0]
    return str(row[0]), str(row[1]), str(row[2])


@pytest.fixture(scope="module")
def resolved(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Resolved]:
    from lexradar.linkage.resolve import resolve
    from lexradar.settings import load_settings
    from lexradar.web.app import create_app
    from lexradar.web.engines import close_all

    folder = tmp_path_factory.mktemp("persons")
    lake = folder / "lake"
    shutil.copytree(world.lake, lake)
    resolve(lake, retrain=True)
    url = copy_casebook(world, folder)
    chain = _transitive(lake)
    ends = [m.rsplit(":", 1)[0] for m in (chain[0], chain[2])]
    cb = Casebook.open(url)
    with cb.read() as conn:
        template = conn.execute(
            sa.select(clues).where(clues.c.procuratorate_code == world.county).limit(1)
        ).first()
    row = dict(template._mapping)
    row.pop("id")
    row.update(fingerprint=uuid.uuid4().hex, record_refs=";".join(ends), person_ids="",
               model_id="marriage.bigamy", status="new", version=1)  # fmt: skip
    with cb.write() as (conn, _events):
        clue_id = int(conn.execute(clues.insert().values(**row)).inserted_primary_key[0])
    add_user(cb, SYSTEM, "province_admin", PASSWORD, "admin", "150000")
    add_user(cb, SYSTEM, "county_admin", PASSWORD, "admin", world.county)
    cb.dispose()
    persons = str(lake / "persons" / "**" / "*.parquet")
    people = duckdb.sql(f"SELECT person_id, name FROM read_parquet('{persons}')").fetchall()
    app = create_app(load_settings(lake=lake, casebook_url=url), secret_key="persons")
    yield Resolved(
        lake, url, app, chain, clue_id,
        {str(n) for _, n in people if n and len(str(n)) >= 2}, {str(i) for i, _ in people},
    )  # fmt: skip
    close_all()


def _leaks(text: str, r: Resolved) -> list[str]:
    return [i for i in ID18.findall(text) if i in r.ids] + [
        n for n in r.names if len(n) >= 3 and n in text
    ]


def test_explain_chain_follows_the_links_resolution_made(resolved: Resolved) -> None:
    from lexradar.linkage.explain import explain_chain, person_key_of, saved_links, trained_model
    from lexradar.web.engines import lease

    a, b, c = resolved.chain
    with lease(resolved.lake) as engine:
        key = person_key_of(engine, [a, c])
        assert key[a] == key[c]
        links = saved_links(engine, key[a]) or []
        pairs = {(x.left, x.right) for x in links} | {(x.right, x.left) for x in links}
        assert (a, c) not in pairs and (a, b) in pairs and (b, c) in pairs
        path, explained = explain_chain(
            resolved.lake, a, c, engine=engine, model=trained_model(resolved.lake)
        )
    assert next(p.left for p in path) == a and path[-1].right == c
    assert len(path) >= 2 and all((p.left, p.right) in pairs for p in path)
    assert all(path[i].right == path[i + 1].left for i in range(len(path) - 1))
    assert len(explained) == len(path)
    for p, ex in zip(path, explained, strict=True):
        assert abs(ex.match_weight - p.weight) < 0.5 or p.judged, (p, ex.match_weight)


def test_the_resolution_panel_shows_the_chain_masked(resolved: Resolved) -> None:
    a, b, _c = resolved.chain
    admin = login_client(resolved.app, "admin")
    panel = admin.get(f"/clues/{resolved.clue_id}/resolution")
    assert panel.status_code == 200, panel.text
    text = panel.text
    n = int(re.search(r'class="chain" data-links="(\d+)"', text).group(1))  # type: ignore[union-attr]
    assert n >= 2, text
    assert f"<code>{b}</code>" in text  # the record in between, named
    assert text.count('<article class="pair link">') >= n
    assert "匹配权重" in text and "起决定作用" in text
    assert not _leaks(text, resolved), _leaks(text, resolved)
    assert f'href="/persons/{a}"' in text  # the clue links to its person's page


def test_the_person_page_lists_records_clues_and_links(resolved: Resolved) -> None:
    a, b, c = resolved.chain
    handler = login_client(resolved.app, "county_handler")
    page = handler.get(f"/persons/{a}")
    assert page.status_code == 200, page.text[:500]
    text = page.text
    assert "一人一档" in text and "时间轴" in text
    for mention in (a, b, c):
        assert mention.rsplit(":", 1)[0] in text
    assert f'href="/clues/{resolved.clue_id}"' in text
    assert '<article class="pair link">' in text
    assert not _leaks(text, resolved), _leaks(text, resolved)
    dates = re.findall(r"<tr data-dataset=\"\w+\"><td>([0-9-]*)</td>", text)
    assert dates and [d for d in dates if d] == sorted(d for d in dates if d)
    handler.post("/lang", data={"lang": "en", "next": "/", "csrf_token": handler.csrf})
    english = handler.get(f"/persons/{a}").text
    assert "Person file" in english and "How the records were linked" in english


def test_the_person_page_is_scoped(resolved: Resolved, world: World) -> None:
    a, _b, _c = resolved.chain
    other = login_client(resolved.app, "other_handler")  # another city: no clue cites them
    assert other.get(f"/persons/{a}").status_code == 404
    assert login_client(resolved.app, "province_admin").get(f"/persons/{a}").status_code == 200
    assert login_client(resolved.app, "county_admin").get(f"/persons/{a}").status_code == 200
    # a person no clue of the county cites, for the county's admin: not found
    lone = duckdb.sql(
        f"SELECT unique_id FROM read_parquet('{resolved.lake}/_linkage/by_person.parquet') "
        "WHERE unique_id LIKE 'persons:%' ORDER BY unique_id DESC LIMIT 1"
    ).fetchall()[0][0]
    county_admin = login_client(resolved.app, "county_admin")
    found = county_admin.get(f"/persons/{lone}").status_code
    with Casebook.open(resolved.url).read() as conn:
        cited = conn.execute(
            sa.select(sa.func.count()).where(
                clues.c.record_refs.contains(lone.rsplit(":", 1)[0]),
                clues.c.procuratorate_code.startswith(world.county),
            )
        ).scalar()
    assert found == (200 if cited else 404)
    assert login_client(resolved.app, "admin").get("/persons/nonsense").status_code == 404
    assert login_client(resolved.app, "admin").get("/persons/persons:X:y").status_code == 404


def test_the_cached_engine_sees_a_new_resolution(resolved: Resolved) -> None:
    """An engine kept between requests is reopened when the lake's resolution files change."""
    from lexradar.web.engines import pool_of, stamp

    pool = pool_of(resolved.lake)
    with pool.lease() as first:
        pass
    with pool.lease() as again:
        assert again is first  # kept open between requests
    before = stamp(resolved.lake)
    keys = resolved.lake / "_linkage" / "run.json"
    keys.write_text(keys.read_text("utf-8"), encoding="utf-8")
    later = time.time() + 1
    import os

    os.utime(keys, (later, later))
    assert stamp(resolved.lake) != before
    with pool.lease() as reopened:
        assert reopened is not first


def test_the_person_page_in_the_browser(resolved: Resolved, browser) -> None:  # type: ignore[no-untyped-def]
    """In the session's Chromium (the ``browser`` fixture: one Playwright per process)."""
    import socket

    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = uvicorn.Server(
        uvicorn.Config(resolved.app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    try:
        page = browser.new_page(base_url=base, viewport={"width": 1366, "height": 768})
        page.goto("/login")
        page.fill("input[name=username]", "county_handler")
        page.fill("input[name=password]", PASSWORD)
        page.click("form[action='/login'] button[type=submit]")
        page.wait_for_url(re.compile(r"/$"))
        page.goto(f"/clues/{resolved.clue_id}")
        link = page.locator("a.person-link").first
        link.wait_for(timeout=20_000)  # the resolution panel loads after the page
        assert page.locator(".chain-path").first.inner_text().startswith("经")
        link.click()
        page.wait_for_url(re.compile(r"/persons/"))
        assert page.locator("h1").inner_text().startswith("一人一档")
        rows = page.locator("#person-timeline tbody tr")
        assert rows.count() >= 3
        assert page.locator(f'#person-clues a[href="/clues/{resolved.clue_id}"]').count() == 1
        body = page.content()
        assert not _leaks(body, resolved), _leaks(body, resolved)
        page.screenshot(path=str(resolved.lake.parent / "person.png"), full_page=True)
        page.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _mention_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The SQL of every lookup of mention rows the app's engines run from now on."""
    from lexradar.engine import base

    seen: list[str] = []
    timed = base.Engine._timed

    def spy(self: Any, name: str, sql: str, action: Any) -> Any:
        if re.search(r"\bFROM mentions\s+WHERE\b", sql):
            seen.append(sql)
        return timed(self, name, sql, action)

    monkeypatch.setattr(base.Engine, "_timed", spy)
    return seen


def test_the_resolution_panel_reads_each_mention_once(
    resolved: Resolved, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chain of two links (a–b–c): which mentions the records hold in one query, the rows of
    the chain's mentions in another, and nothing read again for the explanations or the names
    to mask."""
    a, b, c = resolved.chain
    admin = login_client(resolved.app, "admin")
    assert admin.get(f"/clues/{resolved.clue_id}/resolution").status_code == 200  # engine open
    reads = _mention_reads(monkeypatch)
    panel = admin.get(f"/clues/{resolved.clue_id}/resolution")
    assert panel.status_code == 200 and f"<code>{b}</code>" in panel.text
    assert len(reads) <= 2, reads
    rows = [sql for sql in reads if sql.startswith("SELECT * ")]
    for mention in (a, b, c):
        record = mention.rsplit(":", 1)[0]
        assert sum(record in sql for sql in rows) == 1, (mention, reads)


def test_the_person_page_reads_the_mentions_once(
    resolved: Resolved, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every mention of the person in one query: explaining their links reads no row again."""
    a, _b, _c = resolved.chain
    admin = login_client(resolved.app, "admin")
    assert admin.get(f"/persons/{a}").status_code == 200
    reads = _mention_reads(monkeypatch)
    page = admin.get(f"/persons/{a}")
    assert page.status_code == 200 and '<article class="pair link">' in page.text
    assert len(reads) == 1, reads
