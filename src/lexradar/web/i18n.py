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
