"""Sources still standing: checking what versions cite, in the background, and acting on it.

When a version is submitted (``workflow.submit``) and, from cron, for every live article
(``manage.py check_sources``), each reference's URL, DOI and PubMed ID is linked to its
``SourceCheck`` (one per source, shared by every article citing it) and a ``check_source`` job
is enqueued for each source not checked within ``EDITORIAL_SOURCE_CHECK_DAYS``.

A job makes one try (``content/source_probe.py``). A failure worth retrying (5xx, timeout) is
counted and the job enqueued again after ``EDITORIAL_SOURCE_CHECK_BACKOFF`` x 2^(tries - 1)
seconds; after ``EDITORIAL_SOURCE_CHECK_ATTEMPTS`` tries in a row the address is reported dead.
Requests to one host are spaced by ``EDITORIAL_SOURCE_CHECK_HOST_INTERVAL`` (one per window,
shared through the cache); a job finding its host busy is enqueued again for the next window.

A retraction or expression of concern sends each live article citing the source to the board's
queue at once, with the reason (a ``SourceAlert``, which ``ArticleQuerySet.review_queue`` counts
until the board next reviews the live version; ``next_review_due``, shown to readers, is left
alone), and emails the reviewers who approved the live version: once per (article, source,
status), however often the source is checked again. The public page is not changed: the board
decides. Dead links and corrections are shown to editors and the board beside the reference,
with no queue entry: a link may be down for a day, and a correction rarely changes what the
article says.
"""

import logging
import math
import time
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from articles.content import source_probe
from articles.models import Article, Revision, SourceAlert, SourceCheck, SourceCitation
from articles.operations.tasks import background, enqueue_after_commit

from . import notifications

logger = logging.getLogger(__name__)
Status = SourceCheck.Status


class HostBusy(Exception):
    def __init__(self, wait: float):
        super().__init__(f"host busy for {wait:.2f} s")
        self.wait = wait


# --- Which sources a version cites ----------------------------------------------------------


def sources_of(references) -> list[tuple[str, str, int]]:
    """(kind, normalised key, reference number) for each URL, DOI and PubMed ID in ``references``."""
    found = []
    for ref in references or []:
        number = ref.get("number")
        if not isinstance(number, int):
            continue
        for kind, normal in (
            (SourceCheck.Kind.URL, source_probe.normal_url(ref.get("url") or "")),
            (SourceCheck.Kind.DOI, source_probe.normal_doi(ref.get("doi") or "")),
            (SourceCheck.Kind.PMID, source_probe.normal_pmid(ref.get("pmid") or "")),
        ):
            if normal:
                found.append((kind, normal, number))
    return found


def link(revisions) -> set[int]:
    """Link each version's references to their checks (created unchecked if new); return the checks' ids."""
    wanted = {rev.pk: sources_of(rev.references) for rev in revisions}
    keys = {(kind, key) for cited in wanted.values() for kind, key, _ in cited}
    if not keys:
        return set()
    SourceCheck.objects.bulk_create(
        [SourceCheck(kind=kind, key=key) for kind, key in keys], ignore_conflicts=True, batch_size=500
    )
    ids = {}
    for kind in {kind for kind, _ in keys}:
        names = [key for k, key in keys if k == kind]
        for start in range(0, len(names), 500):
            for pk, key in SourceCheck.objects.filter(kind=kind, key__in=names[start : start + 500]).values_list(
                "pk", "key"
            ):
                ids[(kind, key)] = pk
    SourceCitation.objects.bulk_create(
        [
            SourceCitation(source_id=ids[(kind, key)], revision_id=rev_pk, number=number)
            for rev_pk, cited in wanted.items()
            for kind, key, number in cited
        ],
        ignore_conflicts=True,
        batch_size=500,
    )
    return set(ids.values())


def stale(ids, *, now=None):
    """The checks among ``ids`` never checked, or not within ``EDITORIAL_SOURCE_CHECK_DAYS``."""
    now = now or timezone.now()
    fresh_since = now - timedelta(days=settings.EDITORIAL_SOURCE_CHECK_DAYS)
    return SourceCheck.objects.filter(pk__in=ids).filter(Q(checked_at__isnull=True) | Q(checked_at__lt=fresh_since))


def enqueue(ids) -> int:
    """Enqueue a check of each source in ``ids`` after the commit (none while ``EDITORIAL_SOURCE_CHECKS`` is off)."""
    if not settings.EDITORIAL_SOURCE_CHECKS:
        return 0
    ids = sorted(ids)
    for pk in ids:
        enqueue_after_commit(check_source, pk)
    return len(ids)


def submitted(revision: Revision) -> int:
    """Link a submitted version's sources and enqueue the checks that are due; return how many."""
    return enqueue(stale(link([revision])).values_list("pk", flat=True))


def live_revisions():
    return Revision.objects.filter(pk__in=Article.objects.public().values("published_revision")).only(
        "pk", "references"
    )


def schedule(*, now=None) -> tuple[int, int]:
    """Link every live and under-review version, enqueue the checks that are due: (enqueued, fresh)."""
    ids = set()
    under_review = Revision.objects.filter(pk__in=Article.objects.awaiting_review().values("pending_revision")).only(
        "pk", "references"
    )
    for revisions in (live_revisions(), under_review):
        batch = []
        for revision in revisions.iterator(chunk_size=200):
            batch.append(revision)
            if len(batch) == 200:
                ids |= link(batch)
                batch = []
        ids |= link(batch)
    due = list(stale(ids, now=now).values_list("pk", flat=True))
    return enqueue(due), len(ids) - len(due)


# --- One check ------------------------------------------------------------------------------


def _throttle(url: str) -> None:
    """Take this host's one request of the current window, or raise ``HostBusy`` with the wait."""
    interval = settings.EDITORIAL_SOURCE_CHECK_HOST_INTERVAL
    if interval <= 0:
        return
    while True:
        now = time.time()
        window = math.floor(now / interval)
        key = f"source-check-host:{source_probe.host_of(url)}:{window}"
        if cache.add(key, 1, timeout=math.ceil(interval) + 1):
            return
        wait = (window + 1) * interval - now
        if check_source.get_backend().supports_defer:
            raise HostBusy(wait)
        time.sleep(wait)  # jobs run at once (no worker): wait here instead


def _later(check_id: int, seconds: float) -> None:
    if check_source.get_backend().supports_defer:
        check_source.using(run_after=timezone.now() + timedelta(seconds=seconds)).enqueue(check_id)
    else:  # run at once (the test settings): the next try follows now
        check_source.enqueue(check_id)


def _ask(check: SourceCheck) -> source_probe.Outcome:
    if check.kind == SourceCheck.Kind.URL:
        return source_probe.probe_url(check.key, before_request=_throttle)
    if check.kind == SourceCheck.Kind.DOI:
        _throttle(settings.EDITORIAL_CROSSREF_URL)
        return source_probe.crossref_updates(check.key)
    _throttle(settings.EDITORIAL_PUBMED_URL)
    return source_probe.pubmed_flags(check.key)


def run(check_id: int) -> str:
    """Make one try at checking ``check_id``; record the result or schedule the next try."""
    check = SourceCheck.objects.filter(pk=check_id).first()
    if check is None:
        return "gone"
    try:
        outcome = _ask(check)
    except HostBusy as busy:
        _later(check.pk, busy.wait)
        return "host busy: later"
    except source_probe.Refused as refused:
        outcome = source_probe.Outcome(Status.REFUSED, str(refused))
    except source_probe.Transient as failure:
        tries = check.failures + 1
        logger.warning("source check %s (%s) failed, try %d: %s", check.pk, check.key, tries, failure)
        if tries < settings.EDITORIAL_SOURCE_CHECK_ATTEMPTS:
            SourceCheck.objects.filter(pk=check.pk).update(failures=tries)
            _later(check.pk, settings.EDITORIAL_SOURCE_CHECK_BACKOFF * 2 ** (tries - 1))
            return f"try {tries} failed: {failure}"
        if check.kind != SourceCheck.Kind.URL:
            # Crossref or PubMed away is not the paper's fault: keep what was known, say why.
            SourceCheck.objects.filter(pk=check.pk).update(failures=0, detail=f"Could not check: {failure}"[:500])
            return f"could not check: {failure}"
        outcome = source_probe.Outcome(Status.DEAD, f"{failure} ({tries} tries)")
    record(check, outcome.status, outcome.detail)
    return outcome.status


@background(attempts=3, backoff=60, max_backoff=3600, priority=-10)
def check_source(check_id: int) -> str:
    """Check one source (a job); see ``run``."""
    return run(check_id)


def record(check: SourceCheck, status: str, detail: str, *, now=None) -> None:
    """Store a result (and its history); a retraction or concern alerts the live articles citing it."""
    now = now or timezone.now()
    check.status, check.detail, check.checked_at, check.failures = status, detail[:500], now, 0
    check.history = [*check.history, {"at": now.isoformat(), "status": status, "detail": detail[:500]}][
        -SourceCheck.HISTORY_KEPT :
    ]
    check.save(update_fields=["status", "detail", "checked_at", "failures", "history"])
    if status in SourceCheck.ALERTING:
        alert(check, now=now)


DEMO_DETAIL = "DEMO DATA: invented to show how {what} appears; no check was made and nothing was found"


def record_demo(revision: Revision, kind: str, status: str) -> SourceCheck | None:
    """Record an invented result for the first ``kind`` source ``revision`` cites (``seed_demo`` only),
    labelled as such."""
    link([revision])
    citation = SourceCitation.objects.filter(revision=revision, source__kind=kind).order_by("number").first()
    if citation is None:
        return None
    what = {Status.RETRACTED: "a retraction", Status.DEAD: "a dead link"}.get(status, "a result")
    record(citation.source, status, DEMO_DETAIL.format(what=what))
    return citation.source


def reason_for(check: SourceCheck, number: int) -> str:
    label = {Status.RETRACTED: "retracted", Status.CONCERN: "has an expression of concern"}.get(check.status)
    return f"Source [{number}] {label or check.get_status_display().lower()} ({check.detail})"[:500]


def alert(check: SourceCheck, *, now=None) -> int:
    """Send each live article whose live version cites ``check`` to early re-review, once per
    (article, source, status); return how many were sent."""
    now = now or timezone.now()
    citations = (
        SourceCitation.objects.filter(source=check, revision__article__published_revision=F("revision"))
        .exclude(revision__article__status=Article.Status.ARCHIVED)
        .select_related("revision__article")
        .order_by("revision__article_id", "number")
    )
    sent = 0
    seen = set()
    for citation in citations:
        article = citation.revision.article
        if article.pk in seen:
            continue
        seen.add(article.pk)
        with transaction.atomic():
            reason = reason_for(check, citation.number)
            alerted, created = SourceAlert.objects.get_or_create(
                article=article, source=check, status=check.status, defaults={"reason": reason}
            )
            if not created:
                continue
            logger.warning("source check: %s sent to early re-review: %s", article.pk, alerted.reason)
            transaction.on_commit(lambda article=article, alerted=alerted: notifications.source_alert(article, alerted))
        sent += 1
    return sent


# --- What the screens show ------------------------------------------------------------------


def by_number(revision: Revision | None) -> dict[int, list[SourceCheck]]:
    """Reference number -> the checks of the sources it gives (URL, DOI, PubMed ID), for ``revision``."""
    if revision is None:
        return {}
    found: dict[int, list[SourceCheck]] = {}
    citations = SourceCitation.objects.filter(revision=revision).select_related("source")
    for citation in citations.order_by("number", "source__kind"):
        found.setdefault(citation.number, []).append(citation.source)
    return found


def open_alerts(article: Article):
    """Alerts raised since the board last reviewed the live version (what the queue shows)."""
    alerts = SourceAlert.objects.filter(article=article)
    if article.last_reviewed_at:
        alerts = alerts.filter(created_at__gt=article.last_reviewed_at)
    return alerts


def for_references(references) -> None:
    """Set ``source_checks`` (the checks of its URL, DOI, PubMed ID) on each ``Reference`` given, in one query."""
    wanted = {}
    for ref in references:
        ref.source_checks = []
        for kind, key, _ in sources_of([{**ref.as_dict(), "number": ref.number or 0}]):
            wanted.setdefault((kind, key), []).append(ref)
    if not wanted:
        return
    query = Q()
    for kind, key in wanted:
        query |= Q(kind=kind, key=key)
    for check in SourceCheck.objects.filter(query):
        for ref in wanted.get((check.kind, check.key), []):
            ref.source_checks.append(check)


def review_rows(revision: Revision | None) -> list[dict]:
    """The version's references with their checks, for the review screen."""
    if revision is None:
        return []
    checks = by_number(revision)
    return [
        {"number": ref.get("number"), "title": ref.get("title", ""), "checks": checks.get(ref.get("number"), [])}
        for ref in revision.references or []
    ]


def with_alert_reason(queryset):
    """Annotate articles with ``source_alert_reason``: the newest alert since the board last reviewed them."""
    since = datetime(2000, 1, 1, tzinfo=UTC)
    newest = SourceAlert.objects.filter(article=OuterRef("pk"), created_at__gt=OuterRef("source_alert_since"))
    return queryset.annotate(
        source_alert_since=Coalesce("last_reviewed_at", Value(since)),
        source_alert_reason=Subquery(newest.order_by("-created_at").values("reason")[:1]),
    )
