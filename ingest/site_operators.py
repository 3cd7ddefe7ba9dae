"""Companies joined to the smelters and mines they operate, across sources (run after every ingest).

A smelter or mine of one source (RMI's smelter list, ICMM, a CMRT) and a company of another (a
battery-chain map, a US list, a supplier list) are often the same business under one name: RMI
names each smelter by its operating company ("Zhejiang Huayou Cobalt Company Limited", CID003225),
and the cobalt map names the company ("Zhejiang Huayou Cobalt Co. Ltd."). Names alone never make a
link certain, so:

- a company and a site whose names (or aliases) are equal after ``normalise_name`` give an
  OWNERSHIP_CANDIDATE company -> site (score 0.85, method name_match), followed only on request
  and listed for review; one-word names ("Canon", "Dover") count only against RMI smelters, whose
  names are operators' names by RMI's rule; pairs the aliases file declares distinct are never
  offered;
- a reviewed ``[[operates]]`` entry of the aliases file (company, site id, note with the source)
  is an OPERATES link (method reviewed, dataset tierwatch-aliases) and replaces the candidate.

Each run looks at the pairs with at least one side it wrote, against everything stored, so the
links do not depend on load order. A candidate keeps the provenance of the run that first proposed
it (the writer ignores a later dataset's rediscovery), a reviewed link the aliases file's, so a
re-ingest changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from tierwatch.graph.names import normalise_name
from tierwatch.graph.records import Provenance
from tierwatch.graph.schema import Method, Operates, OwnershipCandidate
from tierwatch.graph.store import GraphStore
from tierwatch.ingest.resolve import ALIASES_DATASET, org_id

ORG_TYPES = ("Company", "Brand")
SITE_TYPES = ("Smelter", "Mine")
CANDIDATE_SCORE = 0.85


def _keys(node: dict[str, Any]) -> set[str]:
    names = [node.get("name") or "", *(node.get("aliases") or ())]
    return {k for k in map(normalise_name, names) if k}


def _names_operator(site: dict[str, Any], key: str) -> bool:
    """A one-word name is too common to join on, except an RMI smelter's (RMI names operators)."""
    rmi = any(str(i).startswith("RMI:") for i in site.get("identifiers") or ())
    return len(key.split()) >= 2 or (site["type"] == "Smelter" and rmi)


def link_sites(ctx, store: GraphStore) -> int:
    """Emit candidates and reviewed OPERATES links touching this run's nodes; how many."""
    types = (*ORG_TYPES, *SITE_TYPES)
    nodes: dict[str, dict[str, Any]] = {n["id"]: n for n in store.iter_nodes(types=types)}
    run_ids = set()
    for rec in ctx.nodes.values():
        if rec.type in types:
            nodes[rec.id] = {**nodes.get(rec.id, {}), **rec.props, "id": rec.id, "type": rec.type}
            run_ids.add(rec.id)
    if not run_ids:
        return 0
    aliases = ctx.resolver.aliases
    reviewed = _reviewed(ctx, aliases, nodes, run_ids)
    orgs: dict[str, list[str]] = defaultdict(list)
    for nid, node in nodes.items():
        if node["type"] in ORG_TYPES:
            for key in _keys(node):
                orgs[key].append(nid)
    made = len(reviewed)
    for site_id, site in sorted(nodes.items()):
        if site["type"] not in SITE_TYPES:
            continue
        for key in sorted(_keys(site)):
            if not _names_operator(site, key):
                continue
            for org in sorted(orgs.get(key, ())):
                if (org not in run_ids and site_id not in run_ids) or (org, site_id) in reviewed:
                    continue
                org_name = normalise_name(nodes[org].get("name") or "")
                site_name = normalise_name(site.get("name") or "")
                if frozenset({org_name, site_name}) in aliases.distinct:
                    continue
                evidence = (
                    f"company '{nodes[org].get('name')}' and {site['type'].lower()} "
                    f"'{site.get('name')}' share the name '{key}' (legal forms dropped): a possible "
                    "operator, not confirmed"
                )
                ctx.edge(
                    OwnershipCandidate(src=org, dst=site_id, score=CANDIDATE_SCORE, evidence=evidence),
                    at=f"operator candidate {org} -> {site_id}",
                    confidence=CANDIDATE_SCORE,
                    method=Method.NAME_MATCH,
                )
                made += 1
    return made


def _reviewed(ctx, aliases, nodes: dict[str, dict], run_ids: set[str]) -> set[tuple[str, str]]:
    """OPERATES links of the aliases file's ``[[operates]]`` entries whose nodes exist."""
    out: set[tuple[str, str]] = set()
    file = aliases.path.name if aliases.path else "aliases.toml"
    for i, entry in enumerate(aliases.operates):
        company = org_id(aliases.canonical(entry["company"]))
        site = entry["site"]
        if company not in nodes or site not in nodes or not ({company, site} & run_ids):
            continue
        if nodes[company]["type"] not in ORG_TYPES or nodes[site]["type"] not in SITE_TYPES:
            continue
        prov = Provenance(
            ALIASES_DATASET, aliases.version, file, f"operates[{i}]", 0.95, Method.REVIEWED.value
        )
        ctx.edge(Operates(src=company, dst=site, note=entry.get("note")), prov=prov)
        out.add((company, site))
    return out
