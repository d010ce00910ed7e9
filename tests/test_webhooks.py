"""Partners' webhooks: events classified from the workflow, signed deliveries to a real loopback
receiver (checked with the README's own snippet), retries through the task queue, re-sends, the
SSRF guard and the admin with its audit entries."""

import json
import re
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from articles.api import webhooks
from articles.models import AuditEntry, Delivery, DeliveryAttempt, Webhook
from articles.review import editing, schedule, workflow

from . import factories
from .test_tasks import come_due, run_worker

# Real commits: each step's after-commit work (the send job) runs when the step commits.
pytestmark = pytest.mark.django_db(transaction=True)

README = Path(__file__).resolve().parent.parent / "README.md"
SECRET_RE = re.compile(r"whsec_[A-Za-z0-9_-]{20,}")


def readme_verify():
    """The partner's ``verify`` exactly as the README's "Webhooks" section prints it."""
    text = README.read_text()
    section = text[text.index("### Webhooks") :]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace = {}
    exec(code, namespace)  # noqa: S102 - our own README
    return namespace["verify"]


class Receiver:
    """A partner's endpoint on 127.0.0.1: records each POST; ``answers`` sets the next statuses."""

    def __init__(self):
        self.calls = []
        self.answers = []  # statuses to give, in order; then 200
        self.hang = threading.Event()  # set: hold each request until ``released``
        self.released = threading.Event()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if receiver.hang.is_set():
                    receiver.released.wait(10)
                with receiver.lock:
                    receiver.calls.append({"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
                    status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "http://127.0.0.1:1/elsewhere")
                payload = b"ok" if status < 300 else b"down for maintenance" * 50
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self):
        return [json.loads(call["body"])["event"] for call in self.calls]

    def close(self):
        self.released.set()
        self.server.shutdown()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def hook(receiver, db):
    return webhooks.register(partner="Riverside GP surgery", url=receiver.url)


def update(article, *, author, reviewer, kind="editorial", note="Wording clarified."):
    article.refresh_from_db()
    article.body = f"New words, version {article.published_revision.number + 1} [1]."
    editing.save_content(article, user=author)
    workflow.submit(article, user=author, **factories.change_note_for(article, kind=kind, note=note))
    workflow.start_review(article, user=reviewer, revision=factories.under_decision("start_review", article))
    workflow.approve(article, user=reviewer, revision=factories.under_decision("approve", article))
    article.refresh_from_db()
    return article


# --- Signed deliveries -------------------------------------------------------------------


def test_a_first_publication_is_posted_signed_and_the_readme_snippet_verifies_it(
    receiver, hook, author, reviewer, draft, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        factories.publish(draft, author=author, reviewers=[reviewer])
    assert len(receiver.calls) == 1
    call = receiver.calls[0]
    headers, body = call["headers"], call["body"]
    verify = readme_verify()
    assert verify(hook.secret, headers["x-editorial-signature"], body)
    assert not verify(hook.secret, headers["x-editorial-signature"], body + b" ")  # tampered body
    assert not verify("whsec_wrong", headers["x-editorial-signature"], body)
    stamp = int(re.search(r"t=(\d+)", headers["x-editorial-signature"]).group(1))
    assert abs(stamp - time.time()) < 5
    with time_machine.travel(time.time() + 301):  # replayed six minutes later
        assert not verify(hook.secret, headers["x-editorial-signature"], body)
    payload = json.loads(body)
    delivery = Delivery.objects.get()
    assert headers["x-editorial-event"] == "published" and headers["x-editorial-delivery"] == str(delivery.pk)
    assert headers["content-type"] == "application/json"
    assert payload["id"] == str(delivery.pk) and payload["event"] == "published"
    article = payload["article"]
    assert article["slug"] == draft.slug and article["title"] == draft.title and article["version"] == 1
    assert article["url"].endswith(f"/articles/{draft.slug}/")
    assert article["api_url"].endswith(f"/api/v1/articles/{draft.slug}/")
    assert payload["occurred_at"].startswith(str(delivery.created_at.date()))
    assert delivery.status == Delivery.Status.SUCCEEDED and delivery.attempts == 1
    attempt = delivery.tries.get()
    assert attempt.status_code == 200 and attempt.response_excerpt == "ok" and attempt.error == ""


def test_drafts_submissions_and_reviews_send_nothing(receiver, hook, author, reviewer, draft):
    workflow.submit(draft, user=author)
    workflow.start_review(draft, user=reviewer, revision=factories.under_decision("start_review", draft))
    workflow.request_changes(
        draft, user=reviewer, revision=factories.under_decision("request_changes", draft), comment="Needs a source."
    )
    assert not Delivery.objects.exists() and receiver.calls == []


def test_updates_and_corrections_are_told_apart(receiver, hook, author, reviewer, published):
    update(published, author=author, reviewer=reviewer, kind="editorial")
    update(published, author=author, reviewer=reviewer, kind="correction", note="The dose was wrong.")
    assert receiver.events() == ["published", "updated", "corrected"]
    corrected = json.loads(receiver.calls[-1]["body"])["article"]
    assert corrected["version"] == 3 and corrected["change_kind"] == "correction"
    assert corrected["change_note"] == "The dose was wrong."


def test_an_endpoint_gets_only_the_events_it_wants(receiver, author, reviewer, published, superuser):
    webhooks.register(partner="Corrections only", url=receiver.url, events=["corrected", "withdrawn"])
    update(published, author=author, reviewer=reviewer, kind="clinical")
    assert receiver.calls == []
    update(published, author=author, reviewer=reviewer, kind="correction")
    workflow.archive(published, user=superuser, reason="Superseded by new guidance.")
    assert receiver.events() == ["corrected", "withdrawn"]


def test_a_withdrawal_is_announced_with_the_version_that_was_live(receiver, hook, published, superuser):
    workflow.archive(published, user=superuser, reason="Superseded by new guidance.")
    assert receiver.events() == ["published", "withdrawn"]
    assert json.loads(receiver.calls[1]["body"])["article"]["version"] == 1


def test_a_rolled_back_step_sends_nothing(receiver, hook, author, reviewer, draft):
    with pytest.raises(RuntimeError), transaction.atomic():
        factories.publish(draft, author=author, reviewers=[reviewer])
        assert Delivery.objects.count() == 1  # written in the step's transaction...
        raise RuntimeError("the request failed later")
    assert not Delivery.objects.exists() and receiver.calls == []  # ...and gone with it, never sent


def test_inactive_endpoints_get_nothing(receiver, hook, author, reviewer, draft):
    hook.active = False
    hook.save()
    factories.publish(draft, author=author, reviewers=[reviewer])
    assert receiver.calls == [] and not Delivery.objects.exists()


NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def test_a_scheduled_go_live_and_an_end_date_are_announced_when_the_clock_applies_them(
    receiver, hook, author, reviewer, draft
):
    with time_machine.travel(NOW, tick=False) as clock:
        draft.ends_at, draft.end_reason = NOW + timedelta(days=3), "The season is over."
        editing.save_content(draft, user=author)
        workflow.submit(draft, user=author)
        workflow.start_review(draft, user=reviewer, revision=factories.under_decision("start_review", draft))
        workflow.approve(
            draft,
            user=reviewer,
            revision=factories.under_decision("approve", draft),
            go_live_at=NOW + timedelta(hours=2),
        )
        assert receiver.calls == []  # approved, not live yet
        clock.move_to(NOW + timedelta(hours=2))
        schedule.apply_due()
        assert receiver.events() == ["published"]
        clock.move_to(NOW + timedelta(days=3))
        schedule.apply_due()
        assert receiver.events() == ["published", "withdrawn"]


# --- Out of the request path, retries, re-sends ------------------------------------------


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_an_approval_never_waits_for_a_partner_that_hangs(
    receiver, hook, author, reviewer, draft, database_queue, django_capture_on_commit_callbacks
):
    receiver.hang.set()
    workflow.submit(draft, user=author)
    workflow.start_review(draft, user=reviewer, revision=factories.under_decision("start_review", draft))
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(draft, user=reviewer, revision=factories.under_decision("approve", draft))
    assert time.monotonic() - started < 2
    assert receiver.calls == []  # nothing was sent inside the approval: the job waits for the worker
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.PENDING and delivery.attempts == 0
    assert DBTaskResult.objects.filter(task_path="articles.api.webhooks.send").count() == 1
    receiver.hang.clear()
    run_worker()
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SUCCEEDED and len(receiver.calls) == 1


def test_a_receiver_outage_is_retried_with_backoff_until_it_answers(
    receiver, hook, author, reviewer, draft, database_queue, django_capture_on_commit_callbacks, caplog
):
    verify = readme_verify()
    receiver.answers = [500, 503]
    with django_capture_on_commit_callbacks(execute=True):
        factories.publish(draft, author=author, reviewers=[reviewer])
    job = DBTaskResult.objects.get(task_path="articles.api.webhooks.send")
    before = time.time()
    run_worker()
    job.refresh_from_db()
    assert 55 < job.run_after.timestamp() - before < 65  # first backoff: a minute
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.PENDING and delivery.last_error == "HTTP 500"
    assert any("Riverside GP surgery (127.0.0.1): HTTP 500" in r.getMessage() for r in caplog.records)
    assert not any(hook.secret in r.getMessage() for r in caplog.records)
    come_due(job)
    run_worker()
    job.refresh_from_db()
    assert 115 < job.run_after.timestamp() - time.time() < 125  # doubled
    come_due(job)
    run_worker()
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SUCCEEDED
    assert [a.status_code for a in delivery.tries.all()] == [500, 503, 200]
    assert len(delivery.tries.all()[0].response_excerpt) == 200  # only a short excerpt of the answer is kept
    signatures = {call["headers"]["x-editorial-signature"] for call in receiver.calls}
    assert all(verify(hook.secret, s, receiver.calls[0]["body"]) for s in signatures)  # each attempt signed
    assert len({call["body"] for call in receiver.calls}) == 1
    assert len({call["headers"]["x-editorial-delivery"] for call in receiver.calls}) == 1


def test_a_delivery_is_given_up_a_day_after_the_event(
    receiver, hook, author, reviewer, draft, database_queue, django_capture_on_commit_callbacks
):
    receiver.answers = [500] * 5
    with django_capture_on_commit_callbacks(execute=True):
        factories.publish(draft, author=author, reviewers=[reviewer])
    run_worker()
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.PENDING
    Delivery.objects.filter(pk=delivery.pk).update(created_at=delivery.created_at - timedelta(hours=24))
    come_due(DBTaskResult.objects.get(task_path="articles.api.webhooks.send"))
    run_worker()
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED and delivery.attempts == 2
    assert not DBTaskResult.objects.filter(status="READY").exists()  # nothing left to retry


def test_a_redirect_is_not_followed(receiver, hook, author, reviewer, draft):
    receiver.answers = [302]
    factories.publish(draft, author=author, reviewers=[reviewer])
    attempt = DeliveryAttempt.objects.get()
    assert attempt.status_code == 302 and "not followed" in attempt.error
    assert len(receiver.calls) == 1


def test_the_admin_lists_deliveries_with_attempts_and_resends(
    client, superuser, receiver, hook, author, reviewer, draft
):
    receiver.answers = [500]
    factories.publish(draft, author=author, reviewers=[reviewer])  # immediate queue: one failed attempt
    delivery = Delivery.objects.get()
    client.force_login(superuser)
    changelist = reverse("admin:articles_delivery_changelist")
    assert "HTTP 500" in client.get(changelist + "?status__exact=pending").content.decode()
    assert "0 webhook deliveries" in client.get(changelist + "?status__exact=succeeded").content.decode()
    page = client.get(reverse("admin:articles_delivery_change", args=[delivery.pk])).content.decode()
    assert "HTTP 500" in page
    response = client.post(changelist, {"action": "resend_deliveries", "_selected_action": [str(delivery.pk)]})
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SUCCEEDED and delivery.attempts == 2
    assert delivery.tries.last().manual and delivery.tries.last().status_code == 200
    assert AuditEntry.objects.filter(action="webhook.resend", actor=superuser).exists()


# --- Endpoints: the SSRF guard, the secret shown once, the audit log -----------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hooks",
        "https://169.254.169.254/latest/meta-data/",
        "https://10.0.0.7/hooks",
        "https://[::1]/hooks",
        "https://[::ffff:192.168.1.1]/hooks",
        "https://100.64.0.1/hooks",
        "https://localhost/hooks",
        "http://93.184.216.34/hooks",
        "https://user:pw@93.184.216.34/hooks",
    ],
)
def test_endpoints_on_private_addresses_or_without_https_are_refused(settings, url):
    settings.EDITORIAL_WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(ValidationError) as refused:
        webhooks.check_url(url)
    assert "url" in refused.value.message_dict


def test_a_public_https_endpoint_is_accepted(settings):
    settings.EDITORIAL_WEBHOOK_ALLOW_PRIVATE = False
    webhooks.check_url("https://93.184.216.34/hooks")


def test_a_delivery_to_an_endpoint_now_on_a_private_address_is_refused_at_send(
    settings, receiver, hook, author, reviewer, draft
):
    settings.EDITORIAL_WEBHOOK_ALLOW_PRIVATE = False
    factories.publish(draft, author=author, reviewers=[reviewer])
    assert receiver.calls == []
    assert DeliveryAttempt.objects.get().error.startswith("refused:")


def test_the_admin_shows_the_secret_once_refuses_private_urls_and_audits(client, superuser, settings):
    client.force_login(superuser)
    add = reverse("admin:articles_webhook_add")
    form = {"partner": "Riverside", "url": "https://127.0.0.1/hooks", "on_corrected": "on", "active": "on"}
    settings.EDITORIAL_WEBHOOK_ALLOW_PRIVATE = False
    refused = client.post(add, form)
    assert refused.status_code == 200 and "private or reserved address" in refused.content.decode()
    assert not Webhook.objects.exists()
    settings.EDITORIAL_WEBHOOK_ALLOW_PRIVATE = True
    none_wanted = client.post(add, {**form, "on_corrected": ""})
    assert "Choose at least one event" in none_wanted.content.decode()
    made = client.post(add, form)
    hook = Webhook.objects.get()
    assert hook.secret in made.content.decode() and "shown only this once" in made.content.decode()
    assert hook.events == ["corrected"]
    change = reverse("admin:articles_webhook_change", args=[hook.pk])
    page = client.get(change).content.decode()
    assert hook.secret not in page and hook.secret_hint in page
    client.post(change, {**form, "partner": "Riverside surgery"})
    rolled = client.post(
        reverse("admin:articles_webhook_changelist"), {"action": "roll_secrets", "_selected_action": [hook.pk]}
    )
    new_secret = Webhook.objects.get().secret
    assert new_secret != hook.secret and new_secret in rolled.content.decode()
    entries = AuditEntry.objects.filter(action__startswith="webhook.").order_by("pk")
    assert [e.action for e in entries] == ["webhook.create", "webhook.change", "webhook.secret_rolled"]
    assert entries[0].details["url"] == "https://127.0.0.1/hooks" and entries[0].details["events"] == ["corrected"]
    assert not any(SECRET_RE.search(json.dumps(e.details)) for e in entries)


def test_editors_and_the_board_cannot_see_endpoints_nor_deliveries(client, author, reviewer):
    for user in (author, reviewer):
        client.force_login(user)
        assert client.get(reverse("admin:articles_webhook_changelist")).status_code == 403
        assert client.get(reverse("admin:articles_delivery_changelist")).status_code == 403
