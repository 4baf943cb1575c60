"""The result of a judgment (判决结果) read from its text: penalty, term, probation, fine, outcome.

One parser serves two inputs: the 判决如下 part of a whole judgment document and the free-text
裁判结果 cells of court exports (``判处有期徒刑1年6个月，缓刑二年``, ``一年六个月``,
``驳回原告的诉讼请求``, ``不准予原告与被告离婚``)::

    >>> r = parse_result("判处有期徒刑1年6个月，缓刑二年，并处罚金人民币11000元")
    >>> r.penalty_kind.value, r.term_months.value, r.probation_months.value, r.fine.value
    ('有期徒刑', 18, 24, Decimal('11000'))
    >>> r.as_row()["outcome"]
    'probation'

Every value is a :class:`Found`: the value and the span ``(start, end)`` of the words that say
it in the text given (``text[start:end]`` is ``"1年6个月"`` for the term above), so a reader can
check each element against its evidence.

Rules, in the words courts use:

- the executed sentence of a defendant convicted of several charges is the one after
  ``决定执行`` (数罪并罚 or merged with an earlier sentence), not the per-charge ones, which are
  kept in ``counts``;
- penalty words inside parentheses (the custody note ``（刑期自…起至…止）``, payment notes such
  as ``（罚金人民币三千元已缴纳）``) do not make a second sentence;
- a fine with no principal penalty is 单处罚金; ``免予刑事处罚`` is its own kind;
- ``不准予离婚`` is a denied divorce (``不准予`` contains ``准予``); ``驳回`` means what the cause
  says: dismissing a divorce claim denies the divorce, any other claim is lost.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Generic, TypeVar

from lexradar.documents.numerals import DATE, MONEY, NUMBER, TERM, money_of, parse_int, term_of

T = TypeVar("T")

PENALTY_KINDS = (
    "死刑",
    "死刑缓期二年执行",
    "无期徒刑",
    "有期徒刑",
    "拘役",
    "管制",
    "单处罚金",
    "免予刑事处罚",
)

#: Contract value of ``judgments.outcome`` for each principal penalty without probation; the
#: contract has no value for 死刑 (executed) or 管制 (public surveillance, not custody): ``None``.
_OUTCOME_OF_KIND: dict[str, str | None] = {
    "死刑": None,
    "死刑缓期二年执行": "imprisonment",
    "无期徒刑": "imprisonment",
    "有期徒刑": "imprisonment",
    "拘役": "criminal_detention",
    "管制": None,
    "单处罚金": "fine",
    "免予刑事处罚": "exempted",
}


@dataclass(frozen=True, slots=True)
class Found(Generic[T]):
    """A value read from a text, with the span of the words that say it."""

    value: T
    start: int
    end: int

    def surface(self, text: str) -> str:
        """The words of ``text`` that say the value."""
        return text[self.start : self.end]


@dataclass(frozen=True, slots=True)
class Count:
    """The sentence for one charge (one count), before any combination."""

    charge: Found[str] | None
    penalty_kind: Found[str] | None
    term_months: Found[int] | None
    fine: Found[Decimal] | None


@dataclass(frozen=True, slots=True)
class Additional:
    """An additional penalty: 剥夺政治权利 (months, or ``life``), 没收财产, 禁止令, 驱逐出境."""

    kind: Found[str]
    months: Found[int] | None = None
    life: bool = False
    amount: Found[Decimal] | None = None


@dataclass(slots=True)
class SentenceResult:
    """What a judgment result says; ``None`` for what it does not say."""

    penalty_kind: Found[str] | None = None
    term_months: Found[int] | None = None
    probation_months: Found[int] | None = None
    fine: Found[Decimal] | None = None
    combined: Found[str] | None = None
    counts: list[Count] = field(default_factory=list)
    additional: list[Additional] = field(default_factory=list)
    custody_start: Found[dt.date] | None = None
    custody_end: Found[dt.date] | None = None
    civil_outcome: Found[str] | None = None
    award: Found[Decimal] | None = None

    @property
    def charges(self) -> list[Found[str]]:
        """The charges of the counts, in the order written, each once."""
        seen: set[str] = set()
        out: list[Found[str]] = []
        for count in self.counts:
            if count.charge is not None and count.charge.value not in seen:
                seen.add(count.charge.value)
                out.append(count.charge)
        return out

    @property
    def outcome(self) -> str | None:
        """The ``judgments.outcome`` contract value (``imprisonment``, ``probation`` …)."""
        if self.civil_outcome is not None:
            return self.civil_outcome.value
        if self.penalty_kind is None:
            return None
        if self.probation_months is not None:
            return "probation"
        return _OUTCOME_OF_KIND[self.penalty_kind.value]

    def as_row(self) -> dict[str, Any]:
        """Plain values (no spans): what an ingest mapping writes into a ``judgments`` row.

        ``term_months`` follows the contract: for probation it is the probation period and
        ``sentence_months`` the suspended sentence; otherwise it is the term itself.
        """

        def v(found: Found[Any] | None) -> Any:
            return None if found is None else found.value

        term = v(self.term_months)
        probation = v(self.probation_months)
        political = next((a for a in self.additional if a.kind.value == "剥夺政治权利"), None)
        return {
            "outcome": self.outcome,
            "penalty_kind": v(self.penalty_kind),
            "term_months": probation if probation is not None else term,
            "sentence_months": term if probation is not None else None,
            "probation_months": probation,
            "fine": v(self.fine),
            "combined": self.combined is not None,
            "charges": [c.value for c in self.charges],
            "deprivation_political_rights_months": (
                None if political is None or political.months is None else political.months.value
            ),
            "deprivation_political_rights_life": political.life if political else False,
            "additional": sorted({a.kind.value for a in self.additional}),
            "custody_start": v(self.custody_start),
            "custody_end": v(self.custody_end),
            "award": v(self.award),
        }


# --- patterns -------------------------------------------------------------------------------

_TRIGGER = re.compile(
    r"死刑[，,]?\s*缓期(?:二|两|2)年执行|死刑|无期徒刑|有期徒刑|拘役|管制|免[予于]刑事处罚"
    r"|(?:宣告)?缓刑|罚金|剥夺政治权利|没收(?:其|被告人)?(?:个人)?(?:全部|部分)?财产"
    r"|驱逐出境|禁止令|决定执行|合并执行(?=有期|拘役|管制|无期|死刑)"
    r"|(?<![原前])犯(?=[\u4e00-\u9fff、（）]{1,40}?罪(?:[，,；;。：:\s（(]|判处|免|被|$))"
)
_TERM_AFTER = re.compile(rf"(?:为|：|:)?\s*(?P<t>{TERM})")
_PROBATION_AFTER = re.compile(rf"(?:考验期(?:限)?)?(?:为|：|:)?\s*(?P<t>{TERM})")
_MONEY_AFTER = re.compile(rf"(?:为|：|:)?\s*(?P<money>{MONEY})")
_LIFE_AFTER = re.compile(r"终身")
_CHARGE = re.compile(r"(?P<c>[\u4e00-\u9fff、（）]{1,60}?罪)(?=[，,；;。：:\s（(]|判处|免|被|$)")
_REDUCED = re.compile(r"减去|减少|减刑|缩减")
_EARLIER = re.compile(r"判决|裁定|前罪|原判|之前|以前|曾因")
_CLAUSE_BREAK = re.compile(r"[，,；;。：:]")


def _clause_before(text: str, start: int, at: int) -> str:
    """The words of the clause that ``at`` is in, before it."""
    lo = max(start, at - 60)
    breaks = [m.end() for m in _CLAUSE_BREAK.finditer(text, lo, at)]
    return text[breaks[-1] if breaks else lo : at]


_CHARGE_SPLIT = re.compile(r"(?<=罪)[、和及与]")
_BAN_AFTER = re.compile(r"[^。；;]{0,80}")


def _renamed(pattern: str, suffix: str) -> str:
    for group in ("y", "m", "d"):
        pattern = pattern.replace(f"?P<{group}>", f"?P<{group}{suffix}>")
    return pattern


_CUSTODY = re.compile(
    rf"(?P<c1>{_renamed(DATE, '1')})\s*起?\s*(?:执行)?\s*至\s*(?P<c2>{_renamed(DATE, '2')})"
)
_NOT_GRANTED = re.compile(
    r"不(?:予)?准(?:予|许)?(?:原告[^，。；]{0,20}?与被告[^，。；]{0,20}?|[^，。；]{0,12}?)离婚"
)
_GRANTED = re.compile(
    r"(?<!不)准(?:予|许)(?:原告[^，。；]{0,20}?与被告[^，。；]{0,20}?|[^，。；]{0,12}?)离婚"
    r"|(?<!不)(?<!不准)(?<!不予)(?:原告[^，。；]{0,20}?与被告[^，。；]{0,20}?)离婚(?=[。；，,]|$)"
)
_DISMISSED = re.compile(
    r"驳回(?:原告|上诉人|申请人|起诉人)?[^。；]{0,30}?(?:诉讼)?请求|驳回(?:起诉|上诉)"
)
_WITHDRAWN = re.compile(r"撤(?:回)?诉|撤回(?:起诉|上诉)")
_AWARD = re.compile(
    rf"(?:支付|偿还|返还|给付|赔偿|归还)(?:原告|上诉人|申请人)?[^。；，]{{0,20}}?(?P<money>{MONEY})"
)

_MAIN_KINDS = {"死刑", "死刑缓期二年执行", "无期徒刑", "有期徒刑", "拘役", "管制", "免予刑事处罚"}
_PARENS = re.compile(r"[（()）]")
_RESULT_START = re.compile(r"(?:判决|裁定|决定)如下[：:]?|调解协议如下[：:]?")
_RESULT_END = re.compile(
    r"如不服本|本判决为终审判决|本裁定为终审裁定|本判决送达|审\s*判\s*长|审\s*判\s*员|人民陪审员"
)


def result_section(text: str, start: int = 0, end: int | None = None) -> tuple[int, int]:
    """The span of the result part of a document (after 判决如下, before 如不服 / the judges).

    A text with no 判决如下 (a court export's cell) is all result: its whole span.
    """
    end = len(text) if end is None else end
    m = None
    for found in _RESULT_START.finditer(text, start, end):
        m = found
    if m is None:
        return start, end
    return m.end(), result_end(text, m.end(), end)


def result_end(text: str, start: int, end: int) -> int:
    """Where a result part that begins at ``start`` ends (如不服…, 本判决为终审判决, the judges)."""
    stop = _RESULT_END.search(text, start, end)
    return stop.start() if stop else end


def _paren_mask(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    depth = 0
    opened = start
    for m in _PARENS.finditer(text, start, end):
        if m.group(0) in "（(":
            if depth == 0:
                opened = m.start()
            depth += 1
        elif depth:
            depth -= 1
            if depth == 0:
                spans.append((opened, m.end()))
    if depth:
        spans.append((opened, end))
    return spans


def _inside(spans: list[tuple[int, int]], pos: int) -> bool:
    return any(a <= pos < b for a, b in spans)


def _kind_of(word: str) -> str:
    if word.startswith("死刑") and "缓期" in word:
        return "死刑缓期二年执行"
    if word.startswith("免"):
        return "免予刑事处罚"
    return word


@dataclass(slots=True)
class _Event:
    what: str  # kind, probation, fine, additional, combined, charge
    pos: int
    found: Found[Any]
    months: Found[int] | None = None
    life: bool = False
    amount: Found[Decimal] | None = None
    in_parens: bool = False


def _events(text: str, start: int, end: int) -> list[_Event]:
    parens = _paren_mask(text, start, end)
    events: list[_Event] = []
    pos = start
    while True:
        m = _TRIGGER.search(text, pos, end)
        if m is None:
            break
        word, a, b = m.group(0), m.start(), m.end()
        pos = b
        inp = _inside(parens, a)
        if word == "犯":
            c = _CHARGE.match(text, b, end)
            if c and _EARLIER.search(_clause_before(text, start, a)):
                pos = c.end()  # 与…刑事判决中对某某犯聚众斗殴罪…并罚: an earlier conviction
                continue
            if c:
                at = c.start("c")  # 犯盗窃罪、诈骗罪: one charge each
                for part in _CHARGE_SPLIT.split(c.group("c")):
                    events.append(_Event("charge", at, Found(part, at, at + len(part))))
                    at += len(part) + 1
                pos = c.end()
            continue
        if word in ("决定执行", "合并执行"):
            events.append(_Event("combined", a, Found(word, a, b), in_parens=inp))
            continue
        if word.endswith("缓刑"):
            t = _PROBATION_AFTER.match(text, b, end)
            if t:
                months = Found(term_of(t), t.start("t"), t.end("t"))
                events.append(_Event("probation", a, months, in_parens=inp))
                pos = t.end()
            continue
        if word == "罚金":
            mo = _MONEY_AFTER.match(text, b, end)
            if mo:
                amount = Found(money_of(mo), mo.start("money"), mo.end("money"))
                events.append(_Event("fine", a, amount, in_parens=inp))
                pos = mo.end()
            continue
        if word == "剥夺政治权利":
            kind = Found(word, a, b)
            if _LIFE_AFTER.match(text, b, end):
                events.append(_Event("additional", a, kind, life=True, in_parens=inp))
                pos = b + 2
                continue
            t = _TERM_AFTER.match(text, b, end)
            term = Found(term_of(t), t.start("t"), t.end("t")) if t else None
            events.append(_Event("additional", a, kind, months=term, in_parens=inp))
            pos = t.end() if t else b
            continue
        if word.startswith("没收"):
            kind = Found("没收财产", a, b)
            mo = _MONEY_AFTER.match(text, b, end)
            seized = Found(money_of(mo), mo.start("money"), mo.end("money")) if mo else None
            events.append(_Event("additional", a, kind, amount=seized, in_parens=inp))
            pos = mo.end() if mo else b
            continue
        if word in ("驱逐出境", "禁止令"):
            events.append(_Event("additional", a, Found(word, a, b), in_parens=inp))
            continue
        penalty = _kind_of(word)
        if penalty in ("有期徒刑", "拘役", "管制"):
            t = _TERM_AFTER.match(text, b, end)
            if t is None:
                continue  # 应当判处有期徒刑以上刑罚, 管制刀具: no sentence
            if _REDUCED.search(text, max(start, a - 4), a):
                pos = t.end()  # 减去有期徒刑六个月: a reduction (减刑), not a sentence
                continue
            months = Found(term_of(t), t.start("t"), t.end("t"))
            events.append(_Event("kind", a, Found(penalty, a, b), months=months, in_parens=inp))
            pos = t.end()
        else:
            events.append(_Event("kind", a, Found(penalty, a, b), in_parens=inp))
    return events


_BAN = re.compile(r"禁止(?!令)(?:被告人|其)?[^，。；]{0,12}?在(?:缓刑考验期|管制执行期间|管制期)")
_BARE_TERM = re.compile(
    rf"\s*(?:刑期|判处|判)?\s*(?P<t>{TERM})(?=\s*(?:[，,。；;（(]|缓刑|宣告缓刑|$))"
)


def _bans(text: str, start: int, end: int) -> list[Additional]:
    found = _BAN.finditer(text, start, end)
    return [Additional(Found("禁止令", m.start(), m.end())) for m in found]


_CUSTODY_LEAD = re.compile(r"(?:即|刑期|执行期)\s*(?:从|自)?\s*$")


def _custody(text: str, start: int, end: int) -> re.Match[str] | None:
    """The custody period: the range the court introduces as the term's (即自…起至…止, 刑期自…),
    not a range of pre-trial detention credited (折抵2014年7月9日至2014年7月23日先行羁押的15日)."""
    found = list(_CUSTODY.finditer(text, start, end))
    for m in found:
        if _CUSTODY_LEAD.search(text, max(start, m.start() - 6), m.start()):
            return m
    return found[-1] if found else None


def parse_result(
    text: str,
    case_kind: str | None = None,
    *,
    cause: str | None = None,
    start: int = 0,
    end: int | None = None,
) -> SentenceResult:
    """Read a judgment result: a court export's cell, or a whole document's 判决如下 part.

    ``case_kind`` (``criminal``/``civil``/``刑事``/``民事`` …) and ``cause`` (案由, e.g.
    ``离婚纠纷``) decide what a ``驳回`` means: in a divorce case it denies the divorce. With
    ``start``/``end`` only that part of ``text`` is read, and spans still index ``text``.
    Never raises on odd text: what it cannot read stays ``None``.
    """
    end = len(text) if end is None else end
    start, end = result_section(text, start, end)
    result = SentenceResult()
    events = _events(text, start, end)
    _criminal(result, events)
    for ban in _bans(text, start, end):
        if not any(a.kind.value == "禁止令" for a in result.additional):
            result.additional.append(ban)
    custody = _custody(text, start, end)
    if custody is not None:
        try:
            first, last = (
                dt.date(*(parse_int(custody.group(g + i)) for g in ("y", "m", "d")))
                for i in ("1", "2")
            )
        except ValueError:
            pass
        else:
            result.custody_start = Found(first, custody.start("c1"), custody.end("c1"))
            result.custody_end = Found(last, custody.start("c2"), custody.end("c2"))
    if result.penalty_kind is None:
        bare = _BARE_TERM.match(text, start, end)
        if bare is not None:  # a cell holding the term alone: 一年六个月(，缓刑二年)
            result.term_months = Found(term_of(bare), bare.start("t"), bare.end("t"))
        else:
            _civil(result, text, start, end, case_kind, cause)
    return result


def _criminal(result: SentenceResult, events: list[_Event]) -> None:
    outside = [e for e in events if not e.in_parens]
    combined_at = None
    for e in outside:
        if e.what == "combined":
            combined_at = e
    # counts: from one charge to the next (or to the combined sentence)
    count_charge: Found[str] | None = None
    count_kind: _Event | None = None
    count_fine: Found[Decimal] | None = None

    def close() -> None:
        if count_charge is not None or count_kind is not None:
            result.counts.append(
                Count(
                    count_charge,
                    count_kind.found if count_kind else None,
                    count_kind.months if count_kind else None,
                    count_fine,
                )
            )

    executed = outside
    if combined_at is not None:
        result.combined = combined_at.found
        before = [e for e in outside if e.pos < combined_at.pos]
        executed = [e for e in outside if e.pos > combined_at.pos]
    else:
        before = outside
    for e in before if combined_at is not None else outside:
        if e.what == "charge":
            close()
            count_charge, count_kind, count_fine = e.found, None, None
        elif e.what == "kind" and count_kind is None:
            count_kind = e
        elif e.what == "fine" and count_fine is None:
            count_fine = e.found
    close()
    kinds = [e for e in executed if e.what == "kind"]
    if kinds:
        main = kinds[-1] if combined_at is None else kinds[0]
        result.penalty_kind = main.found
        result.term_months = main.months
    probations = [e for e in executed if e.what == "probation"]
    if not probations:
        probations = [e for e in events if e.what == "probation" and e.in_parens]
    if probations:  # with a penalty, or alone in a cell (缓刑二年)
        result.probation_months = probations[0].found
    fines = [e for e in executed if e.what == "fine"]
    fine_word = fines[0] if fines else None
    if fines:
        result.fine = fines[0].found
        if combined_at is None and len(result.counts) > 1:
            per_count = [c.fine for c in result.counts if c.fine is not None]
            if len(per_count) > 1:
                total = sum((f.value for f in per_count), Decimal(0))
                result.fine = Found(total, per_count[0].start, per_count[-1].end)
    elif combined_at is not None:
        per_count = [c.fine for c in result.counts if c.fine is not None]
        if per_count:
            total = sum((f.value for f in per_count), Decimal(0))
            result.fine = Found(total, per_count[0].start, per_count[-1].end)
    if result.penalty_kind is None and result.fine is not None:
        at = fine_word.pos if fine_word else result.fine.start
        result.penalty_kind = Found("单处罚金", at, at + 2 if fine_word else result.fine.end)
    additional = [e for e in executed if e.what == "additional"]
    additional += [e for e in outside if e.what == "additional" and e not in additional]
    for e in additional:
        if not any(a.kind.value == e.found.value for a in result.additional):
            result.additional.append(Additional(e.found, e.months, e.life, e.amount))


def _is_divorce(case_kind: str | None, cause: str | None, text: str) -> bool:
    hint = f"{case_kind or ''}{cause or ''}"
    return "离婚" in hint or "divorce" in hint.lower() or "离婚" in text


def _civil(
    result: SentenceResult,
    text: str,
    start: int,
    end: int,
    case_kind: str | None,
    cause: str | None,
) -> None:
    m = _NOT_GRANTED.search(text, start, end)
    if m:
        result.civil_outcome = Found("divorce_denied", m.start(), m.end())
        return
    m = _GRANTED.search(text, start, end)
    if m:
        result.civil_outcome = Found("divorce_granted", m.start(), m.end())
        return
    m = _WITHDRAWN.search(text, start, end)
    if m:
        result.civil_outcome = Found("withdrawn", m.start(), m.end())
        return
    award = _AWARD.search(text, start, end)
    if award:
        result.award = Found(money_of(award), award.start("money"), award.end("money"))
        result.civil_outcome = Found("plaintiff_won", award.start(), award.end())
        return
    m = _DISMISSED.search(text, start, end)
    if m:
        divorce = _is_divorce(case_kind, cause, text[m.start() : m.end()])
        value = "divorce_denied" if divorce else "plaintiff_lost"
        result.civil_outcome = Found(value, m.start(), m.end())


__all__ = [
    "NUMBER",
    "PENALTY_KINDS",
    "Additional",
    "Count",
    "Found",
    "SentenceResult",
    "parse_result",
    "result_end",
    "result_section",
]
