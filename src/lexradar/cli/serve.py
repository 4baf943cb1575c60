"""``lexradar serve``: the web workbench over the casebook of the settings."""

from __future__ import annotations

from typing import Annotated

import typer

from lexradar.cli.common import console, fails_cleanly


def serve_app(
    host: str, port: int, casebook_url: str | None, https_only: bool, lake: str | None = None
) -> None:
    """Run the workbench with uvicorn until interrupted."""
    import uvicorn

    from lexradar.settings import load_settings
    from lexradar.web.app import create_app, missing_assets

    missing = missing_assets()
    if missing:
        console.print(
            f"[yellow]front-end files missing ({', '.join(missing)}): run `make assets`[/]"
        )
    settings = load_settings(lake=lake, casebook_url=casebook_url)
    app = create_app(settings, https_only=https_only)
    console.print(f"lexradar workbench on http://{host}:{port}/ (casebook {settings.casebook_url})")
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=True)


@fails_cleanly
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    casebook: Annotated[
        str | None, typer.Option("--casebook", help="Casebook URL (default: the setting).")
    ] = None,
    lake: Annotated[
        str | None, typer.Option("--lake", help="Lake folder (default: the setting).")
    ] = None,
    https_only: Annotated[
        bool,
        typer.Option(
            "--https-only",
            help="Mark the session cookie Secure even on plain http (behind a TLS proxy).",
        ),
    ] = False,
) -> None:
    """Serve the web workbench (pages and the JSON API under /api) until Ctrl-C.

    Sessions are signed with LEXRADAR_SECRET_KEY (a random key when unset: logins end with the
    process). Front-end files come from `make assets`; nothing is loaded from the internet.
    """
    serve_app(host, port, casebook, https_only, lake)
