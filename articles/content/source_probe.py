"""Asking whether a cited source still stands: is its web address alive, has its paper been
retracted, corrected or given an expression of concern (README, "Sources still standing").

Plain HTTP, one request per call, no retries here (the queue retries, ``review/sources.py``):

- ``probe_url``: ``HEAD``, then ``GET`` when the site refuses ``HEAD``; redirects are followed
  by hand (at most ``MAX_REDIRECTS``), each hop connected afresh and refused once connected if
  its peer is a private, loopback or link-local address (unless
  ``EDITORIAL_SOURCE_CHECK_ALLOW_PRIVATE``), so an address an editor typed cannot make the
  server call inside its own network, even through a redirect or a name that resolves twice.
- ``crossref_updates``: Crossref's works API (``EDITORIAL_CROSSREF_URL``), whose ``updated-by``
  (and ``update-to``) relations carry retractions, expressions of concern and corrections,
  Retraction Watch's data included.
- ``pubmed_flags``: PubMed's E-utilities esummary (``EDITORIAL_PUBMED_URL``): the publication
  types "Retracted Publication", "Expression of Concern" and "Published Erratum".

Every request names the site and a contact in its User-Agent (``EDITORIAL_SOURCE_CHECK_USER_AGENT``).
"""

import http.client
import ipaddress
import json
import re
import urllib.parse
from dataclasses import dataclass

from django.conf import settings

from articles.content.validators import DOI_RE

MAX_REDIRECTS = 5
MAX_RESPONSE_BYTES = 2_000_000

OK = "ok"
DEAD = "dead"
REDIRECTED = "redirected"
RETRACTED = "retracted"
CONCERN = "concern"
CORRECTED = "corrected"
REFUSED = "refused"


class Transient(Exception):
    """The source could not be checked this time (5xx, timeout, no connection): worth retrying."""


class Refused(Exception):
    """The request was not made, or not followed: a private address, or not an http(s) URL."""


@dataclass
class Outcome:
    status: str
    detail: str


def user_agent() -> str:
    return settings.EDITORIAL_SOURCE_CHECK_USER_AGENT or (
        f"{settings.EDITORIAL_SITE_NAME} source checker (+mailto:{settings.EDITORIAL_SOURCE_CHECK_CONTACT})"
    )


# --- Normalising: one check per source, however each article wrote it -------------------


def normal_url(url: str) -> str:
    """The URL with its scheme and host in lower case, no fragment and no default port."""
    url = (url or "").strip()
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return ""
    netloc = parts.hostname.lower()
    if parts.port and parts.port != {"http": 80, "https": 443}[parts.scheme.lower()]:
        netloc = f"{netloc}:{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


def normal_doi(doi: str) -> str:
    doi = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:\s*)", "", (doi or "").strip(), flags=re.I).lower()
    return doi if DOI_RE.match(doi) else ""


def normal_pmid(pmid: str) -> str:
    pmid = (pmid or "").strip()
    return pmid.lstrip("0") if pmid.isdigit() and pmid.strip("0") else ""


def host_of(url: str) -> str:
    return (urllib.parse.urlsplit(url).hostname or "").lower()


# --- Connections that refuse private peers -------------------------------------------------


def _check_peer(sock) -> None:
    if settings.EDITORIAL_SOURCE_CHECK_ALLOW_PRIVATE:
        return
    address = ipaddress.ip_address(sock.getpeername()[0].split("%")[0])
    if getattr(address, "ipv4_mapped", None):
        address = address.ipv4_mapped
    if not address.is_global:
        sock.close()
        raise Refused(f"refused: {address} is a private or local network address")


class _CheckedHTTPConnection(http.client.HTTPConnection):
    def connect(self):
        super().connect()
        _check_peer(self.sock)


class _CheckedHTTPSConnection(http.client.HTTPSConnection):
    def connect(self):
        super().connect()
        _check_peer(self.sock)


def _request(method: str, url: str, *, accept: str = "*/*", read: bool = True) -> tuple[int, dict, bytes]:
    """One request, no redirects followed: (status, lower-cased headers, body read up to the cap,
    unless ``read`` is false: a page's status is all a link check needs)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused("refused: not an http(s) address")
    kind = _CheckedHTTPSConnection if parts.scheme == "https" else _CheckedHTTPConnection
    connection = kind(parts.hostname, parts.port, timeout=settings.EDITORIAL_SOURCE_CHECK_TIMEOUT)
    path = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
    try:
        connection.request(method, path, headers={"User-Agent": user_agent(), "Accept": accept})
        response = connection.getresponse()
        body = response.read(MAX_RESPONSE_BYTES) if read and method != "HEAD" else b""
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    except Refused:
        raise
    except TimeoutError as error:
        raise Transient(f"timed out after {settings.EDITORIAL_SOURCE_CHECK_TIMEOUT} s") from error
    except (OSError, http.client.HTTPException) as error:
        raise Transient(f"could not connect ({type(error).__name__})") from error
    finally:
        connection.close()


def probe_url(url: str, *, before_request=None) -> Outcome:
    """Whether ``url`` still answers. Raises ``Transient`` for what is worth trying again
    (5xx, 429, timeouts) and ``Refused`` for an address the checker will not call.
    ``before_request(url)`` runs before each request (the per-host rate limit)."""
    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        if before_request:
            before_request(current)
        status, headers, _ = _request("HEAD", current)
        if status in (405, 501) or status == 403:  # some sites refuse HEAD only
            if before_request:
                before_request(current)
            status, headers, _ = _request("GET", current, read=False)
        if status in (301, 302, 303, 307, 308) and headers.get("location"):
            current = urllib.parse.urljoin(current, headers["location"])
            continue
        if 200 <= status < 300:
            if normal_url(current) != normal_url(url):
                return Outcome(REDIRECTED, f"HTTP {status} at {current}")
            return Outcome(OK, f"HTTP {status}")
        if status in (404, 410):
            return Outcome(DEAD, f"HTTP {status}")
        raise Transient(f"HTTP {status}")
    return Outcome(DEAD, f"more than {MAX_REDIRECTS} redirects")


def _json(url: str, service: str):
    status, _, body = _request("GET", url, accept="application/json")
    if status == 404:
        return None
    if status != 200:
        raise Transient(f"{service} answered HTTP {status}")
    try:
        return json.loads(body)
    except ValueError as error:
        raise Transient(f"{service} sent an answer that is not JSON") from error


# Crossref's update types (``updated-by[].type``), by what they mean for a reader of the article.
CROSSREF_TYPES = {
    "retraction": RETRACTED,
    "withdrawal": RETRACTED,
    "removal": RETRACTED,
    "expression_of_concern": CONCERN,
    "correction": CORRECTED,
    "erratum": CORRECTED,
    "corrigendum": CORRECTED,
}
SEVERITY = {RETRACTED: 3, CONCERN: 2, CORRECTED: 1}


def _date(parts) -> str:
    try:
        values = [int(v) for v in (parts or {}).get("date-parts", [[]])[0]]
    except (TypeError, ValueError, IndexError):
        return ""
    return "-".join(f"{v:02d}" if i else str(v) for i, v in enumerate(values))


def crossref_updates(doi: str) -> Outcome:
    """The gravest update Crossref records for ``doi`` (retraction > concern > correction), or ok."""
    data = _json(settings.EDITORIAL_CROSSREF_URL + urllib.parse.quote(doi, safe=""), "Crossref")
    if data is None:
        return Outcome(DEAD, "Crossref does not know this DOI")
    work = data.get("message") if isinstance(data, dict) else None
    if not isinstance(work, dict):
        raise Transient("Crossref sent an answer without the work")
    found = []
    for update in (work.get("updated-by") or []) + (work.get("update-to") or []):
        if not isinstance(update, dict):
            continue
        kind = str(update.get("type", "")).lower().replace("-", "_").replace(" ", "_")
        if kind in CROSSREF_TYPES and str(update.get("DOI", "")).lower() != doi:
            found.append((SEVERITY[CROSSREF_TYPES[kind]], CROSSREF_TYPES[kind], update))
    if not found:
        return Outcome(OK, "Crossref: no retraction, concern or correction recorded")
    _, status, update = max(found, key=lambda item: item[0])
    when = _date(update.get("updated"))
    notice = f", notice {update['DOI']}" if update.get("DOI") else ""
    source = " via Retraction Watch" if "retraction" in str(update.get("source", "")).lower() else ""
    return Outcome(status, f"Crossref{source}, {when or 'date not given'}{notice}")


PUBMED_TYPES = {
    "retracted publication": RETRACTED,
    "expression of concern": CONCERN,
    "published erratum": CORRECTED,
}


def pubmed_flags(pmid: str) -> Outcome:
    query = urllib.parse.urlencode({"db": "pubmed", "id": pmid, "retmode": "json"})
    data = _json(f"{settings.EDITORIAL_PUBMED_URL}?{query}", "PubMed")
    record = (data.get("result") or {}).get(pmid) if isinstance(data, dict) else None
    if not isinstance(record, dict) or record.get("error"):
        return Outcome(DEAD, "PubMed does not know this ID")
    types = {str(t).lower() for t in record.get("pubtype") or []}
    found = [PUBMED_TYPES[t] for t in types if t in PUBMED_TYPES]
    if not found:
        return Outcome(OK, "PubMed: not marked retracted")
    status = max(found, key=SEVERITY.get)
    label = {RETRACTED: "Retracted Publication", CONCERN: "Expression of Concern", CORRECTED: "Published Erratum"}
    return Outcome(status, f"PubMed: {label[status]}")
