"""API keys: hashed at rest, shown once, constant-time checked, never echoed; roles to viewers."""

from __future__ import annotations

import json

import pytest
from tierwatch.api.auth import AuthError, KeyStore, Role, key_from_headers, viewer_for
from tierwatch.graph.settings import Settings


def test_keys_are_stored_hashed_and_checked(tmp_path) -> None:
    keys = KeyStore(tmp_path / "keys.json")
    analyst = keys.add(Role.ANALYST, note="desk")
    public = keys.add("public")
    text = (tmp_path / "keys.json").read_text()
    assert analyst not in text and analyst.split("_", 2)[2] not in text
    assert (tmp_path / "keys.json").stat().st_mode & 0o077 == 0
    entry = json.loads(text)["keys"][0]
    assert set(entry) == {"id", "role", "salt", "hash", "created", "note"}
    assert keys.role_for(analyst) is Role.ANALYST
    assert keys.role_for(analyst) is Role.ANALYST  # the remembered path
    assert keys.role_for(public) is Role.PUBLIC
    # another process (a fresh KeyStore) reads the same file
    assert KeyStore(tmp_path / "keys.json").role_for(analyst) is Role.ANALYST


@pytest.mark.parametrize("bad", ["", "nonsense", "tw_", "tw_000000000000_x", "tw_\udcff_x"])
def test_bad_keys_fail_without_echo(tmp_path, bad: str) -> None:
    keys = KeyStore(tmp_path / "keys.json")
    good = keys.add(Role.ANALYST)
    for candidate in (bad, good[:-1] + ("A" if good[-1] != "A" else "B")):
        with pytest.raises(AuthError) as info:
            keys.role_for(candidate)
        assert candidate not in str(info.value) or candidate == ""


def test_revoked_key_stops_working(tmp_path) -> None:
    keys = KeyStore(tmp_path / "keys.json")
    key = keys.add(Role.ANALYST)
    assert keys.role_for(key) is Role.ANALYST
    (entry,) = keys.list()
    assert keys.revoke(entry.id)
    with pytest.raises(AuthError):
        keys.role_for(key)


def test_headers() -> None:
    assert key_from_headers("k1", None) == "k1"
    assert key_from_headers(None, "Bearer k2") == "k2"
    assert key_from_headers(None, None) is None
    with pytest.raises(AuthError):
        key_from_headers(None, "Basic abc")


def test_roles_to_viewers(tmp_path) -> None:
    closed = Settings(store_dir=tmp_path)
    opened = Settings(store_dir=tmp_path, open_licence_restricted_to_public=True)
    assert viewer_for(Role.ANALYST, closed).sees_restricted_access
    assert viewer_for(Role.ANALYST, closed).sees_restricted_licence
    assert not viewer_for(Role.PUBLIC, closed).sees_restricted_licence
    assert viewer_for(Role.PUBLIC, opened).sees_restricted_licence
    assert not viewer_for(Role.PUBLIC, opened).sees_restricted_access
