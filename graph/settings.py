"""Settings in one place, read once from TIERWATCH_* environment variables and injected where needed."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[1]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TIERWATCH_", extra="ignore")

    store: Literal["networkx", "neo4j"] = "networkx"
    store_dir: Path = Field(default_factory=lambda: Path.cwd() / ".tierwatch" / "store")
    real_data_dir: Path | None = None
    neo4j_uri: str = "bolt://127.0.0.1:7687"
    neo4j_user: str = "neo4j"
    neo4j_password: str = "tierwatch"
    neo4j_database: str = "neo4j"
    neo4j_batch_size: int = 10_000
    aliases_file: Path = REPO_ROOT / "data" / "aliases.toml"
    manifest_file: Path = REPO_ROOT / "data" / "manifest.toml"
    data_dir: Path = REPO_ROOT / "data"

    @property
    def quarantine_dir(self) -> Path:
        return self.store_dir / "quarantine"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
