"""The format writers: GraphML, GEXF, node-link JSON, CSV (zip) and a replayable Cypher script.

Every writer is deterministic (elements by id, properties by name). List values (``prov``,
``aliases``, ``datasets`` ...) travel as JSON text in the XML and CSV formats, as lists in JSON and
Cypher. Text is cleaned of characters XML 1.0 cannot hold; CSV cells that a spreadsheet would run
as a formula are prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import orjson
from tierwatch.graph.exports import Stored, Subgraph
from tierwatch.graph.schema import ENTITY_LABEL, allowed_label, allowed_rel

_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NODE_FIRST = ("id", "type", "name")
_EDGE_FIRST = ("id", "type", "src", "dst")


def _xml_text(value: str) -> str:
    return escape(_XML_BAD.sub("\ufffd", value))


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return orjson.dumps(value).decode()
    return str(value)


def _keys(elements: list[Stored], first: tuple[str, ...]) -> list[str]:
    seen: set[str] = set()
    for element in elements:
        seen.update(element)
    return [k for k in first if k in seen] + sorted(seen - set(first))


def _kind(elements: list[Stored], key: str) -> str:
    """The one value type of a property across elements: boolean, long, double or string."""
    kinds = {type(e[key]) for e in elements if key in e}
    if kinds == {bool}:
        return "boolean"
    if kinds and kinds <= {int}:
        return "long"
    if kinds and kinds <= {int, float}:
        return "double"
    return "string"


def _meta_pairs(meta: dict[str, Any]) -> list[tuple[str, str]]:
    return [(k, _scalar_text(v)) for k, v in sorted(meta.items())]


# -- GraphML ------------------------------------------------------------------------------------


def graphml(sub: Subgraph) -> bytes:
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
        'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">',
    ]
    ids: dict[tuple[str, str], str] = {}
    for domain, elements, first in (("node", sub.nodes, _NODE_FIRST), ("edge", sub.edges, _EDGE_FIRST)):
        for key in _keys(elements, first):
            kid = f"{domain[0]}{len(ids)}"
            ids[(domain, key)] = kid
            out.append(
                f'  <key id="{kid}" for="{domain}" attr.name={quoteattr(key)} '
                f'attr.type="{_kind(elements, key)}"/>'
            )
    for name, _ in _meta_pairs(sub.meta):
        kid = f"g{len(ids)}"
        ids[("graph", name)] = kid
        out.append(f'  <key id="{kid}" for="graph" attr.name={quoteattr(name)} attr.type="string"/>')
    out.append('  <graph id="tierwatch" edgedefault="directed">')
    for name, text in _meta_pairs(sub.meta):
        out.append(f'    <data key="{ids[("graph", name)]}">{_xml_text(text)}</data>')
    for node in sub.nodes:
        out.append(f"    <node id={quoteattr(_XML_BAD.sub('', node['id']))}>")
        out.extend(
            f'      <data key="{ids[("node", k)]}">{_xml_text(_scalar_text(node[k]))}</data>'
            for k in _keys([node], _NODE_FIRST)
        )
        out.append("    </node>")
    for edge in sub.edges:
        out.append(
            f"    <edge id={quoteattr(_XML_BAD.sub('', edge['id']))} "
            f"source={quoteattr(_XML_BAD.sub('', edge['src']))} "
            f"target={quoteattr(_XML_BAD.sub('', edge['dst']))}>"
        )
        out.extend(
            f'      <data key="{ids[("edge", k)]}">{_xml_text(_scalar_text(edge[k]))}</data>'
            for k in _keys([edge], _EDGE_FIRST)
        )
        out.append("    </edge>")
    out += ["  </graph>", "</graphml>", ""]
    return "\n".join(out).encode("utf-8")


# -- GEXF ---------------------------------------------------------------------------------------

_GEXF_TYPES = {"boolean": "boolean", "long": "long", "double": "double", "string": "string"}


def gexf(sub: Subgraph) -> bytes:
    description = "; ".join(f"{k}={v}" for k, v in _meta_pairs(sub.meta))
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<gexf xmlns="http://gexf.net/1.3" version="1.3">',
        f"  <meta><creator>tierwatch</creator><description>{_xml_text(description)}</description></meta>",
        '  <graph defaultedgetype="directed" mode="static">',
    ]
    attr_ids: dict[tuple[str, str], str] = {}
    for domain, elements, first in (("node", sub.nodes, _NODE_FIRST), ("edge", sub.edges, _EDGE_FIRST)):
        out.append(f'    <attributes class="{domain}">')
        for i, key in enumerate(_keys(elements, first)):
            attr_ids[(domain, key)] = str(i)
            out.append(
                f'      <attribute id="{i}" title={quoteattr(key)} '
                f'type="{_GEXF_TYPES[_kind(elements, key)]}"/>'
            )
        out.append("    </attributes>")
    out.append("    <nodes>")
    for node in sub.nodes:
        label = _XML_BAD.sub("", str(node.get("name") or node["id"]))
        out.append(f"      <node id={quoteattr(_XML_BAD.sub('', node['id']))} label={quoteattr(label)}>")
        out.append("        <attvalues>")
        out.extend(
            f'          <attvalue for="{attr_ids[("node", k)]}" '
            f"value={quoteattr(_XML_BAD.sub('', _scalar_text(node[k])))}/>"
            for k in _keys([node], _NODE_FIRST)
        )
        out.append("        </attvalues>")
        out.append("      </node>")
    out.append("    </nodes>")
    out.append("    <edges>")
    for edge in sub.edges:
        out.append(
            f"      <edge id={quoteattr(_XML_BAD.sub('', edge['id']))} "
            f"source={quoteattr(_XML_BAD.sub('', edge['src']))} "
            f"target={quoteattr(_XML_BAD.sub('', edge['dst']))} label={quoteattr(edge['type'])}>"
        )
        out.append("        <attvalues>")
        out.extend(
            f'          <attvalue for="{attr_ids[("edge", k)]}" '
            f"value={quoteattr(_XML_BAD.sub('', _scalar_text(edge[k])))}/>"
            for k in _keys([edge], _EDGE_FIRST)
        )
        out.append("        </attvalues>")
        out.append("      </edge>")
    out += ["    </edges>", "  </graph>", "</gexf>", ""]
    return "\n".join(out).encode("utf-8")


# -- node-link JSON -----------------------------------------------------------------------------


def node_link(sub: Subgraph) -> bytes:
    """networkx-compatible node-link data (``nx.node_link_graph(data, edges="links")``)."""
    data = {
        "directed": True,
        "multigraph": True,
        "graph": sub.meta,
        "nodes": sub.nodes,
        "links": [{"source": e["src"], "target": e["dst"], "key": e["id"], **e} for e in sub.edges],
    }
    return orjson.dumps(data, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2)


# -- CSV ----------------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value: Any) -> str:
    """A CSV cell a spreadsheet shows as text: text opening with = + - @ (or tab, CR) gets a ``'``."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float) and not isinstance(value, str):
        return _scalar_text(value)
    text = _scalar_text(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def _csv(elements: list[Stored], first: tuple[str, ...]) -> bytes:
    keys = _keys(elements, first)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([safe_cell(k) for k in keys])
    for element in elements:
        writer.writerow([safe_cell(element.get(k)) for k in keys])
    return buf.getvalue().encode("utf-8-sig")


def csv_tables(sub: Subgraph) -> dict[str, bytes]:
    return {"nodes.csv": _csv(sub.nodes, _NODE_FIRST), "edges.csv": _csv(sub.edges, _EDGE_FIRST)}


def csv_zip(sub: Subgraph) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in csv_tables(sub).items():
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
        meta = orjson.dumps(sub.meta, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2)
        info = zipfile.ZipInfo("meta.json", date_time=(2020, 1, 1, 0, 0, 0))
        zf.writestr(info, meta)
    return buf.getvalue()


# -- Cypher -------------------------------------------------------------------------------------


def cypher_string(text: str) -> str:
    """A Cypher string literal: backslash, quote and every control character escaped."""
    out = ["'"]
    for ch in text:
        code = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == "'":
            out.append("\\'")
        elif code < 0x20 or code in (0x7F, 0x2028, 0x2029):
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    out.append("'")
    return "".join(out)


def cypher_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return "null"
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(cypher_value(v) for v in value) + "]"
    return cypher_string(str(value))


def _ident(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _cypher_map(element: Stored) -> str:
    return "{" + ", ".join(f"{_ident(k)}: {cypher_value(element[k])}" for k in sorted(element)) + "}"


def cypher_script(sub: Subgraph) -> bytes:
    """Statements, one per line, that MERGE every node and edge into Neo4j 5 (idempotent)."""
    lines = ["// tierwatch export: replay with `cypher-shell -f FILE` (Neo4j 5); one statement per line"]
    lines += [f"// {k}: {v}".replace("\n", " ") for k, v in _meta_pairs(sub.meta)]
    lines.append(f"CREATE CONSTRAINT entity_id IF NOT EXISTS FOR (n:{ENTITY_LABEL}) REQUIRE n.id IS UNIQUE;")
    for node in sub.nodes:
        label = allowed_label(node["type"])
        lines.append(
            f"MERGE (n:{ENTITY_LABEL} {{id: {cypher_string(node['id'])}}}) "
            f"SET n = {_cypher_map(node)} SET n:{_ident(label)};"
        )
    for edge in sub.edges:
        rel = allowed_rel(edge["type"])
        lines.append(
            f"MATCH (a:{ENTITY_LABEL} {{id: {cypher_string(edge['src'])}}}), "
            f"(b:{ENTITY_LABEL} {{id: {cypher_string(edge['dst'])}}}) "
            f"MERGE (a)-[r:{_ident(rel)} {{id: {cypher_string(edge['id'])}}}]->(b) "
            f"SET r = {_cypher_map(edge)};"
        )
    lines.append("")
    return "\n".join(lines).encode("utf-8")


def cypher_statements(script: bytes) -> list[str]:
    """The statements of a script from ``cypher_script`` (for replay through a driver)."""
    return [
        line[:-1]
        for line in script.decode("utf-8").splitlines()
        if line and not line.startswith("//") and line.endswith(";")
    ]
