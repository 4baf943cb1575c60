"""A worker process that ingests files for :mod:`lexradar.ingest.pool`:
``python -m lexradar.ingest.workers PIPE_FD``.

It reads tasks (one pickled :data:`lexradar.ingest.pool.Task` each) from its standard input
and answers each with a pickled ``("ok", BatchResult)`` or ``("error", exception)`` on the
pipe it was given, one task at a time, until its input closes. Anything the libraries print
goes to standard error.
"""

from __future__ import annotations

import os
import pickle
import sys
from typing import IO, Any

import pyarrow as pa

from lexradar.ingest.mapping import load as load_mapping
from lexradar.ingest.pipeline import ingest_file


def _serve(tasks: IO[bytes], answers: IO[bytes]) -> None:
    while True:
        try:
            mapping_file, file, lake, replace, sha = pickle.load(tasks)
        except EOFError:
            return
        try:
            answer: tuple[str, Any] = (
                "ok",
                ingest_file(load_mapping(mapping_file), file, lake, replace, sha=sha),
            )
        except Exception as exc:  # handed to the caller, raised there
            answer = ("error", exc)
        finally:
            # Give this batch's memory back before the next one: the workers' peaks add up.
            pa.default_memory_pool().release_unused()
        try:
            data = pickle.dumps(answer)
            pickle.loads(data)
        except Exception:  # an exception that does not pickle and unpickle: its text does
            data = pickle.dumps(("error", RuntimeError(f"{type(answer[1]).__name__}: {answer[1]}")))
        answers.write(len(data).to_bytes(8, "little") + data)
        answers.flush()


if __name__ == "__main__":
    # Answers go to the pipe named on the command line; standard output is standard error's
    # (see run()), so nothing a library prints can mix with them.
    _serve(sys.stdin.buffer, os.fdopen(int(sys.argv[1]), "wb"))
