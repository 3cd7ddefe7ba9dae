"""The demo bundle: data/manifest.toml lists every dataset, its files, origin, licence and sha256.

Open files are read from data/open (committed); restricted files from the real-data directory
(TIERWATCH_REAL_DATA_DIR), and only when it is configured. A file whose sha256 differs from the
manifest is refused, so the demo graph is always built from the bytes the manifest describes.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tierwatch.graph.errors import ConfigError, InputFileError
from tierwatch.graph.settings import Settings
from tierwatch.ingest.readers import sha256_file


@dataclass(frozen=True)
class ManifestDataset:
    dataset: str
    source: str
    licence_class: str
    publisher: str
    licence: str
    origin: str
    files: tuple[tuple[str, str], ...]  # (relative path, sha256)
    demo: bool = True  # False: not loaded by the demo (tests-only examples; files the explorer reads itself)


def load_manifest(path: Path) -> list[ManifestDataset]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read the data manifest {path}: {exc}") from None
    out = []
    for entry in data.get("dataset", []):
        out.append(
            ManifestDataset(
                dataset=entry["dataset"],
                source=entry["source"],
                licence_class=entry["licence_class"],
                publisher=entry.get("publisher", ""),
                licence=entry.get("licence", ""),
                origin=entry.get("origin", ""),
                files=tuple((f["path"], f["sha256"]) for f in entry["file"]),
                demo=bool(entry.get("demo", True)),
            )
        )
    return out


def resolve_files(entry: ManifestDataset, settings: Settings) -> list[Path] | None:
    """The dataset's files on disk, checked against the manifest; None if not available here."""
    if entry.licence_class == "open":
        base = settings.data_dir / "open"
    elif settings.real_data_dir is not None:
        base = settings.real_data_dir
    else:
        return None
    paths = []
    for rel, digest in entry.files:
        path = base / rel
        if not path.exists():
            if entry.licence_class == "open":
                raise ConfigError(f"demo file missing: {path} (the open bundle should be committed)")
            return None
        actual = sha256_file(path)
        if actual != digest:
            raise InputFileError(
                str(path), f"sha256 {actual[:12]}... differs from the manifest's {digest[:12]}..."
            )
        paths.append(path)
    return paths


def load_demo(
    settings: Settings,
    store: Any,
    *,
    run: Callable,
    on_report: Callable,
    console: Any,
    only: set[str] | None = None,
) -> list[Any]:
    """Ingest every available dataset of the manifest in order; return the reports."""
    from tierwatch.ingest.runner import available_sources

    implemented = set(available_sources())
    reports = []
    for entry in load_manifest(settings.manifest_file):
        if not entry.demo:
            continue
        if only and entry.source not in only and entry.dataset not in only:
            continue
        if entry.source not in implemented:
            console.print(f"[dim]- {entry.dataset}: source '{entry.source}' not implemented yet, skipped[/]")
            continue
        paths = resolve_files(entry, settings)
        if paths is None:
            console.print(
                f"[dim]- {entry.dataset}: restricted, no real-data directory configured "
                "(TIERWATCH_REAL_DATA_DIR), skipped[/]"
            )
            continue
        report = run(
            entry.source,
            paths,
            store,
            dataset=entry.dataset,
            publisher=entry.publisher,
            licence=entry.licence,
            licence_class=entry.licence_class,
            origin=entry.origin,
        )
        on_report(report)
        reports.append(report)
    return reports
