"""Exports of what a viewer may see: a neighbourhood, an exposure result or a path set.

Writers take *visible* elements (stored dicts, already filtered and redacted for the viewer by the
query layer or by ``graph.exports.visibility``) and return bytes; they never read a store and never
import the API, so the API, the explorer and the CLI share them. Provenance travels with every
element: its ``prov`` entries, ``datasets``, ``licence_class``, ``confidence`` and ``methods``.

Formats: ``graphml``, ``gexf``, ``json`` (node-link, networkx-compatible), ``csv`` (a zip of
``nodes.csv`` and ``edges.csv``, safe against spreadsheet formula injection), ``cypher`` (a script
that replays into Neo4j 5: ``cypher-shell -f export.cypher``). The whole graph exports as
neo4j-admin import CSVs (``graph.exports.bulk``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from tierwatch.graph.errors import QueryError

Stored = dict[str, Any]


@dataclass
class Subgraph:
    """Visible nodes and edges plus what the export says about itself (root, role, withheld counts)."""

    nodes: list[Stored]
    edges: list[Stored]
    meta: dict[str, Any] = field(default_factory=dict)

    def sorted(self) -> Subgraph:
        """One deterministic order: nodes by id, edges by id; edges to absent nodes dropped."""
        ids = {n["id"] for n in self.nodes}
        nodes = sorted({n["id"]: n for n in self.nodes}.values(), key=lambda n: n["id"])
        edges = sorted(
            {e["id"]: e for e in self.edges if e["src"] in ids and e["dst"] in ids}.values(),
            key=lambda e: e["id"],
        )
        return Subgraph(nodes, edges, dict(self.meta))


#: format -> (media type, file extension)
FORMATS: dict[str, tuple[str, str]] = {
    "graphml": ("application/graphml+xml", "graphml"),
    "gexf": ("application/gexf+xml", "gexf"),
    "json": ("application/json", "json"),
    "csv": ("application/zip", "csv.zip"),
    "cypher": ("application/x-cypher-query; charset=utf-8", "cypher"),
}


def check_format(fmt: str) -> str:
    from tierwatch.graph.query.service import check_choice

    check_choice("export format", (fmt,), FORMATS)
    return fmt


def format_for_file(path: PurePath, fmt: str | None) -> str:
    """The format to write ``path`` in: ``fmt`` when given (the file's extension must then be that
    format's), else the one its extension names. ``csv`` is a zip: ``.csv.zip`` (or ``.zip``)."""
    name = path.name.lower()
    by_ext = next(
        (
            f
            for f, (_, ext) in sorted(FORMATS.items(), key=lambda i: -len(i[1][1]))
            if name.endswith("." + ext)
        ),
        None,
    )
    if by_ext is None and name.endswith(".zip"):
        by_ext = "csv"
    if fmt is None:
        if by_ext is None:
            raise QueryError(
                f"cannot tell the export format from {path.name!r}: give --format, or an extension "
                f"of {', '.join('.' + ext for _, ext in FORMATS.values())}"
            )
        return by_ext
    check_format(fmt)
    if by_ext != fmt:
        raise QueryError(
            f"{path.name!r} does not end in .{FORMATS[fmt][1]}, the extension of format {fmt!r}: "
            "change the file name or the format"
        )
    return fmt


def write(subgraph: Subgraph, fmt: str) -> bytes:
    """The subgraph in ``fmt`` as bytes (UTF-8 text or a zip)."""
    from tierwatch.graph.exports import formats

    writer = {
        "graphml": formats.graphml,
        "gexf": formats.gexf,
        "json": formats.node_link,
        "csv": formats.csv_zip,
        "cypher": formats.cypher_script,
    }[check_format(fmt)]
    return writer(subgraph.sorted())


def filename(stem: str, fmt: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in stem)[:80] or "export"
    return f"{safe}.{FORMATS[check_format(fmt)][1]}"
