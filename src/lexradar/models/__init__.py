"""Supervision models: a YAML header and a SQL file that returns the offending rows."""

from lexradar.models.compile import Plan, compile_model
from lexradar.models.registry import Registry, load_model
from lexradar.models.spec import ModelSpec

__all__ = ["ModelSpec", "Plan", "Registry", "compile_model", "load_model"]
