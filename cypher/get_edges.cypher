// Stored relationships of one type by id.
UNWIND $ids AS id
MATCH ()-[r:{{rel}} {id: id}]->()
RETURN properties(r) AS p
