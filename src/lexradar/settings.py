"""One validated settings class: lexradar.toml, then LEXRADAR_* environment variables, then flags.

The file is looked up in the working folder (or named by ``LEXRADAR_CONFIG``). Each field's
description is its help line; ``lexradar settings`` prints them with their current values.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from lexradar.errors import Location, SettingsError

CONFIG_FILE = "lexradar.toml"


class Settings(BaseSettings):
    """Settings of one lexradar project."""

    model_config = SettingsConfigDict(env_prefix="LEXRADAR_", extra="forbid")

    lake: Path = Field(
        default=Path("lake"),
        description="Folder of the canonical Parquet lake (one sub-folder per dataset).",
    )
    casebook_url: str = Field(
        default="sqlite:///casebook.db",
        description="SQLAlchemy URL of the casebook: a SQLite file by default, or PostgreSQL.",
    )
    engine: Literal["duckdb", "spark"] = Field(
        default="duckdb", description="Engine that runs models: duckdb (one machine) or spark."
    )
    as_of: dt.date | None = Field(
        default=None,
        description="Date runs are measured from (YYYY-MM-DD); empty means today.",
    )
    model_paths: list[Path] = Field(
        default_factory=list,
        description="Extra folders of model files, besides the built-in pack.",
    )
    recommendation_template: Path | None = Field(
        default=None,
        description="The procuratorate's own recommendation template (检察建议书): a .docx, or "
        "a folder with 检察建议书.docx (and recommendations.yaml); empty means the shipped "
        "GB/T 9704 one. lexradar recommend --template overrides it.",
    )
    duckdb_memory_limit: str = Field(
        default="75%",
        description="The memory a DuckDB process may use (e.g. '6GB' or '75%'): DuckDB's "
        "memory_limit is set to it less what the process holds and a 15 % share for what is "
        "allocated outside DuckDB's buffers, so the process peaks under it.",
    )
    duckdb_threads: int | None = Field(
        default=None, description="DuckDB worker threads; empty means one per core."
    )
    spark_master: str = Field(
        default="local[2]",
        description="Spark master when engine = spark: local[N] on one machine, or a cluster's "
        "(spark://host:7077, yarn, k8s://…); under spark-submit the submitted master wins.",
    )
    spark_conf: dict[str, str] = Field(
        default_factory=dict,
        description="Extra Spark configuration (e.g. spark.driver.memory, "
        "spark.sql.shuffle.partitions, spark.hadoop.fs.s3a.endpoint), added to lexradar's own.",
    )

    session_idle_minutes: int = Field(
        default=30,
        ge=1,
        description="Workbench sessions end after this many minutes without a request.",
    )
    session_hours: float = Field(
        default=8,
        gt=0,
        description="Workbench sessions end this many hours after the login at the latest.",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Addresses or networks (CIDR) of the reverse proxies in front of the "
        "workbench: only a request from one of them has its X-Forwarded-For believed (for the "
        "login lock); empty means the connecting address is the client.",
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        import ipaddress

        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"not an address or network: {item!r}") from None
        return value

    @field_validator("casebook_url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("casebook_url must be a sqlite:// or postgresql:// URL")
        return value

    def run_date(self) -> dt.date:
        """The as-of date of a run: the setting, or today."""
        return self.as_of or dt.date.today()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = Path(os.environ.get("LEXRADAR_CONFIG", CONFIG_FILE))
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=toml_file),
        )


def load_settings(**overrides: Any) -> Settings:
    """Build the settings: file < environment < the given overrides (flags; None is ignored)."""
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        source = os.environ.get("LEXRADAR_CONFIG", CONFIG_FILE)
        raise SettingsError(first["msg"], Location(file=source, field=field)) from exc


def describe() -> list[tuple[str, str, str]]:
    """(name, default, help) for every setting: the source of the settings reference."""
    rows = []
    for name, info in Settings.model_fields.items():
        default = info.default_factory() if info.default_factory else info.default  # type: ignore[call-arg]
        rows.append((name, "" if default is None else str(default), info.description or ""))
    return rows
