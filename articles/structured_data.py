"""Machine-readable trust: schema.org MedicalWebPage JSON-LD for an article page."""

import json

from django.utils.safestring import mark_safe

AUDIENCE_TYPES = {"patient": "Patient", "professional": "Clinician"}

# Characters that could end the <script> element or open a comment inside it.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def _date(value):
    return value.date().isoformat() if value else None


def medical_web_page(page, *, url: str, site_name: str, board_url: str) -> dict:
    article, revision = page.article, page.revision
    # page.history holds the approved versions, newest first: the last one was published first.
    first_approved = page.history[-1] if page.history else None
    data = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "url": url,
        "name": revision.title,
        "headline": revision.title,
        "description": page.plain_summary,
        "inLanguage": "en",
        "about": {"@type": "Thing", "name": page.specialty.name},
        "medicalAudience": {"@type": "MedicalAudience", "audienceType": AUDIENCE_TYPES[page.audience]},
        "datePublished": _date(first_approved.approved_at if first_approved else revision.approved_at),
        "dateModified": _date(revision.approved_at),
        "lastReviewed": _date(article.last_reviewed_at if not page.is_permalink else revision.approved_at),
        "reviewedBy": [
            {
                "@type": "Person",
                "name": member.display_name,
                "honorificSuffix": member.credentials,
                **({"url": f"{board_url}#{member.slug}"} if member.on_board else {}),
                **({"knowsAbout": member.specialty} if member.specialty else {}),
            }
            for member in page.approvers
        ],
        "publisher": {"@type": "Organization", "name": site_name},
        "citation": [_citation(ref.data) for ref in page.rendered.references],
    }
    return {key: value for key, value in data.items() if value not in (None, [], "")}


def _citation(ref: dict) -> dict:
    work = {"@type": "CreativeWork", "name": ref["title"]}
    if ref.get("source"):
        work["publisher"] = ref["source"]
    if ref.get("year"):
        work["datePublished"] = str(ref["year"])
    same_as = []
    if ref.get("doi"):
        same_as.append(f"https://doi.org/{ref['doi']}")
    if ref.get("pmid"):
        same_as.append(f"https://pubmed.ncbi.nlm.nih.gov/{ref['pmid']}/")
    if ref.get("url"):
        work["url"] = ref["url"]
    if same_as:
        work["sameAs"] = same_as
    return work


def to_script(data: dict) -> str:
    """Return a JSON-LD <script> element that is safe to put in HTML."""
    payload = json.dumps(data, ensure_ascii=False, indent=None).translate(_SCRIPT_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{payload}</script>')  # noqa: S308 - escaped above
