"""Text repairs for OCDS strings, and the test for names that look like a natural person's.

Mojibake rule: a run of two or more characters drawn from Latin-1/cp1252 (U+0080..U+00FF and the
cp1252 specials such as '€', '™', '¯') that starts with 'Â', 'Ã', 'â', 'Ð', 'Ñ', 'Õ' or 'Ô' is text
that was UTF-8, decoded as cp1252. Such a run is re-encoded as cp1252 and decoded as UTF-8; when
that decoding fails the run is kept as it is (so 'Â£' becomes '£', 'â€¢' becomes '•', 'KÃ¤rcher'
becomes 'Kärcher', while a genuine 'Ã' in a Portuguese word stays). Backslashes lost in publishing
('licensingrnavailable' for a CR LF) cannot be told apart from real letters and are kept as they are.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

_CP1252_SPECIALS = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"
_RUN = re.compile(f"[ÂÃâÐÑÕÔ][\u0080-\u00ff{_CP1252_SPECIALS}]+")


def _repair_run(match: re.Match[str]) -> str:
    run = match.group(0)
    try:
        return run.encode("cp1252").decode("utf-8")
    except UnicodeError:
        return run


def fix_mojibake(text: str) -> str:
    """``text`` with UTF-8-read-as-cp1252 runs repaired (see the module docstring)."""
    if not _RUN.search(text):
        return text
    return _RUN.sub(_repair_run, text)


def repair_strings(value: Any, counter: list[int]) -> Any:
    """A JSON value with every string repaired; ``counter[0]`` counts the strings changed."""
    if isinstance(value, str):
        fixed = fix_mojibake(value)
        if fixed != value:
            counter[0] += 1
        return fixed
    if isinstance(value, dict):
        return {k: repair_strings(v, counter) for k, v in value.items()}
    if isinstance(value, list):
        return [repair_strings(v, counter) for v in value]
    return value


def clean(value: Any) -> str | None:
    """A string value with white space collapsed, or None when blank or not text."""
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    return text or None


#: Words that make a name an organisation's, not a person's (compared in lower case).
ORGANISATION_WORDS = frozenset(
    (
        "ltd",
        "limited",
        "plc",
        "llp",
        "lp",
        "inc",
        "llc",
        "co",
        "company",
        "corp",
        "corporation",
        "group",
        "holdings",
        "services",
        "service",
        "solutions",
        "consultancy",
        "consulting",
        "consultants",
        "associates",
        "partners",
        "partnership",
        "trust",
        "council",
        "university",
        "college",
        "school",
        "academy",
        "nhs",
        "foundation",
        "charity",
        "society",
        "association",
        "agency",
        "authority",
        "taxis",
        "taxi",
        "cabs",
        "cars",
        "transport",
        "travel",
        "carpets",
        "flooring",
        "construction",
        "builders",
        "building",
        "contractors",
        "engineering",
        "systems",
        "software",
        "digital",
        "technology",
        "technologies",
        "international",
        "uk",
        "europe",
        "global",
        "care",
        "homes",
        "housing",
        "cic",
        "cio",
        "barristers",
        "chambers",
        "solicitors",
        "architects",
        "clinic",
        "centre",
        "center",
        "studio",
        "media",
        "security",
        "insurance",
    )
)
_WORD = r"[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?"
_PERSON = re.compile(rf"^(?:(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.?\s+)?({_WORD})(?:\s+[A-Z]\.?)?\s+{_WORD}$")


@lru_cache(maxsize=1)
def given_names() -> frozenset[str]:
    """The reviewed given-name list (given_names.toml beside this module)."""
    data = tomllib.loads((Path(__file__).parent / "given_names.toml").read_text(encoding="utf-8"))
    return frozenset(data["names"])


def looks_like_person(name: str, has_register_id: bool) -> bool:
    """True when an organisation name is probably a natural person's (a sole trader).

    Rule: no company-register identifier, a reviewed given name followed by one capitalised word
    (optionally with a middle initial), letters only, and no organisation word ("Rachael Botley"
    yes; "Siemens Healthineers", "Plowman Carpets", "Ernst & Young LLP" no).
    """
    if has_register_id:
        return False
    text = " ".join(name.split())
    match = _PERSON.match(text)
    if not match or match.group(1) not in given_names():
        return False
    return not any(word.lower().strip(".") in ORGANISATION_WORDS for word in text.split())
