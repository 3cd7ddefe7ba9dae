// A cheap fingerprint of the graph's version: its sources, their ingest times and element counts.
MATCH (s:Source)
WITH count(s) AS sources, max(s.ingested_at) AS latest, collect(s.sha256) AS shas
CALL () { MATCH (n) RETURN count(n) AS nodes }
CALL () { MATCH ()-[r]->() RETURN count(r) AS edges }
RETURN sources, latest, nodes, edges, shas
