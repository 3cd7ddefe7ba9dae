"""Reference entities every source points at: countries and regions (ISO 3166 via pycountry),
commodities (the vocabulary in vocab/commodities.toml) and RMI origin categories.

Reference nodes carry the provenance of their reference dataset (ISO 3166 as packaged by
pycountry; the tierwatch vocabulary), not of the row that mentioned them: the row's own fact is
the link it makes to them.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from functools import lru_cache
from importlib.metadata import version as package_version
from pathlib import Path

import pycountry
from tierwatch.graph.names import fold
from tierwatch.graph.records import NodeRecord, Provenance
from tierwatch.graph.schema import Commodity, Country, Method, OriginCategory, Region

VOCAB = Path(__file__).parent / "vocab"
ISO_DATASET = "iso-3166"
VOCAB_DATASET = "tierwatch-vocabulary"

#: RMI's "Covered Countries": DR Congo and the nine countries that share a border with it.
COVERED_COUNTRIES = ("CD", "AO", "BI", "CF", "CG", "RW", "SS", "TZ", "UG", "ZM")


@lru_cache(maxsize=1)
def _country_overrides() -> dict[str, str]:
    data = tomllib.loads((VOCAB / "countries.toml").read_text(encoding="utf-8"))
    return {fold(k): v for k, v in data["names"].items()}


@lru_cache(maxsize=1)
def _commodity_vocab() -> tuple[dict[str, dict], dict[str, str]]:
    data = tomllib.loads((VOCAB / "commodities.toml").read_text(encoding="utf-8"))
    names = {}
    for cid, entry in data.items():
        names[fold(cid)] = cid
        for name in entry.get("names", []):
            names[fold(name)] = cid
    return data, names


@lru_cache(maxsize=4096)
def country_code(value: str | None) -> str | None:
    """ISO alpha-2 for a country name or code, or None when it is not a country."""
    if not value or not value.strip():
        return None
    key = fold(value.strip())
    if key in _country_overrides():
        return _country_overrides()[key]
    raw = value.strip()
    if len(raw) in (2, 3) and raw.isalpha():
        found = (
            pycountry.countries.get(alpha_2=raw.upper())
            if len(raw) == 2
            else pycountry.countries.get(alpha_3=raw.upper())
        )
        if found:
            return str(found.alpha_2)
    for attr in ("name", "official_name", "common_name"):
        for c in pycountry.countries:
            if fold(getattr(c, attr, "") or "") == key:
                return str(c.alpha_2)
    return None


def commodity_id(value: str | None) -> str | None:
    """The vocabulary id (``commodity:tantalum``) for a commodity name in any source language."""
    if not value or not value.strip():
        return None
    _, names = _commodity_vocab()
    cid = names.get(fold(value.strip()))
    return f"commodity:{cid}" if cid else None


def commodity_parents(cid: str) -> list[str]:
    data, _ = _commodity_vocab()
    entry = data.get(cid.removeprefix("commodity:"), {})
    return [f"commodity:{p}" for p in entry.get("parents", [])]


class Reference:
    """Emits reference nodes into a run and answers lookups."""

    def __init__(self, add_node: Callable[[NodeRecord], object]) -> None:
        self._add = add_node  # IngestContext.add_node_record
        self._iso_version = f"pycountry-{package_version('pycountry')}"
        vocab_bytes = (VOCAB / "commodities.toml").read_bytes()
        import hashlib

        self._vocab_version = hashlib.sha256(vocab_bytes).hexdigest()[:16]
        self._done: set[str] = set()

    def _prov(self, dataset: str, version: str, locator: str) -> Provenance:
        return Provenance(
            dataset=dataset,
            version=version,
            file=dataset,
            locator=locator,
            confidence=1.0,
            method=Method.DECLARED.value,
        )

    def country(self, value: str | None) -> str | None:
        """Country node id for a name or code (the node is added to the run), or None."""
        code = country_code(value)
        if code is None:
            return None
        nid = f"country:{code}"
        if nid not in self._done:
            found = pycountry.countries.get(alpha_2=code)
            if found is None:  # user-assigned codes such as XK (Kosovo)
                model = Country(id=nid, name=value, iso2=code)
            else:
                model = Country(
                    id=nid,
                    name=getattr(found, "common_name", None) or found.name,
                    iso2=code,
                    iso3=found.alpha_3,
                    numeric=found.numeric,
                    aliases=[found.name, getattr(found, "official_name", found.name)],
                )
            self._add(NodeRecord.of(model, self._prov(ISO_DATASET, self._iso_version, f"3166-1/{code}")))
            self._done.add(nid)
        return nid

    def region(self, code: str) -> str | None:
        """Region node id for an ISO 3166-2 code (``CD-SK``), or None if pycountry has no such code."""
        sub = pycountry.subdivisions.get(code=code.upper())
        if sub is None:
            return None
        nid = f"region:{sub.code}"
        if nid not in self._done:
            country = self.country(sub.country_code)
            model = Region(id=nid, name=sub.name, code=sub.code, kind=sub.type, country=sub.country_code)
            self._add(NodeRecord.of(model, self._prov(ISO_DATASET, self._iso_version, f"3166-2/{sub.code}")))
            self._done.add(nid)
            assert country is not None
        return nid

    def commodity(self, value: str | None) -> str | None:
        cid = commodity_id(value)
        if cid is None:
            return None
        if cid not in self._done:
            data, _ = _commodity_vocab()
            key = cid.removeprefix("commodity:")
            entry = data[key]
            parents = commodity_parents(cid)
            for parent in parents:
                self.commodity(parent.removeprefix("commodity:"))
            model = Commodity(
                id=cid,
                name=key,
                kind=entry.get("kind"),
                parents=parents,
                aliases=[n for n in entry.get("names", []) if len(n) > 2],
            )
            self._add(
                NodeRecord.of(model, self._prov(VOCAB_DATASET, self._vocab_version, f"commodities/{key}"))
            )
            self._done.add(cid)
        return cid

    def origin_category(self, code: str, name: str) -> str:
        nid = f"origin:{code.lower().replace('/', '-')}"
        if nid not in self._done:
            countries = list(COVERED_COUNTRIES) if code.upper() == "CC" else []
            model = OriginCategory(id=nid, name=name, code=code, countries=countries)
            self._add(NodeRecord.of(model, self._prov(VOCAB_DATASET, self._vocab_version, f"origins/{code}")))
            self._done.add(nid)
        return nid
