"""Alembic migrations of the casebook, configured from code (no alembic.ini needed)."""
