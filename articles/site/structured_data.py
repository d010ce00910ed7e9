"""Machine-readable trust: schema.org MedicalWebPage JSON-LD for an article page."""

import json

from django.utils.safestring import mark_safe

from articles.content.rendering import http_url

AUDIENCE_TYPES = {"patient": "Patient", "professional": "Clinician"}

# Characters that could end the <script> element or open a comment inside it.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def _date(value):
    return value.date().isoformat() if value else None


def _person(member, board_url: str) -> dict:
    return {
        "@type": "Person",
        "name": member.display_name,
        **({"honorificSuffix": member.credentials} if member.credentials else {}),
        **({"url": f"{board_url}#{member.slug}"} if member.on_board else {}),
        **({"knowsAbout": member.specialty} if member.specialty else {}),
    }


def _authors(byline, base_url: str, site_name: str) -> list:
    authors = [
        {
            "@type": "Person",
            "name": profile.display_name,
            "url": base_url + profile.get_absolute_url(),
            **({"honorificSuffix": profile.credentials} if profile.credentials else {}),
            **({"jobTitle": profile.role} if profile.role else {}),
        }
        for profile in (byline.authors if byline else [])
    ]
    if byline and byline.editorial_team:
        authors.append({"@type": "Organization", "name": f"{site_name} editorial team"})
    return authors


def medical_web_page(page, *, url: str, site_name: str, board_url: str, base_url: str = "") -> dict:
    revision = page.revision
    # page.history holds the approved versions, newest first: the last one was published first.
    first_approved = page.history[-1] if page.history else None
    # Whoever vouched for this text: its approvers, then anyone who later confirmed it still accurate.
    reviewers, seen = [], set()
    for member in [*page.approvers, *page.confirmations]:
        if (member.display_name, member.slug) not in seen:
            seen.add((member.display_name, member.slug))
            reviewers.append(_person(member, board_url))
    confirmed = page.confirmations[-1].decided_at if page.confirmations else None
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
        "lastReviewed": _date(confirmed or revision.approved_at),
        "reviewedBy": reviewers,
        "author": _authors(page.byline, base_url, site_name),
        **({"creativeWorkStatus": "Withdrawn"} if page.withdrawal else {}),
        "publisher": {"@type": "Organization", "name": site_name},
        "citation": [_citation(ref.data) for ref in page.rendered.references],
        "image": [_image(figure, base_url) for figure in figures(page)],
    }
    return {key: value for key, value in data.items() if value not in (None, [], "")}


def figures(page) -> list[dict]:
    """The figures readers see on ``page`` (each file once), as the rendering recorded them."""
    seen, shown = set(), []
    for figure in getattr(page.rendered, "figures", None) or []:
        if figure["url"] not in seen:
            seen.add(figure["url"])
            shown.append(figure)
    return shown


def absolute(url: str, base_url: str) -> str:
    """``url`` (``MEDIA_URL`` may be a path or a whole address) as an absolute address."""
    return url if http_url(url) else base_url + url


def _image(figure: dict, base_url: str) -> dict:
    data = {
        "@type": "ImageObject",
        "url": absolute(figure["url"], base_url),
        "contentUrl": absolute(figure["url"], base_url),
        "width": figure["width"],
        "height": figure["height"],
        "caption": figure["caption"] or figure["alt"],
    }
    return {key: value for key, value in data.items() if value not in (None, "")}


def og_image(page, base_url: str) -> dict | None:
    """The first figure of ``page`` for ``og:image`` (url, width, height, alt), or None."""
    shown = figures(page)
    if not shown:
        return None
    first = shown[0]
    return {**first, "url": absolute(first["url"], base_url)}


def withdrawn_page(withdrawal, *, url: str, site_name: str) -> dict:
    """JSON-LD for a withdrawn article's address: what it was, that it is withdrawn, when and why."""
    data = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "url": url,
        "name": withdrawal.revision.title,
        "creativeWorkStatus": "Withdrawn",
        "dateModified": _date(withdrawal.withdrawn_at),
        "description": f"Withdrawn: {withdrawal.reason}",
        "publisher": {"@type": "Organization", "name": site_name},
    }
    return data


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
    if http_url(ref.get("url", "")):
        work["url"] = http_url(ref["url"])
    if same_as:
        work["sameAs"] = same_as
    return work


def to_script(data: dict) -> str:
    """Return a JSON-LD <script> element that is safe to put in HTML."""
    payload = json.dumps(data, ensure_ascii=False, indent=None).translate(_SCRIPT_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{payload}</script>')  # noqa: S308 - escaped above
