// Remove a watchlist entry; returns how many were removed (0 or 1).
MATCH (w:WatchItem {id: $id})
WITH w, w.id AS id
DELETE w
RETURN count(id) AS removed
