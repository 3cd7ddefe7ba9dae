"""Watchlists and alerts (issue 16 items 3 and 4).

A watchlist names entities (buyers, contracts, brands, anything); for each, the store keeps a
snapshot of its exposure as the analyst sees it (``snapshot.py``: the findings reaching it, the
links on its paths, the strongest evidence per category, what has lapsed). After an ingest that
changed the graph, ``alerts.after_ingest`` takes a new snapshot of every watched entity, records
the differences as alerts (``snapshot.diff``) with the run and dataset, appends them to the outbox
(``<store_dir>/alerts.jsonl``) and posts them to the operator's webhook if one is set. ``changes``
compares one entity's exposure between two dates (the query layer's ``as_of``).

Both stores keep the watchlist and the alerts (``records.py``): the embedded store in two tables of
its SQLite file, Neo4j in nodes of the labels ``WatchItem`` and ``WatchAlert`` (cypher/watch_*.cypher).
"""
