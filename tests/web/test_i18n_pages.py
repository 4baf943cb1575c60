"""Every page in Chinese and in English, as several roles see it, with nothing left untranslated.

The page routes are enumerated from the app (a route added without a way to fill its path here
fails the test), filled with real objects of the shared casebook (a clue, a case, a model, a
batch, a job, the audit log) and fetched in both languages. A page fails on

- a catalogue key shown as such (``clue.state.loaded``) or a bare enum value (``loaded``),
- in Chinese, a run of Latin letters that is not on :data:`ZH_ALLOWED` (identifiers, model ids in
  ``<code>``, units, file names),
- in English, a Chinese UI text: a message of the Chinese catalogue, a model's or dataset's
  Chinese title, or Chinese written into a template (data values — names, offices, the records'
  own texts — stay Chinese and are not checked).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache

import lxml.html
import pytest

from lexradar.datasets import CONTRACT
from lexradar.synth import SynthResult
from lexradar.web.i18n import LANGS, catalogue
from lexradar.web.templating import TEMPLATES
from tests.web.conftest import World, login_client
from tests.web.test_batches_page import batch_app  # noqa: F401  (a fixture)

ROLES = ("admin", "region_leader", "county_handler", "builder")
"""Who walks the pages: every role, the handler at county level."""

ZH_ALLOWED = frozenset(
    {
        *("lexradar", "ID", "IDs", "SQL", "CSV", "csv", "BOM", "xlsx", "XLSX", "docx", "DOCX"),
        *("pdf", "PDF", "PNG", "API", "JSON", "OpenAPI", "YAML", "HTMX", "English", "Excel"),
        *("GB", "T", "HTTP", "URL", "UTC", "km", "kg"),
    }
)
"""Latin words a Chinese page may show outside ``<code>``: product and format names, the
language switch's own label, units."""

SKIP_TAGS = {"script", "style", "code", "pre", "kbd", "samp", "template"}
"""Text inside these is code or data (model ids, SQL, record ids), not interface text."""

TOKEN = re.compile(r"[A-Za-z0-9_.:/*…\-]*[A-Za-z][A-Za-z0-9_.:/*…\-]*")
FILE = re.compile(r"^[\w\-]+\.(parquet|csv|xlsx|docx|pdf|yaml|yml|sql|toml|json|png)$", re.I)
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
KEYLIKE = re.compile(r"\b[a-z][a-z_]*(?:\.[a-z][a-z_]*)+\b")


def _allowed_latin(token: str) -> bool:
    """A Latin token a Chinese page may show: an identifier (it has a digit), a file name, a
    dotted model id, or a word of :data:`ZH_ALLOWED`."""
    if token.endswith(("...", "…")):
        return True  # cut short: the start of an identifier
    token = token.strip(".:/-_")
    return (
        not token
        or any(c.isdigit() or c in "*…" for c in token)
        or token.endswith("...")
        or bool(FILE.match(token))
        or token in ZH_ALLOWED
    )


@dataclass
class Page:
    """The text of one page that a user reads, apart from code and data."""

    text: list[str] = field(default_factory=list)
    """Text nodes and attributes meant for reading (title, placeholder, aria-label, alt)."""


def read_page(html: str, lang: str = "zh") -> Page:
    doc = lxml.html.fromstring(html)
    page = Page()

    def walk(el: lxml.html.HtmlElement) -> None:
        if not isinstance(el.tag, str):
            return
        if el.tag == "script" and el.get("type") == "application/json":
            page.text += chart_labels(el.text or "")
            return
        if el.tag in SKIP_TAGS or el.get("translate") == "no":
            return  # code, or data marked as not for translating
        if el.get("lang") and el.tag != "html" and not el.get("lang").startswith(lang):
            return  # in another language on purpose (the language switch's own names)
        if el.get("hidden") is None:
            for attr in ("title", "placeholder", "aria-label", "alt"):
                if attr == "placeholder" and el.get("pattern"):
                    continue  # an example of a code the field takes (a model id)
                if el.get(attr):
                    page.text.append(el.get(attr))
            if el.tag == "input" and el.get("type") in ("submit", "button") and el.get("value"):
                page.text.append(el.get("value"))
            if el.tag == "option" and el.text:
                pass  # collected below as text
        if el.text and el.text.strip():
            page.text.append(el.text.strip())
        for child in el:
            walk(child)
            if child.tail and child.tail.strip():
                page.text.append(child.tail.strip())

    walk(doc)
    return page


def chart_labels(text: str) -> list[str]:
    """The labels a chart draws (its categories and the names of its series)."""
    import json

    try:
        data = json.loads(text)
    except ValueError:
        return []
    if not isinstance(data, dict):
        return []
    out = [str(x) for x in data.get("labels", [])]
    out += [str(d.get("label", "")) for d in data.get("datasets", []) if isinstance(d, dict)]
    return [x for x in out if x]


@cache
def enum_values() -> frozenset[str]:
    """The last part of every catalogue key that names a value (``clue.state.loaded`` →
    ``loaded``): shown bare on a Chinese page, one was not translated."""
    keys = catalogue("zh")
    values = {k.rsplit(".", 1)[1] for k in keys if "." in k}
    return frozenset(v for v in values if "_" in v or len(v) > 3)


@cache
def zh_ui_texts() -> frozenset[str]:
    """Chinese interface texts: catalogue messages (the parts between their fields), model and
    dataset titles."""
    from lexradar.models.registry import Registry

    out: set[str] = set()
    for text in catalogue("zh").values():
        out.update(p for p in re.split(r"\{[^}]*\}", text) if len(CJK.findall(p) or "") and p)
    models = [m.spec for m in Registry().models.values()]
    # a parameter's Chinese description, less the laws it cites (English texts cite them too)
    cited = [t for s in models for t in (*s.legal_basis, *(p.doc for p in s.parameters))]
    laws = {run for text in cited for run in CJK.findall(text)}
    for model in Registry().models.values():
        out.add(model.spec.title.zh)
        docs = [p.doc_zh for p in model.spec.parameters if p.doc_zh]
        out.update(run for doc in docs for run in CJK.findall(doc) if run not in laws)
    for ds in CONTRACT.values():
        out.add(ds.title.zh)
    return frozenset(run for s in out for run in CJK.findall(s) if len(run) >= 2)


def problems(path: str, lang: str, html: str, names: frozenset[str] = frozenset()) -> list[str]:
    """What is untranslated on the page; ``names`` are the casebook's login names (ASCII
    identifiers chosen by the admin: data, not interface text)."""
    page = read_page(html, lang)
    keys = catalogue(lang)
    found: list[str] = []
    for text in page.text:
        for k in KEYLIKE.findall(text):
            if k in keys:
                found.append(f"catalogue key shown raw: {k!r} in {text[:80]!r}")
        if lang == "zh":
            for token in TOKEN.findall(text):
                if not _allowed_latin(token) and token not in names:
                    found.append(f"Latin text {token!r} in {text[:80]!r}")
        else:
            for run in CJK.findall(text):
                if run in zh_ui_texts():
                    found.append(f"Chinese interface text {run!r} in {text[:80]!r}")
    return [f"{lang} {path}: {p}" for p in dict.fromkeys(found)]


# --- the pages -------------------------------------------------------------------------------

NOT_PAGES = {
    "/login": "visited before logging in",
    "/batches/{batch_id}": "the shared lake has no manifests: test_batch_pages_translated",
    "/studio/{model_id}": "a draft: walked over the studio project of `studio_pages`",
    "/studio/{model_id}/hits": "a draft's last try: `studio_pages`",
    "/studio/{model_id}/compare": "a draft against the built-in model: `studio_pages`",
    "/studio/{model_id}/examples": "a draft's golden examples: `studio_pages`",
}
"""Page routes this test does not fetch from the shared app, and why (each is walked
elsewhere)."""

HTML_DOWNLOADS = ("/reports/period.html",)
"""Downloads that are HTML pages a user reads (the period report): walked like pages."""

MAY_BE_GONE = {
    "/persons/{person_ref}": "a person is found through resolution, which the shared lake lacks",
}
"""Pages that may answer 404 for the objects this test has, and why."""

DOWNLOADS = (".docx", ".xlsx", ".csv", ".pdf", ".{kind}", ".{fmt}")


def page_routes(app) -> list[str]:  # type: ignore[no-untyped-def]
    """The app's HTML page routes (GET, not the API, the static files or downloads)."""
    from lexradar.web.policy import routes_of

    out = []
    for method, path, _ in routes_of(app):
        if method != "GET" or path in out:
            continue
        if path.startswith(("/api", "/static")) or path.endswith(DOWNLOADS):
            continue
        out.append(path)
    return out


@pytest.fixture(scope="module")
def objects(app, world: World) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Real values for every path parameter: a clue, a case, a model, a batch, a job."""
    admin = login_client(app, "admin")
    builder = login_client(app, "builder")
    clue = admin.get("/api/clues", params={"size": 1}).json()["clues"][0]["id"]
    batches = admin.get("/api/batches").json()
    answer = builder.post("/models/marriage.bigamy/run", headers={"HX-Request": "1"})
    assert answer.status_code == 200, answer.text
    job = re.search(r'id="job-([0-9a-f]+)"', answer.text)
    assert job, answer.text
    cases = admin.get("/api/cases").json()
    case = (cases.get("cases", cases) if isinstance(cases, dict) else cases)[0]["id"]
    values = {
        "clue_id": str(clue),
        "case_id": str(case),
        "model_id": "marriage.bigamy",
        "job_id": job.group(1),
    }
    if batches:
        values["batch_id"] = batches[0]["batch_id"]
    refs = admin.get(f"/api/clues/{clue}").json()["record_refs"]
    values["case_ref"] = re.split(r"[,;|\s]+", refs.strip("[]\"' "))[0].strip("\"'")
    for id_ in admin.get("/api/clues", params={"size": 20}).json()["clues"]:
        panel = admin.get(f"/clues/{id_['id']}/resolution").text
        person = re.search(r'href="/persons/([^"]+)"', panel)
        if person:
            values["person_ref"] = person.group(1)
            break
    else:  # no resolution panel links: the mention of the clue's first record
        from lexradar.engine import open_engine
        from lexradar.linkage import mentions

        with open_engine(world.lake) as engine:
            mentions.ensure(engine)
            rows = engine.rows(
                "SELECT unique_id FROM mentions WHERE unique_id LIKE "
                f"'{values['case_ref']}:%' ORDER BY unique_id LIMIT 1",
                "a person of the clue",
            )
        assert rows, values["case_ref"]
        values["person_ref"] = str(rows[0][0])
    return values


QUERY = {"/studio/new": "?case={case_ref}"}
"""Query strings a page needs."""


def fill(path: str, objects: dict[str, str]) -> str | None:
    names = re.findall(r"\{(\w+)(?::\w+)?\}", path)
    if any(n not in objects for n in names):
        return None
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: objects[m.group(1)], path)


@cache
def pack_models() -> tuple[str, ...]:
    """The id of every model of the pack."""
    from lexradar.models.registry import Registry

    return tuple(sorted(Registry().pack))


def walk(app, objects: dict[str, str]) -> Iterator[tuple[str, str, str, str]]:  # type: ignore[no-untyped-def]
    """(role, language, path, html) of every page every role may see, in both languages."""
    routes = page_routes(app)
    unfilled = [r for r in routes if r not in NOT_PAGES and fill(r, objects) is None]
    assert not unfilled, f"page routes this test cannot fill (add their objects): {unfilled}"
    from fastapi.testclient import TestClient

    for lang in LANGS:
        anonymous = TestClient(app)
        token = anonymous.get("/api/session").json()["csrf_token"]
        anonymous.post("/lang", data={"lang": lang, "csrf_token": token})
        yield "anonymous", lang, "/login", anonymous.get("/login").text
    for role in ROLES:
        client = login_client(app, role)
        for lang in LANGS:
            client.post("/lang", data={"lang": lang})
            for route in [*routes, *HTML_DOWNLOADS]:
                if route in NOT_PAGES:
                    continue
                path = fill(route + QUERY.get(route, ""), objects)
                assert path
                answer = client.get(path)
                if answer.status_code in (403, 404) and (role != "admin" or route in MAY_BE_GONE):
                    continue  # not this role's page, or not in this casebook
                assert answer.status_code == 200, (role, path, answer.status_code)
                yield role, lang, path, answer.text
            for model_id in pack_models():  # every pack model's page, not only the one filled
                if model_id == objects["model_id"]:
                    continue
                answer = client.get(f"/models/{model_id}")
                assert answer.status_code == 200, (role, model_id, answer.status_code)
                yield role, lang, f"/models/{model_id}", answer.text
            for extra in ("/?region=150400", "/clues?state=confirmed", "/cases?state=closed"):
                answer = client.get(extra)
                if answer.status_code == 200:
                    yield role, lang, extra, answer.text


def walk_paths(
    app, paths: list[str | tuple[str, dict[str, str]]], roles: tuple[str, ...]
) -> Iterator[tuple[str, str, str, str]]:  # type: ignore[no-untyped-def]
    """(role, language, path, html) of ``paths`` fetched by ``roles`` of ``app``, in both
    languages (a (path, form) pair is posted: a search term never goes in a URL); a page
    another role than the admin may not see (403, 404 outside its region) is skipped, any
    other answer fails."""
    for role in roles:
        client = login_client(app, role)
        for lang in LANGS:
            client.post("/lang", data={"lang": lang})
            for entry in paths:
                path, form = entry if isinstance(entry, tuple) else (entry, None)
                answer = client.get(path) if form is None else client.post(path, data=form)
                if answer.status_code in (403, 404) and role != "admin":
                    continue
                assert answer.status_code == 200, (role, path, answer.status_code, answer.text)
                yield role, lang, path, answer.text


TRAFFIC = "traffic.license_not_revoked"
STUDIO_AS_OF = dt.date(2026, 11, 28)


@pytest.fixture(scope="module")
def studio_pages(world: World, region: SynthResult, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The app over a project of its own with a draft in its studio, as a model builder makes
    one in the workbench: ``traffic.license_not_revoked`` rebuilt from a planted case (its
    first golden example), a parameter and a *not exists* block added, tried on the lake, one
    hit judged true (a second example). The app and the pages: the studio listing the draft
    (and the records a search of the case's person finds), the draft, the hits of the try,
    the comparison with the built-in model, the golden examples."""
    from lexradar.synth.score import read_truth
    from lexradar.web.app import create_app

    project = tmp_path_factory.mktemp("i18n-studio")
    settings = world.settings.model_copy(
        update={"model_paths": [project / "models"], "as_of": STUDIO_AS_OF}
    )
    app = create_app(settings, secret_key="i18n-studio-key")
    app.state.studio_dir = str(project / "studio")
    planted = next(t for t in read_truth(region.out / "truth.csv") if t.model_id == TRAFFIC
                   and t.difficulty == "exact" and t.kind == "planted")  # fmt: skip
    judgment = next(r for r in planted.refs if r.startswith("judgments:"))
    licence = next(r for r in planted.refs if r.startswith("driver_licenses:"))
    builder = login_client(app, "builder")
    form = {
        "model_id": TRAFFIC, "domain": "administrative", "base": judgment,
        "case": [judgment, licence], "param": [f"{judgment}|cause"],
        "keep": [f"{judgment}|{c}" for c in ("cause", "case_kind", "party_role")],
        "title_zh": "醉驾入刑后驾驶证未吊销", "title_en": "Licence not revoked after conviction",
        "rule_zh": "危险驾驶罪判决生效后驾驶证未依法吊销", "rule_en": "the licence is still valid",
        "legal_basis": "《中华人民共和国道路交通安全法》第九十一条第二款",
    }  # fmt: skip
    steps = [
        ("/studio/new", form),
        (f"/studio/{TRAFFIC}/params", {"name": "revoke_within_days", "default": "90",
                                       "doc": "判决生效后应吊销驾驶证的期限（日）"}),
        (f"/studio/{TRAFFIC}/blocks", {"kind": "not_exists", "dataset": "driver_licenses",
                                       "date": "status_date", "days": "revoke_within_days",
                                       "where": "status in revoked,cancelled"}),
        (f"/studio/{TRAFFIC}/try", {}),
    ]  # fmt: skip
    for path, data in steps:
        answer = builder.post(path, data=data, follow_redirects=False)
        assert answer.status_code == 303, (path, answer.text)
    hits = builder.get(f"/studio/{TRAFFIC}/hits").text
    fingerprint = re.findall(r'data-fingerprint="([0-9a-f]+)"', hits)[-1]
    answer = builder.post(
        f"/studio/{TRAFFIC}/mark",
        data={"fingerprint": fingerprint, "verdict": "true"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    draft = builder.get(f"/studio/{TRAFFIC}").text
    versions = re.findall(rf'<option value="({re.escape(TRAFFIC)}@\d+)"', draft)
    assert versions, draft
    compare = f"/studio/{TRAFFIC}/compare?left={TRAFFIC}@pack&right={versions[-1]}"
    (person,) = planted.person_ids
    pages: list[str | tuple[str, dict[str, str]]] = [
        "/studio",
        ("/studio", {"q": person}),
        f"/studio/{TRAFFIC}",
        f"/studio/{TRAFFIC}/hits?marked={fingerprint}",
        compare,
        f"/studio/{TRAFFIC}/examples",
    ]
    return app, pages


@pytest.fixture(scope="module")
def resolution_pages(world: World, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The app over a copy of the shared lake whose persons were resolved (``lexradar
    resolve``: a trained model), and the pages resolution fills: a bigamy clue's page and its
    resolution panel (the chain of links, each comparison's level and weight), and the page of
    the clue's person."""
    import shutil

    import sqlalchemy as sa

    from lexradar.clues.db import Casebook
    from lexradar.clues.tables import clues
    from lexradar.linkage.resolve import resolve
    from lexradar.settings import load_settings
    from lexradar.web.app import create_app

    lake = tmp_path_factory.mktemp("i18n-resolved") / "lake"
    shutil.copytree(world.lake, lake)
    resolve(lake, retrain=True)
    app = create_app(load_settings(lake=lake, casebook_url=world.url), secret_key="i18n-resolved")
    casebook = Casebook.open(world.url)
    try:
        with casebook.read() as conn:
            ids = (
                conn.execute(
                    sa.select(clues.c.id)
                    .where(
                        clues.c.model_id.in_(("marriage.bigamy", "identity.double_registration"))
                    )
                    .order_by(clues.c.id)
                    .limit(6)
                )
                .scalars()
                .all()
            )
    finally:
        casebook.dispose()
    admin = login_client(app, "admin")
    pages: list[str] = []
    for clue in ids:
        panel = admin.get(f"/clues/{clue}/resolution").text
        assert 'class="pair link"' in panel, panel
        pages += [f"/clues/{clue}/resolution", f"/clues/{clue}"]
        pages += [f"/persons/{ref}" for ref in re.findall(r'href="/persons/([^"]+)"', panel)[:1]]
    return app, pages


def _login_names(world: World) -> frozenset[str]:
    """Every login name in the casebook now (data, shown as written), and the system's."""
    import sqlalchemy as sa

    from lexradar.clues.db import Casebook
    from lexradar.clues.tables import users

    casebook = Casebook.open(world.url)
    try:
        with casebook.read() as conn:
            found = conn.execute(sa.select(users.c.username)).scalars().all()
    finally:
        casebook.dispose()
    return frozenset(found) | frozenset(world.users) | {"system"}


def test_every_page_translated(
    app, world: World, objects: dict[str, str], studio_pages, resolution_pages
) -> None:  # type: ignore[no-untyped-def]
    """Every page of the shared app, the draft pages of a studio project and the pages of a
    resolved lake."""
    found: list[str] = []
    pages = 0
    studio_app, studio_paths = studio_pages
    resolved_app, resolved_paths = resolution_pages
    every = itertools.chain(
        walk(app, objects),
        walk_paths(studio_app, studio_paths, ROLES),
        walk_paths(resolved_app, resolved_paths, ROLES),
    )
    for role, lang, path, html in every:
        pages += 1
        names = _login_names(world)  # other tests of the session add users to the casebook
        found += [f"[{role}] {p}" for p in problems(path, lang, html, names)]
    assert pages > 40
    found = list(dict.fromkeys(found))
    assert not found, f"{len(found)} untranslated texts:\n" + "\n".join(found[:5000])


def test_batch_pages_translated(batch_app) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    """The batch pages over a lake filled by a real ingest (a quarantined row, a warning)."""
    from tests.web.test_batches_page import PASSWORD

    app, result = batch_app
    client = login_client(app, "leader", PASSWORD)
    found: list[str] = []
    for lang in LANGS:
        client.post("/lang", data={"lang": lang})
        for path in ("/batches", f"/batches/{result.batch_id}"):
            answer = client.get(path)
            assert answer.status_code == 200, path
            found += problems(path, lang, answer.text, frozenset({"leader", "handler", "system"}))
    assert not found, "\n".join(found)


# --- the catalogue ---------------------------------------------------------------------------

KEY = re.compile(r"""\bt\(\s*["']([a-z_]+(?:\.[a-z0-9_]+)+)["']\s*[,)]""")


def test_catalogue_same_keys_and_every_used_key_exists() -> None:
    zh, en = catalogue("zh"), catalogue("en")
    assert set(zh) == set(en), sorted(set(zh) ^ set(en))
    for key in zh:
        assert set(re.findall(r"\{(\w+)\}", zh[key])) == set(re.findall(r"\{(\w+)\}", en[key])), key
    web = TEMPLATES.parent
    sources = [
        *TEMPLATES.rglob("*.html"),
        *web.rglob("*.py"),
        *(web.parent / "reports").rglob("*.py"),
    ]
    used = {k for p in sources for k in KEY.findall(p.read_text(encoding="utf-8"))}
    assert len(used) > 200
    missing = sorted(k for k in used if k not in zh)
    assert not missing, missing
    untranslated = sorted(k for k in zh if zh[k] == en[k] and CJK.search(zh[k]) is None)
    assert len(untranslated) < 40, untranslated


def test_templates_hold_no_chinese_of_their_own() -> None:
    """Chinese written straight into a template shows in English too: it belongs in the
    catalogue."""
    found = []
    for path in TEMPLATES.rglob("*.html"):
        text = re.sub(r"\{#.*?#\}", "", path.read_text(encoding="utf-8"), flags=re.S)
        for n, line in enumerate(text.splitlines(), 1):
            if CJK.search(line):
                found.append(f"{path.relative_to(TEMPLATES)}:{n}: {line.strip()[:80]}")
    assert not found, "\n".join(found)


def test_reader_sees_text_and_skips_code() -> None:
    page = read_page(
        '<p title="提示 hint">线索 <code>marriage.bigamy</code> loaded<script>var x</script></p>'
    )
    assert page.text == ["提示 hint", "线索", "loaded"]
    assert problems("/x", "zh", "<p>状态 loaded</p>")
    assert not problems("/x", "zh", "<p>证号 M2024-0001，文件 clues.parquet，<code>a.b</code></p>")
    assert problems("/x", "en", "<p>Model 法律监督数据概览</p>")
    assert not problems("/x", "en", "<p>Person 张三 at 松山区民政局</p>")
