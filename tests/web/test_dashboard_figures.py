"""The dashboard's figures are computed once per casebook version and shared; any change of the
casebook (here: a clue dismissed) shows on the next request."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from lexradar.clues import workflow
from lexradar.clues.access import user
from lexradar.clues.db import Casebook
from lexradar.clues.tables import clues
from lexradar.web.routes.dashboard import casebook_version, dashboard_data
from tests.web.conftest import World, copy_casebook


def test_figures_are_reused_until_the_casebook_changes(world: World, tmp_path: Path) -> None:
    casebook = Casebook.open(copy_casebook(world, tmp_path))
    leader = user(casebook, "region_leader")
    first = dashboard_data(casebook, world.settings, leader, "2000-01", None, None)
    again = dashboard_data(casebook, world.settings, leader, "2000-01", None, None)
    assert again["by_month"] is first["by_month"]  # the same figures, not computed again
    city = dashboard_data(casebook, world.settings, leader, "2000-01", None, "150400")
    assert city["by_month"] is not first["by_month"]  # another subtree, other figures

    with casebook.read() as conn:
        clue_id = conn.execute(
            sa.select(clues.c.id).where(clues.c.status == "new").order_by(clues.c.id).limit(1)
        ).scalar_one()
    version = casebook_version(casebook)
    workflow.dismiss(casebook, user(casebook, "admin"), clue_id, None, "duplicate", "重复线索")
    assert casebook_version(casebook) > version
    after = dashboard_data(casebook, world.settings, leader, "2000-01", None, None)
    assert after["by_month"] is not first["by_month"]
    dismissed = first["total"].now.dismissed + first["total"].last_year.dismissed
    assert after["total"].now.dismissed + after["total"].last_year.dismissed == dismissed + 1
    casebook.dispose()
