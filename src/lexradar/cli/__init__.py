"""The ``lexradar`` command line: thin Typer commands over importable functions."""
