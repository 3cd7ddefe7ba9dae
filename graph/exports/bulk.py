"""The whole graph as neo4j-admin import CSVs: one bulk load moves a large graph into a Neo4j server.

``write_bulk(nodes, edges, directory)`` writes ``nodes_<Label>.csv`` and ``rels_<TYPE>.csv`` with
typed headers (``id:ID(Entity)``, ``:LABEL``, ``name``, ``value_amount:double``,
``aliases:string[]`` ...), plus ``import.sh`` holding the exact command::

    neo4j-admin database import full --nodes=... --relationships=... \\
        --array-delimiter=U+001F --multiline-fields=true --overwrite-destination neo4j

Each node gets the labels ``Entity`` and its type; each relationship its type. Properties are the
stored element (``id``, ``type``, ``src``/``dst`` and provenance included), so the loaded server
holds what the Neo4j store would hold after the same ingests. Arrays are split on U+001F (unit
separator), which no stored text holds. Callers pass elements already filtered for the viewer.
"""

from __future__ import annotations

import csv
import shlex
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tierwatch.graph.exports import Stored
from tierwatch.graph.schema import ENTITY_LABEL, allowed_label, allowed_rel

ARRAY_DELIMITER = "\x1f"


def _kind(values: list[Any]) -> str:
    scalars = [x for v in values for x in (v if isinstance(v, list) else [v])]
    kinds = {type(v) for v in scalars}
    if kinds == {bool}:
        base = "boolean"
    elif kinds and kinds <= {int}:
        base = "long"
    elif kinds and kinds <= {int, float}:
        base = "double"
    else:
        base = "string"
    is_array = any(isinstance(v, list) for v in values)
    return base + ("[]" if is_array else "")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):  # the delimiter inside an element would split it: it becomes a space
        return ARRAY_DELIMITER.join(_cell(v).replace(ARRAY_DELIMITER, " ") for v in value)
    return str(value)


def _header(key: str, kind: str) -> str:
    return key if kind == "string" else f"{key}:{kind}"


def _write_table(
    path: Path, head: list[str], fixed: list[str], keys: list[str], rows: Iterable[tuple[list[str], Stored]]
) -> int:
    n = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(head)
        for lead, element in rows:
            writer.writerow([*lead, *(_cell(element.get(k)) for k in keys)])
            n += 1
    return n


def write_bulk(
    nodes: Iterable[Stored], edges: Iterable[Stored], directory: Path, database: str = "neo4j"
) -> dict[str, int]:
    """Write the import files into ``directory``; returns rows per file."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    by_label: dict[str, list[Stored]] = defaultdict(list)
    for node in nodes:
        by_label[allowed_label(node["type"])].append(node)
    ids = {n["id"] for group in by_label.values() for n in group}
    by_rel: dict[str, list[Stored]] = defaultdict(list)
    for edge in edges:
        if edge["src"] in ids and edge["dst"] in ids:
            by_rel[allowed_rel(edge["type"])].append(edge)
    written: dict[str, int] = {}
    node_files, rel_files = [], []
    for label in sorted(by_label):
        group = sorted(by_label[label], key=lambda n: n["id"])
        keys = sorted({k for n in group for k in n} - {"id"})
        head = [f"id:ID({ENTITY_LABEL})", ":LABEL"] + [
            _header(k, _kind([n[k] for n in group if k in n])) for k in keys
        ]
        name = f"nodes_{label}.csv"
        written[name] = _write_table(
            directory / name,
            head,
            [],
            keys,
            (([n["id"], f"{ENTITY_LABEL}{ARRAY_DELIMITER}{label}"], n) for n in group),
        )
        node_files.append(name)
    for rel in sorted(by_rel):
        group = sorted(by_rel[rel], key=lambda e: e["id"])
        keys = sorted({k for e in group for k in e})
        head = [f":START_ID({ENTITY_LABEL})", f":END_ID({ENTITY_LABEL})", ":TYPE"] + [
            _header(k, _kind([e[k] for e in group if k in e])) for k in keys
        ]
        name = f"rels_{rel}.csv"
        written[name] = _write_table(
            directory / name, head, [], keys, (([e["src"], e["dst"], rel], e) for e in group)
        )
        rel_files.append(name)
    args = ["neo4j-admin database import full", *import_options(node_files, rel_files, database)]
    script = [
        "#!/bin/sh",
        "# Bulk-load this tierwatch export into a stopped Neo4j 5 server, then start it;",
        "# `tierwatch` creates its constraints when it first connects.",
        'cd "$(dirname "$0")"',
        " \\\n  ".join(args[:1] + [shlex.quote(a) for a in args[1:]]),
        "",
    ]
    (directory / "import.sh").write_text("\n".join(script), encoding="utf-8")
    (directory / "import.sh").chmod(0o755)
    return written


def import_options(node_files: list[str], rel_files: list[str], database: str = "neo4j") -> list[str]:
    """The options of ``neo4j-admin database import full`` for these files (import.sh and
    ``tierwatch neo4j import`` run the same command)."""
    options = [f"--nodes={f}" for f in node_files] + [f"--relationships={f}" for f in rel_files]
    return [
        *options,
        "--array-delimiter=U+001F",
        "--multiline-fields=true",
        "--id-type=string",
        "--overwrite-destination",
        database,
    ]


def read_bulk(directory: Path) -> tuple[list[Stored], list[Stored]]:
    """Read the files back with neo4j-admin's header rules (for tests and checks)."""
    nodes: list[Stored] = []
    edges: list[Stored] = []
    for path in sorted(Path(directory).glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        head, body = rows[0], rows[1:]
        for row in body:
            element: Stored = {}
            for col, cell in zip(head, row, strict=True):
                name, _, kind = col.partition(":")
                if name == "" or cell == "":
                    continue
                if kind.startswith("ID("):
                    element["id"] = cell
                    continue
                if kind.startswith(("START_ID", "END_ID")):
                    continue
                element[name] = _parse(cell, kind)
            (nodes if path.name.startswith("nodes_") else edges).append(element)
    return nodes, edges


def _parse(cell: str, kind: str) -> Any:
    if kind.endswith("[]"):
        return [_parse(part, kind[:-2]) for part in cell.split(ARRAY_DELIMITER)]
    if kind == "long":
        return int(cell)
    if kind == "double":
        return float(cell)
    if kind == "boolean":
        return cell == "true"
    return cell
