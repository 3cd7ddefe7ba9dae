"""The report as a PDF, drawn from the same model as the HTML with fpdf2 (pure Python).

A Unicode TrueType font is used when the system has one (Liberation Sans, else DejaVu Sans); otherwise
the built-in Helvetica, with text folded to Latin-1
(accents kept where Latin-1 has them, other characters as "?").
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from tierwatch.graph.report.model import ReportModel
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

FONT_CANDIDATES = (  # Liberation first: it loads about ten times faster than DejaVu
    (
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    ),
    (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    ),
)


class _Doc(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(format="A4")
        self.report_title = title
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, 15)
        self.family, self.unicode = self._font()
        self.set_title(title)
        self.set_creator("tierwatch")

    def _font(self) -> tuple[str, bool]:
        for regular, bold in FONT_CANDIDATES:
            if Path(regular).is_file():
                self.add_font("body", "", regular)
                self.add_font("body", "B", bold if bold and Path(bold).is_file() else regular)
                return "body", True
        return "helvetica", False

    def text_of(self, value: object) -> str:
        text = "" if value is None else str(value)
        return text if self.unicode else text.encode("latin-1", "replace").decode("latin-1")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family, "", 7)
        self.cell(0, 5, self.text_of(f"{self.report_title} - page {self.page_no()}"), align="C")

    def para(self, text: object, size: float = 9, bold: bool = False, h: float = 4.3) -> None:
        self.set_font(self.family, "B" if bold else "", size)
        self.multi_cell(0, h, self.text_of(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def heading(self, text: str, size: float = 13) -> None:
        if self.get_y() > self.h - 40:
            self.add_page()
        self.ln(2)
        self.para(text, size=size, bold=True, h=size * 0.5)
        self.ln(1)

    def wrap(self, text: str, width: float) -> list[str]:
        """Greedy word wrap by measured widths (linear in the text; fpdf2's own table layout is
        quadratic in a cell's line length and took most of a report's time)."""
        lines: list[str] = []
        space = self.get_string_width(" ")
        for para in text.split("\n"):
            line, used = "", 0.0
            for word in para.split(" "):
                ww = self.get_string_width(word)
                if ww > width:  # a long id or path step: break it by characters
                    for ch in word:
                        cw = self.get_string_width(ch)
                        if used + cw > width and line:
                            lines.append(line)
                            line, used = "", 0.0
                        line, used = line + ch, used + cw
                    continue
                extra = ww + (space if line else 0.0)
                if used + extra > width and line:
                    lines.append(line)
                    line, used = word, ww
                else:
                    line, used = (f"{line} {word}" if line else word), used + extra
            lines.append(line)
        return lines

    def grid(self, table: Table, widths: tuple[float, ...]) -> None:
        """A bordered table (header, rows); the header row repeats after a page break."""
        head, rows = table
        total = self.w - self.l_margin - self.r_margin
        cols = [total * w / sum(widths) for w in widths]
        pad, lh, size = 0.8, 3.3, 7.5
        room = self.h - self.t_margin - self.b_margin - 2 * pad

        def row(cells: list[str] | tuple[str, ...], header: bool) -> None:
            self.set_font(self.family, "B" if header else "", size)
            wrapped = [self.wrap(self.text_of(c), w - 2 * pad) for c, w in zip(cells, cols, strict=True)]
            n = min(max(len(x) for x in wrapped), int(room / lh))
            h = n * lh + 2 * pad
            if self.get_y() + h > self.page_break_trigger:
                self.add_page()
                if not header:
                    row(head, True)
                    self.set_font(self.family, "", size)
            x, y = self.l_margin, self.get_y()
            self.set_fill_color(238, 241, 245)
            for lines, w in zip(wrapped, cols, strict=True):
                self.rect(x, y, w, h, style="DF" if header else "D")
                for i, line in enumerate(lines[:n]):
                    self.set_xy(x + pad, y + pad + i * lh)
                    self.cell(w - 2 * pad, lh, line)
                x += w
            self.set_xy(self.l_margin, y + h)

        row(head, True)
        for r in rows:
            row(r, False)
        self.ln(1.5)


def render_pdf(report: ReportModel) -> bytes:
    r = report.exposure
    sources = {s.dataset: s for s in report.sources}
    doc = _Doc(report.title)
    doc.add_page()
    doc.para(report.title, size=16, bold=True, h=8)
    for line in asked_text(report):
        doc.para(line, size=8.5)
    doc.heading("Summary")
    for line in report.summary:
        doc.para(line, size=9.5, h=4.8)
        doc.ln(1)
    head = r.coverage.headline
    if head is not None and head.steps:
        doc.heading("Coverage")
        rows = [list(x) for x in headline_rows(head)]
        doc.grid((rows[0], rows[1:]), (4, 2, 1.3, 1.3))
    if r.contributors:
        doc.heading("Where to act first")
        doc.grid(contributor_table(report), (0.5, 3, 1, 2, 1, 0.8, 4))
    if report.changes is not None:
        doc.heading(f"What changed since {report.changes['since']}")
        doc.para(changes_text(report), size=8.5)
        if report.changes["changes"]:
            doc.grid(changes_table(report), (1, 3, 1.2, 1.5, 4))
    doc.heading("Evidence by risk category")
    doc.para(FOOTNOTE, size=7.5)
    for c in r.categories:
        doc.heading(category_title(c.category), size=11)
        doc.para(category_text(c), size=8.5)
        if c.note:
            doc.para(c.note, size=8)
        if c.hits:
            doc.grid(
                (
                    ["#", "entity", "tier", "confidence", "finding", "source", "path"],
                    [
                        [
                            str(i),
                            f"{h.entity.name or h.entity.id} ({h.entity.id})",
                            str(h.tier),
                            f"{h.confidence:.3f} = path {h.path.confidence:.3f} x finding "
                            f"{h.finding.confidence:.2f}",
                            f"{h.finding.evidence} [rule {h.rule}]"
                            + (f" {remedy_text(h)}" if remedy_text(h) else ""),
                            finding_source(h, sources),
                            " ".join(
                                [h.path.nodes[0]]
                                + [
                                    f"-[{link_text(k)}]- {n}"
                                    for k, n in zip(h.path.links, h.path.nodes[1:], strict=True)
                                ]
                            )
                            + (f" ({h.path.period_note})" if h.path.period_note else ""),
                        ]
                        for i, h in enumerate(c.hits, 1)
                    ],
                ),
                (0.4, 2, 0.5, 1.3, 3, 2.4, 3.6),
            )
            if c.more:
                doc.para(f"... and {c.more} more hits (the API and the CLI list them).", size=7.5)
    doc.heading("Known unknowns")
    if report.gaps:
        doc.grid(gap_table(report), (1.5, 0.8, 1.3, 0.9, 2.5, 3.5))
    else:
        doc.para("Every expected chain step of every brand is mapped.")
    for note in r.coverage.notes:
        doc.para(f"- {note}", size=8)
    doc.heading("Sources and licences")
    doc.grid(source_table(report), (1.6, 2.6, 1.6, 2.2, 0.8, 1.4, 1.1))
    doc.heading("Withheld for this viewer")
    doc.para(withheld_text(report))
    if report.withheld.per_category:
        doc.grid(withheld_table(report), (3, 1, 1))
    if report.withheld.hint:
        doc.para(report.withheld.hint)
    return bytes(doc.output())
