"""The message catalogue: every string a user sees, in Chinese (default) and English.

Messages live in ``locales/<lang>/*.toml``; a file's tables become dotted keys
(``[nav] dashboard = "首页"`` is ``nav.dashboard``). Each part of the workbench keeps its own
file (``core.toml``, ``studio.toml``, …) so that parts can add keys without touching each
other's files; a key defined twice in one language is an error. :func:`t` translates into the
language of the current request.
"""

from __future__ import annotations

import tomllib
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
HTML_LANG = {"zh": "zh-CN", "en": "en"}
LOCALES = Path(__file__).parent / "locales"

current_lang: ContextVar[str] = ContextVar("lexradar_lang", default=DEFAULT_LANG)


class CatalogueError(Exception):
    """A message file is unreadable or defines a key twice."""


def _flatten(prefix: str, table: dict[str, Any], out: dict[str, str], file: Path) -> None:
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            _flatten(name + ".", value, out, file)
        elif name in out:
            raise CatalogueError(f"{file}: message key '{name}' is defined twice")
        else:
            out[name] = str(value)


@cache
def catalogue(lang: str) -> dict[str, str]:
    """Every message of ``lang``: dotted key → text."""
    if lang not in LANGS:
        raise CatalogueError(f"language must be one of {', '.join(LANGS)}, not {lang!r}")
    out: dict[str, str] = {}
    for file in sorted((LOCALES / lang).glob("*.toml")):
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise CatalogueError(f"{file}: {exc}") from exc
        _flatten("", data, out, file)
    return out


def t(key: str, /, lang: str | None = None, **values: object) -> str:
    """The message ``key`` in the request's language, ``{name}`` fields filled from ``values``.

    A key missing from the catalogue shows as the key itself (a test keeps the catalogue
    complete).
    """
    text = catalogue(lang or current_lang.get()).get(key, key)
    return text.format(**values) if values else text


def has(key: str, lang: str | None = None) -> bool:
    """Whether ``key`` is in the catalogue."""
    return key in catalogue(lang or current_lang.get())


def pick_lang(*candidates: str | None) -> str:
    """The first supported language among ``candidates`` (session, cookie, query), else zh."""
    for c in candidates:
        if c in LANGS:
            return c
    return DEFAULT_LANG


def label(group: str, value: object, lang: str | None = None) -> str:
    """The catalogue's name for a value of ``group`` (``label("field", "party_role")`` →
    当事人地位), else the value itself: data with no catalogue entry (an office, a name) shows as
    it is."""
    text = "" if value is None else str(value)
    key = f"{group}.{text.lower() if isinstance(value, bool) else text}"
    return t(key, lang) if has(key, lang) else text


def field_label(name: str, lang: str | None = None) -> str:
    """A field's or evidence key's name in the request's language (``field.<name>``)."""
    return label("field", name, lang)


def value_label(field: str, value: object, lang: str | None = None) -> str:
    """A closed value of ``field`` in the request's language (``value.<field>.<value>``, then
    ``value.<value>``: yes/no, roles shared by several fields), else the value."""
    text = str(value).lower() if isinstance(value, bool) else str(value)
    for key in (f"value.{field}.{text}", f"value.{text}"):
        if has(key, lang):
            return t(key, lang)
    return "" if value is None else str(value)


def dataset_title(name: str, lang: str | None = None) -> str:
    """A canonical dataset's title (``marriage_events`` → 婚姻登记), from the data contract."""
    from lexradar.datasets import CONTRACT

    ds = CONTRACT.get(name)
    if ds is None:
        return name
    return ds.title.zh if (lang or current_lang.get()) == "zh" else ds.title.en


@cache
def _pack_titles() -> dict[str, tuple[str, str]]:
    from lexradar.models.registry import Registry

    return {m.id: (m.spec.title.zh, m.spec.title.en) for m in Registry().models.values()}


def model_title(model_id: str | None, lang: str | None = None) -> str:
    """A model's title in the request's language (``marriage.bigamy`` → 重婚线索): the models of
    every registry the workbench has loaded (the project's too), then the built-in pack; an
    unknown id shows as it is."""
    if not model_id:
        return ""
    zh_en = None
    try:
        from lexradar.web.lookups import _cache

        for _, found in list(_cache.values()):
            model = found.models.get(model_id)
            if model is not None:
                zh_en = (model.spec.title.zh, model.spec.title.en)
                break
    except ImportError:  # pragma: no cover - the workbench without its lookups
        pass
    zh_en = zh_en or _pack_titles().get(model_id)
    if zh_en is None:
        return model_id
    return zh_en[0] if (lang or current_lang.get()) == "zh" else zh_en[1]


def shown_evidence(
    evidence: dict[str, object], lang: str | None = None
) -> list[tuple[str, object]]:
    """A clue's evidence as a reader sees it: keys in the request's language, the other
    language's text fragments (``identity_en`` on a Chinese page) left out."""
    other = "_en" if (lang or current_lang.get()) == "zh" else "_zh"
    return [(k, v) for k, v in evidence.items() if not k.endswith(other)]


def explanation_template(text: str, lang: str | None = None) -> str:
    """A model's explanation template as a reader sees it: each ``{field}`` named in the
    request's language (``{person_name}于{new_date}`` → ``〔姓名〕于〔后婚登记日期〕``)."""
    import re

    return re.sub(r"\{(\w+)\}", lambda m: f"〔{field_label(m.group(1), lang)}〕", text)


def problem_label(text: str, lang: str | None = None) -> str:
    """A data quality report's item (``death_date: bad_date``, ``converted_15 (kept)``) with
    each problem, field and value word in the request's language."""
    import re

    def word(m: re.Match[str]) -> str:
        w = m.group(0)
        for group in ("problem", "field", "value"):
            if has(f"{group}.{w}", lang):
                return t(f"{group}.{w}", lang)
        return w

    return re.sub(r"[a-z][a-z0-9_]*", word, text)
