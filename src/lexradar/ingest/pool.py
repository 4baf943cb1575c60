"""Files ingested in parallel: this process and worker processes of
:mod:`lexradar.ingest.workers`.

A worker is a plain interpreter started with that module, not a :mod:`multiprocessing`
child: it never imports the caller's main script, so a script that calls
:func:`lexradar.ingest.ingest` needs no ``if __name__ == "__main__"`` guard. Tasks go to it
pickled on its standard input; answers come back on a pipe of their own.

:func:`run` hands the tasks, most expensive first, to whichever worker is free, so that the
last file to finish is a small one; the calling process is one of the workers (it has its
imports already, and an idle caller would only add its memory to the workers').
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

#: One task: mapping file, data file, lake, batch to replace, the file's SHA-256 if known.
Task = tuple[Path, Path, Path, str | None, str | None]


def _read_answer(stream: IO[bytes]) -> tuple[str, Any]:
    head = stream.read(8)
    if len(head) < 8:
        raise RuntimeError("an ingestion worker process ended unexpectedly (see its stderr)")
    answer: tuple[str, Any] = pickle.loads(stream.read(int.from_bytes(head, "little")))
    return answer


def run(
    tasks: list[Task],
    workers: int,
    local: Callable[[Task], Any],
    done: Callable[[int, Any], None] | None = None,
) -> dict[int, tuple[str, Any]]:
    """Run ``tasks`` (in the order given: put the most expensive first) in ``workers``
    processes: this one, which calls ``local(task)``, and ``workers - 1`` started for the
    purpose. Returns each task's ``("ok", result)`` or ``("error", exception)`` by index;
    ``done(i, result)`` is called as each task succeeds (one call at a time)."""
    import lexradar

    # The workers import the same lexradar as this process, wherever it was imported from.
    env = dict(os.environ)
    root = str(Path(lexradar.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    queue = list(enumerate(tasks))
    answers: dict[int, tuple[str, Any]] = {}
    lock = threading.Lock()
    procs: list[subprocess.Popen[bytes]] = []

    def next_task() -> tuple[int, Task] | None:
        with lock:
            return queue.pop(0) if queue else None

    def answer(i: int, value: tuple[str, Any]) -> None:
        with lock:
            answers[i] = value
            if value[0] == "ok" and done is not None:
                done(i, value[1])

    def serve(proc: subprocess.Popen[bytes], reply: IO[bytes]) -> None:
        assert proc.stdin is not None
        with reply:
            while (item := next_task()) is not None:
                i, task = item
                try:
                    proc.stdin.write(pickle.dumps(task))
                    proc.stdin.flush()
                    value = _read_answer(reply)
                except (OSError, RuntimeError) as exc:  # this worker is gone; others go on
                    answer(i, ("error", exc))
                    return
                answer(i, value)
        proc.stdin.close()

    threads = []
    finished = False
    try:
        for _ in range(min(workers, len(tasks)) - 1):
            read_fd, write_fd = os.pipe()
            proc = subprocess.Popen(
                [sys.executable, "-m", "lexradar.ingest.workers", str(write_fd)],
                stdin=subprocess.PIPE,
                stdout=2 if _stderr_open() else subprocess.DEVNULL,
                pass_fds=(write_fd,),
                env=env,
            )
            os.close(write_fd)
            procs.append(proc)
            thread = threading.Thread(
                target=serve, args=(proc, os.fdopen(read_fd, "rb")), daemon=True
            )
            thread.start()
            threads.append(thread)
        while (item := next_task()) is not None:
            i, task = item
            try:
                value: tuple[str, Any] = ("ok", local(task))
            except Exception as exc:  # raised by the caller once every task is done
                value = ("error", exc)
            answer(i, value)
        for thread in threads:
            thread.join()
        finished = True
    finally:
        with lock:
            queue.clear()
        for proc in procs:
            if not finished:  # interrupted: the workers' batches are rolled back unfinished
                proc.kill()
            proc.wait()
    for i, _ in enumerate(tasks):
        answers.setdefault(i, ("error", RuntimeError("the ingestion workers stopped early")))
    return answers


def _stderr_open() -> bool:
    try:
        os.fstat(2)
    except OSError:
        return False
    return True
