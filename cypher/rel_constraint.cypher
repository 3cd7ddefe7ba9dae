// Uniqueness of relationship ids for one relationship type (Neo4j 5.7+, Community too).
CREATE CONSTRAINT {{name}} IF NOT EXISTS FOR ()-[r:{{rel}}]-() REQUIRE r.id IS UNIQUE
