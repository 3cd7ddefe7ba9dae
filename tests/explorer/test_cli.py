"""`tierwatch explore` starts the explorer (usage statistics off, headless) on the given host and port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

from tierwatch.explorer import command, settings_env
from tierwatch.graph.settings import Settings


def _free_port(start: int = 8651) -> int:
    for port in range(start, start + 50):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")


def test_command_turns_usage_statistics_off_and_runs_headless():
    cmd = command("127.0.0.1", 8765)
    assert cmd[cmd.index("--browser.gatherUsageStats") + 1] == "false"
    assert cmd[cmd.index("--server.headless") + 1] == "true"
    assert cmd[cmd.index("--server.port") + 1] == "8765"
    assert cmd[4].endswith("app.py")


def test_settings_travel_to_the_child_process(tmp_path):
    env = settings_env(
        Settings(
            store_dir=tmp_path / "s", keys_file=tmp_path / "k.json", open_licence_restricted_to_public=True
        )
    )
    assert env["TIERWATCH_STORE_DIR"] == str(tmp_path / "s")
    assert env["TIERWATCH_KEYS_FILE"] == str(tmp_path / "k.json")
    assert env["TIERWATCH_OPEN_LICENCE_RESTRICTED_TO_PUBLIC"] == "true"


def test_tierwatch_explore_serves_the_app(tmp_path):
    port = _free_port()
    env = {**os.environ, "TIERWATCH_STORE_DIR": str(tmp_path / "store")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tierwatch", "explore", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                assert time.monotonic() < deadline, "the explorer did not start within 60 s"
                time.sleep(0.3)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
            assert b'<div id="root">' in r.read()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
    assert _gone(port), "stopping `tierwatch explore` stops streamlit too"


def _gone(port: int) -> bool:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
        except OSError:
            return True
        time.sleep(0.3)
    return False
