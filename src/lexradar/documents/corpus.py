"""Reading a judgment corpus (JSON Lines) and its fixed development / held-out split."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

HELD_OUT_SHARE = 0.30


@dataclass(frozen=True, slots=True)
class CorpusDocument:
    """One document of a corpus: its id, its text and, where given, the articles it cites."""

    id: str
    text: str
    law_articles: tuple[int, ...] = ()


def split_of(doc_id: str) -> str:
    """``"held_out"`` for about 30 % of ids, ``"dev"`` for the rest; fixed by a hash of the id.

    The split is decided by the id alone, so it was fixed before any document was read and it
    does not move when documents are added.
    """
    digest = hashlib.sha256(doc_id.encode("utf-8")).digest()
    return "held_out" if int.from_bytes(digest[:4], "big") / 2**32 < HELD_OUT_SHARE else "dev"


def read_corpus(path: str | Path) -> Iterator[CorpusDocument]:
    """Documents of a JSON Lines file with ``id``, ``document`` and optional ``law_articles``."""
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            row = json.loads(line)
            yield CorpusDocument(
                id=str(row["id"]),
                text=row["document"],
                law_articles=tuple(int(a) for a in row.get("law_articles") or ()),
            )
