// What fuzzy search ranks: ids, names, aliases, identifiers and visibility facts of searchable nodes.
MATCH (n:Entity)
WHERE NOT n.type IN $skip_types
RETURN n.id AS id, n.type AS type, n.name AS name, n.aliases AS aliases, n.identifiers AS identifiers,
       n.country AS country, n.datasets AS datasets, n.licence_class AS licence_class, n.access AS access
