"""Matching a buyer's own lists (suppliers, brands, smelters) to the graph's entities (docs/MATCH.md)."""

from tierwatch.graph.match.decisions import Decision, load_decisions, record_decision, row_key
from tierwatch.graph.match.engine import match_records, status_counts
from tierwatch.graph.match.models import MatchCandidate, MatchReason, MatchRecord, MatchResult, MatchRow

__all__ = [
    "Decision",
    "MatchCandidate",
    "MatchReason",
    "MatchRecord",
    "MatchResult",
    "MatchRow",
    "load_decisions",
    "match_records",
    "record_decision",
    "row_key",
    "status_counts",
]
