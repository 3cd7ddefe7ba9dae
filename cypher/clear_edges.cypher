// Remove every relationship, in batches (auto-commit transaction); clear_nodes follows.
MATCH ()-[r]->()
CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS
