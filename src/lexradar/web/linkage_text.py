"""The resolution panel's words in the request's language.

:mod:`lexradar.linkage.explain` names each comparison and level by the code of the trained model
(``resident_id``, ``one_field_off``) and writes each contribution's ``detail`` in English
("{a} vs {b}: …", the values masked). The workbench shows the codes through the catalogue
(``resolution.comparison.<code>``, ``resolution.level.<code>``) and, in Chinese, the detail as
the two values compared and the level's name (plus the IDs whose check digit fails); details
that compare no values say why in the catalogue's words (``resolution.detail.*``).
"""

from __future__ import annotations

from lexradar.web.i18n import current_lang, label, t, value_label

VS = " vs "
CHECK_FAILS = "; check digit fails on "

WHY = {
    "no usable ID": "no_usable_id",
    "a name is missing": "no_name",
    "no registered address on one side": "no_address",
}
"""Details of linkage that compare no values (their opening words) → ``resolution.detail.*``."""


def comparison_label(code: str, lang: str | None = None) -> str:
    """A comparison of the trained model (``birth_date`` → 出生日期)."""
    return label("resolution.comparison", code, lang)


def level_label(code: str, lang: str | None = None) -> str:
    """A level of a comparison (``one_field_off`` → 年、月、日中一项不同)."""
    return label("resolution.level", code, lang)


def contribution_detail(comparison: str, level: str, detail: str, lang: str | None = None) -> str:
    """A contribution's ``detail`` (already masked) in ``lang``: English as linkage wrote it;
    Chinese as "{a} 与 {b}：{level}" (closed values by their labels: M → 男), the failing check
    digits named."""
    lang = lang or current_lang.get()
    if lang == "en":
        return detail
    text, _, failing = detail.partition(CHECK_FAILS)
    for opening, key in WHY.items():
        if opening in text:
            return t(f"resolution.detail.{key}", lang)
    values, sep, _ = text.rpartition(": ")
    a, vs, b = values.partition(VS)
    if not (sep and vs):  # no two values named (a household: one address, two names)
        return level_label(level, lang)
    left, right = (value_label(comparison, v.strip(), lang) for v in (a, b))
    out = t(
        "resolution.detail.compared", lang, left=left, right=right, level=level_label(level, lang)
    )
    if failing:
        out += t("resolution.detail.check_digit_fails", lang, ids=failing)
    return out
