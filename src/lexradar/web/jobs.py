"""Background jobs with progress: a model run started from the catalogue runs here.

One worker thread runs jobs in order (a model run is heavy; two at once would only compete
for the same cores). A job reports its stage and progress through a callback; pages poll
``/models/jobs/<id>`` (an HTMX fragment) and the API ``/api/jobs/<id>``.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

from lexradar.clues.access import User
from lexradar.clues.errors import NotFoundError
from lexradar.errors import LexradarError

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: stage is a message key suffix (``running``, ``loading``)."""


@dataclass
class Job:
    id: str
    kind: str
    subject: str
    owner: str
    state: str = "queued"
    """queued, running, done or failed."""
    stage: str = "queued"
    done: int = 0
    total: int = 0
    error: str = ""
    result: dict[str, Any] = field(default_factory=dict)
    created: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat())
    finished: str | None = None

    @property
    def percent(self) -> int:
        if self.state == "done":
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "percent": self.percent}


class Jobs:
    """The jobs of one application, kept in memory."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lexradar-job")

    def submit(
        self,
        kind: str,
        subject: str,
        owner: User,
        work: Callable[[Progress], dict[str, Any]],
    ) -> Job:
        """Queue ``work``; it gets a progress callback and returns the job's result."""
        job = Job(uuid.uuid4().hex[:12], kind, subject, owner.username)
        with self._lock:
            self._jobs[job.id] = job

        def progress(stage: str, done: int, total: int) -> None:
            job.stage, job.done, job.total = stage, done, total

        def run() -> None:
            job.state = job.stage = "running"
            try:
                job.result = work(progress)
                job.state = job.stage = "done"
            except LexradarError as exc:
                job.state, job.error = "failed", str(exc)
            except Exception as exc:  # a job must end with a state the page can show
                job.state, job.error = "failed", f"{type(exc).__name__}: {exc}"
            finally:
                job.finished = dt.datetime.now(dt.UTC).isoformat()

        self._pool.submit(run)
        return job

    def get(self, job_id: str, viewer: User) -> Job:
        """A job its owner (or an admin) may see."""
        job = self._jobs.get(job_id)
        if job is None or (job.owner != viewer.username and viewer.role != "admin"):
            raise NotFoundError(f"no job {job_id}")
        return job

    def of(self, viewer: User, subject: str | None = None) -> list[Job]:
        """The viewer's jobs (all, for an admin), newest first."""
        with self._lock:
            jobs = list(self._jobs.values())
        return [
            j
            for j in reversed(jobs)
            if (viewer.role == "admin" or j.owner == viewer.username)
            and (subject is None or j.subject == subject)
        ]

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
