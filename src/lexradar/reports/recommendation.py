"""The procuratorial recommendation draft (检察建议书) for a confirmed clue or a case, as .docx.

:func:`write_recommendation` gathers, inside one casebook transaction, the clue (or the case
and its clues) within the acting user's region, the model that raised it, and the evidence
records; it fills an editable Word template with docxtpl (Jinja2 inside a ``.docx``) and
records the generation on the audit chain (``document.recommendation``: who, which clue or
case, whether personal data was revealed). The shipped templates live in
``lexradar/reports/templates`` (built by ``make_template.py``); every placeholder they receive
is listed in :func:`context` and in ``docs/reports.md``.

Personal data is masked with the casebook's own rules (:mod:`lexradar.clues.queries`) unless
``reveal=True``: revealing needs a reason and a role that works clues (admin, leader, handler —
:data:`lexradar.clues.workflow.WORKERS`), and writes one ``clue.reveal`` audit entry per clue,
as :func:`lexradar.clues.queries.reveal` does.

Where the texts come from, first found wins: the model file's ``addressee`` and
``recommendation`` (``{zh, en}``) if the model spec carries them; ``recommendations.yaml``
beside the template (or the shipped one); else the agency of the evidence records' datasets
and a recommendation built from the model's supervision point.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from lexradar.clues.access import User, require, scope
from lexradar.clues.db import Casebook, Event
from lexradar.clues.errors import CasebookError, NotFoundError
from lexradar.clues.queries import ClueView, clue_view, mask_id, mask_name
from lexradar.clues.tables import case_clues, cases, procuratorates
from lexradar.clues.workflow import WORKERS, scoped_clue
from lexradar.errors import LexradarError, Location
from lexradar.reports.templates.make_template import HERE, template_path

if TYPE_CHECKING:
    from lexradar.models import Registry
    from lexradar.models.registry import Model

REVEAL_ROLES = WORKERS
"""Roles that may put unmasked personal data into a document: those who work clues."""
CONFIRMED = ("confirmed", "supervised", "closed")
"""Clue states a recommendation may be drafted for: confirmed, or already a case."""
TEXTS_FILE = "recommendations.yaml"
FACT_SOURCES = ("judgments", "deaths", "persons")
"""Datasets that state facts rather than the supervised agency's own records (fallback only)."""

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "clue": "线索 {id}",
        "case": "案件 {id}（{title}）",
        "masked": "个人信息已脱敏",
        "revealed": "含未脱敏个人信息（已审计）",
        "doc_no": "{short}检建〔{year}〕　　号",
        "fallback": (
            "建议你单位针对上述问题（{point}）依法调查核实，及时纠正违法情形，"
            "并将办理情况书面回复本院。"
        ),
    },
    "en": {
        "clue": "clue {id}",
        "case": "case {id} ({title})",
        "masked": "personal data masked",
        "revealed": "contains unmasked personal data (audited)",
        "doc_no": "{short} Recommendation [{year}] No.    ",
        "fallback": (
            "We recommend that you investigate the matters above ({point}), correct what is "
            "unlawful, and reply to this procuratorate in writing."
        ),
    },
}


class DocumentError(LexradarError):
    """A document cannot be drafted (wrong state, bad template, missing model)."""


@dataclass
class EvidenceRow:
    """One evidence record in the document's table."""

    no: int
    agency: str
    dataset: str
    record: str
    clue: int


def _texts_file(template: Path | None) -> Path:
    if template is not None:
        own = (template if template.is_dir() else template.parent) / TEXTS_FILE
        if own.exists():
            return own
    return HERE / TEXTS_FILE


def _template_file(template: Path | None, lang: str) -> Path:
    if template is None:
        return template_path(lang)
    path = template / "recommendation.docx" if template.is_dir() else template
    if not path.is_file():
        raise DocumentError("no such template file", Location(file=str(path), field="template"))
    if path.suffix.lower() != ".docx":
        raise DocumentError("a template is a .docx file", Location(file=str(path)))
    return path


def model_texts(model: Model, lang: str, template: Path | None = None) -> dict[str, str]:
    """The model's addressee and recommendation text in ``lang`` (empty when none is known)."""
    from lexradar.yamlfile import read_yaml

    out: dict[str, str] = {}
    spec = model.spec
    for key in ("addressee", "recommendation"):
        text = getattr(spec, key, None)  # the spec may carry these one day
        if text is not None:
            out[key] = getattr(text, lang, None) or str(text)
    path = _texts_file(template)
    data, _ = read_yaml(path, DocumentError)
    entry = data.get(model.id) if isinstance(data, dict) else None
    if isinstance(entry, dict):
        for key in ("addressee", "recommendation"):
            value = entry.get(key)
            if key not in out and isinstance(value, dict) and value.get(lang):
                out[key] = str(value[lang])
    return out


def _evidence(views: list[ClueView], lang: str) -> list[EvidenceRow]:
    from lexradar.datasets import CONTRACT

    rows: list[EvidenceRow] = []
    for view in views:
        for ref in filter(None, (r.strip() for r in view.record_refs.split(";"))):
            name, _, record = ref.partition(":")
            ds = CONTRACT.get(name)
            agency = getattr(ds.agency, lang) if ds else ""
            title = getattr(ds.title, lang) if ds else name
            rows.append(EvidenceRow(len(rows) + 1, agency, title, record or ref, view.id))
    return rows


def _fallback_addressee(views: list[ClueView], model: Model, lang: str) -> str:
    """The agency of the evidence's datasets that are not mere fact sources."""
    from lexradar.datasets import CONTRACT

    names = [r.split(":")[0] for v in views for r in v.record_refs.split(";") if ":" in r]
    names += list(model.spec.datasets)
    kept = [n for n in names if n in CONTRACT and n not in FACT_SOURCES] or [
        n for n in names if n in CONTRACT
    ]
    return getattr(CONTRACT[kept[0]].agency, lang) if kept else ""


def _scoped_case(conn: Connection, actor: User, case_id: int) -> Any:
    row = conn.execute(
        sa.select(cases).where(cases.c.id == case_id, scope(cases.c.procuratorate_code, actor))
    ).first()
    if row is None:
        raise NotFoundError(
            f"no case {case_id} in {actor.username}'s region", Location(field="case")
        )
    return row


def _mask_title(title: str, rows: list[Any]) -> str:
    """A case title (free text) with the names and IDs of its clues' evidence masked."""
    names = set()
    for row in rows:
        evidence = json.loads(row.evidence or "{}")
        names |= {v for k, v in evidence.items() if k.endswith("name") and isinstance(v, str)}
    for name in sorted(names, key=len, reverse=True):
        title = title.replace(name, mask_name(name))
    return mask_id(title)


def _date(lang: str) -> str:
    today = dt.date.today()
    return f"{today.year}年{today.month}月{today.day}日" if lang == "zh" else today.isoformat()


def context(
    *,
    views: list[ClueView],
    model: Model,
    procuratorate: tuple[str, str],
    subject: str,
    case: dict[str, Any] | None,
    masked: bool,
    actor: User,
    lang: str,
    template: Path | None,
) -> dict[str, Any]:
    """Every placeholder a recommendation template receives."""
    spec = model.spec
    labels = LABELS[lang]
    texts = model_texts(model, lang, template)
    point = getattr(spec.supervision_point, lang)
    code, name = procuratorate
    short = name.removesuffix("人民检察院") if lang == "zh" else name
    evidence = _evidence(views, lang)
    return {
        "lang": lang,
        "procuratorate": name,
        "procuratorate_code": code,
        "doc_no": labels["doc_no"].format(short=short, year=dt.date.today().year),
        "date": _date(lang),
        "addressee": texts.get("addressee") or _fallback_addressee(views, model, lang),
        "model": {
            "id": spec.id,
            "title": getattr(spec.title, lang),
            "version": spec.version,
            "domain": spec.domain,
        },
        "supervision_point": point,
        "facts": [v.explanation if lang == "zh" else v.explanation_en for v in views],
        "legal_basis": list(spec.legal_basis),
        "recommendation": texts.get("recommendation") or labels["fallback"].format(point=point),
        "evidence": [asdict(e) for e in evidence],
        "persons": sorted({p for v in views for p in v.person_ids.split(";") if p}),
        "clues": [
            {
                "id": v.id,
                "status": v.status,
                "severity": v.severity,
                "region_code": v.region_code,
                "fact": v.explanation if lang == "zh" else v.explanation_en,
                "persons": v.person_ids,
                "refs": v.record_refs,
                "evidence": v.evidence,
            }
            for v in views
        ],
        "case": case,
        "subject": subject,
        "masked": masked,
        "privacy": labels["masked" if masked else "revealed"],
        "generated_by": actor.username,
    }


def _subject(
    conn: Connection,
    actor: User,
    clue_id: int | None,
    case_id: int | None,
    *,
    reveal: bool,
    lang: str,
) -> tuple[list[Any], dict[str, Any] | None, str, str, str]:
    """The clue rows a draft is about, the case (if any), the audit subject, the label shown
    in the document and the procuratorate code; refused unless confirmed and in the region."""
    case: dict[str, Any] | None = None
    if case_id is not None:
        row = _scoped_case(conn, actor, case_id)
        ids = list(
            conn.execute(
                sa.select(case_clues.c.clue_id)
                .where(case_clues.c.case_id == case_id)
                .order_by(case_clues.c.clue_id)
            ).scalars()
        )
        rows = [scoped_clue(conn, actor, cid) for cid in ids]
        title = row.title if reveal else _mask_title(row.title, rows)
        case = {
            "id": row.id,
            "kind": row.kind,
            "title": title,
            "opened_on": str(row.opened_on),
            "outcome": row.outcome,
        }
        subject = f"case:{case_id}"
        label = LABELS[lang]["case"].format(id=case_id, title=title or row.kind)
        code = row.procuratorate_code
    else:
        assert clue_id is not None
        clue = scoped_clue(conn, actor, clue_id)
        if clue.status not in CONFIRMED:
            raise DocumentError(
                f"clue {clue_id} is {clue.status}: a recommendation is drafted for a "
                "confirmed clue or a case",
                Location(field="clue"),
            )
        rows = [clue]
        subject = f"clue:{clue_id}"
        label = LABELS[lang]["clue"].format(id=clue_id)
        code = clue.procuratorate_code
    if not rows:
        raise DocumentError(f"case {case_id} has no clues", Location(field="case"))
    return rows, case, subject, label, code


def write_recommendation(
    casebook: Casebook,
    actor: User,
    out: Path,
    *,
    clue_id: int | None = None,
    case_id: int | None = None,
    reveal: bool = False,
    reason: str | None = None,
    lang: str = "zh",
    template: Path | None = None,
    models: Registry | None = None,
) -> Path:
    """Draft the recommendation for a confirmed clue or a case at ``out``; returns ``out``.

    ``template`` is a ``.docx`` or a folder holding ``recommendation.docx`` (and optionally
    ``recommendations.yaml``); default: the shipped template for ``lang``. ``models``: the
    registry to find the clue's model in (default: the pack and the ``model_paths`` setting).
    """
    from docxtpl import DocxTemplate

    if (clue_id is None) == (case_id is None):
        raise DocumentError("give either a clue or a case", Location(field="clue"))
    if lang not in LABELS:
        raise DocumentError(f"lang must be one of {', '.join(LABELS)}", Location(field="lang"))
    if reveal:
        require(actor, *REVEAL_ROLES)
        if not (reason or "").strip():
            raise CasebookError("revealing personal data needs a reason", Location(field="reason"))
    if out.suffix.lower() != ".docx":
        raise DocumentError("the recommendation is written as .docx", Location(file=str(out)))
    source = _template_file(template, lang)
    if models is None:
        from lexradar.models import Registry
        from lexradar.settings import load_settings

        models = Registry(load_settings().model_paths)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.{os.getpid()}.part")
    try:
        with casebook.write() as (conn, events):
            rows, case, subject, label, code = _subject(
                conn, actor, clue_id, case_id, reveal=reveal, lang=lang
            )
            views = [clue_view(r, masked=not reveal) for r in rows]
            model = models.get(rows[0].model_id)
            name = conn.execute(
                sa.select(procuratorates.c.name).where(procuratorates.c.code == code)
            ).scalar()
            values = context(
                views=views,
                model=model,
                procuratorate=(code, name or code),
                subject=label,
                case=case,
                masked=not reveal,
                actor=actor,
                lang=lang,
                template=template,
            )
            try:
                doc = DocxTemplate(str(source))
                doc.render(values, autoescape=True)
                doc.save(str(partial))
            except Exception as exc:  # a broken template: say which file and what
                raise DocumentError(
                    f"cannot fill the template: {exc}", Location(file=str(source))
                ) from exc
            if reveal:
                for view in views:
                    events.append(
                        Event(
                            actor.username,
                            "clue.reveal",
                            f"clue:{view.id}",
                            {"reason": reason, "document": "recommendation"},
                        )
                    )
            events.append(
                Event(
                    actor.username,
                    "document.recommendation",
                    subject,
                    {
                        "clues": [v.id for v in views],
                        "model": model.id,
                        "revealed": reveal,
                        **({"reason": reason} if reveal else {}),
                        "template": source.name,
                        "file": out.name,
                    },
                )
            )
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(out)
    return out
