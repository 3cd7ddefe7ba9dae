"""What matching a buyer's list answers (pydantic): per row the best candidates, each score with its
reasons, the row's status, and what was left out or skipped (docs/MATCH.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from tierwatch.graph.query.models import EntityRef

Status = Literal["decided", "matched", "review", "none"]
ReasonKind = Literal["identifier", "name", "country", "address", "decision"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MatchRecord(_Model):
    """One row of a buyer's list: a name and any of country, identifiers, address; ``ref`` is the
    buyer's own reference (kept, never matched on)."""

    name: str = Field(default="", max_length=500)
    country: str | None = Field(default=None, max_length=60)
    identifiers: list[str] = Field(default_factory=list, max_length=20)
    address: str | None = Field(default=None, max_length=1000)
    ref: str | None = Field(default=None, max_length=200)

    @field_validator("name")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()


class MatchReason(_Model):
    """Why a candidate scores what it does: ``points`` is this reason's share of the score."""

    kind: ReasonKind
    points: float
    detail: str


class MatchCandidate(_Model):
    entity: EntityRef
    score: float  # 0..100
    reasons: list[MatchReason]


class MatchRow(_Model):
    """One input row's answer. ``status``: ``decided`` (a user confirmed the match), ``matched``
    (the first candidate is at or above the accept score and clearly ahead of the next), ``review``
    (candidates, none clear), ``none`` (no candidate)."""

    row: int  # the row's number in the file (header = 1) or its index in a request (from 1)
    key: str  # the row key decisions are recorded under (``tierwatch match decide KEY ENTITY yes|no``)
    record: MatchRecord
    status: Status
    candidates: list[MatchCandidate]
    rejected: list[str] = Field(default_factory=list)  # entities a user said this row is not
    withheld: int = 0  # licence-restricted candidates this viewer may not see that would rank in the list


class RowSkipped(_Model):
    row: int
    reason: str


class MatchResult(_Model):
    source: str  # the file or "request"
    rows: list[MatchRow]
    total_rows: int  # rows read, including skipped and left-out ones
    left_out: int = 0  # rows past the row cap, not matched
    left_out_reason: str | None = None
    skipped: list[RowSkipped] = Field(default_factory=list)
    counts: dict[str, int] = Field(default_factory=dict)  # rows per status
