"""Editorial checks of an article's Markdown: readable, cited, accessible (issue 24).

Pure text analysis: nothing here reads the database or the settings. ``run_checks`` reads the
four text fields of a content snapshot and returns every finding of every check; which of them
warn, which block and which are off is the site's checklist (``articles.models.Checklist``),
applied by the caller (``review.validation``, the editor's live preview, the review screen).

What is read as what (a line-based reading of the Markdown we render):

- **Prose** is paragraph and block-quote text. Headings, list items, tables, code (fenced or
  indented), reference definitions and raw HTML lines are not prose; in prose, citation markers
  (``[1]``, ``[2, 3]``), figures and images are removed and links keep only their text.
- **Readability** (the patient text only: summary and body) is the Flesch-Kincaid grade and the
  SMOG grade of the prose, by ``textstat``. The text is flagged when either grade is above the
  target (``EDITORIAL_PATIENT_READING_GRADE``); SMOG needs three sentences, so shorter prose is
  graded by Flesch-Kincaid alone. The hardest sentences (up to three above the target, by their
  own Flesch-Kincaid grade, then by their words of three or more syllables) are named.
- **Uncited claims** (both audiences): a sentence of prose, a list item or a table row stating a
  percentage ("30%", "30 per cent"), a rate ("1 in 5", "one in five", "3 out of 10"), a dose
  ("500 mg", "2.5 ml", "10 units"), a frequency ("twice a day", "3 times a week", "every 4 hours",
  "once daily") or a count of people ("200 patients", "1,000 adults"), with no citation in the
  sentence or in its paragraph (a list or a table counts as one paragraph). Numbers alone are not
  claims: list numbering, headings, years and dates, "version 2", "type 2 diabetes" or "stage 3"
  are never flagged.
- **Accessibility** (both audiences): headings that skip a level (the title is the page's
  level 1, so the text starts at ``##``), link text that says nothing out of context ("click
  here", "here", "read more", "this link", "more") or is a web address, a bare web address in the
  text, images whose alt text is empty, a file name ("scan_01.jpg") or a placeholder ("image"),
  tables without a header row (a pipe table whose header cells are empty, an HTML table without
  ``<th>``, or rows of pipes with no ``|---|`` line under the first), and runs of three or more
  words in capitals ("DO NOT STOP").
"""

import functools
import hashlib
import json
import re
from dataclasses import asdict, dataclass

from articles.content.prose import (
    AUTOLINK,
    BARE_URL,
    CITATION,
    IMAGE,
    LINK,
    TABLE_RULE,
    blocks,
    plain,
    sentences,
)

# Raised whenever the rules change, so cached results of the old rules are not reused.
CHECKS_VERSION = 1

CHECKS = {
    "readability": "Readability of the patient text",
    "claims": "Numbers, doses and frequencies are cited",
    "headings": "Heading levels",
    "link_text": "Link text",
    "image_alt": "Image alt text",
    "table_headers": "Table header rows",
    "all_caps": "Text in capitals",
}
FIELDS = {
    "summary": "The summary",
    "body": "The body",
    "professional_summary": "The professional summary",
    "professional_body": "The professional body",
}
PATIENT_FIELDS = ("summary", "body")
HARDEST_SENTENCES = 3


@dataclass(frozen=True)
class Finding:
    check: str  # a key of CHECKS
    field: str  # a key of FIELDS
    message: str  # what is wrong and how to fix it
    excerpt: str = ""  # the sentence, line or link named

    @property
    def text(self) -> str:
        """The finding in one sentence, naming the field and the sentence."""
        where = f"{FIELDS[self.field]}: "
        return where + self.message + (f" “{shorten(self.excerpt)}”" if self.excerpt else "")


@dataclass(frozen=True)
class Readability:
    grade: float | None  # Flesch-Kincaid grade of the prose; None without prose
    smog: float | None  # SMOG grade; None with fewer than three sentences
    target: int
    sentences: int
    words: int
    hardest: tuple[tuple[str, float], ...] = ()  # (sentence, its grade), hardest first

    @property
    def level(self) -> float | None:
        """The grade the text is judged by: the higher of the two."""
        grades = [g for g in (self.grade, self.smog) if g is not None]
        return max(grades) if grades else None

    @property
    def above_target(self) -> bool:
        return self.level is not None and self.level > self.target


@dataclass(frozen=True)
class Results:
    readability: Readability
    findings: tuple[Finding, ...]


def shorten(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# -- readability ----------------------------------------------------------------------------------


@functools.cache
def _textstat():
    import textstat  # loads the CMU pronouncing dictionary on first use (about 0.5 s, once)

    textstat.set_lang("en_US")
    return textstat


def warm_up() -> None:
    """Load textstat's pronouncing dictionary now (0.5-2 s) rather than in an editor's first preview."""
    _textstat().flesch_kincaid_grade("A short sentence to load the dictionary.")


def prose(text: str) -> list[list[str]]:
    """The prose of a text: its paragraphs, each a list of plain sentences."""
    result = []
    for block in blocks(text):
        if block.kind == "paragraph":
            said = [plain(sentence) for sentence in sentences(" ".join(block.lines))]
            said = [sentence for sentence in said if re.search(r"[A-Za-z]", sentence)]
            if said:
                result.append(said)
    return result


def readability(texts: list[str], target: int) -> Readability:
    """Grade the prose of ``texts`` (the patient summary and body) against ``target``."""
    said = [sentence for text in texts for paragraph in prose(text) for sentence in paragraph]
    if not said:
        return Readability(None, None, target, 0, 0)
    textstat = _textstat()
    whole = " ".join(sentence if sentence[-1] in ".!?" else sentence + "." for sentence in said)
    grade = round(textstat.flesch_kincaid_grade(whole), 1)
    smog = round(textstat.smog_index(whole), 1) if len(said) >= 3 else None
    graded = []
    for sentence in said:
        sentence_grade = textstat.flesch_kincaid_grade(sentence)
        if sentence_grade > target:
            graded.append((sentence_grade, textstat.polysyllabcount(sentence), sentence))
    graded.sort(key=lambda item: (item[0], item[1]), reverse=True)
    hardest = tuple((sentence, round(g, 1)) for g, _, sentence in graded[:HARDEST_SENTENCES])
    words = textstat.lexicon_count(whole)
    return Readability(grade, smog, target, len(said), words, hardest)


# -- claims ---------------------------------------------------------------------------------------

_NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|"
    r"sixty|seventy|eighty|ninety|a hundred|one hundred|a thousand|half|a third|a quarter"
)
_NUMBER = rf"(?:\d[\d,]*(?:\.\d+)?|{_NUMBER_WORDS})"
_CLAIMS = [
    # 30%, 30 %, 30 per cent, thirty percent
    re.compile(rf"\b{_NUMBER}\s?(?:%|per ?cent\b)", re.IGNORECASE),
    # 1 in 5, one in five, 3 out of 10
    re.compile(rf"\b{_NUMBER}\s+(?:in|out of)\s+(?:every\s+)?{_NUMBER}\b(?!\s*(?:%|per))", re.IGNORECASE),
    # 500 mg, 2.5 ml, 10 units, 400 IU, 5 mmol/L
    re.compile(
        r"\b\d[\d,]*(?:\.\d+)?\s?(?:mg|mcg|µg|micrograms?|milligrams?|g|grams?|ml|mL|millilitres?|l|litres?|"
        r"units?|IU|mmol(?:/[lL])?|mg/kg|kg|mmHg)\b"
    ),
    # twice a day, 3 times a week, once daily, two tablets every 4 hours
    re.compile(
        rf"\b(?:once|twice|thrice|{_NUMBER}\s+times?)\s+(?:a|per|each|every)\s+"
        r"(?:day|week|month|year|hour|night|morning|evening)\b|"
        rf"\b(?:once|twice|{_NUMBER}\s+times)\s+(?:daily|weekly|monthly|yearly|nightly)\b|"
        rf"\bevery\s+{_NUMBER}(?:\s+to\s+{_NUMBER})?\s+(?:hours?|days?|weeks?|months?)\b",
        re.IGNORECASE,
    ),
    # 200 patients, 1,000 adults, three times more likely
    re.compile(
        rf"\b{_NUMBER}\s+(?:people|patients|adults|children|women|men|babies|participants|cases|deaths)\b|"
        rf"\b{_NUMBER}\s+times\s+(?:more|less|higher|lower|as)\b",
        re.IGNORECASE,
    ),
]
# What looks like a number but states no claim: removed before the claims are looked for.
_NOT_CLAIMS = re.compile(
    r"\b(?:version|v|type|stage|grade|step|chapter|section|figure|table|page|level|phase|covid|"
    r"vitamin|day)\s*-?\s*\d+[a-z]?\b|"
    r"\b\d{1,2}(?:st|nd|rd|th)?\s+(?:january|february|march|april|may|june|july|august|september|october|"
    r"november|december)(?:\s+\d{4})?\b|"
    r"\b(?:january|february|march|april|may|june|july|august|september|october|november|december)"
    r"\s+\d{1,2}(?:st|nd|rd|th)?(?:,?\s+\d{4})?\b|"
    r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b(?:1[89]|20)\d{2}s?\b",
    re.IGNORECASE,
)


def states_a_claim(sentence: str) -> bool:
    """Whether a sentence (plain text) states a number, percentage, dose, rate or frequency."""
    text = _NOT_CLAIMS.sub(" ", sentence)
    return any(pattern.search(text) for pattern in _CLAIMS)


def uncited_claims(text: str, field: str) -> list[Finding]:
    findings = []
    for block in blocks(text):
        if block.kind == "paragraph":
            units = sentences(" ".join(block.lines))
        elif block.kind == "list":
            units = [sentence for item in block.lines for sentence in sentences(item)]
        elif block.kind == "table":
            units = [line for line in block.lines if not TABLE_RULE.match(line)]
        else:
            continue  # headings, code and raw HTML state nothing readers take as a claim
        if any(CITATION.search(unit) for unit in units):
            continue  # a citation in the paragraph covers its sentences
        for unit in units:
            said = plain(unit.replace("|", " "))
            if states_a_claim(said):
                findings.append(
                    Finding(
                        "claims",
                        field,
                        "states a number, dose or frequency without a citation in the sentence or its paragraph:",
                        said,
                    )
                )
    return findings


# -- accessibility --------------------------------------------------------------------------------

_VAGUE_LINK_TEXT = {
    "click here",
    "here",
    "read more",
    "more",
    "click",
    "link",
    "this link",
    "this page",
    "learn more",
    "find out more",
    "see here",
    "go here",
}
_FILE_NAME = re.compile(
    r"^[\w\-. ]+\.(?:jpe?g|png|gif|webp|svg|tiff?|bmp|heic|avif)$|^(?:img|dsc|image)[_\- ]?\d+$", re.IGNORECASE
)
_PLACEHOLDER_ALT = {"image", "picture", "photo", "photograph", "figure", "img", "graphic", "diagram", "alt"}
_CAPS_RUN = re.compile(r"\b[A-Z][A-Z'’\-]+(?:[ \t,]+[A-Z][A-Z'’\-]*){2,}\b")


def accessibility(text: str, field: str) -> list[Finding]:
    findings = []
    previous_level = 1  # the article's title
    for block in blocks(text):
        if block.kind == "heading":
            if block.level > previous_level + 1:
                findings.append(
                    Finding(
                        "headings",
                        field,
                        f"a level {block.level} heading follows a level {previous_level} heading; use "
                        f"{'#' * (previous_level + 1)} (screen readers list headings by level):",
                        plain(block.lines[0]),
                    )
                )
            previous_level = block.level
        if block.kind == "code":
            continue
        joined = "\n".join(block.lines)
        for match in LINK.finditer(joined):
            label = plain(match.group(1)).strip(" .:").lower()
            if label in _VAGUE_LINK_TEXT or re.match(r"^(?:https?://|www\.)", label):
                findings.append(
                    Finding(
                        "link_text",
                        field,
                        "a link's text should say where it goes, not “click here”, “read more” or a web address:",
                        match.group(0),
                    )
                )
        without_links = LINK.sub(" ", IMAGE.sub(" ", joined))
        for match in [*AUTOLINK.finditer(without_links), *BARE_URL.finditer(AUTOLINK.sub(" ", without_links))]:
            findings.append(
                Finding(
                    "link_text",
                    field,
                    "a bare web address is read out character by character; make it a link with words "
                    "saying where it goes:",
                    match.group(0).rstrip(".,;:!?"),
                )
            )
        for match in IMAGE.finditer(joined):
            alt, target = match.group(1).strip(), match.group(2)
            name = target.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
            if not alt:
                problem = "an image has no alt text; describe what it shows:"
            elif _FILE_NAME.match(alt) or alt.lower() == name.lower():
                problem = "an image's alt text is a file name; describe what it shows:"
            elif alt.lower().strip(" .") in _PLACEHOLDER_ALT:
                problem = "an image's alt text says nothing about it; describe what it shows:"
            else:
                continue
            findings.append(Finding("image_alt", field, problem, match.group(0)))
        if block.kind == "table":
            rules = [i for i, line in enumerate(block.lines) if TABLE_RULE.match(line)]
            header = block.lines[0].strip().strip("|")
            if len(block.lines) >= 2 and rules != [1] and 1 not in rules:
                findings.append(
                    Finding(
                        "table_headers",
                        field,
                        "this table has no header row; add a line like |---|---| under the first row, which "
                        "names the columns:",
                        block.lines[0],
                    )
                )
            elif 1 in rules and not any(cell.strip() for cell in header.split("|")):
                findings.append(
                    Finding("table_headers", field, "this table's header row is empty; name its columns:", "")
                )
        if block.kind == "html" and re.search(r"<table\b", joined, re.I) and not re.search(r"<th\b", joined, re.I):
            findings.append(
                Finding("table_headers", field, "this HTML table has no header cells (<th>); name its columns:", "")
            )
        if block.kind in ("heading", "paragraph", "list", "table"):
            readable = plain(joined)
            for match in _CAPS_RUN.finditer(readable):
                words = re.findall(r"[A-Z][A-Z'’\-]+", match.group(0))
                if len(words) >= 3:
                    findings.append(
                        Finding(
                            "all_caps",
                            field,
                            "text in capitals is harder to read and some screen readers spell it out; use "
                            "bold for emphasis:",
                            match.group(0),
                        )
                    )
    return findings


# -- all checks -----------------------------------------------------------------------------------


def content_key(snapshot: dict, target: int) -> str:
    """A key for the results of the checks on these texts at this target (for caching)."""
    texts = json.dumps([snapshot.get(field) or "" for field in FIELDS], ensure_ascii=False)
    digest = hashlib.sha256(texts.encode()).hexdigest()
    return f"checks:{CHECKS_VERSION}:{target}:{digest}"


def run_checks(snapshot: dict, *, target: int) -> Results:
    """Every finding of every check on a snapshot's text fields (the checklist decides the rest)."""
    findings: list[Finding] = []
    grades = readability([snapshot.get(field) or "" for field in PATIENT_FIELDS], target)
    if grades.above_target:
        named = "; ".join(f"“{shorten(sentence)}” (grade {g:g})" for sentence, g in grades.hardest)
        findings.append(
            Finding(
                "readability",
                "body" if (snapshot.get("body") or "").strip() else "summary",
                f"the patient text reads at grade {grades.level:g}, above the target of {target}"
                + (f"; the hardest sentences: {named}." if named else "."),
            )
        )
    for field in FIELDS:
        text = snapshot.get(field) or ""
        if not text.strip():
            continue
        findings += uncited_claims(text, field)
        findings += accessibility(text, field)
    return Results(grades, tuple(findings))


def results_to_dict(results: Results) -> dict:
    return {"readability": asdict(results.readability), "findings": [asdict(f) for f in results.findings]}


def results_from_dict(data: dict) -> Results:
    grades = data["readability"]
    grades["hardest"] = tuple(tuple(pair) for pair in grades["hardest"])
    return Results(Readability(**grades), tuple(Finding(**f) for f in data["findings"]))
