// Create nodes of one label that the writer has just checked do not exist (one writer holds
// the lock), avoiding MERGE's lookup; the uniqueness constraint still guards the id.
UNWIND $rows AS row
CREATE (n:Entity:{{label}})
SET n = row
