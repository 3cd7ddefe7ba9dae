// Create or fully replace nodes of one label; {{remove}} drops the label a node had if its type
// was promoted (Company -> Brand). Labels come from the schema's allow-list.
UNWIND $rows AS row
MERGE (n:Entity {id: row.id})
SET n = row
SET n:{{label}}
{{remove}}
