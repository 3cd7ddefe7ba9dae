"""``tierwatch neo4j import DIR``: a bulk first load of the local Neo4j from the neo4j-admin CSVs that
``tierwatch export --all --format neo4j-admin`` writes.

The import tool (``neo4j-admin database import full``) ships in the jars the local launcher already
built (tierwatch/neo4j_local.py, ``neo4j-import-tool``); it writes the store files directly, so the
server is stopped for the import and started again on the imported data. The database must be empty
(``replace=True`` overwrites it). Constraints are created when the store is first opened afterwards.
With Docker, run the export's ``import.sh`` inside the Neo4j container instead.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tierwatch import neo4j_local
from tierwatch.graph.exports.bulk import import_options
from tierwatch.neo4j_local import Neo4jLocalError


@dataclass
class ImportResult:
    nodes: int
    relationships: int
    import_s: float
    log: Path

    @property
    def records_per_s(self) -> float:
        return (self.nodes + self.relationships) / self.import_s if self.import_s > 0 else 0.0


def _files(directory: Path) -> tuple[list[str], list[str]]:
    nodes = sorted(str(p) for p in directory.glob("nodes_*.csv"))
    rels = sorted(str(p) for p in directory.glob("rels_*.csv"))
    if not nodes:
        raise Neo4jLocalError(
            f"{directory}: no nodes_*.csv files; write them with "
            "`tierwatch export --all --format neo4j-admin -o DIR`"
        )
    return nodes, rels


def _imported(log_text: str, what: str) -> int:
    found = re.findall(rf"^\s*(\d+) {what}\s*$", log_text, flags=re.MULTILINE)
    return int(found[-1]) if found else 0


def bulk_import(directory: Path, port: int, home: Path | None = None) -> ImportResult:
    """Stop the local Neo4j on ``port``, import ``directory`` into its database (overwriting it),
    start it again on the imported data. The caller checks that the database may be overwritten."""
    home = (home or neo4j_local.default_home()).expanduser()
    directory = Path(directory).resolve()
    nodes, rels = _files(directory)
    java = neo4j_local._require_tools("java")["java"]
    neo4j_local.build(home)
    neo4j_local.stop(port, home)
    log = home / f"import-{port}.log"
    log.write_text("")
    cmd = [
        java,
        neo4j_local.JAVA_HEAP,
        "-cp",
        f"{home / 'classes'}{os.pathsep}{home / 'lib' / '*'}",
        "org.neo4j.cli.AdminTool",
        "database",
        "import",
        "full",
        *import_options(nodes, rels),
    ]
    env = {**os.environ, "NEO4J_HOME": str(home / f"data-{port}")}
    t0 = time.perf_counter()
    with log.open("ab") as out:
        done = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    import_s = time.perf_counter() - t0
    text = log.read_text(errors="replace")
    if done.returncode != 0:
        raise Neo4jLocalError(
            f"neo4j-admin database import failed (exit {done.returncode}):\n{neo4j_local._tail(log)}\n"
            f"(full output: {log}); the server was left stopped"
        )
    neo4j_local.start(port, home, wait_seconds=600, keep_data=True)
    return ImportResult(_imported(text, "nodes"), _imported(text, "relationships"), import_s, log)
