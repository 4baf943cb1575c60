"""The demo's users: one per role at the region (150000), a city (150400 赤峰市) and a county
(150404 松山区), so that ``make demo`` can show what each of them sees. Their password is fixed
and documented (docs/web.md): a demo casebook is not a place for real data."""

from __future__ import annotations

from lexradar.clues import access
from lexradar.clues.access import SYSTEM
from lexradar.clues.db import Casebook
from lexradar.clues.errors import NotFoundError

DEMO_PASSWORD = "lexradar-demo"
LEVELS = {"nmg": "150000", "chifeng": "150400", "songshan": "150404"}
ROLE_NAMES = {
    "admin": "admin",
    "model_builder": "builder",
    "handler": "handler",
    "leader": "leader",
}


def demo_users() -> list[tuple[str, str, str]]:
    """(user name, role, procuratorate code) of every demo user: ``chifeng_handler`` …"""
    return [
        (f"{place}_{short}", role, code)
        for place, code in LEVELS.items()
        for role, short in ROLE_NAMES.items()
    ]


def add_demo_users(casebook: Casebook) -> list[tuple[str, str, str, bool]]:
    """Add the demo users that are not there yet; (name, role, code, added now) for each."""
    out = []
    for name, role, code in demo_users():
        try:
            access.user(casebook, name)
            added = False
        except NotFoundError:
            access.add_user(casebook, SYSTEM, name, DEMO_PASSWORD, role, code)
            added = True
        out.append((name, role, code, added))
    return out
