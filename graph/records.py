"""Records that pipelines emit and stores hold, with provenance, and the one merge rule.

A *record* is what a pipeline says about one node or edge in one run. A *stored element* is the
flat dict both stores keep: the model's properties, ``type``, ``id`` (and ``src``/``dst`` for
edges), the provenance entries as sorted JSON strings, and properties derived from them. Merging
happens here, in Python, for both stores, so both hold byte-identical elements.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson
from tierwatch.graph.errors import SchemaError
from tierwatch.graph.schema import (
    TYPE_PRECEDENCE,
    EdgeModel,
    LicenceClass,
    Method,
    NodeModel,
    edge_model,
    flat_properties,
    node_model,
)

Stored = dict[str, Any]

#: Properties of a stored element that are not model fields.
SYSTEM_KEYS = frozenset(
    {
        "id",
        "type",
        "src",
        "dst",
        "prov",
        "confidence",
        "methods",
        "datasets",
        "licence_class",
        "retired",
        "origin_dataset",
    }
)


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where one fact came from: dataset version, file, row or JSON pointer, confidence, method."""

    dataset: str
    version: str
    file: str
    locator: str
    confidence: float
    method: str
    licence_class: str = LicenceClass.OPEN.value
    ended: str | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.confidence <= 1.0:
            raise SchemaError(f"confidence {self.confidence} outside 0..1 ({self.dataset} {self.locator})")
        Method(self.method)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.dataset, self.file, self.locator)

    def to_json(self) -> str:
        data = {k: getattr(self, k) for k in self.__dataclass_fields__}
        if data["ended"] is None:
            del data["ended"]
        return orjson.dumps(data, option=orjson.OPT_SORT_KEYS).decode()

    @classmethod
    def from_json(cls, text: str) -> Provenance:
        return cls(**orjson.loads(text))


@dataclass(slots=True)
class NodeRecord:
    id: str
    type: str
    props: dict[str, Any]
    prov: list[Provenance] = field(default_factory=list)

    @classmethod
    def of(cls, model: NodeModel, prov: Provenance | list[Provenance]) -> NodeRecord:
        props = flat_properties(model, skip=("id",))
        return cls(model.id, model.label, props, prov if isinstance(prov, list) else [prov])


@dataclass(slots=True)
class EdgeRecord:
    id: str
    type: str
    src: str
    dst: str
    props: dict[str, Any]
    prov: list[Provenance] = field(default_factory=list)

    @classmethod
    def of(cls, model: EdgeModel, prov: Provenance | list[Provenance]) -> EdgeRecord:
        props = flat_properties(model, skip=("src", "dst", "key"))
        return cls(
            edge_id(model.rel, model.src, model.dst, model.key),
            model.rel,
            model.src,
            model.dst,
            props,
            prov if isinstance(prov, list) else [prov],
        )


def edge_id(rel: str, src: str, dst: str, key: str = "") -> str:
    """Deterministic edge id: type, endpoints and the discriminating key."""
    base = f"{rel}:{src}->{dst}"
    return f"{base}#{key}" if key else base


# ---------------------------------------------------------------------------------------------
# Merge


def _merge_type(old: str | None, new: str) -> str:
    if old is None or old == new:
        return new
    winner = TYPE_PRECEDENCE.get(frozenset({old, new}))
    if winner is None:
        raise SchemaError(f"a node cannot be both {old} and {new}")
    return winner


def _merge_prov(old: list[str], new: list[Provenance]) -> list[Provenance]:
    """New entries replace old ones with the same key; a new version of a dataset replaces its old ones."""
    versions = {p.dataset: p.version for p in new}
    keep: dict[tuple[str, str, str], Provenance] = {}
    for text in old:
        entry = Provenance.from_json(text)
        if versions.get(entry.dataset, entry.version) != entry.version:
            continue
        keep[entry.key] = entry
    for entry in new:
        keep[entry.key] = entry
    return [keep[k] for k in sorted(keep)]


def _derive(prov: list[Provenance]) -> dict[str, Any]:
    active = [p for p in prov if p.ended is None]
    basis = active or prov
    return {
        "prov": [p.to_json() for p in prov],
        "confidence": round(max((p.confidence for p in basis), default=0.0), 4),
        "methods": sorted({p.method for p in basis}),
        "datasets": sorted({p.dataset for p in prov}),
        "licence_class": "open" if any(p.licence_class == "open" for p in basis) else "restricted",
        "retired": not active,
    }


def _merge_props(old: Stored | None, props: dict[str, Any], authoritative: bool) -> dict[str, Any]:
    """Lists are unioned; a scalar is filled when absent, overwritten only by the element's own dataset."""
    merged = {k: v for k, v in (old or {}).items() if k not in SYSTEM_KEYS}
    for key, value in props.items():
        current = merged.get(key)
        if isinstance(value, list):
            union = set(current or []) | set(value)
            merged[key] = sorted(union, key=lambda v: (str(type(v)), v))
        elif current is None or authoritative:
            merged[key] = value
    return merged


def merge_node(old: Stored | None, rec: NodeRecord) -> Stored:
    origin = old.get("origin_dataset") if old else None
    incoming = rec.prov[0].dataset if rec.prov else None
    origin = origin or incoming
    node_type = _merge_type(old["type"] if old else None, rec.type)
    props = _merge_props(old, rec.props, authoritative=(incoming == origin))
    prov = _merge_prov(old["prov"] if old else [], rec.prov)
    out: Stored = {"id": rec.id, "type": node_type, **props, **_derive(prov)}
    if origin:
        out["origin_dataset"] = origin
    return out


def merge_edge(old: Stored | None, rec: EdgeRecord) -> Stored:
    origin = old.get("origin_dataset") if old else None
    incoming = rec.prov[0].dataset if rec.prov else None
    origin = origin or incoming
    props = _merge_props(old, rec.props, authoritative=(incoming == origin))
    prov = _merge_prov(old["prov"] if old else [], rec.prov)
    out: Stored = {"id": rec.id, "type": rec.type, "src": rec.src, "dst": rec.dst, **props, **_derive(prov)}
    if origin:
        out["origin_dataset"] = origin
    return out


def combine_nodes(a: NodeRecord, b: NodeRecord) -> NodeRecord:
    """Two records of one node from the same run (several rows name it)."""
    props = _merge_props({"type": a.type, **a.props}, b.props, authoritative=False)
    props.pop("type", None)
    by_key = {p.key: p for p in [*a.prov, *b.prov]}
    return NodeRecord(a.id, _merge_type(a.type, b.type), props, [by_key[k] for k in sorted(by_key)])


def combine_edges(a: EdgeRecord, b: EdgeRecord) -> EdgeRecord:
    props = _merge_props(dict(a.props), b.props, authoritative=False)
    by_key = {p.key: p for p in [*a.prov, *b.prov]}
    return EdgeRecord(a.id, a.type, a.src, a.dst, props, [by_key[k] for k in sorted(by_key)])


def retire(stored: Stored, dataset: str, version: str, ended: str) -> Stored | None:
    """Mark entries of an older version of ``dataset`` as ended. None when nothing changes."""
    entries = [Provenance.from_json(t) for t in stored["prov"]]
    changed = False
    out = []
    for p in entries:
        if p.dataset == dataset and p.version != version and p.ended is None:
            p = Provenance(**{**{k: getattr(p, k) for k in p.__dataclass_fields__}, "ended": ended})
            changed = True
        out.append(p)
    if not changed:
        return None
    return {**stored, **_derive(out)}


def validate_node(stored: Stored) -> None:
    """Check a merged node against its model (required fields, types)."""
    model = node_model(stored["type"])
    data = {k: v for k, v in stored.items() if k not in SYSTEM_KEYS or k == "id"}
    try:
        model.model_validate(data)
    except Exception as exc:  # pydantic.ValidationError, reported as one line
        raise SchemaError(f"{stored['type']} {stored['id']}: {str(exc).splitlines()[0:3]}") from None


def validate_edge_endpoints(rel: str, src_type: str, dst_type: str, edge: str) -> None:
    model = edge_model(rel)
    if src_type not in model.sources or dst_type not in model.targets:
        raise SchemaError(f"{rel} cannot link {src_type} -> {dst_type} ({edge})")
