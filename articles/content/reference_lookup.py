"""Fill a reference's title, source and year from its DOI (Crossref) or PubMed ID (NCBI E-utilities).

Off unless the operator sets ``EDITORIAL_REFERENCE_LOOKUP``: the admin then asks the services
configured in ``EDITORIAL_CROSSREF_URL`` and ``EDITORIAL_PUBMED_URL`` (the public APIs by
default) and the editor checks what came back before saving. Any failure is a clear message,
never a half-filled row or a server error.

The server makes these requests on an editor's behalf, so they go nowhere else: redirects are
followed only on the configured host, the connection is refused once made if its peer is a
private, loopback or link-local address (unless ``EDITORIAL_REFERENCE_LOOKUP_ALLOW_PRIVATE``:
a local mirror or an egress proxy), and the identifier is percent-encoded whole into the path.
"""

import http.client
import ipaddress
import json
import re
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings

from articles.content.validators import DOI_RE, strip_control_characters

TIMEOUT_SECONDS = 5
MAX_RESPONSE_BYTES = 1_000_000


class LookupFailed(Exception):
    """The reference could not be looked up; the message says why, for the editor."""


def enabled() -> bool:
    return bool(settings.EDITORIAL_REFERENCE_LOOKUP)


def lookup(*, doi: str = "", pmid: str = "") -> dict:
    """Return {"title", "source", "year"} for ``doi`` or, failing that, ``pmid``."""
    doi = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:\s*)", "", doi.strip(), flags=re.I)
    pmid = pmid.strip()
    if doi:
        if not DOI_RE.match(doi):
            raise LookupFailed("Enter a DOI like 10.1000/xyz123 to look it up.")
        return _crossref(doi)
    if pmid:
        if not pmid.isdigit():
            raise LookupFailed("A PubMed ID is digits only, e.g. 31778400.")
        return _pubmed(pmid)
    raise LookupFailed("Enter a DOI or a PubMed ID first.")


def _check_peer(sock) -> None:
    """Refuse a connection whose other end is not a public address (checked after connecting,
    so a name that resolves differently the second time gains nothing)."""
    if settings.EDITORIAL_REFERENCE_LOOKUP_ALLOW_PRIVATE:
        return
    address = ipaddress.ip_address(sock.getpeername()[0].split("%")[0])
    if getattr(address, "ipv4_mapped", None):
        address = address.ipv4_mapped
    if not address.is_global:
        sock.close()
        raise LookupFailed(
            "The reference service is on a private or local network address; the look-up was refused "
            "(ask the operator to check EDITORIAL_CROSSREF_URL and EDITORIAL_PUBMED_URL)."
        )


class _CheckedHTTPConnection(http.client.HTTPConnection):
    def connect(self):
        super().connect()
        _check_peer(self.sock)


class _CheckedHTTPSConnection(http.client.HTTPSConnection):
    def connect(self):
        super().connect()
        _check_peer(self.sock)


class _HTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_CheckedHTTPConnection, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_CheckedHTTPSConnection, req, context=self._context)


class _SameHostRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to the scheme, host and port the request was sent to."""

    def __init__(self, service: str):
        self.service = service

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        old, new = urllib.parse.urlsplit(req.full_url), urllib.parse.urlsplit(newurl)
        if (old.scheme, old.hostname, old.port) != (new.scheme, new.hostname, new.port):
            raise LookupFailed(f"{self.service} sent the look-up to another address; it was not followed.")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _fetch_json(url: str, service: str):
    if not url.startswith(("https://", "http://")):
        raise LookupFailed(f"The {service} address is not an http(s) URL; ask the operator to fix it.")
    headers = {"Accept": "application/json", "User-Agent": "ReviewedHealth/1"}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - http(s) only, checked above
    opener = urllib.request.build_opener(_HTTPHandler, _HTTPSHandler, _SameHostRedirects(service))
    try:
        with opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            body = response.read(MAX_RESPONSE_BYTES + 1)
    except urllib.error.HTTPError as error:
        if error.code == 404:
            raise LookupFailed(f"{service} does not know this identifier.") from error
        raise LookupFailed(f"{service} answered with an error (HTTP {error.code}); try again later.") from error
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise LookupFailed(f"Could not reach {service}; enter the details by hand or try again later.") from error
    if len(body) > MAX_RESPONSE_BYTES:
        raise LookupFailed(f"{service} sent an answer too large to read.")
    try:
        return json.loads(body)
    except ValueError as error:
        raise LookupFailed(f"{service} sent an answer that is not JSON.") from error


def _clean(text) -> str:
    text = text if isinstance(text, str) else ""
    return " ".join(strip_control_characters(re.sub(r"<[^>]+>", "", text)).split())


def _year(text) -> int | None:
    match = re.search(r"\b(1[89]\d\d|20\d\d|2100)\b", str(text or ""))
    return int(match.group(1)) if match else None


def _first(value):
    return value[0] if isinstance(value, list) and value else value


def _crossref(doi: str) -> dict:
    data = _fetch_json(settings.EDITORIAL_CROSSREF_URL + urllib.parse.quote(doi, safe=""), "Crossref")
    work = data.get("message") if isinstance(data, dict) else None
    if not isinstance(work, dict):
        raise LookupFailed("Crossref sent an answer without the work's details.")
    issued = (work.get("issued") or work.get("published") or {}).get("date-parts") or [[None]]
    return _result(
        title=_first(work.get("title")),
        source=_first(work.get("container-title")) or work.get("publisher"),
        year=_first(_first(issued)),
        service="Crossref",
    )


def _pubmed(pmid: str) -> dict:
    query = urllib.parse.urlencode({"db": "pubmed", "id": pmid, "retmode": "json"})
    data = _fetch_json(f"{settings.EDITORIAL_PUBMED_URL}?{query}", "PubMed")
    record = (data.get("result") or {}).get(pmid) if isinstance(data, dict) else None
    if not isinstance(record, dict) or record.get("error"):
        raise LookupFailed("PubMed does not know this identifier.")
    return _result(
        title=record.get("title"),
        source=record.get("fulljournalname") or record.get("source"),
        year=_year(record.get("pubdate")),
        service="PubMed",
    )


def _result(*, title, source, year, service: str) -> dict:
    result = {"title": _clean(title)[:500].rstrip("."), "source": _clean(source)[:300], "year": _year(year)}
    if not result["title"]:
        raise LookupFailed(f"{service} has no title for this identifier.")
    return result
