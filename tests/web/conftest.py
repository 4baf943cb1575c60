"""Web fixtures: a casebook filled by really running the model pack over the small synthetic
region (the session's ``region``), users at region, city and county level, the app, a live
server (uvicorn in a thread on a free port) and Chromium driven by Playwright.
"""

from __future__ import annotations

import collections
import datetime as dt
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from lexradar.clues.access import SYSTEM, add_user
from lexradar.clues.db import Casebook
from lexradar.settings import Settings, load_settings
from lexradar.synth import SynthResult

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "web-secret-1"


@dataclass
class World:
    """The casebook the web tests share, and who is in it."""

    url: str
    lake: Path
    settings: Settings
    users: dict[str, tuple[str, str]]
    """user name → (role, procuratorate code)"""
    county: str
    """The county with the most clues: its handler is ``county_handler``."""
    other_county: str
    """A county of another city, with clues: its handler is ``other_handler``."""


def _counties(url: str) -> collections.Counter[str]:
    import sqlalchemy as sa

    from lexradar.clues.tables import clues

    cb = Casebook.open(url)
    with cb.read() as conn:
        rows = conn.execute(sa.select(clues.c.procuratorate_code)).scalars().all()
    cb.dispose()
    return collections.Counter(rows)


def months_back(today: dt.date) -> list[dt.datetime]:
    """Load times spread over this year's months so far and the same months last year."""
    return [
        dt.datetime(year, month, 5, 9, 0)
        for year in (today.year - 1, today.year)
        for month in range(1, today.month + 1)
    ]


def _work_some_clues(casebook: Casebook, avoid: tuple[str, ...]) -> None:
    """Confirm, dismiss and turn into cases some clues away from the counties the browser uses."""
    import sqlalchemy as sa

    from lexradar.clues import cases, workflow
    from lexradar.clues.access import user
    from lexradar.clues.tables import clues

    admin = user(casebook, "admin")
    with casebook.read() as conn:
        ids = (
            conn.execute(
                sa.select(clues.c.id)
                .where(*[clues.c.procuratorate_code != c for c in avoid])
                .order_by(clues.c.id)
            )
            .scalars()
            .all()
        )
    work = list(ids)[:16]
    workflow.bulk_assign(casebook, admin, dict.fromkeys(work), "admin")
    for i in work[:10]:
        workflow.confirm(casebook, admin, i, None, "核实属实")
    for i, reason in zip(
        work[10:13], ("false_positive", "duplicate", "already_handled"), strict=True
    ):
        workflow.dismiss(casebook, admin, i, None, reason, "测试排除")
    for n, i in enumerate(work[:6]):
        case = cases.open_case(
            casebook, admin, "procuratorial_recommendation", {i: None}, title=f"案件{n}"
        )
        if n < 3:
            cases.close_case(
                casebook, admin, case, None, "funds_recovered", funds_recovered=1000 * (n + 1)
            )


@pytest.fixture(scope="session")
def world(region: SynthResult, tmp_path_factory: pytest.TempPathFactory) -> World:
    """Run every pack model over the region, load the clues (as if over two years of monthly
    runs), add one user per role and level, and work some clues into cases."""
    from lexradar.clues.store import load_clues
    from lexradar.engine import open_engine
    from lexradar.models.registry import Registry
    from lexradar.models.run import run_models

    folder = tmp_path_factory.mktemp("web")
    url = f"sqlite:///{folder / 'casebook.db'}"
    lake = region.out / "lake"
    registry = Registry()
    with open_engine(lake) as engine:
        clues, records = run_models(engine, registry.select(), dt.date(2026, 6, 30))
    casebook = Casebook.open(url)
    casebook.init()
    domains = {m.id: m.spec.domain for m in registry.models.values()}
    stamps = months_back(dt.date.today())
    for k, now in enumerate(stamps):
        part = clues.take([i for i in range(clues.num_rows) if i % len(stamps) == k])
        load_clues(casebook, part, SYSTEM, runs=records if k == 0 else (), domains=domains, now=now)
    counts = _counties(url)
    county = max((c for c in counts if c.startswith("1504")), key=lambda c: counts[c])
    other = max((c for c in counts if not c.startswith("1504")), key=lambda c: counts[c])
    users = {
        "admin": ("admin", "150000"),
        "region_leader": ("leader", "150000"),
        "city_leader": ("leader", "150400"),
        "county_handler": ("handler", county),
        "county_handler2": ("handler", county),
        "other_handler": ("handler", other),
        "other_leader": ("leader", other[:4] + "00"),
        "builder": ("model_builder", "150000"),
    }
    for name, (role, code) in users.items():
        add_user(casebook, SYSTEM, name, PASSWORD, role, code)
    _work_some_clues(casebook, (county, other))
    casebook.dispose()
    settings = load_settings(lake=lake, casebook_url=url)
    return World(url, lake, settings, users, county, other)


@pytest.fixture(scope="session")
def app(world: World):  # type: ignore[no-untyped-def]
    from lexradar.web.app import create_app

    return create_app(world.settings, secret_key="test-secret-key")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(world: World) -> Iterator[str]:
    """The workbench served by uvicorn in a thread; its base URL."""
    import uvicorn

    from lexradar.web.app import create_app

    app = create_app(world.settings, secret_key="live-secret-key")
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the workbench did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (make system installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


def copy_casebook(world: World, folder: Path) -> str:
    """A copy of the shared casebook (SQLite's backup, so what is still in its write-ahead log
    comes too) with its audit key and checkpoints; its URL."""
    import shutil
    import sqlite3

    source = Path(world.url.removeprefix("sqlite:///"))
    copy = folder / "casebook.db"
    with sqlite3.connect(source) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    for suffix in (".audit-key", ".audit-checkpoints"):
        shutil.copy2(f"{source}{suffix}", f"{copy}{suffix}")
    return f"sqlite:///{copy}"


def anonymous_client(app):  # type: ignore[no-untyped-def]
    """A TestClient with a session but no login; its CSRF token is in ``client.csrf`` and sent
    with every request."""
    from fastapi.testclient import TestClient

    client = TestClient(app)
    client.csrf = client.get("/api/session").json()["csrf_token"]  # type: ignore[attr-defined]
    client.headers["X-CSRF-Token"] = client.csrf  # type: ignore[attr-defined]
    return client


def login_client(app, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    """A TestClient logged in through the API; its CSRF token is in ``client.csrf``."""
    from fastapi.testclient import TestClient

    client = TestClient(app)
    token = client.get("/api/session").json()["csrf_token"]
    answer = client.post(
        "/api/login",
        json={"username": username, "password": password},
        headers={"X-CSRF-Token": token},
    )
    assert answer.status_code == 200, answer.text
    client.csrf = answer.json()["csrf_token"]  # type: ignore[attr-defined]
    client.headers["X-CSRF-Token"] = client.csrf  # type: ignore[attr-defined]
    return client
