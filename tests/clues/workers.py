"""Processes the concurrency tests start: ``python -m tests.clues.workers load|dismiss URL …``."""

from __future__ import annotations

import sys

from lexradar.clues.access import SYSTEM, user
from lexradar.clues.db import Casebook
from lexradar.clues.errors import ConflictError
from lexradar.clues.queries import get_clue
from lexradar.clues.store import load_clues, read_clue_file
from lexradar.clues.workflow import dismiss

DOMAINS = {"test.model": "civil", "test.other": "criminal"}  # as in conftest, without pytest


def main(argv: list[str]) -> None:
    command, url, *rest = argv
    casebook = Casebook.open(url)
    if command == "load":
        path, batch = rest
        load_clues(casebook, read_clue_file(path), SYSTEM, batch_size=int(batch), domains=DOMAINS)
    elif command == "dismiss":
        handler = user(casebook, "songshan")
        for clue_id in map(int, rest[0].split(",")):
            while True:  # a handler who sees a conflict rereads and tries again
                version = get_clue(casebook, handler, clue_id).version
                try:
                    dismiss(casebook, handler, clue_id, version, "already_handled")
                    break
                except ConflictError:
                    continue
    casebook.dispose()


if __name__ == "__main__":
    main(sys.argv[1:])
