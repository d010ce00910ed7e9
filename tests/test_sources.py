"""Sources still standing: dead links, retractions and the early re-review they cause, against a
loopback stand-in for Crossref, PubMed and the cited sites (never the internet)."""

import json
import re
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks.backends.immediate import ImmediateBackend

from articles.content import source_probe
from articles.models import Article, Reference, SourceAlert, SourceCheck, SourceCitation
from articles.review import sources, workflow

from . import factories

pytestmark = pytest.mark.django_db

RETRACTED_WORK = {
    "message": {
        "DOI": "10.1000/gout.2019",
        "title": ["Urate-lowering therapy in gout"],
        "updated-by": [
            {
                "DOI": "10.1000/gout.2019.retraction",
                "type": "retraction",
                "source": "retraction-watch",
                "updated": {"date-parts": [[2026, 11, 2]]},
            }
        ],
    }
}
CLEAN_WORK = {"message": {"DOI": "10.1000/fine", "title": ["A sound trial"]}}


class StandIn:
    """Crossref at /works/, PubMed at /esummary, cited pages anywhere else; ``script[path]`` is the
    list of statuses the next requests get (the last one repeats)."""

    def __init__(self):
        self.calls = []
        self.script = {}
        self.works = {"10.1000/gout.2019": RETRACTED_WORK, "10.1000/fine": CLEAN_WORK}
        self.pubmed = {
            "111": {"uid": "111", "pubtype": ["Journal Article", "Retracted Publication"]},
            "222": {"uid": "222", "pubtype": ["Journal Article"]},
        }
        self.redirects = {}
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def paths(self, method=None):
        return [c["path"] for c in self.calls if method is None or c["method"] == method]

    def _handler(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _any(self):
                url = urlsplit(self.path)
                with standin.lock:
                    standin.calls.append(
                        {"method": self.command, "path": url.path, "at": time.time(), "ua": self.headers["User-Agent"]}
                    )
                    statuses = standin.script.get(url.path)
                    status = (statuses.pop(0) if len(statuses) > 1 else statuses[0]) if statuses else 200
                if url.path.startswith("/works/"):
                    work = standin.works.get(unquote(url.path[len("/works/") :]))
                    return self._json(200 if work else 404, work or {})
                if url.path == "/esummary":
                    pmid = parse_qs(url.query)["id"][0]
                    record = standin.pubmed.get(pmid, {"error": "cannot get document summary"})
                    return self._json(200, {"result": {pmid: record}})
                if url.path == "/moved" or url.path in standin.redirects:
                    self.send_response(301)
                    self.send_header("Location", standin.redirects.get(url.path, "/new-home"))
                    self.end_headers()
                    return
                if url.path == "/no-head" and self.command == "HEAD":
                    status = 405
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def _json(self, status, data):
                body = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_GET = do_HEAD = _any  # noqa: N815 - the http.server API

        return Handler

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def standin(settings):
    server = StandIn()
    settings.EDITORIAL_CROSSREF_URL = server.url + "/works/"
    settings.EDITORIAL_PUBMED_URL = server.url + "/esummary"
    settings.EDITORIAL_SOURCE_CHECKS = True  # off in the test settings: no other test asks a cited site
    settings.EDITORIAL_SOURCE_CHECK_ALLOW_PRIVATE = True  # the stand-in is on loopback
    settings.EDITORIAL_SOURCE_CHECK_CONTACT = "sources@example.org"
    yield server
    server.close()


def live_citing(author, reviewer, *, slug="gout", **ref_fields):
    article = factories.make_article(author=author, title="Gout treatment", slug=slug)
    Reference.objects.filter(article=article, number=1).update(**ref_fields)
    return factories.publish(article, author=author, reviewers=[reviewer])


def strip_nonces(html: bytes) -> bytes:
    """The page without what differs on every response (CSP nonces, CSRF tokens)."""
    return re.sub(rb'(nonce|value|content)="[A-Za-z0-9+/=_-]{16,}"', b"", html)


def check_of(kind, key):
    return SourceCheck.objects.get(kind=kind, key=key)


def test_a_retraction_sends_the_live_article_to_early_rereview_exactly_once(
    standin, author, reviewer, commit, mailoutbox, client
):
    article = live_citing(author, reviewer, doi="https://doi.org/10.1000/GOUT.2019")
    before = client.get(article.get_absolute_url())
    published_version = article.published_revision_id
    assert article.pk not in Article.objects.review_queue().values_list("pk", flat=True)

    commit(sources.schedule)

    check = check_of("doi", "10.1000/gout.2019")
    assert check.status == "retracted"
    assert "Retraction Watch" in check.detail and "2026-11-02" in check.detail
    alert = SourceAlert.objects.get(article=article)
    assert alert.reason.startswith("Source [1] retracted (Crossref via Retraction Watch, 2026-11-02")
    queued = Article.objects.review_queue().get(pk=article.pk)
    assert queued.queue_kind == "rereview"
    assert [m.to for m in mailoutbox] == [[reviewer.email]]
    assert "Source [1] retracted" in mailoutbox[0].body and "not been changed" in mailoutbox[0].body

    # Checked again (due again): the same finding sends nothing more.
    SourceCheck.objects.update(checked_at=timezone.now() - timedelta(days=30))
    commit(sources.schedule)
    assert standin.paths().count("/works/10.1000%2Fgout.2019") == 2
    assert SourceAlert.objects.filter(article=article).count() == 1
    assert len(mailoutbox) == 1
    assert len(check_of("doi", "10.1000/gout.2019").history) == 2

    # The public page is the board's to change: the same version, the same text.
    article.refresh_from_db()
    assert article.status == Article.Status.APPROVED
    after = client.get(article.get_absolute_url())
    assert after.status_code == before.status_code == 200
    assert article.published_revision_id == published_version
    assert strip_nonces(after.content) == strip_nonces(before.content)
    assert b"retract" not in after.content.lower()


def test_the_queue_and_review_screen_show_the_reason_and_mark(standin, author, reviewer, commit, client):
    article = live_citing(author, reviewer, doi="10.1000/gout.2019", url=standin.url + "/trial")
    commit(sources.schedule)
    client.force_login(reviewer)
    queue = client.get(reverse("admin:articles_reviewqueueitem_changelist"))
    assert "Early re-review" in queue.content.decode()
    assert "Source [1] retracted (Crossref via Retraction Watch" in queue.content.decode()
    screen = client.get(reverse("admin:articles_reviewqueueitem_review", args=[article.pk]))
    page = screen.content.decode()
    assert 'class="source-badge source-retracted">Retracted<' in page
    assert 'class="source-badge source-ok">OK<' in page
    assert "Early re-review:</strong> Source [1] retracted" in page


def test_pubmed_retracted_publication_is_found(standin, author, reviewer, commit):
    live_citing(author, reviewer, pmid="111")
    other = live_citing(author, reviewer, slug="other", pmid="222")
    commit(sources.schedule)
    assert check_of("pmid", "111").status == "retracted"
    assert check_of("pmid", "111").detail == "PubMed: Retracted Publication"
    assert check_of("pmid", "222").status == "ok"
    assert not SourceAlert.objects.filter(article=other).exists()


def test_a_dead_link_is_retried_then_reported(standin, author, reviewer, commit):
    standin.script = {"/gone": [500, 500, 500], "/flaky": [500, 200]}
    live_citing(author, reviewer, url=standin.url + "/gone")
    live_citing(author, reviewer, slug="flaky", url=standin.url + "/flaky")
    commit(sources.schedule)
    gone = check_of("url", standin.url + "/gone")
    assert gone.status == "dead" and gone.detail == "HTTP 500 (3 tries)"
    assert standin.paths("HEAD").count("/gone") == 3
    flaky = check_of("url", standin.url + "/flaky")
    assert flaky.status == "ok" and flaky.failures == 0
    assert standin.paths("HEAD").count("/flaky") == 2
    # A dead link is shown, not queued: no early re-review.
    assert not SourceAlert.objects.exists()
    assert all(
        ua == "Reviewed Health source checker (+mailto:sources@example.org)" for ua in [c["ua"] for c in standin.calls]
    )


def test_head_refused_falls_back_to_get_and_redirects_are_reported(standin):
    for path in ("/no-head", "/moved", "/missing"):
        SourceCheck.objects.create(kind="url", key=standin.url + path)
    standin.script = {"/missing": [404]}
    for check in SourceCheck.objects.all():
        sources.run(check.pk)
    assert check_of("url", standin.url + "/no-head").status == "ok"
    assert [c["method"] for c in standin.calls if c["path"] == "/no-head"] == ["HEAD", "GET"]
    moved = check_of("url", standin.url + "/moved")
    assert moved.status == "redirected" and moved.detail.endswith("/new-home")
    assert check_of("url", standin.url + "/missing").status == "dead"
    assert standin.paths().count("/missing") == 1  # a 404 is an answer: not retried


def test_requests_to_one_host_are_spaced(standin, settings):
    settings.EDITORIAL_SOURCE_CHECK_HOST_INTERVAL = 0.3
    for n in range(3):
        SourceCheck.objects.create(kind="url", key=f"{standin.url}/page-{n}")
    for check in SourceCheck.objects.order_by("pk"):
        sources.run(check.pk)
    # One request per 0.3 s window: the third is at least two windows after the first.
    assert len(standin.calls) == 3
    assert standin.calls[2]["at"] - standin.calls[0]["at"] > 0.3


def test_a_busy_host_is_left_for_later_with_a_worker(standin, settings, monkeypatch):
    settings.EDITORIAL_SOURCE_CHECK_HOST_INTERVAL = 60
    monkeypatch.setattr(ImmediateBackend, "supports_defer", True)
    later = []
    monkeypatch.setattr(sources, "_later", lambda pk, seconds: later.append((pk, seconds)))
    first = SourceCheck.objects.create(kind="url", key=f"{standin.url}/a")
    second = SourceCheck.objects.create(kind="url", key=f"{standin.url}/b")
    assert sources.run(first.pk) == "ok"
    assert sources.run(second.pk) == "host busy: later"
    assert standin.paths() == ["/a"]
    assert later and later[0][0] == second.pk and 0 < later[0][1] <= 60
    assert SourceCheck.objects.get(pk=second.pk).status == "unchecked"


def test_private_addresses_are_refused(standin, settings):
    settings.EDITORIAL_SOURCE_CHECK_ALLOW_PRIVATE = False
    check = SourceCheck.objects.create(kind="url", key=f"{standin.url}/internal-admin")
    sources.run(check.pk)
    check.refresh_from_db()
    assert check.status == "refused"
    assert "127.0.0.1 is a private or local network address" in check.detail
    assert standin.calls == []


def test_a_submission_enqueues_checks_of_its_references(standin, author, commit):
    article = factories.make_article(author=author, references=2, body="Some text [1]. More [2].")
    Reference.objects.filter(article=article, number=1).update(url=standin.url + "/guideline#section")
    Reference.objects.filter(article=article, number=2).update(doi="10.1000/fine", pmid="222")
    revision = commit(workflow.submit, article, user=author)
    cited = {(c.source.kind, c.source.key, c.number) for c in SourceCitation.objects.filter(revision=revision)}
    assert cited == {("url", standin.url + "/guideline", 1), ("doi", "10.1000/fine", 2), ("pmid", "222", 2)}
    assert sorted(standin.paths()) == ["/esummary", "/guideline", "/works/10.1000%2Ffine"]
    assert set(SourceCheck.objects.values_list("status", flat=True)) == {"ok"}


def test_nothing_is_requested_while_checks_are_off(standin, author, commit, settings):
    settings.EDITORIAL_SOURCE_CHECKS = False
    article = factories.make_article(author=author)
    Reference.objects.filter(article=article).update(url=standin.url + "/guideline")
    revision = commit(workflow.submit, article, user=author)
    assert SourceCitation.objects.filter(revision=revision).count() == 1  # linked, for the screens
    assert standin.calls == []


def test_the_command_skips_sources_checked_recently(standin, author, reviewer):
    live_citing(author, reviewer, url=standin.url + "/fresh")
    live_citing(author, reviewer, slug="stale", url=standin.url + "/stale")
    # Both were linked when submitted (their checks left to a worker); one was checked since.
    SourceCheck.objects.filter(key=standin.url + "/fresh").update(status="ok", checked_at=timezone.now())
    SourceCheck.objects.filter(key=standin.url + "/stale").update(
        status="ok", checked_at=timezone.now() - timedelta(days=8)
    )
    out = StringIO()
    with pytest.MonkeyPatch.context() as patch:
        enqueued = []
        patch.setattr(sources, "enqueue_after_commit", lambda task, pk: enqueued.append(pk))
        call_command("check_sources", stdout=out)
    assert out.getvalue().strip() == "Enqueued 1 source check(s); 1 checked recently, skipped."
    assert enqueued == [check_of("url", standin.url + "/stale").pk]


def test_the_admin_lists_checks_with_filters(standin, author, reviewer, client, commit):
    standin.script = {"/gone": [500]}
    live_citing(author, reviewer, url=standin.url + "/gone", doi="10.1000/gout.2019")
    commit(sources.schedule)
    client.force_login(reviewer)
    url = reverse("admin:articles_sourcecheck_changelist")
    dead = client.get(url, {"problem": "dead"}).content.decode()
    assert "/gone" in dead and "10.1000/gout.2019" not in dead
    retracted = client.get(url, {"problem": "retracted"}).content.decode()
    assert "10.1000/gout.2019" in retracted and "/gone" not in retracted
    check = check_of("doi", "10.1000/gout.2019")
    detail = client.get(reverse("admin:articles_sourcecheck_change", args=[check.pk])).content.decode()
    assert "Gout treatment (version 1)" in detail


def test_the_change_form_shows_each_reference_result(standin, author, client):
    article = factories.make_article(author=author)
    Reference.objects.filter(article=article).update(doi="10.1000/GOUT.2019")
    SourceCheck.objects.create(
        kind="doi", key="10.1000/gout.2019", status="retracted", detail="Crossref", checked_at=timezone.now()
    )
    client.force_login(author)
    page = client.get(reverse("admin:articles_article_change", args=[article.pk])).content.decode()
    assert 'class="source-badge source-retracted">Retracted<' in page


def test_the_board_confirming_the_article_takes_it_out_of_the_queue(standin, author, reviewer, second_reviewer, commit):
    article = live_citing(author, reviewer, doi="10.1000/gout.2019")
    commit(sources.schedule)
    assert Article.objects.review_queue().filter(pk=article.pk).exists()
    live = factories.under_decision("confirm_current", article)
    workflow.confirm_current(Article.objects.get(pk=article.pk), user=second_reviewer, revision=live)
    assert not Article.objects.review_queue().filter(pk=article.pk).exists()
    # Found again on the next check: already told, it stays out of the queue.
    SourceCheck.objects.update(checked_at=timezone.now() - timedelta(days=30))
    commit(sources.schedule)
    assert not Article.objects.review_queue().filter(pk=article.pk).exists()
    assert SourceAlert.objects.count() == 1


def test_a_redirect_to_a_private_address_is_not_followed(standin, settings, monkeypatch):
    settings.EDITORIAL_SOURCE_CHECK_ALLOW_PRIVATE = False
    internal = StandIn()
    public_port = standin.server.server_address[1]
    checked_peer = source_probe._check_peer

    def peer(sock):
        if sock.getpeername()[1] != public_port:  # the cited site stands for a public one
            checked_peer(sock)

    monkeypatch.setattr(source_probe, "_check_peer", peer)
    standin.redirects = {"/leave": internal.url + "/metadata"}
    check = SourceCheck.objects.create(kind="url", key=standin.url + "/leave")
    sources.run(check.pk)
    check.refresh_from_db()
    assert check.status == "refused"
    assert standin.paths() == ["/leave"]
    assert internal.calls == []
    internal.close()
