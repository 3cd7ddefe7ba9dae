// Every watchlist entry, by id.
MATCH (w:WatchItem)
RETURN w.id AS id, w.added_at AS added_at, w.snapshot AS snapshot
ORDER BY id
