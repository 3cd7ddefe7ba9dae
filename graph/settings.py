"""Settings in one place, read once from TIERWATCH_* environment variables and injected where needed.

Every field is a ``TIERWATCH_<NAME>`` variable (e.g. ``store_dir`` is ``TIERWATCH_STORE_DIR``);
each is documented in README.md "Settings" (tests/api/test_docs.py checks that).
"""

from __future__ import annotations

import os
import sys
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: the checkout's root in an editable install, the installed ``tierwatch`` package in a wheel: data/
#: (manifest, aliases, the open bundle) lies under it in both (setup.py installs it as tierwatch.data)
REPO_ROOT = Path(__file__).resolve().parents[1]
#: older names of the embedded store, still accepted: "networkx" (its backend before the SQLite
#: file; such a store folder is converted on first open) and "sqlite" (what it is now)
EMBEDDED_ALIASES = frozenset({"networkx", "sqlite"})


def store_name(name: str) -> str:
    """A store's canonical name: "embedded" for it and its aliases, anything else unchanged."""
    return "embedded" if name in EMBEDDED_ALIASES else name


def user_data_dir() -> Path:
    """The platform's per-user data directory for tierwatch: ``$XDG_DATA_HOME/tierwatch`` (default
    ``~/.local/share/tierwatch``) on Linux and other Unix, ``~/Library/Application Support/tierwatch``
    on macOS, ``%LOCALAPPDATA%\\tierwatch`` on Windows."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = str(Path.home() / "Library" / "Application Support")
    else:
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "tierwatch"


def default_store_dir() -> Path:
    """One store per user, wherever a command runs (not relative to the working directory)."""
    return user_data_dir() / "store"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TIERWATCH_", extra="ignore")

    store: Literal["embedded", "neo4j", "networkx", "sqlite"] = "embedded"
    store_dir: Path = Field(default_factory=default_store_dir)  # the embedded store, per user
    real_data_dir: Path | None = None
    neo4j_uri: str = "bolt://127.0.0.1:7687"
    neo4j_user: str = "neo4j"
    neo4j_password: str = "tierwatch"
    neo4j_database: str = "neo4j"
    neo4j_batch_size: int = 10_000
    aliases_file: Path = REPO_ROOT / "data" / "aliases.toml"
    manifest_file: Path = REPO_ROOT / "data" / "manifest.toml"
    data_dir: Path = REPO_ROOT / "data"
    # API, explorer and access (issue 6)
    keys_file: Path | None = None  # API keys, hashed; default <store_dir>/keys.json
    open_licence_restricted_to_public: bool = False  # the operator holds redistribution rights
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    explorer_port: int = 8501
    api_max_hops: int = 8  # tiers a traversal may walk
    api_max_page_size: int = 500  # items per page
    api_default_page_size: int = 50
    api_max_paths: int = 20  # k of k shortest paths
    api_export_max_nodes: int = 5_000  # nodes in one export
    api_query_timeout_s: float = 10.0  # Neo4j transaction timeout and the API's wall clock per query
    api_query_threads: int = Field(default=0, ge=0)  # queries at once; 0: by store (api/deps.py)
    # watchlists and alerts (graph/watch/): the outbox is <store_dir>/alerts.jsonl; the webhook optional
    alerts_webhook_url: str | None = None  # alerts are POSTed here as JSON after each ingest, best effort
    alerts_webhook_timeout_s: float = Field(default=5.0, gt=0)
    # matching a buyer's lists (graph/match, docs/MATCH.md)
    match_max_rows: int = Field(default=5_000, ge=1)  # rows matched per file or request; the rest counted
    match_candidates: int = Field(default=3, ge=1, le=20)  # candidates shown per row by default
    match_accept_score: float = Field(default=93.0, ge=0.0, le=100.0)  # a clear match at or above this
    match_margin: float = Field(default=3.0, ge=0.0, le=100.0)  # ... and this far ahead of the next
    match_decisions_file: Path | None = None  # default <store_dir>/match-decisions.csv

    def store_location(self, backend: str | None = None) -> str:
        """Where the store named (default: the configured one) lives: a directory or a Neo4j URI."""
        if (backend or self.store) == "neo4j":
            return f"{self.neo4j_uri} (database {self.neo4j_database})"
        return str(self.store_dir)

    @field_validator("store")
    @classmethod
    def _canonical_store(cls, value: str) -> str:
        return store_name(value)

    @property
    def quarantine_dir(self) -> Path:
        return self.store_dir / "quarantine"

    @property
    def alerts_outbox(self) -> Path:
        """The alerts outbox: one JSON object per line, appended after each ingest that raised alerts."""
        return self.store_dir / "alerts.jsonl"

    @property
    def keys_path(self) -> Path:
        """The API keys file (``TIERWATCH_KEYS_FILE``, else ``<store_dir>/keys.json``)."""
        return self.keys_file or self.store_dir / "keys.json"

    @property
    def match_decisions_path(self) -> Path:
        """Users' match decisions: ``TIERWATCH_MATCH_DECISIONS_FILE``, else
        ``<store_dir>/match-decisions.csv``."""
        return self.match_decisions_file or self.store_dir / "match-decisions.csv"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
