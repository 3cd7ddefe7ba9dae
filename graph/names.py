"""Name normalisation shared by entity resolution and search (both stores use the same rule)."""

from __future__ import annotations

import re
import unicodedata

# Legal-form words dropped from company names before comparing them. "Group" and "Holdings"
# stay: "Zijin Mining Group" and "JXTG Holdings" name different entities from their units.
LEGAL_FORMS = frozenset(
    [
        "co",
        "company",
        "corp",
        "corporation",
        "inc",
        "incorporated",
        "ltd",
        "limited",
        "llc",
        "plc",
        "lp",
        "llp",
        "gmbh",
        "ag",
        "kg",
        "sa",
        "sas",
        "sarl",
        "spa",
        "srl",
        "bv",
        "nv",
        "oy",
        "ab",
        "as",
        "asa",
        "kk",
        "pte",
        "pty",
        "pvt",
        "private",
        "sdn",
        "bhd",
        "tbk",
        "jsc",
        "pjsc",
        "ojsc",
        "oao",
        "zao",
        "ooo",
        "cv",
    ]
)
_PUNCT = re.compile(r"[^\w]+")
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower case, accents removed, white space collapsed."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", stripped.lower()).strip()


def normalise_name(name: str) -> str:
    """The comparison key of an organisation's name: folded, '&' as 'and', no punctuation or legal form.

    >>> normalise_name("JX Nippon Mining & Metals Co., Ltd.")
    'jx nippon mining and metals'
    """
    text = fold(name).replace("&", " and ")
    text = re.sub(r"\bs\.?\s?a\.?\s?r\.?\s?l\.?\b", " sarl ", text)
    text = re.sub(r"\bs\.a\.|\bs\.p\.a\.|\bb\.v\.|\bn\.v\.", " ", text)
    words = [w for w in _PUNCT.sub(" ", text).split() if w]
    while words and words[-1] in LEGAL_FORMS:
        words.pop()
    kept = [w for w in words if w not in LEGAL_FORMS] or words
    return " ".join(kept)


def slug(name: str) -> str:
    """An id fragment from a normalised name."""
    return normalise_name(name).replace(" ", "-") or "unnamed"
