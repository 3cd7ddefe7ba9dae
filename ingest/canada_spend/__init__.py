"""Canadian federal spend by department and brand vendor (GoC-Spending aggregates)."""
