"""Repository hygiene that users rely on: no restricted bytes committed, open bundle intact."""

from __future__ import annotations

import hashlib
import subprocess
import tomllib
from pathlib import Path

import yaml
from tierwatch.graph.settings import REPO_ROOT


def _tracked_files() -> list[Path]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, check=True)
    return [REPO_ROOT / p for p in out.stdout.decode().split("\0") if p]


def test_no_restricted_file_is_in_the_repository(real_data: Path):
    restricted = {}
    for line in (real_data / "RESTRICTED.sha256").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            digest, name = line.split(maxsplit=1)
            restricted[digest] = name
    assert len(restricted) >= 20
    committed = {hashlib.sha256(p.read_bytes()).hexdigest(): p for p in _tracked_files() if p.is_file()}
    leaked = {restricted[d]: str(committed[d]) for d in restricted.keys() & committed.keys()}
    assert not leaked, f"restricted files committed: {leaked}"


def test_open_bundle_matches_the_manifest():
    manifest = tomllib.loads((REPO_ROOT / "data" / "manifest.toml").read_text())
    open_sets = [d for d in manifest["dataset"] if d["licence_class"] == "open"]
    assert len(open_sets) >= 10
    for entry in open_sets:
        assert entry["publisher"] and entry["licence"] and entry["origin"]
        for f in entry["file"]:
            path = REPO_ROOT / "data" / "open" / f["path"]
            assert hashlib.sha256(path.read_bytes()).hexdigest() == f["sha256"], path
    committed_open = {p for p in _tracked_files() if "data/open/" in str(p)}
    listed = {REPO_ROOT / "data" / "open" / f["path"] for d in open_sets for f in d["file"]}
    assert committed_open == listed


def test_docker_compose_runs_neo4j_526():
    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    neo4j = compose["services"]["neo4j"]
    assert neo4j["image"].startswith("neo4j:5.26")
    assert "7687:7687" in neo4j["ports"]
