"""Roles and API keys: the keys file (hashed, salted), constant-time checks, the role of a request.

Two roles. ``public`` (anonymous, no key) sees neither access-restricted evidence nor facts from
licence-restricted datasets (unless the operator opens the latter with
``TIERWATCH_OPEN_LICENCE_RESTRICTED_TO_PUBLIC``); ``analyst`` sees both.

A key reads ``tw_<key id>_<secret>``. The keys file (``Settings.keys_path``) holds, per key, its
id, role, a random salt and the scrypt hash of the whole key, never the key itself; ``tierwatch keys
add --role R`` prints a new key once. A check looks the entry up by id, hashes the presented key
with the entry's salt and compares with ``hmac.compare_digest``; an unknown id still costs one hash,
so timing says nothing about which ids exist. Keys are never logged; a verified key is remembered
in memory only as an HMAC under a per-process secret, so repeated requests skip the slow hash.

The explorer uses the same functions (``KeyStore(settings.keys_path).role_for(key)``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from tierwatch.graph.errors import ConfigError, TierwatchError
from tierwatch.graph.query.service import Viewer
from tierwatch.graph.settings import Settings

FORMAT = "tierwatch-keys-1"
PREFIX = "tw_"
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


class Role(StrEnum):
    PUBLIC = "public"
    ANALYST = "analyst"


class AuthError(TierwatchError):
    """A presented API key is not valid. The message never repeats the key."""

    http_status = 401


def _hash(key: str, salt: bytes) -> bytes:
    return hashlib.scrypt(key.encode("utf-8", "surrogatepass"), salt=salt, maxmem=64 * 1024 * 1024, **_SCRYPT)


_DUMMY_SALT = b"\x00" * 16


@dataclass(frozen=True)
class KeyEntry:
    id: str
    role: Role
    salt: str
    hash: str
    created: str
    note: str = ""

    def public(self) -> dict[str, str]:
        """What may be shown (no salt, no hash)."""
        return {"id": self.id, "role": self.role.value, "created": self.created, "note": self.note}


class KeyStore:
    """The keys file. Reads are cheap (re-read when the file changes); writes are atomic renames."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._mtime: float | None = None
        self._entries: dict[str, KeyEntry] = {}
        self._pepper = secrets.token_bytes(32)
        self._verified: dict[bytes, tuple[str, Role]] = {}

    # -- file ----------------------------------------------------------------------------------
    def _load(self) -> dict[str, KeyEntry]:
        try:
            mtime = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            self._entries, self._mtime, self._verified = {}, None, {}
            return self._entries
        if mtime == self._mtime:
            return self._entries
        try:
            payload = json.loads(self.path.read_text(encoding="utf-8"))
            if payload.get("format") != FORMAT:
                raise ValueError(f"format is not {FORMAT}")
            entries = {
                e["id"]: KeyEntry(
                    e["id"], Role(e["role"]), e["salt"], e["hash"], e.get("created", ""), e.get("note", "")
                )
                for e in payload["keys"]
            }
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"the keys file {self.path} is unusable: {exc}") from None
        self._entries, self._mtime, self._verified = entries, mtime, {}
        return entries

    def _save(self, entries: dict[str, KeyEntry]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload: dict[str, Any] = {
            "format": FORMAT,
            "keys": [e.__dict__ | {"role": e.role.value} for e in entries.values()],
        }
        tmp = self.path.with_suffix(f".tmp{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(payload, fh, indent=2)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)

    # -- operations ----------------------------------------------------------------------------
    def add(self, role: Role | str, note: str = "") -> str:
        """Create a key for ``role``; returns the key (shown once, stored only hashed)."""
        role = Role(role)
        with self._lock:
            entries = dict(self._load())
            key_id = secrets.token_hex(6)
            while key_id in entries:
                key_id = secrets.token_hex(6)
            key = f"{PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
            salt = secrets.token_bytes(16)
            entries[key_id] = KeyEntry(
                key_id,
                role,
                salt.hex(),
                _hash(key, salt).hex(),
                datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                note,
            )
            self._save(entries)
            self._mtime = None
        return key

    def list(self) -> list[KeyEntry]:
        with self._lock:
            return sorted(self._load().values(), key=lambda e: (e.created, e.id))

    def revoke(self, key_id: str) -> bool:
        with self._lock:
            entries = dict(self._load())
            if entries.pop(key_id, None) is None:
                return False
            self._save(entries)
            self._mtime = None
            return True

    def _tag(self, key: str) -> bytes:
        return hmac.new(self._pepper, key.encode("utf-8", "surrogatepass"), hashlib.sha256).digest()

    def remembered(self, key: str) -> Role | None:
        """The role of a key verified before (and still in the file), else None: no slow hash, so
        the API checks this on its event loop and calls ``role_for`` in a worker thread otherwise."""
        with self._lock:
            entries = self._load()
            hit = self._verified.get(self._tag(key))
            return hit[1] if hit is not None and hit[0] in entries else None

    def role_for(self, key: str) -> Role:
        """The role of a presented key; AuthError (never naming the key) when it is not valid."""
        role = self.remembered(key)
        if role is not None:
            return role
        with self._lock:
            entries = self._load()
        key_id = key[len(PREFIX) :].split("_", 1)[0] if key.startswith(PREFIX) else ""
        entry = entries.get(key_id)
        salt = bytes.fromhex(entry.salt) if entry else _DUMMY_SALT
        digest = _hash(key, salt)
        expected = bytes.fromhex(entry.hash) if entry else b"\x01" * len(digest)
        if not hmac.compare_digest(digest, expected) or entry is None:
            raise AuthError("invalid API key")
        with self._lock:
            if len(self._verified) > 10_000:
                self._verified.clear()
            self._verified[self._tag(key)] = (entry.id, entry.role)
        return entry.role


def key_from_headers(x_api_key: str | None, authorization: str | None) -> str | None:
    """The presented key: ``X-API-Key: <key>`` or ``Authorization: Bearer <key>``."""
    if x_api_key:
        return x_api_key.strip()
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
        raise AuthError("the Authorization header must read 'Bearer <API key>'")
    return None


def viewer_for(role: Role | str, settings: Settings) -> Viewer:
    """The query layer's viewer for a role; ``public`` sees licence-restricted facts only when the
    operator opened them (``TIERWATCH_OPEN_LICENCE_RESTRICTED_TO_PUBLIC=true``)."""
    if Role(role) is Role.ANALYST:
        return Viewer.analyst()
    return Viewer.public(open_licence=settings.open_licence_restricted_to_public)
