// Uniqueness of node ids for one label (the only constraint kind Community Edition has).
// {{label}} and {{name}} come from the schema's allow-list (graph/schema.py), never from input.
CREATE CONSTRAINT {{name}} IF NOT EXISTS FOR (n:{{label}}) REQUIRE n.id IS UNIQUE
