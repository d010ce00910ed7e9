"""Reference numbers that follow the text: renumber an article's references by first citation.

Editors cite by number and never keep the numbers in order by hand: when they save, the
references are renumbered in the order a reader first meets them (summary, body, then the
professional summary and body; within a text, Markdown source order is reading order), the
uncited ones after them in their old order, and every citation marker in the four texts is
rewritten to match. Pure functions, no database: ``articles.review.editing.renumber_references``
applies them to an article and saves through the workflow, so history records who and why.
"""

import re

from .rendering import CITATION_RE, parse_citation

TEXT_FIELDS = ("summary", "body", "professional_summary", "professional_body")
_CITATION = re.compile(CITATION_RE)
_DASH = re.compile(r"\s*([–-])\s*")


def citation_order(texts: list[str]) -> list[int]:
    """Return the cited numbers in order of first citation across ``texts``."""
    order: dict[int, None] = {}
    for text in texts:
        for match in _CITATION.finditer(text or ""):
            order.update(dict.fromkeys(parse_citation(match.group(1))))
    return list(order)


def renumbering(texts: list[str], numbers: list[int]) -> dict[int, int]:
    """Return {old: new} for the references ``numbers`` (empty when nothing moves or may move).

    Nothing is renumbered while the text cites a number no reference has: the marker would end
    up pointing at whichever reference took that number.
    """
    cited = citation_order(texts)
    known = set(numbers)
    if any(number not in known for number in cited):
        return {}
    order = cited + sorted(known.difference(cited))
    mapping = {old: new for new, old in enumerate(order, start=1)}
    return {} if all(old == new for old, new in mapping.items()) else mapping


def _rewrite_part(part: str, mapping: dict[int, int]) -> str:
    bounds = _DASH.split(part.strip())
    if len(bounds) == 3:  # a range: stays a range while its numbers stay consecutive
        start, dash, end = int(bounds[0]), bounds[1], int(bounds[2])
        new = sorted(mapping.get(n, n) for n in range(start, end + 1))
        if new == list(range(new[0], new[0] + len(new))):
            return f"{new[0]}{dash}{new[-1]}"
        return ", ".join(str(n) for n in new)
    return str(mapping.get(int(part), int(part)))


def rewrite_citations(text: str, mapping: dict[int, int]) -> str:
    """Return ``text`` with every citation marker's numbers changed by ``mapping``."""
    if not mapping or not text:
        return text

    def replace(match):
        pieces = re.split(r"(\s*,\s*)", match.group(1))
        separators, parts = pieces[1::2], pieces[::2]
        # Ascending order, the house style: references that swap places would otherwise leave
        # "[2, 1]" where the editor wrote "[1, 2]".
        new = sorted((_rewrite_part(part, mapping) for part in parts), key=lambda part: int(re.match(r"\d+", part)[0]))
        return "[" + "".join(part + separator for part, separator in zip(new, separators + [""], strict=True)) + "]"

    return _CITATION.sub(replace, text)
