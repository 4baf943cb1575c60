"""The package type-checks under mypy's strict mode (``[tool.mypy]`` in pyproject.toml).

A guard rail of ``make test``: an untyped function, an ``Any`` leaking out of a typed
signature or an unused ``# type: ignore`` fails the suite, with mypy's own report.
"""

from __future__ import annotations

from pathlib import Path

from mypy import api

ROOT = Path(__file__).resolve().parents[1]


def test_mypy_strict_passes_on_src() -> None:
    out, err, status = api.run(
        [
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(ROOT / ".mypy_cache"),
            str(ROOT / "src"),
        ]
    )
    assert status == 0, f"mypy strict on src/:\n{out}{err}"
    assert out.startswith("Success: no issues found"), out
