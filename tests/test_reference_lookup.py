"""Filling a reference from its DOI or PubMed ID, against a local stub of Crossref and PubMed."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlparse

import pytest

from articles.content import reference_lookup

pytestmark = pytest.mark.django_db

LOOKUP_URL = "/admin/articles/article/reference-lookup/"
CROSSREF_WORK = {
    "message": {
        "title": ["Urate-lowering therapy in gout: a <i>randomised</i> trial."],
        "container-title": ["Annals of the Rheumatic Diseases"],
        "issued": {"date-parts": [[2019, 5, 2]]},
    }
}
PUBMED_SUMMARY = {
    "result": {
        "31778400": {
            "title": "Allopurinol dosing in chronic kidney disease.",
            "fulljournalname": "Kidney International",
            "pubdate": "2020 Jan",
        }
    }
}


class Stub(BaseHTTPRequestHandler):
    paths: list = []  # what each request asked for, as sent
    redirect_to = ""

    def do_GET(self):  # noqa: N802 - the http.server API
        self.paths.append(self.path)
        url = urlparse(self.path)
        path = unquote(url.path)
        if path == "/works/10.1000/moved":
            self.send_response(302)
            self.send_header("Location", self.redirect_to or "/works/10.1000/gout.1")
            self.end_headers()
        elif path == "/works/10.1000/gout.1":
            self._json(200, CROSSREF_WORK)
        elif path == "/works/10.1000/broken":
            self._raw(200, b"<html>not json</html>")
        elif path.startswith("/works/"):
            self._json(404, {"status": "error"})
        elif url.path == "/esummary" and parse_qs(url.query).get("id") == ["31778400"]:
            self._json(200, PUBMED_SUMMARY)
        elif url.path == "/esummary":
            self._json(200, {"result": {"1": {"error": "cannot get document summary"}}})
        else:
            self._json(500, {})

    def _json(self, status, data):
        self._raw(status, json.dumps(data).encode())

    def _raw(self, status, body):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def serve(handler):
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def stub(settings):
    Stub.paths, Stub.redirect_to = [], ""
    server, base = serve(Stub)
    settings.EDITORIAL_REFERENCE_LOOKUP = True
    # The stub listens on loopback, which the look-up refuses unless told otherwise.
    settings.EDITORIAL_REFERENCE_LOOKUP_ALLOW_PRIVATE = True
    settings.EDITORIAL_CROSSREF_URL = f"{base}/works/"
    settings.EDITORIAL_PUBMED_URL = f"{base}/esummary"
    yield base
    server.shutdown()
    server.server_close()


def test_doi_fills_title_source_and_year(stub):
    assert reference_lookup.lookup(doi="https://doi.org/10.1000/gout.1") == {
        "title": "Urate-lowering therapy in gout: a randomised trial",
        "source": "Annals of the Rheumatic Diseases",
        "year": 2019,
    }


def test_pubmed_id_fills_title_source_and_year(stub):
    assert reference_lookup.lookup(pmid="31778400") == {
        "title": "Allopurinol dosing in chronic kidney disease",
        "source": "Kidney International",
        "year": 2020,
    }


@pytest.mark.parametrize(
    "identifiers,message",
    [
        ({"doi": "10.1000/unknown"}, "Crossref does not know this identifier."),
        ({"doi": "10.1000/broken"}, "Crossref sent an answer that is not JSON."),
        ({"pmid": "1"}, "PubMed does not know this identifier."),
        ({"doi": "not-a-doi"}, "Enter a DOI like 10.1000/xyz123 to look it up."),
        ({"pmid": "12a"}, "A PubMed ID is digits only, e.g. 31778400."),
        ({}, "Enter a DOI or a PubMed ID first."),
    ],
)
def test_failures_say_why(stub, identifiers, message):
    with pytest.raises(reference_lookup.LookupFailed, match=message):
        reference_lookup.lookup(**identifiers)


def test_unreachable_service_is_a_clear_message(settings):
    settings.EDITORIAL_CROSSREF_URL = "http://127.0.0.1:9/works/"  # nothing listens on the discard port
    with pytest.raises(reference_lookup.LookupFailed, match="Could not reach Crossref; enter the details by hand"):
        reference_lookup.lookup(doi="10.1000/gout.1")


def test_a_redirect_on_the_same_host_is_followed(stub):
    assert reference_lookup.lookup(doi="10.1000/moved")["source"] == "Annals of the Rheumatic Diseases"


def test_a_redirect_to_another_host_is_not_followed(stub):
    class Elsewhere(Stub):
        paths = []

    other, other_base = serve(Elsewhere)
    try:
        # Another port on loopback is another origin, as an internal service would be.
        Stub.redirect_to = f"{other_base}/works/10.1000/gout.1"
        with pytest.raises(reference_lookup.LookupFailed, match="sent the look-up to another address"):
            reference_lookup.lookup(doi="10.1000/moved")
        assert Elsewhere.paths == []
    finally:
        other.shutdown()
        other.server_close()


def test_private_and_loopback_addresses_are_refused_unless_allowed(stub, settings):
    settings.EDITORIAL_REFERENCE_LOOKUP_ALLOW_PRIVATE = False
    with pytest.raises(reference_lookup.LookupFailed, match="private or local network address"):
        reference_lookup.lookup(doi="10.1000/gout.1")
    with pytest.raises(reference_lookup.LookupFailed, match="private or local network address"):
        reference_lookup.lookup(pmid="31778400")
    assert Stub.paths == []  # refused once connected, before any request was sent


def test_the_doi_is_percent_encoded_whole_into_the_path(stub):
    with pytest.raises(reference_lookup.LookupFailed, match="does not know"):
        reference_lookup.lookup(doi="10.1000/../../esummary")
    assert Stub.paths == ["/works/10.1000%2F..%2F..%2Fesummary"]


def test_only_http_addresses_are_asked(settings):
    settings.EDITORIAL_CROSSREF_URL = "file:///etc/passwd#"
    with pytest.raises(reference_lookup.LookupFailed, match="not an http"):
        reference_lookup.lookup(doi="10.1000/gout.1")


def test_admin_lookup_answers_json_for_editors(client, author, stub):
    client.force_login(author)
    response = client.get(LOOKUP_URL, {"doi": "10.1000/gout.1"})
    assert response.status_code == 200
    assert response.json()["source"] == "Annals of the Rheumatic Diseases"
    failed = client.get(LOOKUP_URL, {"doi": "10.1000/unknown"})
    assert failed.status_code == 422
    assert failed.json() == {"error": "Crossref does not know this identifier."}


def test_admin_lookup_is_off_by_default_and_for_editors_only(client, author, reviewer, stub, settings):
    client.force_login(reviewer)
    assert client.get(LOOKUP_URL, {"doi": "10.1000/gout.1"}).status_code == 403
    settings.EDITORIAL_REFERENCE_LOOKUP = False
    client.force_login(author)
    assert client.get(LOOKUP_URL, {"doi": "10.1000/gout.1"}).status_code == 404


def test_change_form_offers_lookup_only_when_enabled(client, author, settings):
    from tests import factories

    article = factories.make_article(author=author)
    client.force_login(author)
    url = f"/admin/articles/article/{article.pk}/change/"
    assert "data-lookup-url" not in client.get(url).content.decode()
    settings.EDITORIAL_REFERENCE_LOOKUP = True
    assert f'data-lookup-url="{LOOKUP_URL}"' in client.get(url).content.decode()
