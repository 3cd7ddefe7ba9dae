"""The Streamlit explorer: search, network, map, buyer exposure, paths and sources.

``run(host, port, settings)`` starts ``streamlit run explorer/app.py`` with usage statistics off and
headless, passing the settings through the environment (``TIERWATCH_*``), so the app reads the same
store and keys file as the API.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tierwatch.graph.settings import Settings

APP = Path(__file__).with_name("app.py")
DEFAULT_PORT = 8501


def settings_env(settings: Settings | None) -> dict[str, str]:
    """The TIERWATCH_* variables that reproduce ``settings`` in a child process."""
    if settings is None:
        return {}
    env: dict[str, str] = {}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        key = f"TIERWATCH_{name.upper()}"
        env[key] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return env


def command(host: str = "127.0.0.1", port: int = DEFAULT_PORT) -> list[str]:
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--browser.gatherUsageStats",
        "false",
        "--server.headless",
        "true",
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.fileWatcherType",
        "none",
        "--global.developmentMode",
        "false",
        "--client.toolbarMode",
        "minimal",
        "--theme.base",
        "light",
    ]


def spawn(
    host: str = "127.0.0.1", port: int = DEFAULT_PORT, settings: Settings | None = None, **popen: object
) -> subprocess.Popen:
    """Start the explorer in a child process (the demo serves it beside the API)."""
    env = {**os.environ, **settings_env(settings), "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    return subprocess.Popen(command(host, port), env=env, **popen)  # type: ignore[call-overload]


def run(host: str = "127.0.0.1", port: int = DEFAULT_PORT, settings: Settings | None = None) -> int:
    """Serve the explorer until interrupted; returns streamlit's exit code."""
    proc = spawn(host, port, settings)

    def _stop(signum: int, frame: object) -> None:  # SIGTERM to us stops streamlit too
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            return proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()
    finally:
        signal.signal(signal.SIGTERM, previous)
