"""Model documentation: one self-contained HTML page per model, plus an index.

A page shows what a reviewer or a handler needs to trust a model: its titles, domain, status,
version and owner, the supervision point, the rule in plain words, the legal basis, the
datasets it reads, its parameters, the golden examples (rows given, clues expected), the SQL
and the lifecycle history. Given a casebook, it also shows the model's runs and yield (clues
raised, confirmed, dismissed and the cases opened), scoped to the acting user's region.

The pages are plain HTML with inline CSS (no scripts, no external links) so that they can be
copied to an intranet share or opened from a USB stick; every value is HTML-escaped.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lexradar.clues.access import SYSTEM, User
from lexradar.clues.db import Casebook
from lexradar.datasets import CONTRACT
from lexradar.errors import LexradarError
from lexradar.models.examples import Example, examples_path, load_examples
from lexradar.models.registry import Model
from lexradar.normalize.region_code import full_name

LANGS = ("zh", "en")
RECENT_RUNS = 10
"""How many of a model's latest runs a page lists."""

DOMAINS: dict[str, dict[str, str]] = {
    "zh": {
        "criminal": "刑事",
        "civil": "民事",
        "administrative": "行政",
        "public_interest": "公益诉讼",
    },
    "en": {
        "criminal": "Criminal",
        "civil": "Civil",
        "administrative": "Administrative",
        "public_interest": "Public interest",
    },
}
STATUSES: dict[str, dict[str, str]] = {
    "zh": {"draft": "草稿", "testing": "测试", "production": "生产", "retired": "停用"},
    "en": {
        "draft": "Draft",
        "testing": "Testing",
        "production": "Production",
        "retired": "Retired",
    },
}
LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "index_title": "监督模型说明",
        "index_intro": "共 {n} 个模型",
        "back": "返回模型列表",
        "id": "模型编号",
        "title": "名称",
        "title_en": "英文名称",
        "domain": "检察领域",
        "status": "状态",
        "version": "版本",
        "owner": "所属检察院",
        "supervision_point": "监督点",
        "description": "规则说明",
        "explanation": "线索说明模板",
        "legal_basis": "法律依据",
        "datasets": "数据集",
        "dataset": "数据集",
        "dataset_title": "名称",
        "parameters": "参数",
        "no_parameters": "无参数",
        "param_name": "参数名",
        "param_type": "类型",
        "param_default": "默认值",
        "param_doc": "说明",
        "examples": "标准样例",
        "no_examples": "暂无标准样例",
        "positive": "正例",
        "negative": "反例",
        "given": "输入数据",
        "expect": "预期线索",
        "no_clue": "预期无线索",
        "as_of": "基准日",
        "params": "参数取值",
        "sql": "规则 SQL",
        "history": "生命周期",
        "no_history": "暂无记录",
        "from": "原状态",
        "to": "新状态",
        "by": "操作人",
        "at": "时间",
        "reason": "原因",
        "runs": "运行记录",
        "no_runs": "暂无运行记录",
        "run_count": "运行次数",
        "last_run": "最近基准日",
        "run_id": "运行编号",
        "run_clues": "线索数",
        "seconds": "耗时（秒）",
        "loaded_at": "导入时间",
        "yield": "线索成效",
        "clues": "发现线索",
        "confirmed": "已确认",
        "dismissed": "已排除",
        "precision": "准确率",
        "cases": "立案监督",
        "dismiss_reasons": "排除原因",
        "count": "数量",
        "generated": "生成于",
    },
    "en": {
        "index_title": "Supervision models",
        "index_intro": "{n} models",
        "back": "Back to the model list",
        "id": "Model id",
        "title": "Title",
        "title_en": "Title (Chinese)",
        "domain": "Domain",
        "status": "Status",
        "version": "Version",
        "owner": "Owner",
        "supervision_point": "Supervision point",
        "description": "The rule in plain words",
        "explanation": "Clue explanation template",
        "legal_basis": "Legal basis",
        "datasets": "Datasets",
        "dataset": "Dataset",
        "dataset_title": "Title",
        "parameters": "Parameters",
        "no_parameters": "No parameters",
        "param_name": "Name",
        "param_type": "Type",
        "param_default": "Default",
        "param_doc": "Meaning",
        "examples": "Golden examples",
        "no_examples": "No golden examples yet",
        "positive": "positive",
        "negative": "negative",
        "given": "Rows given",
        "expect": "Clues expected",
        "no_clue": "No clue expected",
        "as_of": "As of",
        "params": "Parameters",
        "sql": "The rule (SQL)",
        "history": "Lifecycle",
        "no_history": "No transitions recorded",
        "from": "From",
        "to": "To",
        "by": "By",
        "at": "At",
        "reason": "Reason",
        "runs": "Runs",
        "no_runs": "No runs recorded",
        "run_count": "Runs",
        "last_run": "Latest as-of date",
        "run_id": "Run",
        "run_clues": "Clues",
        "seconds": "Seconds",
        "loaded_at": "Loaded at",
        "yield": "Yield",
        "clues": "Clues raised",
        "confirmed": "Confirmed",
        "dismissed": "Dismissed",
        "precision": "Precision",
        "cases": "Cases",
        "dismiss_reasons": "Dismissal reasons",
        "count": "Count",
        "generated": "Generated",
    },
}

CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em auto;max-width:70em;
padding:0 1em;color:#222;line-height:1.5}
h1{border-bottom:2px solid #8b0000;padding-bottom:.2em}h2{color:#8b0000;margin-top:1.6em}
table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ccc;padding:.2em .5em;
text-align:left;vertical-align:top}th{background:#f3f3f3}
pre{background:#f7f7f7;border:1px solid #ddd;padding:.8em;overflow-x:auto}
.meta th{width:10em}.positive{color:#060}.negative{color:#555}
.example{border-left:4px solid #ddd;padding-left:1em;margin:1em 0}
small{color:#666}
"""


@dataclass
class Yield:
    """What one model's clues became, in the acting user's region."""

    clues: int = 0
    confirmed: int = 0
    dismissed: int = 0
    cases: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def precision(self) -> float | None:
        judged = self.confirmed + self.dismissed
        return self.confirmed / judged if judged else None


@dataclass
class Activity:
    """A model's runs (latest first) and yield, read from a casebook."""

    runs: list[dict[str, Any]] = field(default_factory=list)
    run_count: int = 0
    yield_: Yield = field(default_factory=Yield)


def e(value: object) -> str:
    """``value`` as escaped HTML text (``None`` as nothing)."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple, set)):
        return html.escape(", ".join(str(v) for v in value))
    return html.escape(str(value))


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]], cls: str = "") -> str:
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in rows)
    klass = f' class="{e(cls)}"' if cls else ""
    return f"<table{klass}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _columns(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """The keys of ``rows`` in order of first appearance."""
    out: list[str] = []
    for row in rows:
        out.extend(k for k in row if k not in out)
    return out


def _page(title: str, body: str, lang: str) -> str:
    tag = "zh-CN" if lang == "zh" else "en"
    return (
        f'<!DOCTYPE html>\n<html lang="{tag}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{e(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}\n</body>\n"
        "</html>\n"
    )


def _owner(code: str) -> str:
    try:
        return f"{code} {full_name(code)}"
    except LexradarError:
        return code


def _activity(casebook: Casebook, actor: User, ids: Sequence[str]) -> dict[str, Activity]:
    """Runs and yield of the models ``ids``; yield is scoped to ``actor``'s region."""
    import sqlalchemy as sa

    from lexradar.clues.access import scope
    from lexradar.clues.tables import STATES, cases, clue_tallies, model_runs
    from lexradar.reports.stats import CONFIRMED, dismissal_reasons

    out = {i: Activity() for i in ids}
    t = clue_tallies

    def summed(states: Sequence[str]) -> sa.ColumnElement[Any]:
        return sa.func.sum(sum((t.c[s] for s in states[1:]), t.c[states[0]]))

    with casebook.read() as conn:
        runs = conn.execute(
            sa.select(model_runs)
            .where(model_runs.c.model_id.in_(list(ids)))
            .order_by(model_runs.c.loaded_at.desc(), model_runs.c.run_id.desc())
        )
        for run in runs.mappings():
            act = out[run["model_id"]]
            act.run_count += 1
            if len(act.runs) < RECENT_RUNS:
                act.runs.append(dict(run))
        tallies = conn.execute(
            sa.select(t.c.model_id, summed(STATES), summed(CONFIRMED), summed(("dismissed",)))
            .where(t.c.model_id.in_(list(ids)), scope(t.c.procuratorate_code, actor))
            .group_by(t.c.model_id)
        )
        for model_id, n, confirmed, dismissed in tallies:
            y = out[model_id].yield_
            y.clues, y.confirmed, y.dismissed = (
                int(n or 0),
                int(confirmed or 0),
                int(dismissed or 0),
            )
        opened = conn.execute(
            sa.select(cases.c.model_id, sa.func.count())
            .where(cases.c.model_id.in_(list(ids)), scope(cases.c.procuratorate_code, actor))
            .group_by(cases.c.model_id)
        )
        for model_id, n in opened:
            out[model_id].yield_.cases = int(n)
    for model_id, reasons in dismissal_reasons(casebook, actor).items():
        if model_id in out:
            out[model_id].yield_.reasons = {str(k or ""): v for k, v in reasons.items()}
    return out


def _examples(model: Model, lab: dict[str, str]) -> tuple[str, int]:
    if not examples_path(model).exists():
        return f"<p>{e(lab['no_examples'])}</p>", 0
    examples = load_examples(model)
    if not examples:
        return f"<p>{e(lab['no_examples'])}</p>", 0
    return "\n".join(_example(i, ex, lab) for i, ex in enumerate(examples, 1)), len(examples)


def _example(number: int, ex: Example, lab: dict[str, str]) -> str:
    parts = [
        f'<section class="example {ex.kind}">',
        f"<h3>{number}. {e(ex.name)} <small>({e(lab[ex.kind])})</small></h3>",
        f"<p>{e(lab['as_of'])}: {e(ex.as_of.isoformat())}</p>",
    ]
    if ex.params:
        parts.append(f"<p>{e(lab['params'])}: ")
        parts.append(e(", ".join(f"{k} = {_text(v)}" for k, v in ex.params.items())) + "</p>")
    parts.append(f"<h4>{e(lab['given'])}</h4>")
    for name, rows in ex.given.items():
        title = CONTRACT[name].title.zh if name in CONTRACT else ""
        parts.append(f"<p><code>{e(name)}</code> {e(title)}</p>")
        cols = _columns(rows)
        parts.append(_table(cols, ([_text(r.get(c)) for c in cols] for r in rows), "given"))
    parts.append(f"<h4>{e(lab['expect'])}</h4>")
    if ex.expect:
        cols = _columns(ex.expect)
        parts.append(_table(cols, ([_text(c.get(k)) for k in cols] for c in ex.expect), "expect"))
    else:
        parts.append(f"<p>{e(lab['no_clue'])}</p>")
    parts.append("</section>")
    return "\n".join(parts)


def _text(value: object) -> str:
    """A cell's text: dates in ISO form, lists joined, ``None`` as nothing."""
    if value is None:
        return ""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(v) for v in value)
    return str(value)


def _casebook_sections(act: Activity, lab: dict[str, str]) -> str:
    parts = [f"<h2>{e(lab['runs'])}</h2>"]
    if act.run_count:
        last = max(r["as_of"] for r in act.runs)
        parts.append(
            _table(
                [lab["run_count"], lab["last_run"]],
                [[act.run_count, _text(last)]],
                "meta",
            )
        )
        parts.append(
            _table(
                [
                    lab["run_id"],
                    lab["version"],
                    lab["as_of"],
                    lab["run_clues"],
                    lab["seconds"],
                    lab["loaded_at"],
                ],
                (
                    [
                        r["run_id"],
                        r["model_version"],
                        _text(r["as_of"]),
                        r["clues"],
                        "" if r["seconds"] is None else f"{r['seconds']:.1f}",
                        _text(r["loaded_at"]),
                    ]
                    for r in act.runs
                ),
                "runs",
            )
        )
    else:
        parts.append(f"<p>{e(lab['no_runs'])}</p>")
    y = act.yield_
    precision = "" if y.precision is None else f"{y.precision:.1%}"
    parts.append(f"<h2>{e(lab['yield'])}</h2>")
    parts.append(
        _table(
            [lab["clues"], lab["confirmed"], lab["dismissed"], lab["precision"], lab["cases"]],
            [[y.clues, y.confirmed, y.dismissed, precision, y.cases]],
            "yield",
        )
    )
    if y.reasons:
        parts.append(f"<h3>{e(lab['dismiss_reasons'])}</h3>")
        rows = sorted(y.reasons.items(), key=lambda kv: (-kv[1], kv[0]))
        parts.append(_table([lab["reason"], lab["count"]], rows, "reasons"))
    return "\n".join(parts)


def render_model(model: Model, lang: str = "zh", activity: Activity | None = None) -> str:
    """The HTML page of one model; ``activity`` adds its runs and yield."""
    lab, spec = LABELS[lang], model.spec
    other = "en" if lang == "zh" else "zh"
    title = getattr(spec.title, lang)
    meta = [
        (lab["id"], spec.id),
        (lab["title_en"], getattr(spec.title, other)),
        (lab["domain"], DOMAINS[lang][spec.domain]),
        (lab["status"], STATUSES[lang][spec.status]),
        (lab["version"], spec.version),
        (lab["owner"], _owner(spec.owner)),
    ]
    body = [
        f'<p><a href="index.html">{e(lab["back"])}</a></p>',
        f"<h1>{e(title)} <small>{e(getattr(spec.title, other))}</small></h1>",
        '<table class="meta"><tbody>'
        + "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in meta)
        + "</tbody></table>",
        f"<h2>{e(lab['supervision_point'])}</h2>",
        f'<p class="supervision-point">{e(getattr(spec.supervision_point, lang))}</p>',
        f"<h2>{e(lab['description'])}</h2>",
        f'<p class="description">{e(spec.description)}</p>',
        f"<h2>{e(lab['legal_basis'])}</h2>",
        '<ul class="legal-basis">'
        + "".join(f"<li>{e(b)}</li>" for b in spec.legal_basis)
        + "</ul>",
        f"<h2>{e(lab['datasets'])}</h2>",
        _table(
            [lab["dataset"], lab["dataset_title"]],
            ([d, CONTRACT[d].title.zh] for d in spec.datasets),
            "datasets",
        ),
        f"<h2>{e(lab['parameters'])}</h2>",
    ]
    if spec.parameters:
        body.append(
            _table(
                [lab["param_name"], lab["param_type"], lab["param_default"], lab["param_doc"]],
                ([p.name, p.type, _text(p.default), p.doc] for p in spec.parameters),
                "parameters",
            )
        )
    else:
        body.append(f"<p>{e(lab['no_parameters'])}</p>")
    body.append(f"<h2>{e(lab['explanation'])}</h2>")
    body.append(f'<p class="explanation">{e(getattr(spec.explanation, lang))}</p>')
    examples, n = _examples(model, lab)
    body.append(f"<h2>{e(lab['examples'])} ({n})</h2>")
    body.append(examples)
    body.append(f"<h2>{e(lab['sql'])}</h2>")
    body.append(f'<pre class="sql"><code>{e(model.sql.rstrip())}</code></pre>')
    body.append(f"<h2>{e(lab['history'])}</h2>")
    if spec.history:
        body.append(
            _table(
                [lab["at"], lab["from"], lab["to"], lab["by"], lab["reason"]],
                (
                    [
                        _text(h.at),
                        STATUSES[lang][h.from_status],
                        STATUSES[lang][h.to_status],
                        h.by,
                        h.reason,
                    ]
                    for h in spec.history
                ),
                "history",
            )
        )
    else:
        body.append(f"<p>{e(lab['no_history'])}</p>")
    if activity is not None:
        body.append(_casebook_sections(activity, lab))
    return _page(f"{spec.id} — {title}", "\n".join(body), lang)


def render_index(models: Sequence[Model], lang: str = "zh") -> str:
    """The list of ``models`` with domain, status and title, each linking to its page."""
    lab = LABELS[lang]
    rows = "".join(
        "<tr>"
        f'<td><a href="{e(m.id)}.html">{e(m.id)}</a></td>'
        f"<td>{e(getattr(m.spec.title, lang))}</td>"
        f"<td>{e(DOMAINS[lang][m.spec.domain])}</td>"
        f"<td>{e(STATUSES[lang][m.spec.status])}</td>"
        f"<td>{e(m.spec.version)}</td>"
        "</tr>"
        for m in models
    )
    heads = [lab["id"], lab["title"], lab["domain"], lab["status"], lab["version"]]
    head = "".join(f"<th>{e(h)}</th>" for h in heads)
    body = (
        f"<h1>{e(lab['index_title'])}</h1>\n"
        f"<p>{e(lab['index_intro'].format(n=len(models)))}</p>\n"
        f'<table class="index"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'
    )
    return _page(lab["index_title"], body, lang)


def write_model_docs(
    models: list[Model],
    out: Path,
    casebook: Casebook | None = None,
    actor: User | None = None,
    lang: str = "zh",
) -> list[Path]:
    """Write ``<id>.html`` for each model and ``index.html`` under ``out``; return the pages.

    With a casebook, each page adds the model's runs and yield, scoped to ``actor`` (the
    whole region, :data:`~lexradar.clues.access.SYSTEM`, when none is given). The index is the
    last path returned.
    """
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, not {lang!r}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ordered = sorted(models, key=lambda m: m.id)
    activity: dict[str, Activity] = {}
    if casebook is not None and ordered:
        activity = _activity(casebook, actor or SYSTEM, [m.id for m in ordered])
    written = []
    for model in ordered:
        path = out / f"{model.id}.html"
        path.write_text(render_model(model, lang, activity.get(model.id)), encoding="utf-8")
        written.append(path)
    index = out / "index.html"
    index.write_text(render_index(ordered, lang), encoding="utf-8")
    written.append(index)
    return written
