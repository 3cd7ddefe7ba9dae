"""What the three CSV templates share: recognition by header, entity references, dates, row hygiene.

An entity cell holds either an existing node id (``org:dell``, ``ocds:ocds-b5fd17-1``, ``rmi:CID002243``)
or a name. An id must already be in the graph (or written earlier in the same run) and of an allowed
type, else the row is quarantined; a name is resolved as an organisation with the resolver (aliases
file, normalised name), never by fuzzy similarity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from tierwatch.graph.names import fold
from tierwatch.graph.schema import DatePrecision, NodeModel
from tierwatch.ingest.cobalt_links.columns import Columns
from tierwatch.ingest.framework import IngestContext, Pipeline
from tierwatch.ingest.readers import csv_header, read_csv

_ID = re.compile(r"^[a-z][a-z0-9_-]*:\S+$")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
# international numbers (+44 20 ...) and numbers after a phone word; not dates or amounts
_PHONE = re.compile(r"\+\d[\d ()-]{7,}\d|\b(?:tel|phone|mobile|whatsapp)\b\.?:?\s*\(?\d[\d ()-]{6,}\d", re.I)


class RowProblem(Exception):
    """A cell that makes the row unusable: quarantined with the reason, field and value."""

    def __init__(self, reason: str, field: str, value: str | None = None) -> None:
        super().__init__(reason)
        self.reason, self.field, self.value = reason, field, value


@dataclass(frozen=True)
class Entity:
    id: str
    type: str
    model: NodeModel | None  # the organisation to write, when the cell gave a name

    def emit(self, ctx: IngestContext) -> str:
        if self.model is not None:
            ctx.node(self.model)
        return self.id


def is_node_id(value: str) -> bool:
    return bool(_ID.match(value.strip()))


def personal_data(cells: dict[str, str]) -> str | None:
    """The column of a cell that holds an e-mail address or a phone number, if any."""
    for column, value in cells.items():
        if value and (_EMAIL.search(value) or _PHONE.search(value)):
            return column
    return None


def parse_date(value: str, field: str) -> tuple[str, DatePrecision] | None:
    """'2024', '2024-03' or '2024-03-15' with its precision; blank -> None; anything else is a problem."""
    text = value.strip()
    if not text:
        return None
    try:
        if re.fullmatch(r"\d{4}", text):
            return text, DatePrecision.YEAR
        if re.fullmatch(r"\d{4}-\d{2}", text):
            date.fromisoformat(f"{text}-01")
            return text, DatePrecision.MONTH
        date.fromisoformat(text)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return text, DatePrecision.DAY
    except ValueError:
        pass
    raise RowProblem("date is not YYYY, YYYY-MM or YYYY-MM-DD", field, value)


class TemplatePipeline(Pipeline):
    """A pipeline for one documented CSV template; subclasses map one row (``write``)."""

    role = ""

    def recognise(self, path: Path) -> str | None:
        sniff = csv_header(path)
        if sniff is None:
            return None
        if Columns(sniff[0], []).missing(self.spec.roles[self.role]["required"]):
            return None
        return self.role

    def read(self, ctx: IngestContext, path: Path, role: str) -> None:
        header, rows = read_csv(path)
        known = [*self.spec.columns.get("mapped", []), *self.spec.columns.get("ignored", {})]
        columns = Columns(header, known)
        columns.require(path, self.spec.roles[role]["required"])
        ctx.see_columns(columns.seen)
        seen: set[tuple[tuple[str, str], ...]] = set()
        for number, row in enumerate(rows, start=2):
            ctx.begin_row(number)
            cells = {name: columns.get(row, name) for name in known if columns.has(name)}
            extra = row.get("__extra__", "")
            if not any(cells.values()) and not extra:
                ctx.skip("blank row")
                continue
            content = (*sorted(cells.items()), ("__extra__", extra))
            if content in seen:
                ctx.duplicate()
                continue
            seen.add(content)
            leaked = personal_data(cells)
            if leaked:
                ctx.reject("looks like personal contact data (e-mail or phone): never stored", leaked)
                continue
            try:
                for name in self.spec.roles[role].get("not_blank", []):
                    if not cells.get(name):
                        raise RowProblem(f"{name} is blank", name)
                self.write(ctx, cells)
            except RowProblem as problem:
                ctx.reject(problem.reason, problem.field, problem.value)

    def write(self, ctx: IngestContext, cells: dict[str, str]) -> None:
        raise NotImplementedError

    # -- references ----------------------------------------------------------------------------
    def entity(
        self,
        ctx: IngestContext,
        cells: dict[str, str],
        field: str,
        allowed: tuple[str, ...],
        *,
        brand: bool = False,
    ) -> Entity:
        """The node a cell names, by id (must exist, of an allowed type) or by organisation name.

        Nothing is written here: the caller emits (``Entity.emit``) once the whole row is valid."""
        value = cells.get(field, "")
        if is_node_id(value):
            node_type = self.known_type(ctx, value)
            if node_type is None:
                raise RowProblem("unknown entity id: no such node in the graph", field, value)
            if node_type not in allowed:
                raise RowProblem(f"entity is a {node_type}; expected {' or '.join(allowed)}", field, value)
            return Entity(value, node_type, None)
        if not {"Company", "Brand"} & set(allowed):
            raise RowProblem(f"give a {' or '.join(allowed)} by its node id", field, value)
        model = ctx.resolver.org_model(" ".join(value.split()), brand=brand)
        known = self.known_type(ctx, model.id)
        if known is not None and known not in allowed:
            expected = " or ".join(allowed)
            raise RowProblem(f"name resolves to {model.id}, a {known}; expected {expected}", field, value)
        return Entity(model.id, model.label, model)

    @staticmethod
    def known_type(ctx: IngestContext, node_id: str) -> str | None:
        if node_id in ctx.nodes:
            return ctx.nodes[node_id].type
        found = ctx.resolver.store.get_nodes([node_id]).get(node_id)
        return found["type"] if found else None

    @staticmethod
    def commodity(ctx: IngestContext, cells: dict[str, str], field: str = "commodity") -> str | None:
        value = cells.get(field, "")
        if not value:
            return None
        cid = ctx.ref.commodity(value)
        if cid is None:
            raise RowProblem("commodity not in the vocabulary (ingest/vocab/commodities.toml)", field, value)
        return cid

    @staticmethod
    def choice(
        cells: dict[str, str], field: str, allowed: list[str], default: str | None = None
    ) -> str | None:
        value = fold(cells.get(field, "")).replace(" ", "_").replace("-", "_")
        if not value:
            return default
        if value not in allowed:
            raise RowProblem(f"{field} is not one of {', '.join(allowed)}", field, cells.get(field))
        return value

    @staticmethod
    def number(
        cells: dict[str, str], field: str, low: float | None = None, high: float | None = None
    ) -> float | None:
        text = cells.get(field, "").replace(",", "").replace(" ", "")
        if not text:
            return None
        try:
            value = float(text)
        except ValueError:
            raise RowProblem(f"{field} is not a number", field, cells.get(field)) from None
        if (low is not None and value < low) or (high is not None and value > high) or value != value:
            raise RowProblem(f"{field} is outside {low}..{high}", field, cells.get(field))
        return value
