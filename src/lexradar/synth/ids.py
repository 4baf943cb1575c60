"""Resident IDs in bulk (numpy), and the defects clerks put into them."""

from __future__ import annotations

import numpy as np

from lexradar.normalize.resident_id import check_chars_array, check_digit


def make_ids(region: np.ndarray, birth: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """18-digit IDs from 6-digit region codes, birth dates (datetime64[D]) and sequence numbers."""
    n = len(region)
    ymd = np.char.replace(np.datetime_as_string(birth.astype("datetime64[D]")), "-", "")
    body = np.char.add(np.char.add(region.astype("U6"), ymd), np.char.zfill(seq.astype("U3"), 3))
    digits = np.frombuffer(body.astype("S17").tobytes(), dtype=np.uint8).reshape(n, 17) - 48
    check = check_chars_array(digits)
    out = np.empty((n, 18), dtype=np.uint8)
    out[:, :17] = digits + 48
    out[:, 17] = check
    return out.view("S18").ravel().astype("U18")


def typo(value: str, rng: np.random.Generator) -> tuple[str, str]:
    """A one-digit substitution or an adjacent transposition; the check digit then fails."""
    chars = list(value)
    if rng.random() < 0.5:
        for _ in range(50):
            i = int(rng.integers(0, 16))
            if chars[i] != chars[i + 1]:
                chars[i], chars[i + 1] = chars[i + 1], chars[i]
                return "".join(chars), f"digits {i + 1}-{i + 2} swapped"
    i = int(rng.integers(6, 17))
    new = str((int(chars[i]) + int(rng.integers(1, 10))) % 10)
    chars[i] = new
    return "".join(chars), f"digit {i + 1} mistyped"


def old_form(value: str, old_region: str) -> str:
    """The 18-digit form of the 15-digit ID issued before a county was renumbered.

    The record held ``old_region`` + YYMMDD + sequence (15 digits); ingestion converts it to 18
    digits, which keeps the old county code and so differs from today's ID.
    """
    body = old_region + value[6:17]
    return body + check_digit(body)


def to15(value: str, region: str | None = None) -> str:
    return (region or value[:6]) + value[8:17]
