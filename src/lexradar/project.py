"""The application layer: one :class:`Project` that the CLI, the web and the scheduler call.

A project is its settings (lexradar.toml < LEXRADAR_* < flags), the model registry built from
them — the pack plus ``model_paths`` (plus the studio's model folder when there is one), built
here and nowhere else — an engine over the lake and the casebook. Its verbs are what a face
offers: run models, load clues, run-then-load, resolve, promote, schedule, eval. The faces
(``cli/*``, ``web/runs.py``, ``studio/schedule.py``'s command) parse input and print; they do
not repeat any of this.

Rules the verbs keep, whoever calls them:

- runs take **production** models unless asked for other statuses (``statuses``); a project's
  own draft of a built-in model never displaces the built-in in a production run;
- the casebook takes production clues only: a load of clues of a draft or testing model is
  refused, so handlers' queues hold production clues only;
- a load refreshes only the clues of the acting user's region subtree (a county builder's
  run refreshes the county's clues, not the province's);
- a parameter no selected model declares is refused;
- one promote path: a casebook user with the model_builder or admin role, the golden examples
  as the gate to production, the move in the audit chain.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from lexradar.clues.access import SYSTEM, User, require
from lexradar.clues.db import Casebook
from lexradar.clues.errors import CasebookError
from lexradar.engine import ENGINES, Engine, open_engine
from lexradar.errors import Location, SettingsError
from lexradar.models.registry import PRODUCTION, Model, Registry
from lexradar.models.run import CLUE_SCHEMA, RunRecord, check_params, run_models, write_clues
from lexradar.settings import Settings, load_settings

if TYPE_CHECKING:
    from lexradar.studio.schedule import ScheduledRun
    from lexradar.synth.score import Score

MOVERS = ("admin", "model_builder")
"""Roles that may run models into the casebook and move models along their lifecycle."""
LOADABLE = PRODUCTION
"""Model statuses whose clues the casebook takes."""


@dataclass
class Run:
    """What a run produced: the clues (``CLUE_SCHEMA``) and one record per model."""

    clues: pa.Table
    records: list[RunRecord]


@dataclass
class Loaded:
    """What a load did: the store's report, and the clues left out as outside the actor's
    region subtree."""

    report: Any
    out_of_scope: int = 0
    scope: str = ""

    def summary(self) -> str:
        """One line: what the load did."""
        r = self.report
        text = (
            f"read {r.read} · new {r.new} · seen again {r.refreshed} · "
            f"evidence changed {r.changed} · reopened {len(r.reopened)}"
        )
        if self.out_of_scope:
            text += f" · {self.out_of_scope} outside region {self.scope} left as they were"
        return text

    def as_dict(self) -> dict[str, object]:
        r = self.report
        return {
            "read": r.read,
            "new": r.new,
            "refreshed": r.refreshed,
            "changed": r.changed,
            "reopened": len(r.reopened),
            "out_of_scope": self.out_of_scope,
            "scope": self.scope,
        }


@dataclass
class Project:
    """One lexradar project; build it with :meth:`from_settings` or :func:`open_project`.

    ``models_dir`` is the studio's model folder (drafts compile into it); it joins the
    registry's folders when it is not one of ``model_paths`` already. ``casebook`` and
    ``registry`` may be handed in by a face that keeps its own (the web keeps one casebook
    for the process and a registry reloaded when a model file changes).
    """

    settings: Settings
    models_dir: Path | None = None
    _casebook: Casebook | None = field(default=None, repr=False)
    _registry: Registry | None = field(default=None, repr=False)
    _owns_casebook: bool = field(default=False, repr=False)

    # ------------------------------------------------------------------ building
    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        casebook: Casebook | None = None,
        registry: Registry | None = None,
        models_dir: Path | None = None,
    ) -> Project:
        return cls(settings, models_dir, casebook, registry)

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Dispose of the casebook connection pool if this project opened it."""
        if self._owns_casebook and self._casebook is not None:
            self._casebook.dispose()
            self._casebook = None
            self._owns_casebook = False

    # ------------------------------------------------------------------ parts
    def model_folders(self) -> list[Path]:
        """The project's model folders: ``model_paths``, then the studio's folder."""
        folders = [Path(p) for p in self.settings.model_paths]
        if self.models_dir is not None and not any(_same(p, self.models_dir) for p in folders):
            folders.append(Path(self.models_dir))
        return [p for p in folders if p.is_dir()]

    @property
    def registry(self) -> Registry:
        """Every model of the project: the pack and the project's model folders."""
        if self._registry is None:
            self._registry = Registry(self.model_folders())
        return self._registry

    def reload(self) -> Registry:
        """Read the model folders again (after a model file changed)."""
        self._registry = None
        return self.registry

    @property
    def casebook(self) -> Casebook:
        """The casebook of ``casebook_url``, opened on first use."""
        if self._casebook is None:
            self._casebook = Casebook.open(self.settings.casebook_url)
            self._owns_casebook = True
        return self._casebook

    def user(self, who: str | User) -> User:
        """The active casebook user ``who`` (a name, or a user read earlier: read again, so a
        deactivated user is refused)."""
        from lexradar.clues.access import user

        if isinstance(who, User):
            if who.id is None and who.username == SYSTEM.username:
                return SYSTEM
            who = who.username
        return user(self.casebook, who)

    @contextmanager
    def engine(self, kind: str | None = None) -> Iterator[Engine]:
        """An engine over the lake, configured from the settings."""
        s = self.settings
        kind = kind or s.engine
        if kind not in ENGINES:
            raise SettingsError(
                f"engine '{kind}' is not available; known: {', '.join(ENGINES)}",
                Location(field="engine"),
            )
        with open_engine(
            s.lake,
            kind,
            memory_limit=s.duckdb_memory_limit,
            threads=s.duckdb_threads,
            master=s.spark_master,
            conf=s.spark_conf,
            sandbox=True,  # model SQL runs here: files under the lake only, settings locked
        ) as engine:
            yield engine

    def as_of(self, as_of: dt.date | None = None) -> dt.date:
        return as_of or self.settings.run_date()

    # ------------------------------------------------------------------ run
    def select(
        self, model_ids: Iterable[str] | None = None, statuses: Iterable[str] = PRODUCTION
    ) -> list[Model]:
        """The models a run takes (production unless ``statuses`` say otherwise)."""
        return self.registry.select(model_ids, statuses)

    def run(
        self,
        model_ids: Iterable[str] | None = None,
        *,
        statuses: Iterable[str] = PRODUCTION,
        params: dict[str, object] | None = None,
        as_of: dt.date | None = None,
        engine: Engine | None = None,
        on_done: Callable[[RunRecord], None] | None = None,
    ) -> Run:
        """Run models over the lake (every production model by default)."""
        models = self.select(model_ids, statuses)
        check_params(models, params)
        when = self.as_of(as_of)
        if engine is not None:
            clues, records = run_models(engine, models, when, params, on_done)
        else:
            with self.engine() as opened:
                clues, records = run_models(opened, models, when, params, on_done)
        return Run(clues, records)

    @staticmethod
    def write(run: Run, out: Path) -> Path:
        """Write a run's clues (.csv or .parquet) and its run log beside them (``.runs.jsonl``)."""
        out = Path(out)
        write_clues(run.clues, out)
        log = out.with_name(out.name + ".runs.jsonl")
        log.write_text(
            "".join(json.dumps(r.as_dict()) + "\n" for r in run.records), encoding="utf-8"
        )
        return log

    # ------------------------------------------------------------------ load
    def read_clues(self, path: Path) -> pa.Table:
        """A clue file with each clue's domain and model status (from the file when it carries
        them — ``lexradar run`` writes both — else from the registry)."""
        from lexradar.clues.store import read_clue_file

        table = read_clue_file(path)
        for name, column in _extra_columns(Path(path)).items():
            table = table.append_column(name, column)
        return self.complete(table)

    def complete(self, table: pa.Table) -> pa.Table:
        """``table`` with a ``domain`` and a ``model_status`` for every clue: what the table
        says, and the registry's answer where it says nothing."""
        reg = self.registry
        domains = reg.domains()
        statuses: dict[str, str] = {}
        for model_id in set(table.column("model_id").to_pylist()):
            versions = [m for m in (reg.models.get(model_id), reg.candidates.get(model_id)) if m]
            statuses[model_id] = versions[0].spec.status if versions else "unknown"
        known = {"domain": domains, "model_status": statuses}
        for name, lookup in known.items():
            ids = table.column("model_id").to_pylist()
            given = (
                table.column(name).to_pylist() if name in table.column_names else [None] * len(ids)
            )
            values = pa.array(
                [g or lookup.get(i, "unknown") for i, g in zip(ids, given, strict=True)],
                pa.string(),
            )
            if name in table.column_names:
                table = table.set_column(table.schema.get_field_index(name), name, values)
            else:
                table = table.append_column(name, values)
        return table

    def load(
        self,
        clues: pa.Table | Path,
        actor: str | User = SYSTEM,
        *,
        runs: Sequence[RunRecord] = (),
        batch_size: int | None = None,
        on_batch: Callable[[int], None] | None = None,
        init: bool = False,
    ) -> Loaded:
        """Load clues into the casebook as ``actor``, within the actor's region subtree.

        Clues of a model that is not in production are refused (nothing is loaded): the
        casebook, and so every handler's queue, holds production clues only.
        """
        from lexradar.clues.store import BATCH, Router, load_clues

        table = self.read_clues(clues) if isinstance(clues, Path) else self.complete(clues)
        if init:
            self.casebook.init()
        who = self.user(actor)
        require(who, *MOVERS)
        _refuse_unloadable(table)
        ids, given = (table.column(c).to_pylist() for c in ("model_id", "domain"))
        domains = dict(zip(ids, given, strict=True))
        with self.casebook.read() as conn:
            route = Router(conn)
        inside = pa.array(
            [route(r).startswith(who.prefix) for r in table.column("region_code").to_pylist()],
            pa.bool_(),
        )
        kept = table.filter(inside)
        report = load_clues(
            self.casebook,
            kept,
            who,
            runs=runs,
            batch_size=batch_size or BATCH,
            domains=domains,
            on_batch=on_batch,
        )
        return Loaded(report, table.num_rows - kept.num_rows, who.prefix)

    def run_then_load(
        self,
        model_ids: Iterable[str] | None = None,
        actor: str | User = SYSTEM,
        *,
        params: dict[str, object] | None = None,
        as_of: dt.date | None = None,
        engine: Engine | None = None,
        progress: Callable[[str, int, int], None] | None = None,
        out: Path | None = None,
        init: bool = False,
    ) -> tuple[Run, Loaded]:
        """Run production models and load their clues as ``actor`` (the one place this is
        written; the CLI's ``run --load``, the web's model run and the scheduler call it)."""
        who = self.user(actor)
        require(who, *MOVERS)
        say = progress or (lambda _stage, _done, _total: None)
        models = self.select(model_ids, PRODUCTION)
        say("running", 0, len(models))
        done: list[RunRecord] = []

        def on_done(record: RunRecord) -> None:
            done.append(record)
            say("running", len(done), len(models))

        run = self.run(
            [m.id for m in models], params=params, as_of=as_of, engine=engine, on_done=on_done
        )
        if out is not None:
            self.write(run, out)
        total = run.clues.num_rows
        say("loading", 0, total)
        loaded = self.load(
            run.clues,
            who,
            runs=run.records,
            on_batch=lambda n: say("loading", n, total),
            init=init,
        )
        say("loading", total, total)
        return run, loaded

    # ------------------------------------------------------------------ resolve
    def resolve(
        self,
        *,
        engine: str | None = None,
        threshold: float | None = None,
        retrain: bool = False,
        full: bool = False,
        progress: Callable[[str], None] | None = None,
    ) -> Any:
        """Resolve the lake's person mentions to person keys on the chosen engine."""
        s = self.settings
        kind = engine or s.engine
        if kind not in ENGINES:
            raise SettingsError(
                f"engine '{kind}' is not available; known: {', '.join(ENGINES)}",
                Location(field="engine"),
            )
        from lexradar.linkage.resolve import resolve

        return resolve(
            s.lake,
            threshold=threshold,
            retrain=retrain,
            progress=progress,
            full=full,
            engine=kind,
            memory_limit=s.duckdb_memory_limit,
            master=s.spark_master,
            conf=s.spark_conf,
        )

    # ------------------------------------------------------------------ lifecycle
    def promote(
        self,
        model_id: str,
        to_status: str,
        by: str | User,
        reason: str = "",
        now: dt.datetime | None = None,
    ) -> Any:
        """Move a model along its lifecycle — the only way a model changes status.

        ``by`` must be an active casebook user with the model_builder or admin role; a move to
        production needs every golden example to pass (and one positive); the move is written
        to the model's history and, in the same write, to the casebook's audit chain.
        """
        from lexradar.studio.lifecycle import move_model

        who = self.user(by)
        require(who, *MOVERS)
        moved = move_model(self.casebook, who, self.registry.own(model_id), to_status, reason, now)
        self._registry = None  # the model file changed
        return moved

    # ------------------------------------------------------------------ schedule
    def schedule_pass(
        self,
        state_path: Path,
        *,
        as_of: dt.date | None = None,
        engine: Engine | None = None,
        on_model: Callable[[ScheduledRun], None] | None = None,
    ) -> list[ScheduledRun]:
        """One scheduler pass: every production model with a new batch (or a new version) runs
        and its clues load as the system user; the state is written after each load."""
        from lexradar.studio import schedule

        if engine is None:
            with self.engine() as opened:
                return self.schedule_pass(state_path, as_of=as_of, engine=opened, on_model=on_model)
        when = self.as_of(as_of)
        state = schedule.State.read(state_path)
        done: list[ScheduledRun] = []
        for model, item in schedule.due(engine, self.registry, state):
            if item.ran:
                run, loaded = self.run_then_load([model.id], SYSTEM, as_of=when, engine=engine)
                (record,) = run.records
                item.clues, item.new_clues = run.clues.num_rows, loaded.report.new
                item.seconds = record.seconds
                schedule.record(state, model, item.batches, record.run_id, when)
            done.append(item)
            if on_model:
                on_model(item)
        return done

    # ------------------------------------------------------------------ eval
    @staticmethod
    def eval(
        clues: Path,
        truth: Path,
        model_ids: list[str] | None = None,
        difficulty: str | None = None,
    ) -> Score:
        """Score a clue file against an answer key (truth.csv)."""
        from lexradar.synth.score import score_files

        return score_files(clues, truth, model_ids, difficulty)


def open_project(
    *,
    models_dir: Path | None = None,
    casebook_url: str | None = None,
    **overrides: Any,
) -> Project:
    """A project from lexradar.toml, LEXRADAR_* and the given flags (None means not given)."""
    settings = load_settings(casebook_url=casebook_url, **overrides)
    return Project.from_settings(settings, models_dir=models_dir)


def _refuse_unloadable(table: pa.Table) -> None:
    if not table.num_rows:
        return
    status = table.column("model_status")
    bad = table.filter(pc.invert(pc.is_in(status, pa.array(LOADABLE, pa.string()))))
    if bad.num_rows:
        ids, statuses = (bad.column(c).to_pylist() for c in ("model_id", "model_status"))
        which = sorted({f"{m} ({s})" for m, s in zip(ids, statuses, strict=True)})
        raise CasebookError(
            f"clues of models not in production are not loaded into the casebook: "
            f"{', '.join(which)}; promote the model first",
            Location(field="model_status"),
        )


def _extra_columns(path: Path) -> dict[str, pa.ChunkedArray]:
    """The ``domain`` and ``model_status`` columns of a clue file, when it has them."""
    wanted = ("domain", "model_status")
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        names = pq.read_schema(path).names
        present = [c for c in wanted if c in names]
        if not present:
            return {}
        table = pq.read_table(path, columns=present)
    else:
        import pyarrow.csv as pacsv

        types = {f.name: f.type for f in CLUE_SCHEMA}
        table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types=types))
        present = [c for c in wanted if c in table.column_names]
    return {c: table.column(c).cast(pa.string()) for c in present}


def _same(a: Path, b: Path) -> bool:
    return Path(a).resolve() == Path(b).resolve()


__all__ = ["LOADABLE", "MOVERS", "Loaded", "Project", "Run", "open_project"]
