"""US government lists: UFLPA Entity List, CBP Withhold Release Orders and Findings, BIS Entity List."""
