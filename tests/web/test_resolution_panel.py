"""The clue detail's "why these records are one person" panel over a lake whose persons were
resolved (``lexradar resolve``): the comparison contributions, masked."""

from __future__ import annotations

import re
import shutil

import pytest
import sqlalchemy as sa

from lexradar.clues.db import Casebook
from lexradar.clues.tables import clues
from tests.web.conftest import World, login_client

ID18 = re.compile(r"(?<!\d)\d{17}[\dX](?!\d)")


@pytest.mark.slow
def test_resolution_contributions_are_shown_masked(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from lexradar.linkage.resolve import resolve
    from lexradar.settings import load_settings
    from lexradar.web.app import create_app

    lake = tmp_path / "lake"
    shutil.copytree(world.lake, lake)
    resolve(lake, retrain=True)
    app = create_app(load_settings(lake=lake, casebook_url=world.url), secret_key="resolution")
    admin = login_client(app, "admin")
    cb = Casebook.open(world.url)
    with cb.read() as conn:
        clue_id = conn.execute(
            sa.select(clues.c.id)
            .where(clues.c.model_id == "marriage.bigamy")
            .order_by(clues.c.id)
            .limit(1)
        ).scalar_one()
    cb.dispose()
    panel = admin.get(f"/clues/{clue_id}/resolution")
    assert panel.status_code == 200
    rows = re.findall(
        r'<tr data-comparison="(resident_id|name|birth_date|gender|region)"', panel.text
    )
    assert {"resident_id", "name"} <= set(rows), panel.text
    assert "match weight" in panel.text or "匹配权重" in panel.text
    assert not ID18.search(panel.text)
    # the clue's person in both marriages: the same resident ID, so one person
    assert re.search(
        r'<tr data-comparison="resident_id" data-level="exact">'
        r"<td>公民身份号码</td><td>完全一致</td>",
        panel.text,
    ), panel.text
    assert "100.0%" in panel.text
