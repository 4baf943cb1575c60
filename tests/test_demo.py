"""``lexradar demo`` end to end on a small region: raw files, ingestion, resolution, every model,
scoring, and the demo's own casebook in its folder with two years of history — the noisy
anomalies are found because persons are resolved."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from lexradar.cli.app import app
from lexradar.clues.access import SYSTEM, add_user, user
from lexradar.clues.db import Casebook

pytestmark = pytest.mark.slow


def _casebook_with(path: Path, username: str) -> str:
    url = f"sqlite:///{path}"
    casebook = Casebook.open(url)
    casebook.init()
    add_user(casebook, SYSTEM, username, "a real password", "admin", "150000")
    casebook.dispose()
    return url


def _usernames(url: str) -> list[str]:
    from lexradar.clues.tables import users

    casebook = Casebook.open(url)
    with casebook.read() as conn:
        names = conn.execute(sa.select(users.c.username).order_by(users.c.username)).scalars()
        out = list(names)
    casebook.dispose()
    return out


def test_demo_builds_its_own_casebook_with_two_years_of_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lexradar.clues.tables import cases, clues
    from lexradar.reports.stats import statistics

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LEXRADAR_CASEBOOK_URL", raising=False)
    working = _casebook_with(tmp_path / "casebook.db", "root")  # a project's own casebook
    end = dt.date(2026, 6, 30)
    res = CliRunner().invoke(
        app, ["demo", "--persons", "5000", "--seed", "1", "--out", "d", "--data-end", str(end)]
    )
    assert res.exit_code == 0, res.output
    assert "person resolution" in res.output and "persons;" in res.output
    # the courts' judgments as documents too, read as the courts' export has them
    flat = " ".join(res.output.split())
    assert re.search(r"judgment documents → [0-9,]+ parties loaded, 0 quarantined", flat), flat
    assert "fields that differ: none" in flat
    recall, precision = map(
        float, re.findall(r"recall ([0-9.]+) precision ([0-9.]+)", res.output)[-1]
    )
    assert recall >= 0.97 and precision >= 0.97
    assert (tmp_path / "d" / "ingested").is_dir() and "nmg_leader" in res.output

    # the working folder's casebook got no demo users; the demo's is in its folder
    assert _usernames(working) == ["root"]
    url = f"sqlite:///{tmp_path / 'd' / 'casebook.db'}"
    assert "nmg_admin" in _usernames(url) and "root" not in _usernames(url)

    casebook = Casebook.open(url)
    with casebook.read() as conn:
        months = conn.execute(sa.select(clues.c.first_month).distinct()).scalars().all()
        states: dict[str, int] = dict(
            conn.execute(sa.select(clues.c.status, sa.func.count()).group_by(clues.c.status)).all()  # type: ignore[arg-type]
        )
        opened = conn.execute(sa.select(cases.c.opened_on, cases.c.closed_on)).all()
    # discovered month by month over the two years up to the data end
    assert min(months) == "2024-07" and max(months) == "2026-06" and len(months) >= 20
    # worked: new ones waiting, some under verification, dismissed, supervised and closed
    for state in ("new", "verifying", "dismissed", "supervised", "closed"):
        assert states.get(state, 0) > 0, states
    assert all(o <= end and (c is None or o <= c <= end) for o, c in opened)
    assert sum(c is not None for _, c in opened) > 0
    # the last twelve months and the twelve before both have clues, cases and funds
    figures = statistics(
        casebook,
        user(casebook, "nmg_leader"),
        start=dt.date(2025, 7, 1),
        end=end,
    ).total
    casebook.dispose()
    for f in (figures.now, figures.last_year):
        assert f.clues > 0 and f.cases > 0 and f.funds > 0, figures
    assert f"{figures.now.clues + figures.last_year.clues} clues discovered" in res.output

    # a second demo in the same folder replaces its own casebook: what it holds is what the
    # second demo printed, nothing of the first left over
    again = CliRunner().invoke(
        app,
        ["demo", "--persons", "5000", "--seed", "2", "--out", "d", "--data-end", str(end),
         "--canonical", "--no-resolve"],
    )  # fmt: skip
    assert again.exit_code == 0, again.output
    said = re.search(r"(\d+) clues discovered .*?(\d+) cases opened", again.output, flags=re.S)
    assert said is not None, again.output
    casebook = Casebook.open(url)
    with casebook.read() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(clues)).scalar()
        opened_again = conn.execute(sa.select(sa.func.count()).select_from(cases)).scalar()
    casebook.dispose()
    assert (count, opened_again) == (int(said.group(1)), int(said.group(2)))
    assert _usernames(url).count("nmg_admin") == 1


def test_demo_refuses_a_folder_holding_a_casebook_that_is_not_a_demos(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d").mkdir()
    url = _casebook_with(tmp_path / "d" / "casebook.db", "wang")
    res = CliRunner().invoke(app, ["demo", "--persons", "5000", "--out", "d"])
    assert res.exit_code == 2
    assert "not a demo's casebook" in res.output and "wang" in res.output
    assert "Traceback" not in res.output
    assert _usernames(url) == ["wang"]  # untouched
    assert not (tmp_path / "d" / "lake").exists()  # refused before anything was generated


def test_the_demo_prints_no_splink_training_warnings(tmp_path: Path) -> None:
    """A small demo region leaves rare comparison levels unobserved, as expected: Splink's
    warning for each is kept out of what the demo prints, in a fresh process (Splink binds its
    handler to the first stream it sees)."""
    command = [str(Path(sys.executable).parent / "lexradar"), "demo", "--persons", "5000"]
    done = subprocess.run(
        [*command, "--seed", "3", "--out", str(tmp_path / "d")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "person resolution" in done.stdout
    assert "unable to train m value" not in done.stdout + done.stderr
