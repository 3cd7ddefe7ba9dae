"""Where Canada's vendor buckets and raw vendor spellings belong, from reviewed rules only.

Two rule sets, both data: the source's own rules for how Canadian contract records write vendor
names (``[[variant_rule]]`` in source.toml: contact persons, resellers) and the reviewed aliases
file's ``[[vendor_slug]]`` (bucket -> organisations, candidate when the bucket mixes companies) and
``[[vendor_variant]]`` (a spelling -> an organisation, or why it names none). The resolver does not
know these tables, so they are read here from ``Aliases.raw``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tierwatch.graph.errors import SchemaError
from tierwatch.graph.names import fold


@dataclass(frozen=True)
class VendorBucket:
    """One ``[[vendor_slug]]`` entry: the organisations a bucket's spend goes to."""

    slug: str
    orgs: tuple[str, ...]
    candidate: bool
    brand: bool
    variants_to: str | None
    note: str | None


@dataclass(frozen=True)
class VariantRule:
    slug: str  # "*" for every bucket
    pattern: re.Pattern[str]
    org: str | None
    quarantine: str | None
    personal: bool
    origin: str  # where the rule is written, for messages


@dataclass(frozen=True)
class Placement:
    """Where one spelling goes: an alias of ``org``, or quarantined with ``reason``."""

    org: str | None = None
    reason: str | None = None
    personal: bool = False


def _rule(entry: dict[str, Any], origin: str, slug: str = "*") -> VariantRule:
    has_org, has_reason = bool(entry.get("org")), bool(entry.get("quarantine"))
    if has_org == has_reason:
        raise SchemaError(f"{origin}: a vendor rule needs exactly one of 'org' or 'quarantine'")
    try:
        pattern = re.compile(entry.get("pattern", ""), re.IGNORECASE)
    except re.error as exc:
        raise SchemaError(f"{origin}: bad pattern {entry.get('pattern')!r} ({exc})") from None
    return VariantRule(
        entry.get("slug", slug),
        pattern,
        entry.get("org"),
        entry.get("quarantine"),
        bool(entry.get("personal", False)),
        origin,
    )


class VendorMap:
    """Buckets and spelling rules for one run."""

    def __init__(self, aliases_raw: dict[str, Any], source_raw: dict[str, Any]) -> None:
        self.buckets: dict[str, VendorBucket] = {}
        for i, entry in enumerate(aliases_raw.get("vendor_slug", [])):
            orgs = tuple(entry.get("orgs", []))
            if not entry.get("slug") or not orgs:
                raise SchemaError(f"aliases vendor_slug[{i}]: needs 'slug' and 'orgs'")
            candidate = bool(entry.get("candidate", False)) or len(orgs) > 1
            default = entry.get("variants_to", None if candidate else orgs[0])
            self.buckets[entry["slug"]] = VendorBucket(
                entry["slug"], orgs, candidate, bool(entry.get("brand", True)), default, entry.get("note")
            )
        self.rules = [
            _rule(e, f"source.toml variant_rule[{i}]")
            for i, e in enumerate(source_raw.get("variant_rule", []))
        ]
        self.rules += [
            _rule(e, f"aliases vendor_variant[{i}]")
            for i, e in enumerate(aliases_raw.get("vendor_variant", []))
        ]

    def bucket(self, slug: str) -> VendorBucket | None:
        return self.buckets.get(slug)

    def place(self, bucket: VendorBucket, spelling: str) -> Placement:
        """The first matching rule decides; else the bucket's ``variants_to``; else quarantine."""
        key = fold(" ".join(spelling.split()))
        for rule in self.rules:
            if rule.slug not in ("*", bucket.slug) or not rule.pattern.search(key):
                continue
            if rule.org:
                return Placement(org=rule.org)
            return Placement(reason=rule.quarantine, personal=rule.personal)
        if bucket.variants_to:
            return Placement(org=bucket.variants_to)
        return Placement(
            reason=f"bucket '{bucket.slug}' mixes {' and '.join(bucket.orgs)} and no reviewed rule "
            "says which this spelling names"
        )
