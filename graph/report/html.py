"""The report as one self-contained HTML file: inline CSS (print rules included), no script, no font,
no image and no link that makes a network request. Every value is escaped."""

from __future__ import annotations

from html import escape

from tierwatch.graph.query.models import FindingHit, Link
from tierwatch.graph.report.model import ReportModel, SourceInfo
from tierwatch.graph.report.text import (
    FOOTNOTE,
    Table,
    asked_text,
    category_text,
    category_title,
    changes_table,
    changes_text,
    contributor_table,
    finding_source,
    gap_table,
    headline_rows,
    link_text,
    remedy_text,
    source_table,
    withheld_table,
    withheld_text,
)

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif;color:#1b1b1b;
max-width:70rem;margin:1.5rem auto;padding:0 1rem;line-height:1.4;font-size:14px}
h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.25rem;border-bottom:2px solid #2b4c7e;padding-bottom:.2rem;
margin-top:1.6rem}h3{font-size:1.05rem;margin:1.1rem 0 .3rem}
table{border-collapse:collapse;width:100%;margin:.4rem 0}th,td{border:1px solid #c8ccd2;padding:.25rem .4rem;
text-align:left;vertical-align:top}th{background:#eef1f5}td.n,th.n{text-align:right;white-space:nowrap}
.summary{background:#f5f7fa;border-left:4px solid #2b4c7e;padding:.4rem 1rem}.summary p{margin:.4rem 0}
.meta{color:#444}
.path{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;word-break:break-word}
.withheld{background:#fff6e0;border-left:4px solid #c98a00;padding:.4rem 1rem}
.small{font-size:12px;color:#555}
.remedy{font-size:12px;color:#1d5e2e}
@media print{body{max-width:none;margin:0;font-size:10.5pt}h2{break-after:avoid}
tr,.summary{break-inside:avoid}.summary{page-break-after:always}a{color:inherit;text-decoration:none}}
@page{size:A4;margin:15mm}
"""


def _e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def _table(head: list[str], rows: list[list[str]], numeric: set[int] | None = None) -> str:
    numeric = numeric or set()
    th = "".join(f"<th{' class=n' if i in numeric else ''}>{_e(h)}</th>" for i, h in enumerate(head))
    body = "".join(
        "<tr>"
        + "".join(f"<td{' class=n' if i in numeric else ''}>{c}</td>" for i, c in enumerate(r))
        + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def _path(links: list[Link], nodes: list[str]) -> str:
    parts = [_e(nodes[0])]
    for link, node in zip(links, nodes[1:], strict=True):
        parts.append(f" -[{_e(link_text(link))}]- {_e(node)}")
    return f'<div class="path">{"".join(parts)}</div>'


def _hit_row(i: int, h: FindingHit, sources: dict[str, SourceInfo]) -> list[str]:
    return [
        str(i),
        f"{_e(h.entity.name or h.entity.id)}<br><span class=small>{_e(h.entity.id)}"
        f"{' (' + _e(h.entity.country) + ')' if h.entity.country else ''}</span>",
        str(h.tier),
        f"{h.confidence:.3f}<br><span class=small>path {h.path.confidence:.3f} x finding "
        f"{h.finding.confidence:.2f}</span>",
        f"{_e(h.finding.evidence)}<br><span class=small>rule: {_e(h.rule)}"
        f"{'; via ' + _e(h.via) if h.via else ''}{'; commodity ' + _e(h.commodity) if h.commodity else ''}"
        f"</span>" + (f"<br><span class=remedy>{_e(remedy_text(h))}</span>" if remedy_text(h) else ""),
        _e(finding_source(h, sources)),
        _path(h.path.links, h.path.nodes)
        + (f"<span class=small>{_e(h.path.period_note)}</span>" if h.path.period_note else ""),
    ]


def _plain(table: Table, numeric: set[int] | None = None) -> str:
    head, rows = table
    return _table(head, [[_e(c) for c in row] for row in rows], numeric)


def render_html(report: ReportModel) -> bytes:
    r = report.exposure
    sources = {s.dataset: s for s in report.sources}
    asked, when = asked_text(report)
    out: list[str] = [
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>",
        "<meta name=viewport content='width=device-width,initial-scale=1'>",
        # no request may leave the file: forbid every fetch the browser could make
        "<meta http-equiv=Content-Security-Policy content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>{_e(report.title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{_e(report.title)}</h1>",
        f'<p class="meta">{_e(asked)}<br>{_e(when)}</p>',
        "<h2>Summary</h2><div class=summary>",
        *(f"<p>{_e(s)}</p>" for s in report.summary),
        "</div>",
    ]
    head = r.coverage.headline
    if head is not None and head.steps:
        rows = [list(row) for row in headline_rows(head)]
        out += ["<h2>Coverage</h2>", f"<p>{_e(head.text)}</p>", _plain((rows[0], rows[1:]), {1, 2, 3})]
    if r.contributors:
        out.append(
            "<h2>Where to act first</h2><p class=small>Brands ranked by the strongest single hit "
            "through them, then distinct findings, then hits.</p>"
        )
        out.append(_plain(contributor_table(report), {0, 2, 4, 5}))
    if report.changes is not None:
        out.append(f"<h2>What changed since {_e(report.changes['since'])}</h2>")
        out.append(f"<p>{_e(changes_text(report))}</p>")
        if report.changes["changes"]:
            out.append(_plain(changes_table(report)))
    out.append("<h2>Evidence by risk category</h2>")
    out.append(f"<p class=small>{_e(FOOTNOTE)}</p>")
    for c in r.categories:
        out.append(f"<h3>{_e(category_title(c.category))}</h3><p>{_e(category_text(c))}</p>")
        if c.note:
            out.append(f"<p class=withheld>{_e(c.note)}</p>")
        if c.hits:
            out.append(
                _table(
                    ["#", "entity", "tier", "confidence", "finding", "source", "path"],
                    [_hit_row(i, h, sources) for i, h in enumerate(c.hits, 1)],
                    {0, 2, 3},
                )
            )
            if c.more:
                out.append(f"<p class=small>... and {c.more} more hits (the API and the CLI list them).</p>")
    out.append("<h2>Known unknowns</h2>")
    if report.gaps:
        out.append(_plain(gap_table(report)))
    else:
        out.append("<p>Every expected chain step of every brand is mapped.</p>")
    if r.coverage.notes:
        out.append("<ul>" + "".join(f"<li>{_e(n)}</li>" for n in r.coverage.notes) + "</ul>")
    out.append("<h2>Sources and licences</h2>")
    out.append(_plain(source_table(report)))
    out.append(f"<h2>Withheld for this viewer</h2><div class=withheld><p>{_e(withheld_text(report))}</p>")
    if report.withheld.per_category:
        out.append(_plain(withheld_table(report), {1, 2}))
    if report.withheld.hint:
        out.append(f"<p>{_e(report.withheld.hint)}</p>")
    out.append("</div></body></html>")
    return "\n".join(out).encode()
