// Per dataset: how many of its findings are public and how many access-restricted.
MATCH (f:RiskFinding)
UNWIND f.datasets AS d
RETURN d AS dataset, f.access = 'restricted' AS restricted, count(*) AS n
ORDER BY dataset, restricted
