// Record alerts (WatchAlert nodes), numbered on from the highest recorded sequence number.
OPTIONAL MATCH (old:WatchAlert)
WITH coalesce(max(old.seq), 0) AS top
UNWIND range(0, size($alerts) - 1) AS i
WITH top, i, $alerts[i] AS a
CREATE (:WatchAlert {
  seq: top + i + 1, at: a.at, run: a.run, dataset: a.dataset, entity: a.entity, kind: a.kind,
  subject: a.subject, data: a.data
})
