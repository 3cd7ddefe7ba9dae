// Remove every node (relationships are gone already), in batches (auto-commit transaction).
MATCH (n)
CALL (n) { DELETE n } IN TRANSACTIONS OF 10000 ROWS
