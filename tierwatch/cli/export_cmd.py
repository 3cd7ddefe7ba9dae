"""``tierwatch export``: the work behind the command. The question goes through the one export code
path (``graph.exports.answers``) the API and the explorer use, with the same defaults."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from tierwatch.graph import exports
from tierwatch.graph.errors import QueryError
from tierwatch.graph.exports import answers, collect
from tierwatch.graph.query.service import TraversalFilter, check_choice
from tierwatch.graph.settings import get_settings

err = Console(stderr=True)


def output_format(fmt: str | None, output: Path | None) -> str:
    """The format to write: ``--format``, else the one ``-o``'s extension names, else json; a file
    whose extension is not its format's is refused (``-o x.csv --format csv`` would hold a zip)."""
    if output is None:
        return exports.check_format(fmt or "json")
    return exports.format_for_file(output, fmt)


def run(
    entity_id: str | None,
    fmt: str | None,
    output: Path | None,
    tiers: int | None,
    what: str,
    to: str | None,
    k: int,
    max_hops: int,
    filters: TraversalFilter,
    all_: bool,
    store: str | None,
    viewer: Any,
    service_ctx: Any,
) -> None:
    settings = get_settings()
    if all_:
        if fmt != "neo4j-admin" or output is None:
            raise QueryError("--all writes neo4j-admin import CSVs: use --format neo4j-admin -o DIRECTORY")
        return _bulk(store, viewer, output)
    if entity_id is None:
        raise QueryError("give an entity id (or --all)")
    check_choice("--what", (what,), answers.KINDS)
    fmt = output_format(fmt, output)
    if what == "paths":
        if not to:
            raise QueryError("--what paths needs --to OTHER_ID")
        if tiers is not None:
            raise QueryError("--what paths is bounded by --max-hops (default 6), not --tiers")
    elif to:
        raise QueryError("--to is the other end of --what paths")
    with service_ctx(store) as svc:
        if what == "neighbourhood":
            graph = answers.neighbourhood(
                svc,
                entity_id,
                viewer,
                hops=tiers or answers.NEIGHBOURHOOD_HOPS,
                max_elements=settings.api_export_max_nodes,
            )
        elif what == "exposure":
            graph = answers.exposure(
                svc, entity_id, viewer, tiers=tiers or answers.EXPOSURE_TIERS, filters=filters
            )
        else:
            assert to is not None  # checked above
            graph = answers.paths(svc, entity_id, to, viewer, k=k, max_hops=max_hops, filters=filters)
    write_export(graph, fmt, output, viewer.role)


def write_export(graph: Any, fmt: str, output: Path | None, role: str) -> None:
    """An export in ``fmt`` to ``output`` (said on stderr), or to stdout."""
    data = exports.write(graph, fmt)
    if output is None:
        sys.stdout.buffer.write(data)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(data)
    err.print(
        f"wrote {output}: {len(graph.nodes)} nodes, {len(graph.edges)} links ({fmt}, role {role})",
        highlight=False,
    )


def _bulk(store: str | None, viewer: Any, directory: Path) -> None:
    from tierwatch.graph.exports.bulk import write_bulk
    from tierwatch.graph.store import open_store

    graph = open_store(get_settings(), store)
    try:
        sub = collect.visible_subgraph(graph.iter_nodes(), graph.iter_edges(), viewer)
    finally:
        graph.close()
    files = write_bulk(sub.nodes, sub.edges, directory)
    err.print(
        f"wrote {len(files)} files to {directory}: {len(sub.nodes)} nodes, {len(sub.edges)} relationships "
        f"(role {viewer.role}); load with {directory / 'import.sh'}"
    )
