"""A served workbench loads pypinyin's dictionaries beside start-up, not inside the first
request that compares names (the resolution panel): measured in a fresh interpreter, since this
test process may have imported pypinyin already."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from lexradar.clues.db import Casebook

SCRIPT = """
import sys, time
from fastapi.testclient import TestClient
from lexradar.settings import load_settings
from lexradar.web.app import create_app

lake, url = sys.argv[1], sys.argv[2]
app = create_app(load_settings(lake=lake, casebook_url=url), secret_key="k")
assert "pypinyin" not in sys.modules, "imported before start-up"
with TestClient(app) as client:
    deadline = time.monotonic() + 30
    while "pypinyin" not in sys.modules and time.monotonic() < deadline:
        time.sleep(0.05)
    print("loaded" if "pypinyin" in sys.modules else "not loaded")
"""


def test_start_up_loads_the_name_dictionaries(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    lake.mkdir()
    url = f"sqlite:///{tmp_path / 'casebook.db'}"
    casebook = Casebook.open(url)
    casebook.init()
    casebook.dispose()
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(lake), url], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "loaded"
