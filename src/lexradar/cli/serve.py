"""``lexradar serve``: the web workbench over the casebook of the settings."""

from __future__ import annotations

import socket
from typing import Annotated

import typer

from lexradar.cli.common import console, fails_cleanly

DEFAULT_PORT = 8000


def listening_socket(host: str, port: int | None) -> socket.socket:
    """A socket bound to ``host:port``. Without a port: 8000, or a free port the system picks
    when 8000 is taken. A port given and taken is an error."""
    from lexradar.errors import Location, SettingsError

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, DEFAULT_PORT if port is None else port))
    except OSError as exc:
        if port is not None:
            sock.close()
            raise SettingsError(
                f"cannot listen on {host}:{port} ({exc.strerror}): choose another --port, or "
                "leave --port out to take a free one",
                Location(field="port"),
            ) from None
        try:
            sock.bind((host, 0))
        except OSError as again:
            sock.close()
            raise SettingsError(
                f"cannot listen on {host} ({again.strerror})", Location(field="host")
            ) from None
        console.print(f"[yellow]port {DEFAULT_PORT} is taken: the system gave a free one[/]")
    return sock


def serve_app(
    host: str,
    port: int | None,
    casebook_url: str | None,
    https_only: bool,
    lake: str | None = None,
) -> None:
    """Run the workbench with uvicorn until interrupted, on ``port`` (None: 8000, or a free
    port when 8000 is taken); the address is printed once the socket is bound."""
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
    sock = listening_socket(host, port)
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    console.print(
        f"lexradar workbench on http://{shown}:{bound}/ (casebook {settings.casebook_url})",
        highlight=False,
        soft_wrap=True,
    )
    # proxy headers are read by the app, and only from the trusted_proxies setting
    config = uvicorn.Config(app, host=host, port=bound, log_level="warning", proxy_headers=False)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()


@fails_cleanly
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[
        int | None,
        typer.Option(help="Port to listen on (default: 8000, or a free one when 8000 is taken)."),
    ] = None,
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
            help="Mark the session cookie Secure and send HSTS even on plain http (behind a "
            "TLS proxy).",
        ),
    ] = False,
) -> None:
    """Serve the web workbench (pages and the JSON API under /api) until Ctrl-C.

    Sessions are kept in the casebook, their ids hashed with LEXRADAR_SECRET_KEY (a random key
    when unset: logins end with the process). X-Forwarded-For is believed only from the
    trusted_proxies setting. Front-end files come from `make assets`; nothing is loaded from
    the internet.
    """
    serve_app(host, port, casebook, https_only, lake)
