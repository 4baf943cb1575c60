"""Background jobs with progress: a model run started from the catalogue runs here.

One worker thread runs jobs in order (a model run is heavy; two at once would only compete
for the same cores). A job reports its stage and progress through a callback; pages poll
``/models/jobs/<id>`` (an HTMX fragment) and the API ``/api/jobs/<id>``.

The queue is bounded and de-duplicated:

- the same work (kind, subject and region scope: the same model run for the same subtree)
  queued or running already is that job — asking again returns it, and the one who asked may
  follow it;
- a user has at most ``per_user`` jobs queued or running, and the queue holds at most
  ``max_queued`` jobs waiting; beyond either the request is refused (429, ``QueueFull``);
- finished jobs are kept for their pages up to ``keep_finished``, the oldest forgotten first.
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
from lexradar.clues.errors import NotFoundError, PermissionDenied
from lexradar.errors import LexradarError, Location
from lexradar.web.throttle import TooManyAttempts

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: stage is a message key suffix (``running``, ``loading``)."""
ACTIVE = ("queued", "running")
MAX_QUEUED = 20
PER_USER = 2
KEEP_FINISHED = 200


class QueueFull(TooManyAttempts):
    """The job queue, or the user's share of it, is full (answered 429 with Retry-After)."""

    def __init__(self, message: str, retry_after: int = 30) -> None:
        self.retry_after = retry_after
        PermissionDenied.__init__(self, message, Location(field="job"))


@dataclass
class Job:
    id: str
    kind: str
    subject: str
    owner: str
    scope: str = ""
    """Code prefix of the owner's region subtree: the region the job works on."""
    state: str = "queued"
    """queued, running, done or failed."""
    stage: str = "queued"
    done: int = 0
    total: int = 0
    error: str = ""
    result: dict[str, Any] = field(default_factory=dict)
    created: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat())
    finished: str | None = None
    followers: set[str] = field(default_factory=set)
    """Users who asked for the same work while this job was queued or running."""

    @property
    def percent(self) -> int:
        if self.state == "done":
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("followers")
        return {**data, "percent": self.percent}

    def seen_by(self, user: User) -> bool:
        """The owner and followers see a job; an admin sees the jobs of their subtree."""
        if user.username == self.owner or user.username in self.followers:
            return True
        return user.role == "admin" and self.scope.startswith(user.prefix)


class Jobs:
    """The jobs of one application, kept in memory; see the module docstring for the bounds."""

    def __init__(
        self,
        max_queued: int = MAX_QUEUED,
        per_user: int = PER_USER,
        keep_finished: int = KEEP_FINISHED,
    ) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lexradar-job")
        self.max_queued, self.per_user, self.keep_finished = max_queued, per_user, keep_finished

    def submit(
        self,
        kind: str,
        subject: str,
        owner: User,
        work: Callable[[Progress], dict[str, Any]],
    ) -> Job:
        """Queue ``work`` (it gets a progress callback and returns the job's result) — or
        return the job already queued or running for the same work; refused when full."""
        with self._lock:
            same = next(
                (
                    j
                    for j in self._jobs.values()
                    if j.state in ACTIVE
                    and (j.kind, j.subject, j.scope) == (kind, subject, owner.prefix)
                ),
                None,
            )
            if same is not None:
                if owner.username != same.owner:
                    same.followers.add(owner.username)
                return same
            active = [j for j in self._jobs.values() if j.state in ACTIVE]
            mine = [j for j in active if j.owner == owner.username]
            if len(mine) >= self.per_user:
                raise QueueFull(
                    f"{owner.username} has {len(mine)} jobs queued or running already "
                    f"(at most {self.per_user}); wait for one to finish"
                )
            if sum(j.state == "queued" for j in active) >= self.max_queued:
                raise QueueFull(f"the job queue is full ({self.max_queued} waiting); try later")
            job = Job(uuid.uuid4().hex[:12], kind, subject, owner.username, owner.prefix)
            self._jobs[job.id] = job
            self._forget_old()

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
        """A job the viewer may see (:meth:`Job.seen_by`); others are not found."""
        job = self._jobs.get(job_id)
        if job is None or not job.seen_by(viewer):
            raise NotFoundError(f"no job {job_id}")
        return job

    def of(self, viewer: User, subject: str | None = None) -> list[Job]:
        """The jobs the viewer may see, newest first."""
        with self._lock:
            jobs = list(self._jobs.values())
        return [
            j
            for j in reversed(jobs)
            if j.seen_by(viewer) and (subject is None or j.subject == subject)
        ]

    def _forget_old(self) -> None:
        finished = [j for j in self._jobs.values() if j.state not in ACTIVE]
        for j in finished[: max(0, len(finished) - self.keep_finished)]:
            del self._jobs[j.id]

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
