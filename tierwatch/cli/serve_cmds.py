"""``tierwatch serve`` (the API), ``tierwatch keys`` (API keys), ``serve_all`` (API + explorer, for demo)."""

from __future__ import annotations

import errno
import os
import socket
import subprocess
import sys
from typing import Annotated

import typer
from rich.console import Console

from tierwatch.graph.errors import ConfigError
from tierwatch.graph.settings import get_settings

out = Console()
keys_app = typer.Typer(
    no_args_is_help=True, help="API keys: stored hashed in the keys file (TIERWATCH_KEYS_FILE)."
)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.add_typer(keys_app, name="keys")


class PortInUseError(ConfigError):
    """A port tierwatch should listen on is taken (or not ours to take): the CLI exits 2."""

    http_status = 409


def check_port(host: str, port: int, what: str, option: str, setting: str) -> None:
    """Refuse a port that cannot be listened on, before anything starts, saying how to choose another."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn and tornado bind
        try:
            sock.bind((host, port))
        except OSError as exc:
            why = (
                "is in use by another program"
                if exc.errno == errno.EADDRINUSE
                else f"cannot be used ({exc.strerror})"
            )
            raise PortInUseError(
                f"port {port} on {host} {why}, so the {what} cannot start there: "
                f"choose another with {option} PORT or {setting}"
            ) from None


def _uvicorn(host: str, port: int, store: str | None) -> None:
    import uvicorn

    from tierwatch.api.app import create_app
    from tierwatch.graph.query.kernels import warm_up

    settings = get_settings()
    warm_up()  # the query kernels' machine code, before the first request
    if store:
        settings = settings.model_copy(update={"store": store})
    app = create_app(settings)
    out.print(
        f"tierwatch API on http://{host}:{port} (docs: http://{host}:{port}/docs; store {settings.store})"
    )
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=True, server_header=False)


def serve(
    host: Annotated[str | None, typer.Option("--host", help="default 127.0.0.1")] = None,
    port: Annotated[int | None, typer.Option("--port", help="default 8000")] = None,
    store: Annotated[str | None, typer.Option("--store", help="embedded (default) or neo4j")] = None,
) -> None:
    """Serve the API (interactive docs at /docs, served offline)."""
    settings = get_settings()
    host, port = host or settings.api_host, port or settings.api_port
    check_port(host, port, "API", "--port", "TIERWATCH_API_PORT")
    _uvicorn(host, port, store)


def _start_explorer(host: str, port: int, store: str) -> subprocess.Popen | None:
    """The explorer in a child process: ``tierwatch.explorer.spawn`` (or ``run``) when the explorer
    provides it, else ``streamlit run explorer/app.py`` with usage statistics off."""
    settings = get_settings().model_copy(update={"store": store})
    try:
        from tierwatch import explorer
    except ImportError:
        return None
    spawn = getattr(explorer, "spawn", None)
    if callable(spawn):
        return spawn(host, port, settings)
    env = {**os.environ, "TIERWATCH_STORE": store}
    if callable(getattr(explorer, "run", None)):
        code = f"from tierwatch.explorer import run; run({host!r}, {port})"
        return subprocess.Popen([sys.executable, "-c", code], env=env)
    app_file = os.path.join(os.path.dirname(explorer.__file__), "app.py")
    if not os.path.exists(app_file):
        out.print("[yellow]the explorer is not installed in this version; serving the API only[/]")
        return None
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            app_file,
            "--server.address",
            host,
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        env=env,
    )


def check_demo_ports(api_port: int | None, explorer_port: int | None) -> tuple[int, int]:
    """The demo's two ports (options, else settings), each free, and not the same one."""
    settings = get_settings()
    api = api_port or settings.api_port
    explorer = explorer_port or settings.explorer_port
    if api == explorer:
        raise PortInUseError(
            f"the API and the explorer cannot share port {api}: "
            "set --api-port / --explorer-port (TIERWATCH_API_PORT / TIERWATCH_EXPLORER_PORT) apart"
        )
    check_port(settings.api_host, api, "API", "--api-port", "TIERWATCH_API_PORT")
    check_port(settings.api_host, explorer, "explorer", "--explorer-port", "TIERWATCH_EXPLORER_PORT")
    return api, explorer


def serve_all(store: str, api_port: int | None = None, explorer_port: int | None = None) -> None:
    """API and explorer on the settings' ports (TIERWATCH_API_PORT, 8000; TIERWATCH_EXPLORER_PORT,
    8501) or the ones given; Ctrl-C stops both."""
    settings = get_settings()
    api_port, explorer_port = check_demo_ports(api_port, explorer_port)
    child = _start_explorer(settings.api_host, explorer_port, store)
    if child is not None:
        out.print(f"tierwatch explorer on http://{settings.api_host}:{explorer_port}")
    try:
        _uvicorn(settings.api_host, api_port, store)
    finally:
        if child is not None and child.poll() is None:
            child.terminate()
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()


@keys_app.command("add")
def keys_add(
    role: Annotated[str, typer.Option("--role", help="analyst or public")],
    note: Annotated[str, typer.Option("--note", help="who or what the key is for")] = "",
) -> None:
    """Create a key for ROLE and print it once (only its salted hash is stored)."""
    from tierwatch.api.auth import KeyStore, Role

    try:
        role_ = Role(role)
    except ValueError:
        raise ConfigError("--role must be analyst or public") from None
    settings = get_settings()
    key = KeyStore(settings.keys_path).add(role_, note)
    print(key)
    Console(stderr=True).print(
        f"a new {role_.value} key, stored hashed in {settings.keys_path}; it is shown only this once"
    )


@keys_app.command("list")
def keys_list() -> None:
    """Key ids, roles and notes (never the keys)."""
    from tierwatch.api.auth import KeyStore

    settings = get_settings()
    entries = KeyStore(settings.keys_path).list()
    if not entries:
        out.print(f"no keys in {settings.keys_path}")
    for e in entries:
        out.print(f"{e.id}  {e.role.value:8}  {e.created}  {e.note}", highlight=False)


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="the key id (tierwatch keys list)")]) -> None:
    """Remove a key."""
    from tierwatch.api.auth import KeyStore

    if not KeyStore(get_settings().keys_path).revoke(key_id):
        raise ConfigError(f"no key with id {key_id!r}")
    out.print(f"revoked {key_id}")
