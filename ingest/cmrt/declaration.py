"""The declaration sheet of a filled CMRT/EMRT/CRT: company, scope, answers, products.

Labels are found by content (through the template's translation table, so any interface language
works), values in the cells just right of them. Personal fields (contact and authorizer names,
titles, e-mails, phones) are recognised so they can be reported as consumed, and never read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tierwatch.graph.errors import InputFileError
from tierwatch.ingest.reference import commodity_id
from tierwatch.ingest.rmi_smelters.workbook import Template, cell_text, label_key

VALUE_WINDOW = 6  # value cells sit within a few columns right of their label (drop-down lists further right)

#: canonical field -> pattern on the label key
FIELDS = {
    "company_name": r"^company name$",
    "scope": r"^declaration scope or class$",
    "scope_description": r"^description of scope$",
    "minerals_in_scope": r"^select minerals/metals in scope",
    "company_unique_id_authority": r"^company unique id authority$",
    "company_unique_id": r"^company unique id$",
    "address": r"^address$",
    "effective_date": r"^effective date$",
}
#: personal fields: recognised, never read
PERSONAL = r"contact name|^e-?mail|^phone|^authorizer$|^title - authorizer|authorizer$"
_METAL_QUESTION = re.compile(r"^\d+\)\s")
_COMPANY_QUESTION = re.compile(r"^[A-Z]\.\s.*\?")


@dataclass
class Declaration:
    sheet: str
    company: str
    fields: dict[str, str] = field(default_factory=dict)
    # commodity id -> question -> {answer, comment}
    metal_answers: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    company_answers: dict[str, dict[str, str]] = field(default_factory=dict)
    products: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    personal_labels: list[str] = field(default_factory=list)

    def summary(self, commodity: str | None = None) -> dict[str, object]:
        """The declaration's facts (no personal data) for one metal, as a JSON-ready mapping."""
        out: dict[str, object] = {"company": self.company}
        out.update({k: v for k, v in self.fields.items() if k != "company_name" and v})
        if self.products:
            out["products"] = self.products
        if commodity and self.metal_answers.get(commodity):
            out["answers"] = self.metal_answers[commodity]
        if self.company_answers:
            out["company_answers"] = self.company_answers
        return out


def find_declaration_sheet(template: Template) -> str | None:
    for sheet in template.sheet_names:
        for row in template.rows(sheet)[:40]:
            if any(re.search(FIELDS["company_name"], label_key(template.in_english(c))) for c in row[:6]):
                return sheet
    return None


def _first_label(template: Template, row: list) -> tuple[int, str] | None:
    for index, cell in enumerate(row):
        text = template.in_english(cell)
        if text:
            return index, text
    return None


def _value_after(template: Template, row: list, index: int) -> str:
    for cell in row[index + 1 : index + 1 + VALUE_WINDOW]:
        text = template.in_english(cell)
        if text:
            return text
    return ""


def read_declaration(template: Template) -> Declaration:
    sheet = find_declaration_sheet(template)
    if sheet is None:
        raise InputFileError(str(template.path), "no declaration sheet (a sheet with a 'Company Name' label)")
    decl = Declaration(sheet=sheet, company="")
    question: str | None = None
    answer_col = comment_col = None
    for row in template.rows(sheet):
        found = _first_label(template, row)
        if found is None:
            continue
        index, label = found
        key = label_key(label)
        texts = [template.in_english(c) for c in row]
        if "Answer" in texts:
            answer_col = texts.index("Answer")
            comment_col = texts.index("Comments") if "Comments" in texts else None
        if re.search(PERSONAL, key):
            decl.personal_labels.append(_clean_label(label))
            continue
        name = next((n for n, pattern in FIELDS.items() if re.search(pattern, key)), None)
        if name is not None:
            decl.labels.append(_clean_label(label))
            decl.fields.setdefault(name, _value_after(template, row, index))
            question = None
            continue
        if _METAL_QUESTION.match(label):
            question = _clean_label(label)
            decl.labels.append(question)
            continue
        answer = _answer(template, row, answer_col, comment_col)
        if _COMPANY_QUESTION.match(label):
            question = None
            decl.labels.append(_clean_label(label))
            if answer:
                decl.company_answers[_clean_label(label)] = answer
            continue
        metal = commodity_id(_clean_label(label))
        if question and metal and answer:
            decl.metal_answers.setdefault(metal, {})[question] = answer
    decl.company = decl.fields.get("company_name", "")  # blank: the pipeline names a placeholder
    decl.products = read_products(template)
    return decl


def _answer(template: Template, row: list, answer_col: int | None, comment_col: int | None) -> dict[str, str]:
    out = {}
    if answer_col is not None and answer_col < len(row) and template.in_english(row[answer_col]):
        out["answer"] = template.in_english(row[answer_col])
    if comment_col is not None and comment_col < len(row) and cell_text(row[comment_col]):
        out["comment"] = cell_text(row[comment_col])
    return out


def _clean_label(label: str) -> str:
    return " ".join(label.replace("(*)", " ").split()).rstrip(":：").strip()


def read_products(template: Template, limit: int = 100) -> list[str]:
    """Product names/numbers of a product-scope declaration (the product list table), if any."""
    for sheet in template.sheet_names:
        rows = template.rows(sheet)
        for h, row in enumerate(rows[:15]):
            keys = [k if len(k) < 60 else "" for k in (label_key(template.in_english(c)) for c in row)]
            number = next((i for i, k in enumerate(keys) if "product number" in k), None)
            if number is None:
                continue
            name = next((i for i, k in enumerate(keys) if "product name" in k), None)
            out = []
            for r in rows[h + 1 :]:
                parts = [cell_text(r[i]) for i in (number, name) if i is not None and i < len(r)]
                parts = [p for p in parts if p and not p.startswith("©")]  # the template's copyright line
                if parts:
                    out.append(" / ".join(dict.fromkeys(parts)))
            return out[:limit]
    return []
