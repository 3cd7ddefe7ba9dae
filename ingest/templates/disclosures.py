"""Public buyers' disclosures: contract -> brand, with product, model and quantity.

What a public buyer discloses to a monitor (Electronics Watch affiliates, for example): which
brand's products a contract buys. One row = one COVERS link from a contract to a brand, keyed by
product and model so that several products of one contract stay apart. The contract is an existing
Contract node id (``ocds:...``) or the buyer's own contract reference (then ``buyer`` is required and a
Contract ``disclosure:contract:<buyer>:<reference>`` is written with a BUYER_OF link). Declared by the
buyer: confidence 0.9. Columns are documented in docs/templates.md.
"""

from __future__ import annotations

from tierwatch.graph.names import slug
from tierwatch.graph.schema import BuyerOf, Contract, Covers, LocatedIn, PublicBuyer
from tierwatch.ingest.framework import IngestContext
from tierwatch.ingest.templates.common import RowProblem, TemplatePipeline, is_node_id, parse_date

SPEC_FILE = "disclosures.toml"


class DisclosuresPipeline(TemplatePipeline):
    role = "disclosures"

    def _buyer(self, ctx: IngestContext, cells: dict[str, str]) -> tuple[str | None, PublicBuyer | None]:
        value = cells.get("buyer", "")
        if not value:
            return None, None
        if is_node_id(value):
            node_type = self.known_type(ctx, value)
            if node_type is None:
                raise RowProblem("unknown entity id: no such node in the graph", "buyer", value)
            if node_type != "PublicBuyer":
                raise RowProblem(f"entity is a {node_type}; expected PublicBuyer", "buyer", value)
            return value, None
        name = " ".join(value.split())
        code = None
        if cells.get("buyer_country"):
            country = ctx.ref.country(cells["buyer_country"])
            if country is None:
                raise RowProblem("country not recognised", "buyer_country", cells["buyer_country"])
            code = country.removeprefix("country:")
        bid = f"buyer:{code.lower()}:{slug(name)}" if code else f"buyer:{slug(name)}"
        return bid, PublicBuyer(id=bid, name=name, country=code)

    def write(self, ctx: IngestContext, cells: dict[str, str]) -> None:
        buyer_id, buyer_model = self._buyer(ctx, cells)
        reference = cells["contract"]
        contract_model = None
        if is_node_id(reference):
            node_type = self.known_type(ctx, reference)
            if node_type is None:
                raise RowProblem("unknown entity id: no such node in the graph", "contract", reference)
            if node_type != "Contract":
                raise RowProblem(f"entity is a {node_type}; expected Contract", "contract", reference)
            contract_id = reference
        else:
            if buyer_id is None:
                raise RowProblem("a contract given by the buyer's own reference needs the buyer", "buyer")
            contract_id = f"disclosure:contract:{buyer_id.split(':', 1)[1]}:{slug(reference)}"
            contract_model = Contract(
                id=contract_id,
                name=cells.get("contract_title") or reference,
                title=cells.get("contract_title") or None,
            )
        brand = self.entity(ctx, cells, "brand", ("Brand", "Company"), brand=True)
        quantity = self.number(cells, "quantity", low=0)
        when = parse_date(cells.get("date", ""), "date")
        product, model = cells.get("product", ""), cells.get("model", "")
        if buyer_model is not None:
            ctx.node(buyer_model)
            if buyer_model.country:
                ctx.edge(LocatedIn(src=buyer_model.id, dst=f"country:{buyer_model.country}"))
        if contract_model is not None:
            ctx.node(contract_model)
        if buyer_id is not None:
            ctx.edge(BuyerOf(src=buyer_id, dst=contract_id, role="buyer", key="buyer"))
        brand.emit(ctx)
        key = slug(f"{product} {model}") if (product or model) else ""
        parts = [f"disclosed: {cells['evidence']}"]
        if when:
            parts.append(f"disclosed on: {when[0]}")
        if cells.get("note"):
            parts.append(cells["note"])
        ctx.edge(
            Covers(
                src=contract_id,
                dst=brand.id,
                key=key,
                product=product or None,
                model=model or None,
                quantity=quantity,
                note="; ".join(parts),
            )
        )


PIPELINE = DisclosuresPipeline
