"""Partners' webhooks: what the workflow made public, pushed to each endpoint that asked, signed.

One place listens: the workflow's ``article_changed`` signal, sent inside every public step's
transaction, the clock's included (a scheduled go-live and a passed end date go through
``scheduling.publish_due``, which saves through the same ``steps.save``). ``classify`` compares
what readers see now with what they saw before the step (the article's previous history row):

- ``published``: readers had nothing (a first version, or a republication after a withdrawal);
- ``updated``: another version is live (``corrected`` when its change kind is a correction);
- ``withdrawn``: readers had a version and now have none (archived, or its end date passed).

Drafts, submissions, reviews, confirmations and schedules change nothing readers see: no event.

Each event is one ``Delivery`` row per active endpoint that wants it, written in the step's
transaction, and one ``send`` job enqueued after the commit: the approval never waits on a
partner. The job POSTs the JSON body with a Stripe-style signature and records the attempt; a
failed one raises, and the task queue retries it with backoff (1 min, doubling, at most an hour
apart) until 24 hours have passed since the event, when the delivery is marked failed.
"""

import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import time
import urllib.error
import urllib.request
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from articles.models import Article, Delivery, DeliveryAttempt, Revision, Webhook
from articles.operations import audit
from articles.operations.tasks import background, enqueue_after_commit
from articles.review import signals

logger = logging.getLogger(__name__)

Event = Webhook.Event
SIGNATURE_HEADER = "X-Editorial-Signature"
EVENT_HEADER = "X-Editorial-Event"
DELIVERY_HEADER = "X-Editorial-Delivery"
GIVE_UP_AFTER = timedelta(hours=24)
# 1, 2, 4, ... 32 minutes, then hourly: 30 attempts cover the 24 hours (the clock stops it first).
ATTEMPTS = 32
EXCERPT = 200


class DeliveryFailed(Exception):
    """An attempt that did not get a 2xx answer; raising it hands the job back to the queue."""


# --- Endpoints: where a delivery may go -------------------------------------------------


def _addresses(host: str, port: int) -> set:
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as error:
        raise ValidationError({"url": f"The host {host} could not be resolved ({error})."}, code="unresolved") from None
    found = set()
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        found.add(getattr(address, "ipv4_mapped", None) or address)
    return found


def check_url(url: str) -> None:
    """Refuse an endpoint URL the site must not post to, naming the field ``url``.

    https only, no credentials in it, and (unless ``EDITORIAL_WEBHOOK_ALLOW_PRIVATE``, on only in
    DEBUG and tests) every address its host resolves to must be a public one: never loopback,
    private, link-local (the cloud metadata service, 169.254.169.254), shared or reserved space.
    Checked when the endpoint is saved and again before every attempt (a name may be re-pointed).
    """
    allow_private = settings.EDITORIAL_WEBHOOK_ALLOW_PRIVATE
    parts = urlsplit(url)
    if parts.scheme != "https" and not (allow_private and parts.scheme == "http"):
        raise ValidationError({"url": "The endpoint must be an https:// URL."}, code="scheme")
    if not parts.hostname:
        raise ValidationError({"url": "The endpoint URL has no host."}, code="host")
    if parts.username or parts.password:
        raise ValidationError({"url": "Put no user name or password in the URL; deliveries are signed."}, code="auth")
    if allow_private:
        return
    try:
        port = parts.port or 443
    except ValueError:
        raise ValidationError({"url": "The endpoint URL's port is not a number."}, code="port") from None
    for address in _addresses(parts.hostname, port):
        if not address.is_global or address.is_multicast:
            raise ValidationError(
                {"url": f"{parts.hostname} resolves to {address}, a private or reserved address: refused."},
                code="private",
            )


def register(*, partner: str, url: str, actor=None, api_key=None, events=None, active=True) -> Webhook:
    """Make an endpoint (its secret is generated) and record it in the audit log."""
    check_url(url)
    wanted = set(Event.values if events is None else events)
    hook = Webhook(partner=partner, url=url, api_key=api_key, active=active)
    for event in Event.values:
        setattr(hook, f"on_{event}", event in wanted)
    hook.full_clean()
    with transaction.atomic():
        hook.save()
        record_change(hook, "create", actor=actor)
    return hook


def record_change(hook: Webhook, verb: str, *, actor=None, request=None) -> None:
    """``webhook.<verb>`` in the audit log: who, which endpoint, where, what it wants (never its secret)."""
    audit.record(
        f"webhook.{verb}",
        actor=actor,
        request=request,
        target=hook,
        partner=hook.partner,
        url=hook.url,
        events=hook.events,
        active=hook.active,
    )


def roll_secret(hook: Webhook, *, actor=None, request=None) -> str:
    """Give ``hook`` a new secret (the old one stops signing at once); return it, to show once."""
    from articles.models.webhooks import new_secret

    hook.secret = new_secret()
    with transaction.atomic():
        hook.save(update_fields=["secret", "updated_at"])
        record_change(hook, "secret_rolled", actor=actor, request=request)
    return hook.secret


# --- Events: what readers see changed ----------------------------------------------------


def _live(status, published_revision_id) -> bool:
    return published_revision_id is not None and status != Article.Status.ARCHIVED


def classify(article: Article) -> tuple[str, Revision] | None:
    """The event the step just saved on ``article`` makes for partners, with the version it is about."""
    rows = list(article.history.order_by("-history_id").values("status", "published_revision_id")[:2])
    before = rows[1] if len(rows) > 1 else {"status": None, "published_revision_id": None}
    was_live = _live(before["status"], before["published_revision_id"])
    is_live = _live(article.status, article.published_revision_id)
    if is_live and not was_live:
        return Event.PUBLISHED, article.published_revision
    if is_live and before["published_revision_id"] != article.published_revision_id:
        revision = article.published_revision
        correction = revision.change_kind == Revision.ChangeKind.CORRECTION
        return (Event.CORRECTED if correction else Event.UPDATED), revision
    if was_live and not is_live:
        return Event.WITHDRAWN, Revision.objects.get(pk=before["published_revision_id"])
    return None


def payload(delivery: Delivery, article: Article, revision: Revision) -> dict:
    base = settings.EDITORIAL_BASE_URL.rstrip("/")
    return {
        "id": str(delivery.id),
        "event": delivery.event,
        "occurred_at": delivery.created_at.isoformat(),
        "article": {
            "slug": article.slug,
            "title": revision.title,
            "url": base + article.get_absolute_url(),
            "api_url": f"{base}/api/v1/articles/{article.slug}/",
            "version": revision.number,
            "change_kind": revision.change_kind,
            "change_note": revision.change_note,
        },
    }


def _article_changed(sender, *, article, **kwargs) -> None:
    hooks = list(Webhook.objects.filter(active=True))
    if not hooks:
        return
    found = classify(article)
    if found is None:
        return
    event, revision = found
    for hook in hooks:
        if not hook.wants(event):
            continue
        delivery = Delivery(webhook=hook, article=article, event=event)
        delivery.body = json.dumps(payload(delivery, article, revision), ensure_ascii=False, separators=(",", ":"))
        delivery.save()
        enqueue_after_commit(send, str(delivery.pk))


def connect_signals() -> None:
    signals.article_changed.connect(_article_changed, dispatch_uid="webhooks-article")


# --- Sending ---------------------------------------------------------------------------


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``"<timestamp>.<body>"`` with the endpoint's secret."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 3xx is an answer like any other (an unsuccessful one): never followed


# Direct connections only (no proxy from the environment), no redirects.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects)


def _excerpt(raw: bytes) -> str:
    return raw[:EXCERPT].decode("utf-8", "replace")


def attempt(delivery: Delivery, *, manual: bool = False) -> DeliveryAttempt:
    """POST ``delivery`` once, now; record the attempt and the delivery's state; return the attempt."""
    hook = delivery.webhook
    body = delivery.body.encode()
    started, clock = timezone.now(), time.monotonic()
    status, error, excerpt = None, "", ""
    try:
        check_url(hook.url)
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "EditorialWebhooks/1",
            EVENT_HEADER: delivery.event,
            DELIVERY_HEADER: str(delivery.id),
            SIGNATURE_HEADER: f"t={timestamp},v1={sign(hook.secret, timestamp, body)}",
        }
        request = urllib.request.Request(hook.url, data=body, method="POST", headers=headers)  # noqa: S310 - checked
        with _OPENER.open(request, timeout=settings.EDITORIAL_WEBHOOK_TIMEOUT) as response:
            status, excerpt = response.status, _excerpt(response.read(EXCERPT))
    except urllib.error.HTTPError as answer:
        status = answer.code
        excerpt = _excerpt(answer.read(EXCERPT)) if answer.fp else ""
        if 300 <= status < 400:
            error = f"redirect to {answer.headers.get('Location', '?')[:200]} not followed"
    except ValidationError as refused:
        error = "refused: " + " ".join(refused.message_dict.get("url", refused.messages))
    except (OSError, ValueError) as failure:  # URLError, timeouts, refused connections, resets
        reason = getattr(failure, "reason", None) or failure
        error = f"{type(reason).__name__}: {reason}"
    duration = int((time.monotonic() - clock) * 1000)
    ok = status is not None and 200 <= status < 300
    if status is not None and not ok and not error:
        error = f"HTTP {status}"
    with transaction.atomic():
        made = DeliveryAttempt.objects.create(
            delivery=delivery,
            started_at=started,
            status_code=status,
            error=error[:300],
            duration_ms=duration,
            response_excerpt=excerpt,
            manual=manual,
        )
        changes = {"attempts": F("attempts") + 1, "last_error": error[:300]}
        if ok:
            changes.update(status=Delivery.Status.SUCCEEDED, delivered_at=timezone.now())
        Delivery.objects.filter(pk=delivery.pk).update(**changes)
    delivery.refresh_from_db()
    return made


def _give_up(delivery: Delivery, why: str) -> None:
    Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.PENDING).update(status=Delivery.Status.FAILED)
    logger.error("webhook delivery %s to %s failed for good: %s", delivery.pk, delivery.webhook.partner, why)


@background(attempts=ATTEMPTS, backoff=60, max_backoff=3600, priority=40)
def send(delivery_id: str) -> str:
    """Try one delivery (a job); raise to be retried with backoff until a day after the event."""
    delivery = Delivery.objects.select_related("webhook").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != Delivery.Status.PENDING:
        return "nothing to send"
    if not delivery.webhook.active:
        _give_up(delivery, "the endpoint was made inactive")
        return "endpoint inactive"
    made = attempt(delivery)
    if made.ok:
        return f"delivered: HTTP {made.status_code}"
    automatic = delivery.tries.filter(manual=False).count()
    if timezone.now() - delivery.created_at >= GIVE_UP_AFTER or automatic >= ATTEMPTS:
        _give_up(delivery, made.error)
        return f"gave up: {made.error}"
    # One log line per failure (the queue's), naming the partner and host, never the secret.
    raise DeliveryFailed(f"{delivery.webhook.partner} ({urlsplit(delivery.webhook.url).hostname}): {made.error}")


@background(attempts=1, priority=60)
def resend_now(delivery_id: str) -> str:
    """One attempt asked for in the admin, whatever the delivery's state; not retried."""
    delivery = Delivery.objects.select_related("webhook").filter(pk=delivery_id).first()
    if delivery is None:
        return "nothing to send"
    made = attempt(delivery, manual=True)
    return f"HTTP {made.status_code}" if made.status_code else made.error


def resend(delivery: Delivery, *, actor=None, request=None) -> None:
    """Queue a new attempt at ``delivery`` now (after the commit), recorded in the audit log."""
    with transaction.atomic():
        audit.record(
            "webhook.resend",
            actor=actor,
            request=request,
            target=delivery.webhook,
            delivery=str(delivery.pk),
            event=delivery.event,
        )
        enqueue_after_commit(resend_now, str(delivery.pk))
