"""A local, throw-away Neo4j 5.26 Community server for development, tests and CI, without Docker.

The server is the embeddable Neo4j DBMS from Maven Central (``org.neo4j:neo4j``), run by the one-file
Java launcher in ``<repo>/neo4j-launcher``. The first :func:`start` builds it into a cache folder
(Maven fetches ~116 MB of jars, ``javac`` compiles ``Launcher.java``); later starts reuse that build
as long as ``pom.xml`` and ``Launcher.java`` are unchanged (sha256 recorded in a stamp file).

The server listens on ``bolt://127.0.0.1:<port>`` only, with authentication disabled, and its data
folder is wiped at every start: it is a test database, never a place to keep data.

Layout of the cache folder (``home``; env ``TIERWATCH_NEO4J_HOME``, default
``~/.cache/tierwatch/neo4j-5.26``)::

    lib/                 jars copied by Maven
    classes/             compiled Launcher
    build.stamp          sha256 of pom.xml and Launcher.java the build was made from
    build.log            output of the last Maven / javac run
    data-<port>/         database files (wiped at each start)
    neo4j-<port>.log     launcher stdout/stderr (Neo4j's own debug log: data-<port>/logs/debug.log)
    neo4j-<port>.pid     pid (and process group) of the running launcher

POSIX only (process groups, ``fcntl`` locks). Without a JDK and Maven, use ``docker compose up neo4j``.

Command line: ``python -m tierwatch.neo4j_local start|stop|status [--port P] [--home DIR]``.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "DEFAULT_PORT",
    "NEO4J_VERSION",
    "Neo4jLocalError",
    "ServerStatus",
    "build",
    "crash",
    "default_home",
    "launcher_dir",
    "start",
    "status",
    "stop",
]

NEO4J_VERSION = "5.26.0"
DEFAULT_PORT = 7687
HOST = "127.0.0.1"
JAVA_HEAP = "-Xmx1g"
STOP_TIMEOUT_SECONDS = 30.0
BUILD_TIMEOUT_SECONDS = 1800.0
_HEARTBEAT_SECONDS = 15.0
_DOCKER_HINT = "or use `docker compose up neo4j` instead"

# Started by a short-lived helper interpreter so that the server is not a child of the caller
# (no zombie, no "subprocess is still running" ResourceWarning, survives the CLI that started it):
# argv = [log, cwd, *command]; prints the server's pid.
_DETACH_SCRIPT = """
import os, subprocess, sys
log, cwd, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
with open(log, "wb") as out:
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                            cwd=cwd, start_new_session=True)
print(proc.pid, flush=True)
os._exit(0)
"""


class Neo4jLocalError(Exception):
    """The local Neo4j server could not be built, started or stopped; the message says why."""


@dataclass(frozen=True)
class ServerStatus:
    """State of the local server on one port.

    ``running`` means a Neo4j server answers on ``uri`` (Bolt, no auth). ``pid`` is the launcher
    process started by tierwatch, if any (``None`` for a server started some other way).
    """

    running: bool
    pid: int | None
    uri: str
    log: Path
    message: str


# --------------------------------------------------------------------------------------------------
# Paths


def default_home() -> Path:
    """Cache folder for the build and the servers: env ``TIERWATCH_NEO4J_HOME`` or
    ``~/.cache/tierwatch/neo4j-5.26`` (``$XDG_CACHE_HOME`` replaces ``~/.cache`` when set)."""
    env = os.environ.get("TIERWATCH_NEO4J_HOME")
    if env:
        return Path(env).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache).expanduser() / "tierwatch" / "neo4j-5.26"


def launcher_dir() -> Path:
    """Folder holding ``pom.xml`` and ``Launcher.java``: env ``TIERWATCH_NEO4J_LAUNCHER_DIR``, else
    ``<repo>/neo4j-launcher`` next to the (editable-installed) package."""
    env = os.environ.get("TIERWATCH_NEO4J_LAUNCHER_DIR")
    if env:
        return Path(env).expanduser().resolve()
    return Path(__file__).resolve().parents[1] / "neo4j-launcher"


def _uri(port: int) -> str:
    return f"bolt://{HOST}:{port}"


def _log_path(home: Path, port: int) -> Path:
    return home / f"neo4j-{port}.log"


def _pid_path(home: Path, port: int) -> Path:
    return home / f"neo4j-{port}.pid"


def _progress(message: str) -> None:
    print(f"neo4j-local: {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------------
# Build


def _require_tools(*names: str) -> dict[str, str]:
    """Absolute paths of the given executables, or a clear error naming the missing ones."""
    found = {name: shutil.which(name) for name in names}
    missing = [name for name, path in found.items() if path is None]
    if missing:
        listed = ", ".join(f"`{name}`" for name in missing)
        raise Neo4jLocalError(
            f"cannot run a local Neo4j: {listed} not found on PATH "
            f"(install a JDK 17+ and Maven 3.8+, {_DOCKER_HINT})"
        )
    return {name: path for name, path in found.items() if path is not None}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Exclusive inter-process lock (so parallel test workers do not build or start twice)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run_logged(cmd: list[str], log: Path, what: str) -> None:
    """Run ``cmd``, appending its output to ``log``; heartbeat on stderr; readable error on failure."""
    started = time.monotonic()
    with log.open("ab") as out:
        out.write(f"\n$ {' '.join(cmd)}\n".encode())
        out.flush()
        try:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        except OSError as exc:
            raise Neo4jLocalError(f"{what}: cannot run {cmd[0]}: {exc}") from exc
        while True:
            try:
                code = proc.wait(timeout=_HEARTBEAT_SECONDS)
                break
            except subprocess.TimeoutExpired:
                elapsed = time.monotonic() - started
                if elapsed > BUILD_TIMEOUT_SECONDS:
                    proc.kill()
                    proc.wait()
                    raise Neo4jLocalError(f"{what}: gave up after {elapsed:.0f} s (see {log})") from None
                _progress(f"{what}: still running ({elapsed:.0f} s)")
    if code != 0:
        raise Neo4jLocalError(f"{what} failed (exit {code}):\n{_tail(log)}\n(full output: {log})")


def _sources() -> tuple[Path, Path]:
    src = launcher_dir()
    pom, java_src = src / "pom.xml", src / "Launcher.java"
    if not (pom.is_file() and java_src.is_file()):
        raise Neo4jLocalError(
            f"launcher sources not found in {src} (expected pom.xml and Launcher.java); "
            "set TIERWATCH_NEO4J_LAUNCHER_DIR to the repository's neo4j-launcher folder"
        )
    return pom, java_src


def _build_state(home: Path) -> tuple[dict[str, str], bool, bool]:
    """(wanted stamp, lib up to date, classes up to date) for the current launcher sources."""
    pom, java_src = _sources()
    want = {"pom_sha256": _sha256(pom), "launcher_sha256": _sha256(java_src)}
    try:
        stamp = json.loads((home / "build.stamp").read_text())
    except (OSError, ValueError):
        stamp = {}
    lib_ok = stamp.get("pom_sha256") == want["pom_sha256"] and any((home / "lib").glob("neo4j-*.jar"))
    classes_ok = lib_ok and stamp == want and (home / "classes" / "Launcher.class").is_file()
    return want, lib_ok, classes_ok


def _tools_needed(home: Path) -> list[str]:
    """Executables :func:`start` needs: java, plus javac/mvn when something must be (re)built."""
    _, lib_ok, classes_ok = _build_state(home)
    return ["java"] + ([] if classes_ok else ["javac"]) + ([] if lib_ok else ["mvn"])


def build(home: Path | None = None) -> Path:
    """Build the launcher into ``home`` if needed and return ``home``.

    Runs Maven (``dependency:copy-dependencies`` into ``home/lib``) when ``pom.xml`` changed since
    the last build, and ``javac`` when ``pom.xml`` or ``Launcher.java`` changed. Needs ``mvn``
    and ``javac`` on PATH only when something has to be rebuilt.
    """
    home = (home or default_home()).expanduser()
    pom, java_src = _sources()
    home.mkdir(parents=True, exist_ok=True)
    with _locked(home / "build.lock"):
        want, lib_ok, classes_ok = _build_state(home)
        if classes_ok:
            return home
        lib, classes, stamp_file = home / "lib", home / "classes", home / "build.stamp"
        tools = _require_tools("mvn", "javac") if not lib_ok else _require_tools("javac")
        build_log = home / "build.log"
        build_log.write_bytes(b"")
        if not lib_ok:
            stamp_file.unlink(missing_ok=True)
            _progress(
                f"fetching Neo4j {NEO4J_VERSION} jars with Maven into {lib} "
                "(~116 MB on the first run, cached in ~/.m2 afterwards)..."
            )
            t0 = time.monotonic()
            staging = home / "lib.partial"
            shutil.rmtree(staging, ignore_errors=True)
            _run_logged(
                [
                    tools["mvn"],
                    "-q",
                    "-B",
                    "-f",
                    str(pom),
                    "dependency:copy-dependencies",
                    f"-DoutputDirectory={staging}",
                ],
                build_log,
                "Maven dependency fetch",
            )
            shutil.rmtree(lib, ignore_errors=True)
            staging.rename(lib)
            stamp_file.write_text(json.dumps({"pom_sha256": want["pom_sha256"]}) + "\n")
            _progress(f"fetched {len(list(lib.glob('*.jar')))} jars in {time.monotonic() - t0:.0f} s")

        _progress("compiling Launcher.java...")
        shutil.rmtree(classes, ignore_errors=True)
        _run_logged(
            [tools["javac"], "-nowarn", "-cp", str(lib / "*"), "-d", str(classes), str(java_src)],
            build_log,
            "javac Launcher.java",
        )
        stamp_file.write_text(json.dumps(want, indent=2) + "\n")
        return home


# --------------------------------------------------------------------------------------------------
# Process and connectivity probes


def _tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no output)"
    return "\n".join(text.rstrip().splitlines()[-lines:]) or "(no output)"


def _read_pid(home: Path, port: int) -> int | None:
    try:
        return int(_pid_path(home, port).read_text().strip())
    except (OSError, ValueError):
        return None


def _pid_alive(pid: int, port: int) -> bool:
    """True if ``pid`` is a live (non-zombie) launcher for ``port``; guards against pid reuse."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False  # someone else's process: not ours
    proc = Path("/proc") / str(pid)
    if proc.is_dir():  # Linux: refuse zombies and recycled pids
        try:
            if proc.joinpath("stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                return False
            argv = proc.joinpath("cmdline").read_bytes().split(b"\0")
        except (OSError, IndexError):
            return False
        return b"Launcher" in argv and str(port).encode() in argv
    return True


def _spawn_detached(cmd: list[str], log: Path, cwd: Path) -> int:
    """Start ``cmd`` in its own session (pgid == pid), output to ``log``, not as our child; its pid."""
    try:
        helper = subprocess.run(
            [sys.executable, "-c", _DETACH_SCRIPT, str(log), str(cwd), *cmd],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise Neo4jLocalError(f"cannot start {cmd[0]}: {exc}") from exc
    if helper.returncode != 0 or not helper.stdout.strip().isdigit():
        detail = (helper.stderr.strip().splitlines() or ["no output"])[-1]
        raise Neo4jLocalError(f"cannot start {cmd[0]}: {detail}")
    return int(helper.stdout.strip())


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.5):
            return True
    except OSError:
        return False


def _bolt_check(port: int) -> str | None:
    """None if a Neo4j server accepts an unauthenticated Bolt session on ``port``, else why not."""
    from neo4j import GraphDatabase  # local import: keeps `tierwatch --help` fast

    try:
        with GraphDatabase.driver(
            _uri(port), auth=None, connection_timeout=3.0, connection_acquisition_timeout=5.0
        ) as driver:
            driver.verify_connectivity()
    except Exception as exc:  # any failure just means "not usable (yet)"
        return " ".join(f"{type(exc).__name__}: {exc}".split())
    return None


# --------------------------------------------------------------------------------------------------
# Public API


def status(port: int = DEFAULT_PORT, home: Path | None = None) -> ServerStatus:
    """Report whether a Neo4j server answers on ``bolt://127.0.0.1:<port>`` (read-only)."""
    home = (home or default_home()).expanduser()
    log, uri = _log_path(home, port), _uri(port)
    pid = _read_pid(home, port)
    ours = pid if pid is not None and _pid_alive(pid, port) else None
    problem = _bolt_check(port) if _port_open(port) else "nothing listens on the port"
    if problem is None:
        how = f"pid {ours}" if ours is not None else "not started by tierwatch"
        return ServerStatus(True, ours, uri, log, f"Neo4j running on {uri} ({how})")
    if ours is not None:
        msg = f"launcher pid {ours} is alive but Bolt does not answer yet ({problem}); see {log}"
        return ServerStatus(False, ours, uri, log, msg)
    stale = " (stale pid file)" if pid is not None else ""
    return ServerStatus(False, None, uri, log, f"not running on {uri}{stale}")


def start(
    port: int = DEFAULT_PORT, home: Path | None = None, wait_seconds: float = 120, *, keep_data: bool = False
) -> ServerStatus:
    """Start a throw-away Neo4j on ``bolt://127.0.0.1:<port>`` (no auth) and wait until it answers.

    Builds the launcher first if needed (see :func:`build`). If a Neo4j server already answers on
    the port, returns its status without starting another one (and without wiping its data).
    Otherwise wipes ``home/data-<port>`` (unless ``keep_data``: a restart after :func:`crash`, which
    Neo4j recovers from its transaction log), starts the launcher detached (own session, output in
    ``home/neo4j-<port>.log``, pid in ``home/neo4j-<port>.pid``) and waits up to ``wait_seconds``
    for the ``READY`` line and a successful ``verify_connectivity()``.

    Raises :class:`Neo4jLocalError` when java/javac/mvn are missing, the port is taken by something
    else, the build fails, or the server does not become ready in time.
    """
    home = (home or default_home()).expanduser()
    current = status(port, home)
    if current.running:
        return current
    if current.pid is None and _port_open(port):
        raise Neo4jLocalError(
            f"port {port} is in use by a program that is not a usable Neo4j without auth "
            f"({_bolt_check(port)}); stop it or pick another port"
        )
    java = _require_tools(*_tools_needed(home))["java"]
    build(home)

    with _locked(home / f"neo4j-{port}.lock"):
        current = status(port, home)  # another process may have started it while we waited
        if current.running:
            return current
        if current.pid is not None:
            _progress(f"launcher pid {current.pid} does not answer; restarting it")
            stop(port, home)

        data, log, pid_file = home / f"data-{port}", _log_path(home, port), _pid_path(home, port)
        if not keep_data:
            shutil.rmtree(data, ignore_errors=True)
        if not keep_data and data.exists():
            raise Neo4jLocalError(f"cannot wipe the old data folder {data}")
        cmd = [
            java,
            JAVA_HEAP,
            "-cp",
            f"{home / 'classes'}{os.pathsep}{home / 'lib' / '*'}",
            "Launcher",
            "--port",
            str(port),
            "--data",
            str(data),
        ]
        _progress(f"starting Neo4j {NEO4J_VERSION} on {_uri(port)} (log: {log})")
        t0 = time.monotonic()
        pid = _spawn_detached(cmd, log, home)
        pid_file.write_text(f"{pid}\n")

        ready_line = f"READY {_uri(port)}"
        deadline = t0 + wait_seconds
        problem = "no READY line yet"
        while time.monotonic() < deadline:
            if not _pid_alive(pid, port):
                pid_file.unlink(missing_ok=True)
                raise Neo4jLocalError(
                    f"Neo4j launcher exited before it was ready:\n{_tail(log)}\n"
                    f"(log: {log}; Neo4j debug log: {data / 'logs' / 'debug.log'})"
                )
            if ready_line in log.read_text(errors="replace"):
                problem = _bolt_check(port) or ""
                if not problem:
                    elapsed = time.monotonic() - t0
                    _progress(f"Neo4j ready on {_uri(port)} in {elapsed:.1f} s (pid {pid})")
                    return ServerStatus(True, pid, _uri(port), log, f"started in {elapsed:.1f} s")
            time.sleep(0.2)

        stop(port, home)
        raise Neo4jLocalError(
            f"Neo4j did not become ready on {_uri(port)} within {wait_seconds:.0f} s ({problem}); "
            f"stopped it. Last log lines:\n{_tail(log)}\n(log: {log})"
        )


def stop(port: int = DEFAULT_PORT, home: Path | None = None) -> bool:
    """Stop the launcher started by :func:`start` on ``port``: SIGTERM to its process group (clean
    DBMS shutdown), SIGKILL after 30 s. Removes the pid file. Returns True if a process was stopped,
    False if none was running (a server not started by tierwatch is left alone)."""
    home = (home or default_home()).expanduser()
    pid_file = _pid_path(home, port)
    pid = _read_pid(home, port)
    if pid is None or not _pid_alive(pid, port):
        pid_file.unlink(missing_ok=True)
        return False

    def signal_group(sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, sig)  # pid == pgid: started with start_new_session=True

    def wait_gone(seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if not _pid_alive(pid, port):
                return True
            time.sleep(0.1)
        return not _pid_alive(pid, port)

    signal_group(signal.SIGTERM)
    if not wait_gone(STOP_TIMEOUT_SECONDS):
        _progress(f"pid {pid} ignored SIGTERM for {STOP_TIMEOUT_SECONDS:.0f} s; sending SIGKILL")
        signal_group(signal.SIGKILL)
        if not wait_gone(10.0):
            raise Neo4jLocalError(f"could not stop Neo4j launcher pid {pid} (port {port})")
    pid_file.unlink(missing_ok=True)
    return True


def crash(port: int = DEFAULT_PORT, home: Path | None = None) -> bool:
    """SIGKILL the launcher's process group at once, as a power loss would stop it (crash tests:
    bench/kill_neo4j_ingest.py); ``start(keep_data=True)`` brings the database back. Returns False
    if no launcher of ours was running."""
    home = (home or default_home()).expanduser()
    pid = _read_pid(home, port)
    if pid is None or not _pid_alive(pid, port):
        return False
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while _pid_alive(pid, port) and time.monotonic() < deadline:
        time.sleep(0.05)
    _pid_path(home, port).unlink(missing_ok=True)
    return True


# --------------------------------------------------------------------------------------------------
# Command line


def main(argv: list[str] | None = None) -> int:
    """``python -m tierwatch.neo4j_local start|stop|status|crash [--port P] [--home DIR] [--keep-data]``."""
    parser = argparse.ArgumentParser(prog="tierwatch-neo4j", description="Local throw-away Neo4j server.")
    parser.add_argument("action", choices=["start", "stop", "status", "crash"])
    parser.add_argument("--keep-data", action="store_true", help="start on the existing data (after crash)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--home", type=Path, default=None)
    parser.add_argument("--wait", type=float, default=120.0, help="seconds to wait for start")
    args = parser.parse_args(argv)
    try:
        if args.action == "start":
            print(start(args.port, args.home, args.wait, keep_data=args.keep_data).message)
        elif args.action == "crash":
            print("killed (SIGKILL)" if crash(args.port, args.home) else "was not running")
        elif args.action == "stop":
            print("stopped" if stop(args.port, args.home) else "was not running")
        else:
            st = status(args.port, args.home)
            print(st.message)
            return 0 if st.running else 1
    except Neo4jLocalError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
