from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from lexradar.errors import SettingsError
from lexradar.settings import Settings, describe, load_settings


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for key in ("LEXRADAR_LAKE", "LEXRADAR_CASEBOOK_URL", "LEXRADAR_AS_OF", "LEXRADAR_CONFIG"):
        monkeypatch.delenv(key, raising=False)
    return tmp_path


def test_defaults_without_a_file(project: Path) -> None:
    s = load_settings()
    assert s.lake == Path("lake")
    assert s.casebook_url == "sqlite:///casebook.db"
    assert s.run_date() == dt.date.today()


def test_file_then_environment_then_flags(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "lexradar.toml").write_text(
        'lake = "data/lake"\ncasebook_url = "postgresql+psycopg://u@h/db"\nas_of = 2024-06-30\n',
        encoding="utf-8",
    )
    s = load_settings()
    assert s.lake == Path("data/lake")
    assert s.casebook_url.startswith("postgresql")
    assert s.run_date() == dt.date(2024, 6, 30)
    monkeypatch.setenv("LEXRADAR_LAKE", "/srv/lake")
    assert load_settings().lake == Path("/srv/lake")
    assert load_settings(lake=Path("flag/lake")).lake == Path("flag/lake")
    assert load_settings(lake=None).lake == Path("/srv/lake"), "an unset flag changes nothing"


def test_bad_value_names_the_file_and_field(project: Path) -> None:
    (project / "lexradar.toml").write_text('casebook_url = "mysql://x"\n', encoding="utf-8")
    with pytest.raises(SettingsError) as exc:
        load_settings()
    assert "lexradar.toml" in str(exc.value)
    assert "casebook_url" in str(exc.value)


def test_unknown_key_is_refused(project: Path) -> None:
    (project / "lexradar.toml").write_text('lakes = "typo"\n', encoding="utf-8")
    with pytest.raises(SettingsError, match="lakes"):
        load_settings()


def test_every_setting_has_a_help_line_and_is_documented() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    for name, _, help_text in describe():
        assert help_text, f"setting {name} has no help"
        assert f"`{name}`" in readme, f"setting {name} is not in the README"
    assert set(Settings.model_fields) == {n for n, _, _ in describe()}
