"""``StoreQueryService``: the one implementation of ``QueryService``, over either store's source."""

from __future__ import annotations

from typing import Any, Literal, cast

import numpy as np
from tierwatch.graph.errors import NotFoundError, QueryError
from tierwatch.graph.query import exposure as exp
from tierwatch.graph.query import scores
from tierwatch.graph.query import search as srch
from tierwatch.graph.query.findings import Hits, attach, without_buyer_place
from tierwatch.graph.query.index import GraphIndex, node_is_hidden
from tierwatch.graph.query.models import (
    Coverage,
    EntityDetail,
    ExposureResult,
    PathsResult,
    RankedRisk,
    RiskContribution,
    RiskRanking,
    RiskScore,
    SearchHit,
    SearchResult,
    Subgraph,
    TraversalHit,
    TraversalResult,
    Withheld,
)
from tierwatch.graph.query.paths import k_paths
from tierwatch.graph.query.propagation import FORMULA, explain_path, propagate
from tierwatch.graph.query.remedies import with_remedies
from tierwatch.graph.query.results import (
    entity_ref,
    finding_hits,
    finding_ref,
    path_model,
    provenance,
    reach_commodity,
    reach_path,
    with_note,
)
from tierwatch.graph.query.service import (
    MAX_TIERS,
    Page,
    TraversalFilter,
    Viewer,
    check_categories,
    check_commodities,
    check_countries,
    check_tiers,
    check_types,
)
from tierwatch.graph.query.sources import EmbeddedSource, Neo4jSource
from tierwatch.graph.query.traverse import Reach, arc_mask, search, withheld_links
from tierwatch.graph.records import SYSTEM_KEYS

Stored = dict[str, Any]


def not_found(entity_id: str) -> NotFoundError:
    """The one message for a missing id and for an id this viewer may not see."""
    return NotFoundError(f"no entity with id {entity_id!r}")


class StoreQueryService:
    def __init__(self, store: Any) -> None:
        self.store = store
        self.backend: str = store.backend
        self.source: EmbeddedSource | Neo4jSource = (
            Neo4jSource(store) if store.backend == "neo4j" else EmbeddedSource(store)
        )

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def generation(self) -> str:
        return self.source.generation

    def refresh(self) -> bool:
        return self.source.refresh()

    def close(self) -> None:
        self.store.close()

    # -- helpers -----------------------------------------------------------------------------
    def _visible(self, node: Stored | None, viewer: Viewer) -> bool:
        if node is None:
            return False
        if not viewer.sees_restricted_access and node_is_hidden(node, *self.source.hidden()):
            return False
        return viewer.sees_restricted_licence or node.get("licence_class") != "restricted"

    def _root(self, ix: GraphIndex, entity_id: str, viewer: Viewer) -> int:
        i = ix.pos.get(entity_id)
        if i is None or not self._visible(ix.nodes[i], viewer):
            raise not_found(entity_id)
        return i

    def _check(self, filters: TraversalFilter) -> None:
        """Refuse unknown filter values (graph/query/service.py validates; commodities need the graph)."""
        check_types(filters.entity_types)
        check_countries(filters.countries)
        if filters.commodities:
            known = {r["id"] for r in self.source.search_rows() if r.get("type") == "Commodity"}
            check_commodities(filters.commodities, known)

    def _reach(
        self, entity_id: str, viewer: Viewer, direction: str, tiers: int, filters: TraversalFilter
    ) -> tuple[Reach, np.ndarray]:
        check_tiers(tiers)
        self._check(filters)
        if not self._visible(self.source.node(entity_id), viewer):
            raise not_found(entity_id)
        ix = self.source.index_for(entity_id, direction, tiers, filters.include_candidates)
        root = self._root(ix, entity_id, viewer)
        # place arcs lead out of places and commodities only: downstream from one (docs/QUERY.md)
        mask = arc_mask(ix, filters, viewer, places=direction == "downstream")
        return search(ix, root, direction, tiers, mask), mask

    def _for_root(self, entity_id: str, filters: TraversalFilter) -> TraversalFilter:
        """Downstream of a commodity follows the links of that commodity (and related ones) unless
        the filters name commodities."""
        node = self.source.node(entity_id)
        if node is not None and node.get("type") == "Commodity" and not filters.commodities:
            return filters.model_copy(update={"commodities": (entity_id,)})
        return filters

    def _withheld(self, reach: Reach, mask: np.ndarray, filters: TraversalFilter, viewer: Viewer) -> Withheld:
        if viewer.sees_restricted_licence:
            return Withheld()
        places = reach.direction == "downstream"
        links, nodes = withheld_links(
            reach, mask, arc_mask(reach.ix, filters, viewer, licence=True, places=places)
        )
        return Withheld(links=links, nodes=nodes)

    @staticmethod
    def _opened(reach: Reach, filters: TraversalFilter, viewer: Viewer) -> Reach | None:
        """The same search with the licence mask lifted (the access mask never), or None when the viewer
        sees licence-restricted facts anyway."""
        if viewer.sees_restricted_licence:
            return None
        places = reach.direction == "downstream"
        mask = arc_mask(reach.ix, filters, viewer, licence=True, places=places)
        return search(reach.ix, reach.root, reach.direction, reach.tiers, mask)

    @staticmethod
    def _reported(ix: GraphIndex, ents: np.ndarray, filters: TraversalFilter) -> np.ndarray:
        keep = np.ones(len(ents), dtype=bool)
        if filters.entity_types:
            keep &= np.isin(ix.ntype[ents], [ix.type_code(t) for t in filters.entity_types])
        if filters.countries:
            wanted = set(filters.countries)
            keep &= np.array(
                [
                    ix.nodes[int(e)].get("country") in wanted or ix.nodes[int(e)].get("iso2") in wanted
                    for e in ents
                ],
                dtype=bool,
            )
        return ents[keep]

    # -- search and detail -------------------------------------------------------------------
    def search(
        self,
        text: str,
        viewer: Viewer,
        *,
        types: tuple[str, ...] = (),
        country: str | None = None,
        page: Page = Page(),
    ) -> SearchResult:
        if len(text) > 200:
            raise QueryError("search text is limited to 200 characters")
        check_types(types)
        check_countries((country,) if country else ())
        rows, withheld = srch.rank(
            self.source.search_names(),
            text,
            types=types,
            country=country,
            sees_access=viewer.sees_restricted_access,
            sees_licence=viewer.sees_restricted_licence,
            hidden=self.source.hidden(),
        )
        window = rows[page.offset : page.offset + page.limit]
        hits = [
            SearchHit(entity=entity_ref(r), score=s, matched_field=f, matched_text=t)  # type: ignore[arg-type]
            for s, f, t, r in window
        ]
        return SearchResult(
            query=text,
            hits=hits,
            total=len(rows),
            offset=page.offset,
            more=max(0, len(rows) - page.offset - len(window)),
            withheld=Withheld(nodes=withheld),
        )

    def entity(self, entity_id: str, viewer: Viewer) -> EntityDetail:
        reach, _ = self._reach(entity_id, viewer, "upstream", 1, TraversalFilter())
        ix = reach.ix
        root = reach.root
        node = self.source.node(entity_id) or ix.nodes[root]  # whole: a Neo4j index holds facts only
        trivial = search(ix, root, "upstream", 1, np.zeros(len(ix.arc_frm), dtype=bool))
        ents = np.array([root], dtype=np.int64)
        no_comm = lambda e: np.full(len(e), -1, dtype=np.int64)  # noqa: E731
        # the entity's own findings include observed absences (shown with their severity)
        hits = attach(ix, ents, trivial.cost, no_comm, viewer, trivial.key, negative=True)
        counts: dict[str, int] = {}
        links_withheld = 0
        hidden = self.source.hidden()
        for e, other in self.source.incident([entity_id]):
            if not viewer.sees_restricted_access and (
                node_is_hidden(other, *hidden) or node_is_hidden({"datasets": e.get("datasets")}, *hidden)
            ):
                continue
            if not viewer.sees_restricted_licence and (
                e.get("licence_class") == "restricted" or other.get("licence_class") == "restricted"
            ):
                links_withheld += 1
                continue
            key = f"{e['type']}>" if e["src"] == entity_id else f"<{e['type']}"
            counts[key] = counts.get(key, 0) + 1
        props = {k: v for k, v in node.items() if k not in SYSTEM_KEYS}
        answer = EntityDetail(
            entity=entity_ref(node),
            properties=props,
            identifiers=list(node.get("identifiers", ())),
            aliases=list(node.get("aliases", ())),
            confidence=float(node.get("confidence", 0.0)),
            methods=list(node.get("methods", ())),
            datasets=list(node.get("datasets", ())),
            licence_class=node.get("licence_class", "open"),
            retired=bool(node.get("retired", False)),
            provenance=provenance(node),
            findings=finding_hits(trivial, hits, np.arange(len(hits))),
            links=dict(sorted(counts.items())),
            withheld=Withheld(links=links_withheld, findings=hits.withheld),
        )
        return with_remedies(answer, self.source, viewer)

    # -- traversal -----------------------------------------------------------------------------
    def _traverse(
        self, entity_id: str, viewer: Viewer, direction: str, tiers: int, filters: TraversalFilter, page: Page
    ) -> TraversalResult:
        if direction == "downstream":
            filters = self._for_root(entity_id, filters)
        reach, mask = self._reach(entity_id, viewer, direction, tiers, filters)
        ix = reach.ix
        ents = self._reported(ix, reach.order[1:], filters)
        window = ents[page.offset : page.offset + page.limit]
        hits = [
            TraversalHit(
                entity=entity_ref(ix.nodes[int(v)]),
                tier=int(reach.tier[v]),
                confidence=reach_path(reach, int(v)).confidence,
                path=reach_path(reach, int(v)),
            )
            for v in window
        ]
        tiers_count = (
            np.bincount(reach.tier[ents], minlength=tiers + 1) if len(ents) else np.zeros(0, dtype=int)
        )
        return TraversalResult(
            root=entity_ref(ix.nodes[reach.root]),
            direction=cast(Literal["upstream", "downstream"], direction),  # the reach's direction
            max_tiers=tiers,  # type: ignore[arg-type]
            hits=hits,
            total=len(ents),
            offset=page.offset,
            more=max(0, len(ents) - page.offset - len(window)),
            by_tier={int(t): int(c) for t, c in enumerate(tiers_count) if c},
            withheld=self._traversal_withheld(reach, mask, filters, viewer),
        )

    def _traversal_withheld(
        self, reach: Reach, mask: np.ndarray, filters: TraversalFilter, viewer: Viewer
    ) -> Withheld:
        withheld = self._withheld(reach, mask, filters, viewer)
        opened = self._opened(reach, filters, viewer)
        if opened is not None:
            ix = reach.ix
            only = opened.reached[reach.hops[opened.reached] < 0]
            withheld.paths = len(self._reported(ix, only, filters))
        return with_note(withheld)

    def upstream(
        self,
        entity_id: str,
        viewer: Viewer,
        *,
        tiers: int = 3,
        filters: TraversalFilter = TraversalFilter(),
        page: Page = Page(),
    ) -> TraversalResult:
        return self._traverse(entity_id, viewer, "upstream", tiers, filters, page)

    def downstream(
        self,
        entity_id: str,
        viewer: Viewer,
        *,
        tiers: int = 3,
        filters: TraversalFilter = TraversalFilter(),
        page: Page = Page(),
    ) -> TraversalResult:
        return self._traverse(entity_id, viewer, "downstream", tiers, filters, page)

    # -- exposure ------------------------------------------------------------------------------
    def exposure(
        self,
        entity_id: str,
        viewer: Viewer,
        *,
        tiers: int = 6,
        filters: TraversalFilter = TraversalFilter(),
        categories: tuple[str, ...] = (),
        hits_per_category: int = 20,
        coverage: bool = True,
    ) -> ExposureResult:
        if not 0 <= hits_per_category <= 1000:
            raise QueryError("hits_per_category must be from 0 to 1000")
        check_categories(categories)
        reach, mask = self._reach(entity_id, viewer, "upstream", tiers, filters)
        ix = reach.ix
        ents = (
            self._reported(ix, reach.reached, filters)
            if (filters.countries or filters.entity_types)
            else reach.reached
        )

        def hits_of(r: Reach, ents: np.ndarray, v: Viewer) -> Hits:
            comm = lambda e: reach_commodity(r, e)  # noqa: E731
            return without_buyer_place(ix, attach(ix, ents, r.cost, comm, v, r.key, categories))

        hits = hits_of(reach, ents, viewer)
        withheld = self._withheld(reach, mask, filters, viewer)
        withheld.findings = hits.withheld
        opened = self._opened(reach, filters, viewer)
        open_hits = open_mask = None
        if opened is not None:
            # the same question with the licence opened (access unchanged): said per category and step
            full = viewer.model_copy(update={"sees_restricted_licence": True})
            open_hits = hits_of(opened, self._reported(ix, opened.reached, filters), full)
            withheld.findings = exp.withheld_findings(hits, open_hits)
            withheld.paths = int((reach.hops[opened.reached] < 0).sum())
            open_mask = arc_mask(ix, filters, viewer, licence=True)
        cats = exp.categories(reach, hits, hits_per_category, categories, open_hits)
        cover = exp.coverage(reach, mask, tiers, open_mask) if coverage else Coverage(chains=[], notes=[])
        ranked, more_ranked = scores.contributions(reach, hits, cover.chains)
        answer = ExposureResult(
            root=entity_ref(ix.nodes[reach.root]),
            max_tiers=tiers,
            as_of=filters.as_of,
            include_candidates=filters.include_candidates,
            reached=len(reach.reached) - 1,
            categories=cats,
            aggregate=exp.aggregate(cats),
            aggregate_formula=exp.AGGREGATE_FORMULA,
            strongest=scores.strongest(cats),
            strongest_formula=scores.STRONGEST_FORMULA,
            contributors=ranked,
            contributors_more=more_ranked,
            coverage=cover,
            withheld=with_note(withheld),
        )
        return with_remedies(answer, self.source, viewer)

    # -- paths -----------------------------------------------------------------------------------
    def paths(
        self,
        src: str,
        dst: str,
        viewer: Viewer,
        *,
        k: int = 3,
        max_hops: int = 6,
        filters: TraversalFilter = TraversalFilter(),
    ) -> PathsResult:
        check_tiers(max_hops)
        if not 1 <= k <= 20:
            raise QueryError("k must be from 1 to 20")
        self._check(filters)
        for nid in (src, dst):
            if not self._visible(self.source.node(nid), viewer):
                raise not_found(nid)
        withheld = Withheld()
        for direction in ("upstream", "downstream"):
            ix = self.source.index_for(src, direction, max_hops, filters.include_candidates, target=dst)
            s = self._root(ix, src, viewer)
            d = ix.pos.get(dst)
            if d is None:
                continue
            # a path may start or end at a place or commodity (place arcs: docs/QUERY.md)
            found = k_paths(ix, s, d, direction, k, max_hops, arc_mask(ix, filters, viewer, places=True))
            if not viewer.sees_restricted_licence and not withheld.paths:
                # the same search with the licence mask lifted (the access mask never): its k best paths
                # that this viewer does not get run through licence-restricted links or entities
                lifted = arc_mask(ix, filters, viewer, licence=True, places=True)
                opened = k_paths(ix, s, d, direction, k, max_hops, lifted)
                mine = {tuple(a) for _, a, _ in found}
                withheld.paths = sum(1 for _, a, _ in opened if tuple(a) not in mine)
            if found:
                return PathsResult(
                    src=entity_ref(ix.nodes[s]),
                    dst=entity_ref(ix.nodes[d]),
                    direction=direction,
                    paths=[path_model(ix, n, a) for n, a, _ in found],  # type: ignore[arg-type]
                    max_hops=max_hops,
                    k=k,
                    withheld=with_note(withheld, "paths"),
                )
        a, b = self.source.node(src), self.source.node(dst)
        assert a is not None and b is not None
        return PathsResult(
            src=entity_ref(a),
            dst=entity_ref(b),
            direction="none",
            paths=[],
            max_hops=max_hops,
            k=k,
            withheld=with_note(withheld, "paths"),
        )

    # -- risk ------------------------------------------------------------------------------------
    def risk(self, entity_id: str, viewer: Viewer) -> RiskScore:
        if not self._visible(self.source.node(entity_id), viewer):
            raise not_found(entity_id)
        ix = self.source.full_index()
        v = self._root(ix, entity_id, viewer)
        prop = propagate(ix, viewer)
        mask = arc_mask(ix, TraversalFilter(), viewer)
        inherited = 0.0
        for a in range(int(ix.up_ptr[v]), int(ix.up_ptr[v + 1])):
            if mask[a]:
                inherited = max(inherited, 0.8 * float(ix.arc_conf[a]) * float(prop.score[ix.arc_to[a]]))
        src = int(prop.source[v])
        nodes, arcs = explain_path(prop, v)
        contributions = []
        for r in np.flatnonzero(prop.hits.ent == src):
            f = int(prop.hits.fnd[r])
            from tierwatch.graph.query.findings import RULES

            contributions.append(
                RiskContribution(
                    kind="finding",
                    source=entity_ref(ix.nodes[src]),
                    finding=finding_ref(ix.nodes[f]),
                    rule=RULES[int(prop.hits.rule[r])],
                    weight=round(float(ix.nodes[f].get("confidence", 0.0)), 6),
                )
            )
        places = set(ix.loc[ix.loc_ptr[src] : ix.loc_ptr[src + 1]].tolist()) | {src}
        for c in sorted(places) if prop.indicator_risk[src] > 0 else ():
            for i, w in prop.indicator_rows.get(c, []):
                d = ix.nodes[i]
                contributions.append(
                    RiskContribution(
                        kind="indicator",
                        source=entity_ref(ix.nodes[src]),
                        indicator=d["id"],
                        indicator_value=str(d.get("rating") or d.get("value")),
                        rule="indicator",
                        weight=w,
                    )
                )
        answer = RiskScore(
            entity=entity_ref(ix.nodes[v]),
            own=round(float(prop.own[v]), 6),
            inherited=round(inherited, 6),
            score=round(float(prop.score[v]), 6),
            formula=FORMULA,
            source=entity_ref(ix.nodes[src]) if src != v else None,
            path=path_model(ix, nodes, arcs) if src != v else None,
            contributions=contributions,
            passes=prop.passes,
        )
        return with_remedies(answer, self.source, viewer)

    def risk_ranking(
        self, viewer: Viewer, *, types: tuple[str, ...] = (), page: Page = Page()
    ) -> RiskRanking:
        check_types(types)
        ix = self.source.full_index()
        prop = propagate(ix, viewer)
        ok = prop.score > 0
        if not viewer.sees_restricted_access:
            ok &= ~ix.node_hidden
        if not viewer.sees_restricted_licence:
            ok &= ~ix.node_lic
        if types:
            ok &= np.isin(ix.ntype, [ix.type_code(t) for t in types])
        cand = np.flatnonzero(ok)
        cand = cand[np.lexsort((cand, -np.round(prop.score[cand], 9)))]
        window = cand[page.offset : page.offset + page.limit]
        items = [
            RankedRisk(
                entity=entity_ref(ix.nodes[int(v)]),
                own=round(float(prop.own[v]), 6),
                score=round(float(prop.score[v]), 6),
            )
            for v in window
        ]
        return RiskRanking(
            items=items,
            total=len(cand),
            offset=page.offset,
            more=max(0, len(cand) - page.offset - len(window)),
            passes=prop.passes,
        )

    # -- shared leverage (graph/query/leverage.py) -------------------------------------------------
    def leverage(self, selection: Any, viewer: Viewer, **options: Any) -> Any:
        """Entities upstream of two or more of the selected buyers (a ``leverage.BuyerSelection``);
        options: tiers, filters, min_buyers, paths, evidence, page (``leverage.leverage``)."""
        from tierwatch.graph.query.leverage import leverage

        return leverage(self, selection, viewer, **options)

    # -- export ----------------------------------------------------------------------------------
    def subgraph(
        self, entity_id: str, viewer: Viewer, *, hops: int = 2, max_elements: int = 5000
    ) -> Subgraph:
        if not 1 <= hops <= MAX_TIERS:
            raise QueryError(f"hops must be from 1 to {MAX_TIERS}")
        root = self.source.node(entity_id)
        if not self._visible(root, viewer):
            raise not_found(entity_id)
        assert root is not None
        hidden = self.source.hidden()
        nodes: dict[str, Stored] = {entity_id: root}
        edges: dict[str, Stored] = {}
        withheld = Withheld()
        frontier = [entity_id]
        truncated = False
        for _ in range(hops):
            rows = sorted(self.source.incident(frontier), key=lambda r: r[0]["id"])
            nxt: set[str] = set()
            for e, other in rows:
                if e["id"] in edges:
                    continue
                if not viewer.sees_restricted_access and (
                    node_is_hidden(other, *hidden) or node_is_hidden({"datasets": e.get("datasets")}, *hidden)
                ):
                    continue
                if not viewer.sees_restricted_licence and (
                    e.get("licence_class") == "restricted" or other.get("licence_class") == "restricted"
                ):
                    withheld.links += 1
                    continue
                if len(nodes) + len(edges) >= max_elements:
                    truncated = True
                    break
                edges[e["id"]] = e
                if other["id"] not in nodes:
                    nodes[other["id"]] = other
                    nxt.add(other["id"])
            frontier = sorted(nxt)
            if truncated or not frontier:
                break
        return Subgraph(
            root=entity_id,
            hops=hops,
            nodes=[nodes[k] for k in sorted(nodes)],
            edges=[edges[k] for k in sorted(edges)],
            truncated=truncated,
            withheld=withheld,
        )
