"""The model studio's generated words in the request's language.

A draft's explanation template is written by :mod:`lexradar.studio.compile` from the draft's
columns and filters (``…记录J1（effective_date：2016-09-07，cause：危险驾驶罪）；截至2017-01-05无
驾驶证记录（status in revoked, cancelled）``): the hits of a try carry it filled in. The studio
pages show each column by its catalogue name, each closed value by its label and, in Chinese,
each filter's operator in words; a draft's parameter made from a case
(:func:`lexradar.studio.case.draft_from_case`) is described the same way.
"""

from __future__ import annotations

import re
from typing import Any

from lexradar.web.i18n import current_lang, field_label, has, t, value_label

WORD = re.compile(r"\b(is not null|is null|not in|in)\b|\b[a-z][a-z0-9_]*\b")
"""A filter operator written as words (:data:`lexradar.studio.blocks.Op`, longest first), or a
word that may be a column or a closed value."""

CASE_PARAM = re.compile(
    r"^(?P<column>[a-z][a-z0-9_]*) of the base record \(case: (?P<value>.*)\)\.$"
)
"""The description :func:`lexradar.studio.case.draft_from_case` gives a parameter made from a
value of the case."""


def generated_text(text: str, lang: str | None = None) -> str:
    """An explanation (or filter) the studio generated, as a Chinese reader reads it: each
    column by its name (``effective_date`` → 生效日期), each closed value by its label
    (``case_kind：criminal`` → 刑事), each operator in words (``in`` → 属于). English text, which
    the studio writes in English, is returned as it is."""
    lang = lang or current_lang.get()
    if lang != "zh":
        return text
    last = [""]  # the column a value that follows belongs to

    def word(m: re.Match[str]) -> str:
        w = m.group(0)
        if m.group(1):
            return t(f"studio.op.{w.replace(' ', '_')}", lang)
        if has(f"field.{w}", lang):
            last[0] = w
            return field_label(w, lang)
        return value_label(last[0], w, lang)

    return WORD.sub(word, text)


def param_doc(parameter: Any, lang: str | None = None) -> str:
    """A parameter's description; one made from the case's value, in ``lang``."""
    found = CASE_PARAM.match(str(parameter.doc))
    if not found:
        return str(parameter.doc)
    column, value = found.group("column"), found.group("value")
    shown = value_label(column, value, lang)
    return t("studio.param_from_case", lang, field=field_label(column, lang), value=shown)
