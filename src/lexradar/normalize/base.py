"""What every normalizer's ``compare`` returns: a level and the reason for it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Comparison:
    """The outcome of comparing two values of one type.

    ``level`` is a short code from the module's vocabulary (``"exact"``, ``"one_substitution"``,
    ``"different"`` ...). ``detail`` is a short English phrase naming the values that produced
    it, e.g. ``"150404199001011234 vs 150404199001011243: adjacent digits 17-18 swapped"``;
    it is what a user reads under "why was this raised".
    """

    level: str
    detail: str

    def __str__(self) -> str:
        return f"{self.level}: {self.detail}"
