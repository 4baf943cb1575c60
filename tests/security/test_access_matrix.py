"""The access matrix (issue 16): every route of the app × every role at the region, a city
and a county × objects of the user's own county, of a sibling county, of the county's parent
(the city itself) and of another city × no session, each answer checked against the one policy
table, :data:`lexradar.web.policy.POLICY`. Every principal calls every route (the heavy ones
too: the studio's tries, the reports in each of their formats).

Routes come from the app itself (``app.routes``), so a new route is in the matrix without
anything done here: without a rule it stops the app from starting; with one, it is called with
a generic request (its path filled with the objects, no body), and must answer the login page
or 401 without a session, 403 to a role the rule does not list, and neither to one it does.
The routes named in :data:`SAMPLES` get a real request and must do what they do (2xx/3xx),
404 on an object outside the user's subtree. No answer may be a 5xx, and none may carry a
resident ID or a full name of the lake's persons to anyone (but the answer of a reveal to a
role allowed to reveal): each body — the text of a .pdf (poppler's ``pdftotext``, as
:mod:`lexradar.documents.readers` reads PDFs), of a .docx (python-docx: paragraphs, tables,
headers and footers) and of an .xlsx (openpyxl: every cell of every sheet) too — is searched for
every 18-digit ID and for every name.

It works on a copy of the web tests' casebook; the objects changed here (assigned, closed,
turned into cases) are made for it, and model runs are replaced by a job that does nothing
(the run itself is tested in tests/web).
"""

from __future__ import annotations

import io
import itertools
import re
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa

from lexradar.clues import cases as cases_
from lexradar.clues.access import ROLES, SYSTEM, User, add_user
from lexradar.clues.db import Casebook
from lexradar.clues.tables import clues, procuratorates
from lexradar.reports.output import WRITERS
from lexradar.web.policy import POLICY, Rule, routes_of
from tests.web.conftest import (  # noqa: F401 (world: the web tests' fixture)
    PASSWORD,
    World,
    anonymous_client,
    copy_casebook,
    login_client,
    world,
)

ID18 = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
CJK = re.compile(r"[\u3400-\u9fff·]{2,}")
LEVELS = ("root", "city", "county")
MODEL = "pension.after_death"


@dataclass
class Principal:
    name: str
    role: str | None
    code: str
    client: Any
    csrf: str

    @property
    def prefix(self) -> str:
        return User(None, self.name, self.role or "", self.code).prefix


@dataclass
class Matrix:
    app: Any
    casebook: Casebook
    world: World
    regions: dict[str, str]
    """own / sibling / parent / foreign → a procuratorate code (the parent's: the own county's
    city, whose objects are made for the matrix)"""
    principals: list[Principal]
    ids: set[str]
    names: set[str]
    batch: str | None
    """an ingestion batch of the lake, if it has one"""
    person_ref: str
    shared_draft: str
    templates: dict[str, Any] = field(default_factory=dict)
    fixed: dict[tuple[str, str], int] = field(default_factory=dict)
    counter: Iterator[int] = field(default_factory=itertools.count)

    # objects made for the matrix

    def new_clue(self, where: str, status: str = "new") -> int:
        """A clue of region ``where`` (a copy of one of its clues) in ``status``, version 1."""
        code = self.regions[where]
        source = self.regions["own"] if where == "parent" else code  # the city has no clues
        if source not in self.templates:
            with self.casebook.read() as conn:
                self.templates[source] = conn.execute(
                    sa.select(clues).where(clues.c.procuratorate_code == source).limit(1)
                ).first()
        row = dict(self.templates[source]._mapping)
        row.pop("id")
        row.update(
            fingerprint=uuid.uuid4().hex, status=status, version=1, assignee_id=None,
            dismiss_reason=None, procuratorate_code=code,
        )  # fmt: skip
        with self.casebook.write() as (conn, _events):
            return int(conn.execute(clues.insert().values(**row)).inserted_primary_key[0])

    def new_case(self, where: str) -> int:
        clue = self.new_clue(where, "confirmed")
        return cases_.open_case(
            self.casebook, SYSTEM, "procuratorial_recommendation", {clue: 1}, title="矩阵"
        )

    def clue(self, where: str) -> int:
        """The region's clue that workflow requests assign again and again."""
        return self.fixed.setdefault(("clue", where), self.new_clue(where))

    def confirmed(self, where: str) -> int:
        return self.fixed.setdefault(("confirmed", where), self.new_clue(where, "confirmed"))

    def case(self, where: str) -> int:
        return self.fixed.setdefault(("case", where), self.new_case(where))

    def version(self, clue_id: int) -> int:
        with self.casebook.read() as conn:
            return int(
                conn.execute(sa.select(clues.c.version).where(clues.c.id == clue_id)).scalar()
            )

    def unique(self) -> int:
        return next(self.counter)


@dataclass
class Call:
    """One request of the matrix and what the policy expects of it."""

    method: str
    path: str
    principal: Principal
    where: str | None
    expect: str
    """login (401 or the login page), denied (403), hidden (404), done: 2xx/3xx for a route
    of :data:`SAMPLES` marked strict, else not 401/403 (a generic request may be malformed)"""
    url: str = ""
    kwargs: dict[str, Any] = field(default_factory=dict)


Sample = Callable[[Matrix, Principal, str | None, bool], tuple[str, dict[str, Any]]]
"""(matrix, principal, region, allowed) → (url, request arguments)"""


def _form(p: Principal, **data: Any) -> dict[str, Any]:
    return {"data": {**data, "csrf_token": p.csrf}}


def _json(body: Any) -> dict[str, Any]:
    return {"json": body}


def _assign_form(m: Matrix, p: Principal, w: str | None, ok: bool) -> tuple[str, dict[str, Any]]:
    c = m.clue(w or "own")
    return "/clues/assign", _form(p, assignee=p.name, clue_ids=[f"{c}:{m.version(c)}"])


def _act(m: Matrix, p: Principal, w: str | None, ok: bool) -> tuple[str, dict[str, Any]]:
    c = m.clue(w or "own")
    return f"/clues/{c}/act", _form(p, action="assign", assignee=p.name, version=m.version(c))


def _transition(m: Matrix, p: Principal, w: str | None, ok: bool) -> tuple[str, dict[str, Any]]:
    c = m.clue(w or "own")
    body = {"action": "assign", "assignee": p.name, "version": m.version(c)}
    return f"/api/clues/{c}/transition", _json(body)


def _api_assign(m: Matrix, p: Principal, w: str | None, ok: bool) -> tuple[str, dict[str, Any]]:
    c = m.clue(w or "own")
    return "/api/clues/assign", _json({"assignee": p.name, "clues": {str(c): m.version(c)}})


def _open_case(m: Matrix, p: Principal, w: str | None, ok: bool) -> tuple[str, dict[str, Any]]:
    c = m.new_clue(w or "own", "confirmed") if ok else m.confirmed(w or "own")
    return "/api/cases", _json({"kind": "protest", "clues": {str(c): 1}, "title": "矩阵"})


def _close_page(m: Matrix, p: Principal, w: str | None, ok: bool) -> tuple[str, dict[str, Any]]:
    case = m.new_case(w or "own") if ok else m.case(w or "own")
    return f"/cases/{case}/close", _form(p, outcome="funds_recovered", version=1, funds="10")


def _close_api(m: Matrix, p: Principal, w: str | None, ok: bool) -> tuple[str, dict[str, Any]]:
    case = m.new_case(w or "own") if ok else m.case(w or "own")
    body = {"outcome": "funds_recovered", "version": 1, "funds_recovered": "10"}
    return f"/api/cases/{case}/close", _json(body)


def _get(url: str) -> Sample:
    return lambda m, p, w, ok: (url, {})


def _clue_get(template: str, confirmed: bool = False) -> Sample:
    def sample(m: Matrix, p: Principal, w: str | None, ok: bool) -> tuple[str, dict[str, Any]]:
        c = m.confirmed(w or "own") if confirmed else m.clue(w or "own")
        return template.format(c), {}

    return sample


def _clue_post(template: str, body: Callable[[Principal], dict[str, Any]], confirmed=False):  # type: ignore[no-untyped-def]
    def sample(m: Matrix, p: Principal, w: str | None, ok: bool) -> tuple[str, dict[str, Any]]:
        c = m.confirmed(w or "own") if confirmed else m.clue(w or "own")
        return template.format(c), body(p)

    return sample


def _case_get(template: str, post: bool = False) -> Sample:
    def sample(m: Matrix, p: Principal, w: str | None, ok: bool) -> tuple[str, dict[str, Any]]:
        kwargs = _form(p, reason="矩阵核对") if post else {}
        return template.format(m.case(w or "own")), kwargs

    return sample


def _job(template: str) -> Sample:
    def sample(m: Matrix, p: Principal, w: str | None, ok: bool) -> tuple[str, dict[str, Any]]:
        return template.format(f"job-{w}"), {}

    return sample


def _user_target(template: str, page: bool) -> Sample:
    def sample(m: Matrix, p: Principal, w: str | None, ok: bool) -> tuple[str, dict[str, Any]]:
        url = template.format(f"target_{w}")
        return url, (_form(p) if page else {})

    return sample


def _add_user(page: bool) -> Sample:
    def sample(m: Matrix, p: Principal, w: str | None, ok: bool) -> tuple[str, dict[str, Any]]:
        name = f"added_{m.unique()}"
        fields = {"username": name, "password": "matrix-pass-1", "role": "handler",
                  "procuratorate": p.code}  # fmt: skip
        return ("/admin/users", _form(p, **fields)) if page else ("/api/users", _json(fields))

    return sample


def _add_procuratorate(m: Matrix, p: Principal, w: str | None, ok: bool) -> tuple[str, dict]:
    prefix = p.prefix
    code = (prefix + f"{90 + m.unique() % 10:02d}" + "0000")[:6] if len(prefix) < 6 else p.code
    parent = p.code
    return "/admin/procuratorates", _form(p, code=code, name="矩阵检察院", parent=parent)


def _studio_new(m: Matrix, p: Principal, w: str | None, ok: bool) -> tuple[str, dict[str, Any]]:
    form = {"model_id": f"matrix.new{m.unique()}", "domain": "civil", "base": m.person_ref,
            "case": [m.person_ref], "title_zh": "矩阵", "title_en": "matrix", "rule_zh": "矩阵",
            "rule_en": "matrix", "legal_basis": "测试"}  # fmt: skip
    return "/studio/new", _form(p, **form)


def _draft(suffix: str, **data: Any) -> Sample:
    def sample(m: Matrix, p: Principal, w: str | None, ok: bool) -> tuple[str, dict[str, Any]]:
        url = f"/studio/{m.shared_draft}{suffix}"
        return url, (_form(p, **data) if data else {})

    return sample


SAMPLES: dict[tuple[str, str], tuple[Sample, bool]] = {
    # (method, path): (request maker, strict: an allowed request must succeed)
    ("GET", "/"): (_get("/"), True),
    ("GET", "/clues"): (_get("/clues?size=100"), True),
    ("GET", "/clues/export.{fmt}"): (_get("/clues/export.xlsx"), True),
    ("POST", "/clues/export.{fmt}"): (
        lambda m, p, w, ok: ("/clues/export.xlsx", _form(p, reason="矩阵核对")),
        True,
    ),
    ("POST", "/clues/filters"): (
        lambda m, p, w, ok: ("/clues/filters", _form(p, name=f"矩阵{m.unique()}", status="new")),
        True,
    ),
    ("POST", "/clues/filters/{filter_id}/delete"): (
        lambda m, p, w, ok: ("/clues/filters/999999/delete", _form(p)),
        False,
    ),
    ("GET", "/clues/{clue_id}"): (_clue_get("/clues/{}"), True),
    ("GET", "/clues/{clue_id}/evidence"): (_clue_get("/clues/{}/evidence"), True),
    ("GET", "/clues/{clue_id}/resolution"): (_clue_get("/clues/{}/resolution"), True),
    ("POST", "/clues/{clue_id}/reveal"): (
        _clue_post("/clues/{}/reveal", lambda p: _form(p, reason="矩阵核对")),
        True,
    ),
    ("POST", "/clues/{clue_id}/act"): (_act, True),
    ("POST", "/clues/assign"): (_assign_form, True),
    ("GET", "/clues/{clue_id}/recommendation.docx"): (
        _clue_get("/clues/{}/recommendation.docx", confirmed=True),
        True,
    ),
    ("POST", "/clues/{clue_id}/recommendation.docx"): (
        _clue_post("/clues/{}/recommendation.docx", lambda p: _form(p, reason="矩阵核对"), True),
        True,
    ),
    ("POST", "/clues/{clue_id}/recommendation"): (
        _clue_post(
            "/clues/{}/recommendation",
            lambda p: _form(p, number="7", date="2026-06-03", format="pdf"),
            True,
        ),
        True,
    ),
    ("GET", "/cases"): (_get("/cases"), True),
    ("POST", "/cases/{case_id}/close"): (_close_page, True),
    ("GET", "/cases/{case_id}/recommendation.docx"): (
        _case_get("/cases/{}/recommendation.docx"),
        True,
    ),
    ("POST", "/cases/{case_id}/recommendation.docx"): (
        _case_get("/cases/{}/recommendation.docx", post=True),
        True,
    ),
    ("POST", "/cases/{case_id}/recommendation"): (
        lambda m, p, w, ok: (
            f"/cases/{m.case(w or 'own')}/recommendation",
            _form(p, number="8", date="2026-06-03", format="pdf", reveal="1", reason="矩阵核对"),
        ),
        True,
    ),
    ("GET", "/models"): (_get("/models"), True),
    ("GET", "/models/{model_id}"): (_get(f"/models/{MODEL}"), True),
    ("POST", "/models/{model_id}/run"): (
        lambda m, p, w, ok: (f"/models/{MODEL}/run", _form(p)),
        True,
    ),
    ("GET", "/models/jobs/{job_id}"): (_job("/models/jobs/{}"), True),
    ("GET", "/batches"): (_get("/batches"), True),
    ("GET", "/batches/{batch_id}"): (
        lambda m, p, w, ok: (f"/batches/{m.batch or '0123456789ab'}", {}),
        True,
    ),
    ("GET", "/audit"): (_get("/audit?n=200"), True),
    ("GET", "/admin"): (_get("/admin"), True),
    ("POST", "/admin/users"): (_add_user(page=True), True),
    ("POST", "/admin/procuratorates"): (_add_procuratorate, False),
    ("POST", "/admin/users/{username}/revoke-sessions"): (
        _user_target("/admin/users/{}/revoke-sessions", page=True),
        True,
    ),
    ("GET", "/reports/period.{kind}"): (_get("/reports/period.{kind}"), True),
    ("GET", "/login"): (_get("/login"), True),
    ("POST", "/lang"): (lambda m, p, w, ok: ("/lang", _form(p, lang="zh", next="/")), True),
    ("GET", "/api/session"): (_get("/api/session"), True),
    ("GET", "/api/docs"): (_get("/api/docs"), True),
    ("GET", "/api/openapi.json"): (_get("/api/openapi.json"), True),
    ("GET", "/static"): (_get("/static/app.css"), True),
    ("GET", "/api/me"): (_get("/api/me"), True),
    ("GET", "/api/dashboard"): (_get("/api/dashboard?start=2000-01"), True),
    ("GET", "/api/clues"): (_get("/api/clues?size=200"), True),
    ("POST", "/api/clues/assign"): (_api_assign, True),
    ("GET", "/api/clues/{clue_id}"): (_clue_get("/api/clues/{}"), True),
    ("POST", "/api/clues/{clue_id}/reveal"): (
        _clue_post("/api/clues/{}/reveal", lambda p: _json({"reason": "矩阵核对"})),
        True,
    ),
    ("POST", "/api/clues/{clue_id}/transition"): (_transition, True),
    ("GET", "/api/cases"): (_get("/api/cases"), True),
    ("POST", "/api/cases"): (_open_case, True),
    ("POST", "/api/cases/{case_id}/close"): (_close_api, True),
    ("GET", "/api/models"): (_get("/api/models"), True),
    ("GET", "/api/models/{model_id}"): (_get(f"/api/models/{MODEL}"), True),
    ("POST", "/api/models/{model_id}/run"): (_get(f"/api/models/{MODEL}/run"), True),
    ("GET", "/api/jobs/{job_id}"): (_job("/api/jobs/{}"), True),
    ("GET", "/api/audit"): (_get("/api/audit?n=200"), True),
    ("GET", "/api/users"): (_get("/api/users"), True),
    ("POST", "/api/users"): (_add_user(page=False), True),
    ("POST", "/api/users/{username}/revoke-sessions"): (
        _user_target("/api/users/{}/revoke-sessions", page=False),
        True,
    ),
    ("GET", "/api/procuratorates"): (_get("/api/procuratorates"), True),
    ("GET", "/api/batches"): (_get("/api/batches"), True),
    ("GET", "/studio"): (_get("/studio"), True),
    ("POST", "/studio"): (lambda m, p, w, ok: ("/studio", _form(p, q="矩阵核对")), True),
    ("GET", "/studio/new"): (lambda m, p, w, ok: (f"/studio/new?case={m.person_ref}", {}), True),
    ("POST", "/studio/new"): (_studio_new, True),
    ("GET", "/studio/{model_id}"): (_draft(""), True),
    ("POST", "/studio/{model_id}/params"): (
        _draft("/params", name="window", default="30", type="int", doc="天数"),
        True,
    ),
    ("POST", "/studio/{model_id}/meta"): (
        _draft(
            "/meta",
            title_zh="矩阵",
            title_en="matrix",
            rule_zh="矩阵",
            rule_en="matrix",
            legal_basis="测试",
            severity="high",
        ),
        True,
    ),
    ("POST", "/studio/{model_id}/sql"): (_draft("/sql", reset="1"), True),
    ("POST", "/studio/{model_id}/try"): (_draft("/try", sample="0.05"), True),
    ("POST", "/studio/{model_id}/filters"): (_draft("/filters", where="sex = 'M'"), False),
    ("POST", "/studio/{model_id}/blocks"): (
        _draft("/blocks", kind="not_exists", dataset="deaths", date="death_date", days="30"),
        False,
    ),
    ("POST", "/studio/{model_id}/blocks/{number}/remove"): (_draft("/blocks/99/remove"), False),
    ("GET", "/studio/{model_id}/examples"): (_draft("/examples"), True),
}
ANONYMOUS_ONLY = {("POST", "/login"), ("POST", "/api/login"), ("POST", "/logout"),
                  ("POST", "/api/logout")}  # fmt: skip
"""Public routes that would end or replace a principal's session: called without one (a fresh
client each time, with a right password for the logins)."""
KINDS = {"kind": tuple(sorted(WRITERS))}
"""Path parameters that name a format: the route is called in each of them."""


def _lake_people(w: World) -> tuple[set[str], set[str]]:
    import duckdb

    persons = str(w.lake / "persons" / "**" / "*.parquet")
    rows = duckdb.sql(
        f"SELECT person_id, name FROM read_parquet('{persons}', union_by_name=true)"
    ).fetchall()
    return {str(i) for i, _ in rows if i}, {str(n) for _, n in rows if n and len(str(n)) >= 2}


def _ui_words(app: Any) -> str:
    """Texts that are not personal data but might spell a name: the interface's messages,
    procuratorate and model titles."""
    from pathlib import Path

    import lexradar.web

    web = Path(lexradar.web.__file__).parent
    texts = [p.read_text("utf-8") for p in (web / "locales").rglob("*.toml")]
    texts += [p.read_text("utf-8") for p in (web / "templates").rglob("*.html")]
    from lexradar.models.registry import pack_root

    texts += [p.read_text("utf-8") for p in Path(pack_root()).rglob("*.yaml")]
    return "\n".join(texts)


@pytest.fixture(scope="module")
def matrix(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Matrix]:  # noqa: F811
    from lexradar.ingest import batches
    from lexradar.settings import load_settings
    from lexradar.web.app import create_app
    from lexradar.web.jobs import Job

    url = copy_casebook(world, tmp_path_factory.mktemp("matrix"))
    casebook = Casebook.open(url)
    with casebook.read() as conn:
        codes = conn.execute(sa.select(clues.c.procuratorate_code).distinct()).scalars().all()
    sibling = next(c for c in sorted(codes) if c[:4] == world.county[:4] and c != world.county)
    regions = {"own": world.county, "sibling": sibling, "parent": world.county[:4] + "00",
               "foreign": world.other_county}  # fmt: skip
    level_code = {"root": "150000", "city": world.county[:4] + "00", "county": world.county}
    for role, level in itertools.product(ROLES, LEVELS):
        add_user(casebook, SYSTEM, f"m_{role}_{level}", PASSWORD, role, level_code[level])
    for where, code in regions.items():
        add_user(casebook, SYSTEM, f"target_{where}", PASSWORD, "handler", code)
    settings = load_settings(lake=world.lake, casebook_url=url)
    studio = tmp_path_factory.mktemp("matrix-studio")
    settings = settings.model_copy(update={"model_paths": [studio / "models"]})
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("lexradar.web.routes.models.run_model_job", lambda *a, **k: {"clues": 0})
        mp.setattr("lexradar.web.routes.api.run_model_job", lambda *a, **k: {"clues": 0})
        app = create_app(settings, secret_key="matrix")
        app.state.studio_dir = str(studio / "drafts")
        app.state.jobs.per_user = app.state.jobs.max_queued = 10_000
        for where, code in regions.items():  # a finished job of a builder of each region
            job = Job(f"job-{where}", "model.run", MODEL, f"target_{where}", code, state="done")
            app.state.jobs._jobs[job.id] = job
        ids, names = _lake_people(world)
        with casebook.read() as conn:  # a person may be called like a place: 霍林 (郭勒市)
            places = conn.execute(sa.select(procuratorates.c.name)).scalars().all()
        ui = _ui_words(app) + "\n".join(places)
        names = {n for n in names if n not in ui}
        principals = []
        for role, level in itertools.product(ROLES, LEVELS):
            name = f"m_{role}_{level}"
            client = login_client(app, name)
            principals.append(Principal(name, role, level_code[level], client, client.csrf))
        anonymous = anonymous_client(app)
        principals.append(Principal("anonymous", None, "", anonymous, anonymous.csrf))
        import duckdb

        persons = str(world.lake / "persons" / "**" / "*.parquet")
        (record,) = duckdb.sql(
            f"SELECT record_id FROM read_parquet('{persons}', union_by_name=true) "
            f"WHERE region_code = '{world.county}' ORDER BY record_id LIMIT 1"
        ).fetchall()[0]
        person_ref = f"persons:{record}"
        root_builder = next(p for p in principals if p.name == "m_model_builder_root")
        draft = {"model_id": "matrix.shared", "domain": "civil", "base": person_ref,
                 "case": [person_ref], "title_zh": "矩阵", "title_en": "matrix",
                 "rule_zh": "矩阵", "rule_en": "matrix", "legal_basis": "测试",
                 "csrf_token": root_builder.csrf}  # fmt: skip
        made = root_builder.client.post("/studio/new", data=draft, follow_redirects=False)
        assert made.status_code == 303, made.text[:500]
        found = batches.list_batches(world.lake)  # the synthetic lake may have none
        batch = found[0]["batch_id"] if found else None
        yield Matrix(app, casebook, world, regions, principals, ids, names,
                     batch, person_ref, "matrix.shared")  # fmt: skip
    casebook.dispose()


def _expect(rule: Rule, p: Principal, where: str | None, m: Matrix) -> str:
    if rule.roles is None:
        return "done"
    if p.role is None:
        return "login"
    if p.role not in rule.roles:
        return "denied"
    if rule.scope is None or where is None:
        return "done"
    code = m.regions[where]
    if rule.scope == "job":
        return "done" if p.role == "admin" and code.startswith(p.prefix) else "hidden"
    return "done" if code.startswith(p.prefix) else "hidden"


def _calls(m: Matrix) -> Iterator[tuple[Call, Rule, tuple[Sample, bool] | None]]:
    """Every route × every principal × (for a scoped route) every region's object; a route
    whose path names a format, in each format."""
    for method, route, _endpoint in routes_of(m.app):
        rule = POLICY[(method, route)]
        sample = SAMPLES.get((method, route))
        formats = [
            dict(zip(KINDS, combo, strict=True))
            for combo in itertools.product(*KINDS.values())
        ] if any(f"{{{k}}}" in route for k in KINDS) else [{}]  # fmt: skip
        for p in m.principals:
            if (method, route) in ANONYMOUS_ONLY and p.role is not None:
                continue
            wheres: list[str | None] = list(m.regions) if rule.scope else [None]
            for where, fmt in itertools.product(wheres, formats):
                call = Call(method, route, p, where, _expect(rule, p, where, m))
                call.url = _in_format(route, fmt)
                yield call, rule, sample


def _in_format(path: str, fmt: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda g: fmt.get(g.group(1), g.group(0)), path)


def _fill(path: str, m: Matrix, where: str | None) -> str:
    """A generic request's URL: the path's parameters filled with the region's objects."""
    own = where or "own"
    values = {"clue_id": str(m.clue(own)), "case_id": str(m.case(own)), "job_id": f"job-{own}",
              "username": f"target_{own}", "model_id": m.shared_draft, "kind": "html",
              "batch_id": m.batch, "number": "1"}  # fmt: skip
    return re.sub(r"\{(\w+)\}", lambda g: values.get(g.group(1), "x"), path)


def _pdf_text(body: bytes) -> str:
    import shutil
    import subprocess

    tool = shutil.which("pdftotext")
    assert tool, "poppler-utils (pdftotext) is needed to read PDF answers (make system)"
    done = subprocess.run([tool, "-q", "-", "-"], input=body, capture_output=True, check=True)
    text = done.stdout.decode("utf-8", "replace")
    assert text.strip(), "a PDF answer with no text: nothing could be checked in it"
    return text


def _docx_text(body: bytes) -> str:
    import docx

    document = docx.Document(io.BytesIO(body))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    for section in document.sections:
        for part in (section.header, section.footer):
            parts += [p.text for p in part.paragraphs]
    return "\n".join(parts)


def _xlsx_text(body: bytes) -> str:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    return "\n".join(
        str(value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )


def _texts(body: bytes, content_type: str) -> str:
    """The text a body shows: that of a PDF, a .docx or an .xlsx as their readers extract it
    (plus, for an Office file, every XML part stripped of its tags, so a text in a part the
    reader skips — comments, properties — is searched too), else the body itself."""
    if body[:5] == b"%PDF-":
        return _pdf_text(body)
    if body[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            names = z.namelist()
            raw = "\n".join(
                re.sub(r"<[^>]+>", "", z.read(n).decode("utf-8", "replace"))
                for n in names
                if n.endswith(".xml")
            )
        if "word/document.xml" in names:
            return _docx_text(body) + "\n" + raw
        if "xl/workbook.xml" in names:
            return _xlsx_text(body) + "\n" + raw
        return raw
    return body.decode("utf-8", "replace")


def _leaks(text: str, m: Matrix) -> list[str]:
    found = [i for i in ID18.findall(text) if i.upper() in m.ids or i in m.ids]
    for run in CJK.findall(text):
        for size in (2, 3, 4):
            found += [run[k : k + size] for k in range(len(run) - size + 1)
                      if run[k : k + size] in m.names]  # fmt: skip
    return sorted(set(found))


def test_every_route_has_one_rule(matrix: Matrix) -> None:
    routes = {(m, p) for m, p, _ in routes_of(matrix.app)}
    assert routes == set(POLICY), routes ^ set(POLICY)
    assert len(routes) >= 70


def test_docs_print_the_policy() -> None:
    """docs/web.md shows the table the matrix checks."""
    from pathlib import Path

    from lexradar.web.policy import markdown

    docs = Path(__file__).resolve().parents[2] / "docs" / "web.md"
    assert markdown() in docs.read_text("utf-8"), "regenerate the table in docs/web.md"


def test_the_access_matrix(matrix: Matrix) -> None:
    import time

    start = time.monotonic()
    problems: list[str] = []
    counts: dict[str, int] = {}
    files: dict[str, int] = {}
    """documents whose text was extracted and searched: pdf, docx, xlsx → how many"""
    spent: dict[str, float] = {}
    for call, rule, sample in _calls(matrix):
        p = call.principal
        allowed = call.expect == "done"
        strict = bool(sample and sample[1])
        if call.path == "/batches/{batch_id}" and matrix.batch is None:
            strict = False  # no batch to show: "not found" is the right answer
        if (
            call.path in ("/login", "/api/login", "/logout", "/api/logout")
            and call.method == "POST"
        ):
            client = anonymous_client(matrix.app)
            token = client.csrf
            creds = {"username": "m_handler_county", "password": PASSWORD}
            url, kwargs = call.path, (
                {"json": creds} if call.path == "/api/login"
                else {"data": {**creds, "csrf_token": token}} if call.path == "/login"
                else {}
            )  # fmt: skip
        else:
            client = p.client
            if sample is not None:
                url, kwargs = sample[0](matrix, p, call.where, allowed)
                if any(f"{{{k}}}" in url for k in KINDS):
                    url = _in_format(url, {k: call.url.rsplit(".", 1)[-1] for k in KINDS})
            else:
                url, kwargs = _fill(call.url or call.path, matrix, call.where), {}
        began = time.perf_counter()
        answer = client.request(call.method, url, follow_redirects=False, **kwargs)
        spent[call.path] = spent.get(call.path, 0.0) + time.perf_counter() - began
        status = answer.status_code
        counts[call.expect] = counts.get(call.expect, 0) + 1
        where = f"{call.method} {url} as {p.name}" + (f" on {call.where}" if call.where else "")
        api = call.path.startswith("/api")
        login = (status == 401) if api else (
            status == 303 and answer.headers.get("location", "").startswith("/login")
        )  # fmt: skip
        if status >= 500:
            problems.append(f"{where}: {status} (a server error)")
        elif call.expect == "login" and not login:
            problems.append(f"{where}: {status}, not the login (no session)")
        elif call.expect == "denied" and status != 403:
            problems.append(f"{where}: {status}, not 403 (the role may not)")
        elif call.expect == "hidden" and status != 404:
            problems.append(f"{where}: {status}, not 404 (outside the subtree)")
        elif call.expect == "done":
            ok = 200 <= status < 400 if strict else status not in (401, 403)
            if not ok:
                problems.append(f"{where}: {status}, refused though allowed: {answer.text[:160]}")
        body = answer.content
        kind = "pdf" if body[:5] == b"%PDF-" else "office" if body[:2] == b"PK" else None
        if kind == "office":
            kind = "docx" if b"word/" in body[:4000] else "xlsx" if b"xl/" in body[:4000] else kind
        if kind:
            files[kind] = files.get(kind, 0) + 1
        if not (rule.reveals and allowed):
            leaked = _leaks(_texts(body, answer.headers.get("content-type", "")), matrix)
            if leaked:
                problems.append(f"{where}: unmasked {leaked[:5]}")
    took = time.monotonic() - start
    total = sum(counts.values())
    slowest = sorted(spent.items(), key=lambda kv: -kv[1])[:8]
    print(f"access matrix: {total} requests in {took:.0f} s: {counts}; documents read: "
          f"{files}; problems: {len(problems)}; slowest: "
          + ", ".join(f"{p} {t:.1f} s" for p, t in slowest))  # fmt: skip
    assert not problems, f"{len(problems)} of {total}:\n" + "\n".join(problems[:60])
    assert total >= 1500 and counts.get("denied", 0) > 350 and counts.get("hidden", 0) > 250
    assert all(files.get(k, 0) > 0 for k in ("pdf", "docx", "xlsx")), files


def test_the_matrix_finds_a_leak_and_a_forbidden_action(matrix: Matrix) -> None:
    """The checks themselves: a real ID and name are found, a masked one is not."""
    some_id = sorted(matrix.ids)[0]
    some_name = sorted(matrix.names)[0]
    assert _leaks(f"<td>{some_id}</td><td>{some_name}</td>", matrix) == sorted({some_id, some_name})
    assert _leaks(f"{some_id[:6]}********{some_id[-4:]} {some_name[0]}*", matrix) == []
    handler = next(p for p in matrix.principals if p.name == "m_handler_county")
    rule = POLICY[("GET", "/api/audit")]
    assert _expect(rule, handler, None, matrix) == "denied"
    assert handler.client.get("/api/audit").status_code == 403
    # a route that lets a role through that the table refuses is reported
    builder = next(p for p in matrix.principals if p.name == "m_model_builder_county")
    assert _expect(POLICY[("POST", "/api/clues/{clue_id}/reveal")], builder, "own", matrix) == (
        "denied"
    )
    assert (
        builder.client.post(
            f"/api/clues/{matrix.clue('own')}/reveal", json={"reason": "好奇"}
        ).status_code
        == 403
    )


REGION_PARAMETERS = ("region", "procuratorate")
"""Query parameters that narrow a page to a part of the user's subtree (a drill-down)."""


def _narrowing_routes(app: Any) -> list[tuple[str, str]]:
    """(path, parameter) of every GET route, as enumerated from the app, whose endpoint takes
    a region parameter (itself, or as a field of a parameter model such as the queue's
    ``QueueFilters``)."""
    import typing

    from pydantic import BaseModel

    out = []
    for method, path, endpoint in routes_of(app):
        if endpoint is None or method != "GET":
            continue
        names: list[str] = []
        hints = typing.get_type_hints(endpoint, include_extras=True)
        hints.pop("return", None)
        for name, hint in hints.items():
            base = typing.get_args(hint)[0] if typing.get_origin(hint) is typing.Annotated else hint
            is_model = isinstance(base, type) and issubclass(base, BaseModel)
            names += list(base.model_fields) if is_model else [name]
        out += [(path, name) for name in dict.fromkeys(names) if name in REGION_PARAMETERS]
    return out


def _codes_in(answer: Any) -> set[str]:
    """Procuratorate codes a JSON answer names (``procuratorate_code`` anywhere in it)."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "procuratorate_code" and isinstance(value, str):
                    found.add(value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    if answer.headers.get("content-type", "").startswith("application/json"):
        walk(answer.json())
    return found


def test_a_region_parameter_never_reaches_outside_the_subtree(matrix: Matrix) -> None:
    """Every drill-down parameter, as every role at every level, on each region: inside the
    user's subtree the page answers; outside it the answer is a refusal (403/404/400/422) or
    names no procuratorate outside the subtree, and never leaks an ID or a name."""
    routes = _narrowing_routes(matrix.app)
    assert len(routes) >= 4, routes
    problems, total = [], 0
    for (path, name), p in itertools.product(routes, matrix.principals):
        rule = POLICY[("GET", path)]
        if p.role is None or (rule.roles is not None and p.role not in rule.roles):
            continue  # refused before any parameter counts: the matrix checks that
        for where, code in matrix.regions.items():
            url = _in_format(path, {"kind": "html", "fmt": "xlsx"})
            answer = p.client.get(url, params={name: code}, follow_redirects=False)
            total += 1
            inside = code.startswith(p.prefix)
            said = f"GET {url}?{name}={code} ({where}) as {p.name}: {answer.status_code}"
            if answer.status_code >= 500:
                problems.append(f"{said} (a server error)")
            elif inside and not 200 <= answer.status_code < 400:
                problems.append(f"{said}, refused inside the subtree")
            elif not inside and 200 <= answer.status_code < 300:
                outside = {c for c in _codes_in(answer) if not c.startswith(p.prefix)}
                if outside:
                    problems.append(f"{said}: procuratorates outside the subtree {outside}")
            leaked = _leaks(_texts(answer.content, ""), matrix)
            if leaked:
                problems.append(f"{said}: unmasked {leaked[:5]}")
    print(f"region parameters: {total} requests over {len(routes)} routes")
    assert not problems, "\n".join(problems[:40])
