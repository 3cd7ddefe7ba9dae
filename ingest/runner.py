"""Runs one ingest: recognise files, map rows, then write everything or nothing.

Mapping happens entirely before the store is touched, so a bad file fails without side effects.
The write happens under the store's write lock as one writer run (``GraphWriter.run``): if it
fails part-way (Neo4j commits batch by batch), the writer's journal undoes it; if the process dies,
the journal the run keeps in the database does (graph/run_journal.py). Re-running the same files
changes nothing; a new version of a dataset retires (end-dates) the facts it no longer holds.
"""

from __future__ import annotations

import csv
import hashlib
import importlib
import importlib.util
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from tierwatch.graph.errors import IngestError, InputFileError, SchemaError, TierwatchError
from tierwatch.graph.records import NodeRecord, Provenance
from tierwatch.graph.schema import LicenceClass, Method, Source
from tierwatch.graph.settings import Settings
from tierwatch.graph.store import GraphStore
from tierwatch.graph.writer import GraphWriter
from tierwatch.ingest.framework import DatasetInfo, IngestContext, IngestReport, Pipeline, SourceSpec
from tierwatch.ingest.readers import decode_file, detect_encoding, needs_transcoding, sha256_file
from tierwatch.ingest.reference import Reference
from tierwatch.ingest.resolve import Aliases, Resolver
from tierwatch.ingest.site_operators import link_sites

#: SOURCE name -> module holding ``PIPELINE`` (a Pipeline subclass) beside its source.toml.
SOURCES: dict[str, str] = {
    "ocds": "tierwatch.ingest.ocds.pipeline",
    "ted": "tierwatch.ingest.ted.pipeline",
    "rmi-smelters": "tierwatch.ingest.rmi_smelters.pipeline",
    "cmrt": "tierwatch.ingest.cmrt.pipeline",
    "icmm-mines": "tierwatch.ingest.icmm_mines.pipeline",
    "apple-suppliers": "tierwatch.ingest.apple_suppliers.pipeline",
    "ilab-goods": "tierwatch.ingest.ilab_goods.pipeline",
    "canada-spend": "tierwatch.ingest.canada_spend.pipeline",
    "sec-smelters": "tierwatch.ingest.sec_smelters.pipeline",
    "cobalt-links": "tierwatch.ingest.cobalt_links.pipeline",
    "na-battery": "tierwatch.ingest.na_battery.pipeline",
    "disclosures": "tierwatch.ingest.templates.disclosures",
    "links": "tierwatch.ingest.templates.links",
    "findings": "tierwatch.ingest.templates.findings",
    "remedy": "tierwatch.ingest.templates.remedy",
    "ipis-mines": "tierwatch.ingest.ipis_mines.pipeline",
    "cahra": "tierwatch.ingest.cahra.pipeline",
    "wgi": "tierwatch.ingest.wgi.pipeline",
    "ituc": "tierwatch.ingest.ituc.pipeline",
    "uflpa": "tierwatch.ingest.us_lists.uflpa",
    "cbp-wro": "tierwatch.ingest.us_lists.cbp_wro",
    "bis-entities": "tierwatch.ingest.us_lists.bis_entities",
    "trade-flows": "tierwatch.ingest.trade_flows.pipeline",
    "os-facilities": "tierwatch.ingest.os_facilities.pipeline",
}

Progress = Callable[[str, int, int], None]


def available_sources() -> list[str]:
    out = []
    for name, module in SOURCES.items():
        try:
            importlib.util.find_spec(module)
        except ModuleNotFoundError:
            continue
        if importlib.util.find_spec(module) is not None:
            out.append(name)
    return out


def load_pipeline(source: str) -> Pipeline:
    module_name = SOURCES.get(source)
    if module_name is None:
        raise IngestError(f"unknown source {source!r}; known: {', '.join(sorted(SOURCES))}")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError:
        raise IngestError(f"source {source!r} is not implemented in this version") from None
    cls = module.PIPELINE
    spec_path = Path(str(module.__file__)).parent / getattr(module, "SPEC_FILE", cls.spec_file)
    return cls(SourceSpec.load(spec_path))


def recognise_files(
    pipeline: Pipeline, paths: list[Path], originals: list[Path] | None = None
) -> list[tuple[Path, str]]:
    files = []
    for path, original in zip(paths, originals or paths, strict=True):
        if not path.exists():
            raise InputFileError(str(original), "no such file")
        if path.is_dir():
            raise InputFileError(str(original), "is a folder; name the files")
        role = pipeline.recognise(path)
        if role is None:
            raise InputFileError(
                str(original),
                f"does not fit source '{pipeline.spec.source}': expected {pipeline.expected_roles()}",
            )
        files.append((path, role))
    return files


def run_ingest(
    source: str,
    paths: list[Path],
    store: GraphStore,
    settings: Settings,
    *,
    dataset: str | None = None,
    publisher: str | None = None,
    licence: str | None = None,
    licence_class: str | None = None,
    origin: str | None = None,
    progress: Progress | None = None,
    encoding: str | None = None,
    declarant: str | None = None,
) -> IngestReport:
    """Ingest ``paths`` as ``source`` into ``store``; all or nothing.

    ``encoding``: the text files' encoding, when detection (UTF-8/UTF-16 BOM, UTF-16 zero bytes,
    UTF-8, Windows-1252, Latin-1) should not decide. ``declarant``: the declaring company of a
    declaration whose header names none (else a placeholder named after the file is used).
    """
    with tempfile.TemporaryDirectory(prefix="tierwatch-ingest-") as tmp:
        originals = [Path(p) for p in paths]
        inputs = _utf8_copies(originals, Path(tmp), encoding)
        return _run(
            source,
            inputs,
            originals,
            store,
            settings,
            dataset=dataset,
            publisher=publisher,
            licence=licence,
            licence_class=licence_class,
            origin=origin,
            progress=progress,
            options={"encoding": encoding, "declarant": declarant},
        )


def _utf8_copies(paths: list[Path], tmp: Path, encoding: str | None) -> list[Path]:
    """Each text file not in UTF-8 (or given an --encoding) decoded once into a UTF-8 copy, so every
    pipeline reads UTF-8; workbooks, XML and UTF-8 files are used as they are."""
    out = []
    for i, path in enumerate(paths):
        if path.is_file() and needs_transcoding(path, encoding):
            text, _ = decode_file(path, encoding)
            copy = tmp / str(i) / path.name
            copy.parent.mkdir()
            copy.write_text(text.lstrip("\ufeff"), encoding="utf-8")
            out.append(copy)
        else:
            out.append(path)
    return out


def _run(
    source: str,
    paths: list[Path],
    originals: list[Path],
    store: GraphStore,
    settings: Settings,
    *,
    dataset: str | None,
    publisher: str | None,
    licence: str | None,
    licence_class: str | None,
    origin: str | None,
    progress: Progress | None,
    options: dict[str, str | None],
) -> IngestReport:
    pipeline = load_pipeline(source)
    spec = pipeline.spec
    files = recognise_files(pipeline, paths, originals)
    original_of = dict(zip(paths, originals, strict=True))
    hashes = [sha256_file(original_of[p]) for p, _ in files]  # the bytes as given, not the UTF-8 copy
    shown = file_names(originals)
    names = {p: shown[original_of[p]] for p, _ in files}
    version = hashlib.sha256("".join(sorted(hashes)).encode()).hexdigest()[:16]
    info = DatasetInfo(
        dataset=dataset or spec.dataset,
        publisher=publisher or spec.publisher,
        licence=licence or spec.licence,
        licence_class=LicenceClass(licence_class or spec.licence_class).value,
        origin=origin or spec.origin,
        version=version,
        files=tuple(names[p] for p, _ in files),
        file_hashes=tuple(hashes),
    )
    aliases = Aliases.load(settings.aliases_file)
    ctx = IngestContext(spec, info, None, None)
    ctx.file_names = names
    ctx.options = {k: v for k, v in options.items() if v}
    for p, _ in files:
        if p != original_of[p]:
            enc = detect_encoding(original_of[p], options.get("encoding"))
            ctx.notes.append(f"{names[p]}: read as {enc} (converted to UTF-8 for reading)")
    ctx.ref = Reference(ctx.add_node_record)
    ctx.resolver = Resolver(store, aliases, ctx.add_node_record, _edge_adder(ctx))
    try:
        pipeline.run(ctx, files)
    except TierwatchError:
        raise
    except Exception as exc:  # a pipeline bug or a file quirk nobody foresaw: one line, file named
        raise IngestError(f"{source}: {ctx.file or 'input'}: {type(exc).__name__}: {exc}") from exc
    _add_candidates(ctx, store)
    link_sites(ctx, store)

    writer = GraphWriter(store, batch_size=settings.neo4j_batch_size, progress=progress)
    today = datetime.now(UTC).date().isoformat()
    try:
        with store.write_lock(), writer.run(info.dataset):
            writer.write_nodes(sorted(ctx.nodes.values(), key=lambda r: r.id))
            writer.write_edges(sorted(ctx.edges.values(), key=lambda r: r.id))
            writer.retire_missing(info.dataset, info.version, today)
            writer.write_nodes([_source_record(store, ctx, info, spec)])
    except Exception as exc:
        if writer.undo_pending:
            raise IngestError(
                f"{source}: the run failed ({type(exc).__name__}: {exc}) and its undo could not finish "
                f"({writer.undo_pending}); the next write, `tierwatch neo4j recover` or the next start of "
                "the API undoes it from the journal kept in the database"
            ) from None
        if isinstance(exc, SchemaError):
            raise IngestError(f"{source}: nothing was written: {exc}") from None
        if isinstance(exc, TierwatchError):
            raise
        raise IngestError(f"{source}: nothing was written: {type(exc).__name__}: {exc}") from exc

    report_path = write_quarantine(settings, info.dataset, ctx)
    s = writer.stats
    return IngestReport(
        source=source,
        dataset=info.dataset,
        version=version,
        files=list(info.files),
        counts=ctx.counts,
        nodes=len(ctx.nodes),
        edges=len(ctx.edges),
        nodes_created=s.nodes_created,
        nodes_updated=s.nodes_updated,
        nodes_unchanged=s.nodes_unchanged,
        edges_created=s.edges_created,
        edges_updated=s.edges_updated,
        edges_unchanged=s.edges_unchanged,
        retired=s.retired,
        quarantined=len(ctx.quarantine),
        unmapped=ctx.unmapped_columns(),
        quarantine_report=report_path,
        skip_reasons=ctx.skip_reasons,
        notes=ctx.notes,
        expected=spec.expected,
        warnings=list(ctx.warnings),
    )


def file_names(paths: list[Path]) -> dict[Path, str]:
    """Each file's name for counts and provenance; with its folder when two files share a name."""
    counts: dict[str, int] = {}
    for p in paths:
        counts[p.name] = counts.get(p.name, 0) + 1
    return {p: f"{p.parent.name}/{p.name}" if counts[p.name] > 1 else p.name for p in paths}


def _edge_adder(ctx: IngestContext):
    def add(rec):
        from tierwatch.graph.records import combine_edges

        old = ctx.edges.get(rec.id)
        ctx.edges[rec.id] = combine_edges(old, rec) if old else rec

    return add


def _add_candidates(ctx: IngestContext, store: GraphStore) -> None:
    known = {n["id"]: n.get("name", "") for n in store.iter_nodes(types=("Company", "Brand"))}
    known.update(
        {r.id: r.props.get("name", "") for r in ctx.nodes.values() if r.type in ("Company", "Brand")}
    )
    for model, score in ctx.resolver.candidates(known):
        if model.src in known and model.dst in known:
            ctx.edge(
                model, at=f"candidate {model.src} ~ {model.dst}", confidence=score, method=Method.NAME_MATCH
            )


def _source_record(store: GraphStore, ctx: IngestContext, info: DatasetInfo, spec: SourceSpec) -> NodeRecord:
    nid = f"source:{info.dataset}"
    old = store.get_nodes([nid]).get(nid)
    ingested_at = old.get("ingested_at") if old and old.get("sha256") == info.version else None
    counts = ctx.counts.values()
    unmapped = sorted({f"{f}:{c}" for f, cols in ctx.unmapped_columns().items() for c in cols})
    model = Source(
        id=nid,
        name=spec.title,
        dataset=info.dataset,
        source=spec.source,
        publisher=info.publisher,
        licence=info.licence,
        licence_class=LicenceClass(info.licence_class),
        files=sorted(info.files),
        sha256=info.version,
        origin=info.origin,
        ingested_at=ingested_at or datetime.now(UTC).isoformat(timespec="seconds"),
        rows_read=sum(c.read for c in counts),
        rows_written=sum(c.written for c in counts),
        rows_quarantined=sum(c.quarantined for c in counts),
        rows_duplicate=sum(c.duplicate for c in counts),
        rows_skipped=sum(c.skipped for c in counts),
        unmapped_columns=unmapped,
        warnings=list(ctx.warnings),
        note="file sha256: "
        + ", ".join(sorted(f"{n}={h}" for n, h in zip(info.files, info.file_hashes, strict=True))),
    )
    prov = Provenance(
        info.dataset,
        info.version,
        ",".join(info.files),
        "file",
        1.0,
        Method.DECLARED.value,
        info.licence_class,
    )
    return NodeRecord.of(model, prov)


def write_quarantine(settings: Settings, dataset: str, ctx: IngestContext) -> str | None:
    path = settings.quarantine_dir / f"{dataset}.csv"
    if not ctx.quarantine:
        if path.exists():
            path.unlink()
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["file", "row", "reason", "field", "value"])
        for q in ctx.quarantine:
            out.writerow([q.file, q.locator, q.reason, q.field or "", q.value or ""])
    return str(path)
