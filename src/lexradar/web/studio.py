"""The model studio in the workbench: from a case to a model in production, page by page.

``/studio`` lists the drafts and the models under construction and searches the lake for the
records of a case (``POST /studio``: the term is personal data, never in a URL);
``/studio/new`` turns the records picked into a draft; ``/studio/{id}`` shows a draft (its
blocks, parameters, generated YAML and editable SQL) with forms to change it, try it, compare
versions, run its golden examples and promote it. Every change is a form POST
answered by a redirect; the functions doing the work are :mod:`lexradar.studio`'s, the same the
``lexradar studio`` commands call. Only admins and model builders see the studio.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, ClassVar
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from lexradar.clues.access import User
from lexradar.clues.db import Casebook
from lexradar.errors import Location
from lexradar.models.spec import TRANSITIONS
from lexradar.settings import Settings
from lexradar.studio.blocks import BLOCK_KINDS, ROLES, Block, Draft
from lexradar.studio.errors import StudioError
from lexradar.studio.masking import mask_value, masked_hit
from lexradar.studio.workspace import EDITABLE, Studio
from lexradar.web.deps import BUILDERS, CasebookDep, SettingsDep, require_role, term_not_in_url
from lexradar.web.templating import render

router = APIRouter(include_in_schema=False)
Builder = Annotated[User, Depends(require_role(*BUILDERS))]
NoTermInStudioUrl = Depends(term_not_in_url("studio.term_in_url"))
Text = Annotated[str, Form(max_length=2000)]
Opt = Annotated[str, Form(max_length=2000)]
DOMAINS = ("criminal", "civil", "administrative", "public_interest")


def lake_region(user: User) -> str | None:
    """The code prefix the user's lake searches keep to (``None``: the whole province)."""
    return None if len(user.prefix) <= 2 else user.prefix


def _masked_term(term: str) -> str:
    """A search term as the audit log keeps it: resident IDs and names masked."""
    from lexradar.normalize.masking import mask, mask_text

    term = term.strip()
    masked = mask_text(term)  # resident IDs in it
    if masked == term and not any(ch.isdigit() for ch in term):
        masked = str(mask("name", term))  # no digits: taken for a name
    return masked


@dataclass(frozen=True)
class LakeSearched:
    """A builder searched the lake for a case's records (the term masked, what was found)."""

    actor: str
    region: str
    term: str
    found: list[Any]
    action: ClassVar[str] = "studio.search"

    @property
    def subject(self) -> str:
        return f"procuratorate:{self.region}"

    @property
    def detail(self) -> dict[str, Any]:
        return {
            "term": _masked_term(self.term),
            "hits": len(self.found),
            "records": [f.ref for f in self.found[:100]],
        }


def studio_of(request: Request, settings: Settings) -> Studio:
    """The project's studio: drafts in ``app.state.studio_dir`` (else ``LEXRADAR_STUDIO`` or
    ``./studio``), models into the first of ``model_paths`` (else ``./models``)."""
    folder = getattr(request.app.state, "studio_dir", None) or os.environ.get(
        "LEXRADAR_STUDIO", "studio"
    )
    paths = settings.model_paths
    return Studio(paths[0] if paths else Path("models"), Path(folder), paths)


def _see(model_id: str, part: str = "") -> RedirectResponse:
    return RedirectResponse(f"/studio/{quote(model_id)}{part}", status_code=303)


def _update(studio: Studio, model_id: str, change: Callable[[dict[str, Any]], None]) -> None:
    """Apply ``change`` to the draft's data and save it (a new version if the model changed)."""
    data = studio.load(model_id).model_dump()
    change(data)
    try:
        draft = Draft.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise StudioError(err["msg"], Location(field=".".join(map(str, err["loc"])))) from exc
    studio.save(draft)


def _engine(settings: Settings, sample: float | None = None):  # type: ignore[no-untyped-def]
    from lexradar.studio.trying import open_lake

    return open_lake(
        settings.lake,
        sample,
        settings.engine,
        memory_limit=settings.duckdb_memory_limit,
        threads=settings.duckdb_threads,
    )


def _index(
    request: Request, settings: Settings, casebook: Casebook, user: User, q: str
) -> HTMLResponse:
    """The studio's page (or, for HTMX, its search section) with the lake searched for ``q``
    if a term is given (audited, the term masked)."""
    studio = studio_of(request, settings)
    drafts = [(d, studio.status(d.id)) for d in studio.drafts()]
    ids = {d.id for d, _ in drafts}
    building = [
        m
        for m in studio.registry().models.values()
        if m.id not in ids and m.spec.status in ("draft", "testing")
    ]
    found = []
    if q.strip():
        from lexradar.studio.search import search

        with _engine(settings) as engine:
            found = search(engine, q, region=lake_region(user))
        with casebook.write() as (_conn, events):
            events.append(LakeSearched(user.username, user.procuratorate_code, q, found))
    partial = request.headers.get("HX-Request") and not request.headers.get(
        "HX-History-Restore-Request"
    )
    response = render(
        request,
        "studio/_search.html" if partial else "studio/index.html",
        drafts=drafts,
        building=building,
        q=q,
        found=found,
        mask=mask_value,
    )
    if partial:  # the address bar shows the studio, never the term
        response.headers["HX-Push-Url"] = "/studio"
    return response


@router.get("/studio", response_class=HTMLResponse, dependencies=[NoTermInStudioUrl])
def index(
    request: Request, settings: SettingsDep, casebook: CasebookDep, user: Builder
) -> HTMLResponse:
    """Drafts and models under construction, with the form searching the lake for a case's
    records (a search term in the query string is refused: it is personal data)."""
    return _index(request, settings, casebook, user, "")


@router.post("/studio", response_class=HTMLResponse)
def index_search(
    request: Request,
    settings: SettingsDep,
    casebook: CasebookDep,
    user: Builder,
    q: Annotated[str, Form(max_length=100)] = "",
) -> HTMLResponse:
    """The studio with the lake searched for a case's records by a resident ID, name,
    certificate or case number: the term is posted (CSRF-checked), never in a URL — see
    :class:`lexradar.web.deps.QueueSearch` for why."""
    return _index(request, settings, casebook, user, q)


@router.get("/studio/new", response_class=HTMLResponse)
def new_form(
    request: Request,
    settings: SettingsDep,
    user: Builder,
    case: Annotated[list[str], Query(max_length=200)],
) -> HTMLResponse:
    """The records picked, to choose the base record and the values the rule keeps."""
    from lexradar.studio.search import fetch

    with _engine(settings) as engine:
        rows = fetch(engine, case, region=lake_region(user))
    return render(request, "studio/new.html", rows=rows, domains=DOMAINS, mask=mask_value)


@router.post("/studio/new")
def new_draft(
    request: Request,
    settings: SettingsDep,
    user: Builder,
    model_id: Annotated[str, Form(max_length=100)],
    domain: Annotated[str, Form(max_length=20)],
    case: Annotated[list[str], Form()],
    base: Annotated[str, Form(max_length=200)],
    title_zh: Text,
    title_en: Text,
    rule_zh: Text,
    rule_en: Text,
    legal_basis: Text,
    keep: Annotated[list[str] | None, Form()] = None,
    param: Annotated[list[str] | None, Form()] = None,
) -> RedirectResponse:
    """Make a draft from the case; the case becomes its first golden example."""
    from lexradar.models.spec import Text as Bilingual
    from lexradar.studio.case import draft_from_case
    from lexradar.studio.golden import case_example

    studio = studio_of(request, settings)
    if studio.exists(model_id):
        raise StudioError(f"a draft {model_id} exists already", Location(field="model_id"))
    kept = [k.split("|", 1)[1] for k in keep or [] if k.split("|", 1)[0] == base]
    params = {c: c for c in (p.split("|", 1)[1] for p in param or [] if p.startswith(base + "|"))}
    from lexradar.studio.search import fetch

    try:
        with _engine(settings) as engine:
            fetch(engine, case, region=lake_region(user))  # records of the user's region only
            draft = draft_from_case(
                engine,
                model_id,
                case,
                domain,
                kept,
                {c: n for c, n in params.items() if c in kept},
                base_ref=base,
                title=Bilingual(zh=title_zh, en=title_en),
                rule=Bilingual(zh=rule_zh, en=rule_en),
                legal_basis=[b.strip() for b in legal_basis.splitlines() if b.strip()],
                owner=user.procuratorate_code,
            )
            studio.save(draft)
            case_example(studio, draft, engine, settings.run_date())
    except ValidationError as exc:
        err = exc.errors()[0]
        raise StudioError(err["msg"], Location(field=".".join(map(str, err["loc"])))) from exc
    return _see(model_id)


@router.get("/studio/{model_id}", response_class=HTMLResponse)
def draft_page(
    request: Request, settings: SettingsDep, user: Builder, model_id: str
) -> HTMLResponse:
    """A draft: base, blocks, parameters, the model's YAML and SQL, and what can be done."""
    from lexradar.datasets import CONTRACT
    from lexradar.studio.compile import condition_text

    studio = studio_of(request, settings)
    draft = studio.load(model_id)
    model = studio.model(model_id)
    pack = [f"{model_id}@pack"] if _in_pack(model_id) else []
    versions = [f"{model_id}@{n}" for n in studio.versions(model_id)]
    return render(
        request,
        "studio/draft.html",
        draft=draft,
        model=model,
        status=studio.status(model_id),
        editable=studio.status(model_id) in EDITABLE,
        header=model.path.read_text(encoding="utf-8"),
        cond=condition_text,
        knobs=_knobs,
        kinds=BLOCK_KINDS,
        datasets=[n for n in CONTRACT if ROLES[n].person],
        targets=TRANSITIONS[studio.status(model_id)],
        versions=pack + versions,
    )


def _knobs(block: Block) -> dict[str, Any]:
    """A block's own settings, for its line in the list."""
    return block.model_dump(exclude={"kind", "dataset", "filters", "person"}, exclude_none=True)


def _in_pack(model_id: str) -> bool:
    from lexradar.models.registry import pack_root

    return Path(pack_root(), *model_id.split(".")).with_suffix(".yaml").exists()


def _knob(value: str) -> int | str | None:
    value = value.strip()
    if not value:
        return None
    return int(value) if value.lstrip("-").isdigit() else value


@router.post("/studio/{model_id}/blocks")
def add_block(
    request: Request,
    settings: SettingsDep,
    user: Builder,
    model_id: str,
    kind: Annotated[str, Form(max_length=20)],
    dataset: Annotated[str, Form(max_length=40)],
    where: Opt = "",
    date: Opt = "",
    days: Opt = "",
    start: Opt = "",
    end: Opt = "",
    direction: Opt = "",
    min_days: Opt = "",
    max_days: Opt = "",
    window_days: Opt = "",
    threshold: Opt = "",
    compare: Opt = "",
) -> RedirectResponse:
    """Add an element block; ``where`` holds filters, one per line."""
    from lexradar.studio.case import parse_condition

    if kind not in BLOCK_KINDS:
        raise StudioError(f"a block is one of {', '.join(BLOCK_KINDS)}", Location(field="kind"))
    block: dict[str, Any] = {"kind": kind, "dataset": dataset}
    for name, value in (("date", date), ("start", start), ("end", end),
                        ("direction", direction)):  # fmt: skip
        if value.strip() and name in _FIELDS[kind]:
            block[name] = value.strip()
    for name, value in (("days", days), ("min_days", min_days), ("max_days", max_days),
                        ("window_days", window_days), ("threshold", threshold)):  # fmt: skip
        if _knob(value) is not None and name in _FIELDS[kind]:
            block[name] = _knob(value)
    if kind == "same_identity":
        block["compare"] = dict(
            pair.split("=", 1) for pair in compare.replace(",", "\n").split() if "=" in pair
        )
    block["filters"] = [
        parse_condition(w, dataset).model_dump() for w in where.splitlines() if w.strip()
    ]
    _update(studio_of(request, settings), model_id, lambda d: d["blocks"].append(block))
    return _see(model_id, "#blocks")


_FIELDS = {
    "match": (),
    "not_exists": ("date", "days"),
    "overlap": ("start", "end"),
    "before_after": ("date", "direction", "min_days", "max_days"),
    "count": ("date", "window_days", "threshold"),
    "same_identity": (),
}


@router.post("/studio/{model_id}/blocks/{number}/remove")
def remove_block(
    request: Request, settings: SettingsDep, user: Builder, model_id: str, number: int
) -> RedirectResponse:
    def change(data: dict[str, Any]) -> None:
        if not 1 <= number <= len(data["blocks"]):
            raise StudioError(f"no block {number}", Location(field="blocks"))
        del data["blocks"][number - 1]

    _update(studio_of(request, settings), model_id, change)
    return _see(model_id, "#blocks")


@router.post("/studio/{model_id}/filters")
def add_filter(
    request: Request,
    settings: SettingsDep,
    user: Builder,
    model_id: str,
    where: Annotated[str, Form(min_length=1, max_length=500)],
    block: Annotated[int, Form(ge=0, le=100)] = 0,
) -> RedirectResponse:
    """Add a filter to the base records (block 0) or to a block."""
    from lexradar.studio.case import parse_condition

    def change(data: dict[str, Any]) -> None:
        target = data["base"] if block == 0 else data["blocks"][block - 1]
        target["filters"].append(parse_condition(where, target["dataset"]).model_dump())

    _update(studio_of(request, settings), model_id, change)
    return _see(model_id, "#base")


@router.post("/studio/{model_id}/params")
def set_param(
    request: Request,
    settings: SettingsDep,
    user: Builder,
    model_id: str,
    name: Annotated[str, Form(max_length=60)],
    default: Annotated[str, Form(max_length=200)],
    type_: Annotated[str, Form(alias="type", max_length=10)] = "int",
    doc: Opt = "",
) -> RedirectResponse:
    """Declare or change a parameter."""
    from lexradar.models.spec import Parameter

    try:
        p = Parameter(name=name, type=type_, default=default, doc=doc or name)  # type: ignore[arg-type]
        p = p.model_copy(update={"default": p.coerce(default)})
    except (ValidationError, ValueError) as exc:
        raise StudioError(f"bad parameter: {exc}", Location(field="parameters")) from exc

    def change(data: dict[str, Any]) -> None:
        data["parameters"] = [q for q in data["parameters"] if q["name"] != name]
        data["parameters"].append(p.model_dump())

    _update(studio_of(request, settings), model_id, change)
    return _see(model_id, "#params")


@router.post("/studio/{model_id}/meta")
def set_meta(
    request: Request,
    settings: SettingsDep,
    user: Builder,
    model_id: str,
    title_zh: Text,
    title_en: Text,
    rule_zh: Text,
    rule_en: Text,
    legal_basis: Text,
    severity: Annotated[str, Form(max_length=10)],
) -> RedirectResponse:
    """Titles, the rule in plain words, the legal basis and the severity of the clues."""

    def change(data: dict[str, Any]) -> None:
        data["title"] = {"zh": title_zh, "en": title_en}
        data["supervision_point"] = {"zh": rule_zh, "en": rule_en}
        data["legal_basis"] = [b.strip() for b in legal_basis.splitlines() if b.strip()]
        data["severity"] = severity

    _update(studio_of(request, settings), model_id, change)
    return _see(model_id)


@router.post("/studio/{model_id}/sql")
def set_sql(
    request: Request,
    settings: SettingsDep,
    user: Builder,
    model_id: str,
    sql: Annotated[str, Form(max_length=100_000)] = "",
    reset: Annotated[str, Form(max_length=10)] = "",
) -> RedirectResponse:
    """Save hand-edited SQL (checked like any model's), or go back to the blocks' SQL."""

    def change(data: dict[str, Any]) -> None:
        data["sql"] = None if reset else sql.replace("\r\n", "\n")

    _update(studio_of(request, settings), model_id, change)
    return _see(model_id, "#sql")


@router.post("/studio/{model_id}/try")
def try_draft(
    request: Request,
    settings: SettingsDep,
    user: Builder,
    model_id: str,
    sample: Annotated[float | None, Form(gt=0, le=1)] = None,
) -> RedirectResponse:
    """Run the draft on the lake (or a sample); the hits page shows the result."""
    from lexradar.studio.trying import save_trial, try_model

    studio = studio_of(request, settings)
    draft = studio.load(model_id)
    with _engine(settings, sample) as engine:
        trial = try_model(engine, studio.model(model_id), settings.run_date(), None,
                          draft.case, sample)  # fmt: skip
    save_trial(trial, studio.folder(model_id))
    return _see(model_id, "/hits")


@router.get("/studio/{model_id}/hits", response_class=HTMLResponse)
def hits(
    request: Request,
    settings: SettingsDep,
    user: Builder,
    model_id: str,
    marked: Annotated[str, Query(max_length=64)] = "",
) -> HTMLResponse:
    """The hits of the last try, those involving the starting case first."""
    from lexradar.studio.trying import involves, load_trial

    studio = studio_of(request, settings)
    draft = studio.load(model_id)
    table, meta = load_trial(studio.folder(model_id))
    rows = sorted(
        (masked_hit(r) for r in table.to_pylist()),
        key=lambda r: (not involves(r, draft.case), r["fingerprint"]),
    )
    flagged = [involves(r, draft.case) for r in rows]
    return render(
        request,
        "studio/hits.html",
        draft=draft,
        rows=list(zip(rows, flagged, strict=True)),
        involving=sum(flagged),
        meta=meta,
        marked=marked,
    )


@router.post("/studio/{model_id}/mark")
def mark(
    request: Request,
    settings: SettingsDep,
    user: Builder,
    model_id: str,
    fingerprint: Annotated[str, Form(min_length=4, max_length=64)],
    verdict: Annotated[str, Form(pattern="^(true|false)$")],
) -> RedirectResponse:
    """Judge a hit: it becomes a positive or a negative golden example."""
    from lexradar.studio.golden import mark_hit

    studio = studio_of(request, settings)
    with _engine(settings) as engine:
        mark_hit(studio, model_id, fingerprint, verdict == "true", user.username, engine)
    return _see(model_id, f"/hits?marked={fingerprint}#hit-{fingerprint}")


@router.get("/studio/{model_id}/compare", response_class=HTMLResponse)
def compare_page(
    request: Request,
    settings: SettingsDep,
    user: Builder,
    model_id: str,
    left: Annotated[str, Query(max_length=200)],
    right: Annotated[str, Query(max_length=200)],
) -> HTMLResponse:
    """Two versions on the same lake: hits both find, hits gained, hits lost."""
    from lexradar.studio.trying import compare

    studio = studio_of(request, settings)
    for name in (left, right):
        if name.partition("@")[0] != model_id:
            raise StudioError(f"{name} is not a version of {model_id}", Location(field="left"))
    a, b = studio.resolve(left), studio.resolve(right)
    with _engine(settings) as engine:
        c = compare(engine, a, b, settings.run_date())
    return render(
        request,
        "studio/compare.html",
        model_id=model_id,
        left=left,
        right=right,
        c=c,
        gained=[masked_hit(r) for r in c.gained],
        lost=[masked_hit(r) for r in c.lost],
    )


@router.get("/studio/{model_id}/examples", response_class=HTMLResponse)
def examples(request: Request, settings: SettingsDep, user: Builder, model_id: str) -> HTMLResponse:
    """Run the golden examples of the draft's model."""
    from lexradar.studio.golden import run_examples

    results = run_examples(studio_of(request, settings), model_id)
    return render(request, "studio/examples.html", model_id=model_id, results=results)


@router.post("/studio/{model_id}/promote")
def promote(
    request: Request,
    settings: SettingsDep,
    casebook: CasebookDep,
    user: Builder,
    model_id: str,
    to: Annotated[str, Form(max_length=20)],
    reason: Annotated[str, Form(max_length=500)] = "",
) -> RedirectResponse:
    """Move the model along its lifecycle; audited in the casebook's chain."""
    from lexradar.project import Project

    studio = studio_of(request, settings)
    project = Project.from_settings(settings, casebook=casebook, models_dir=studio.models_dir)
    project.promote(model_id, to, user, reason)  # the one promote path: gated and audited
    return _see(model_id, "#lifecycle")
