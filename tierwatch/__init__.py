"""tierwatch: a supply-chain risk knowledge graph from public buyers down to mines."""

__version__ = "0.1.0"
