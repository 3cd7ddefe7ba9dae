"""``tierwatch explore``: serve the Streamlit explorer (usage statistics off, headless)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

out = Console()


def register(app: typer.Typer) -> None:
    app.command("explore")(explore)


def explore(
    host: Annotated[str | None, typer.Option(help="address to listen on (default 127.0.0.1)")] = None,
    port: Annotated[
        int | None, typer.Option(help="port to listen on (default TIERWATCH_EXPLORER_PORT, 8501)")
    ] = None,
) -> None:
    """Serve the explorer: search, network, map, buyer exposure, paths, sources."""
    from tierwatch.cli.serve_cmds import check_port
    from tierwatch.explorer import run
    from tierwatch.graph.settings import get_settings

    settings = get_settings()
    host = host or "127.0.0.1"
    port = port or settings.explorer_port
    check_port(host, port, "explorer", "--port", "TIERWATCH_EXPLORER_PORT")
    out.print(
        f"tierwatch explorer on http://{host}:{port} (store: {settings.store}, {settings.store_location()})",
        highlight=False,
    )
    code = run(host, port, settings)
    raise typer.Exit(code)
