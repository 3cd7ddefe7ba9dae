// Add or replace a watchlist entry (graph/watch/): a WatchItem node, outside the graph's Entity nodes.
MERGE (w:WatchItem {id: $id})
SET w.added_at = $added_at, w.snapshot = $snapshot
