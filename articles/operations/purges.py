"""Purging the edge (Varnish and CDNs in front of the site) by surrogate keys, as queued jobs.

Each configured backend gets a job of its own (each Varnish too), enqueued after the commit,
retried with backoff while its API is away (one log line per failure), so an outage of one CDN
never blocks nor fails the approval that caused it, nor holds up the others:

- Varnish (``EDITORIAL_PURGE_VARNISH_URLS``): ``PURGE /`` with the keys in an ``xkey-purge``
  header, which deploy/varnish/default.vcl hands to the xkey vmod;
- Fastly (``EDITORIAL_FASTLY_SERVICE_ID``, ``EDITORIAL_FASTLY_API_TOKEN``): a surrogate-key batch
  purge, ``POST /service/{id}/purge`` with the keys in ``Surrogate-Key``, 256 keys a call;
- Cloudflare (``EDITORIAL_CLOUDFLARE_ZONE_ID``, ``EDITORIAL_CLOUDFLARE_API_TOKEN``):
  ``POST /zones/{zone}/purge_cache`` with ``{"tags": [...]}``, 30 tags a call;
- CloudFront (``EDITORIAL_CLOUDFRONT_DISTRIBUTION_ID``): it has no tags, so an invalidation of
  the paths the keys stand for (computed by the caller), through botocore.

A page rendered by a request still in flight when the event committed can reach the edge after
the purge; so every purge is sent twice: at once, and again ``REPEAT_SECONDS`` later.
"""

import json
import urllib.request
import uuid
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .tasks import background, enqueue_after_commit

# Longer than any request may take (gunicorn's timeout, 30 s by default).
REPEAT_SECONDS = 45
FASTLY_KEYS_PER_CALL = 256
CLOUDFLARE_TAGS_PER_CALL = 30


def targets() -> list[tuple[str, str]]:
    """(backend, target) for every configured backend: the target is a Varnish's URL, else ""."""
    found = [("varnish", url.rstrip("/")) for url in settings.EDITORIAL_PURGE_VARNISH_URLS if url]
    if settings.EDITORIAL_FASTLY_SERVICE_ID and settings.EDITORIAL_FASTLY_API_TOKEN:
        found.append(("fastly", ""))
    if settings.EDITORIAL_CLOUDFLARE_ZONE_ID and settings.EDITORIAL_CLOUDFLARE_API_TOKEN:
        found.append(("cloudflare", ""))
    if settings.EDITORIAL_CLOUDFRONT_DISTRIBUTION_ID:
        found.append(("cloudfront", ""))
    return found


def enabled() -> bool:
    return bool(targets())


def purge_after_commit(keys, paths) -> int:
    """Enqueue the purge of ``keys`` (``paths`` for CloudFront) on every backend, after the commit.

    Returns how many jobs were asked for.
    """
    keys, paths = sorted(set(keys)), sorted(set(paths))
    jobs = 0
    repeat = purge.get_backend().supports_defer  # jobs run at once in tests: no later run there
    for backend, target in targets():
        enqueue_after_commit(purge, backend, target, keys, paths)
        jobs += 1
        if repeat:
            later = timezone.now() + timedelta(seconds=REPEAT_SECONDS)
            enqueue_after_commit(purge.using(run_after=later), backend, target, keys, paths)
            jobs += 1
    return jobs


@background(attempts=20, backoff=5, max_backoff=600, priority=50)  # about 2 hours of retries
def purge(backend: str, target: str, keys: list[str], paths: list[str]) -> str:
    """Purge ``keys`` on one backend (a job); raising hands it back to the queue to retry."""
    return PURGERS[backend](target, keys, paths)


def _request(method: str, url: str, *, headers: dict, body: bytes | None = None) -> bytes:
    request = urllib.request.Request(url, data=body, method=method, headers=headers)  # noqa: S310 - configured URLs
    with urllib.request.urlopen(request, timeout=settings.EDITORIAL_PURGE_TIMEOUT) as response:  # noqa: S310
        return response.read()


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def purge_varnish(url: str, keys: list[str], paths: list[str]) -> str:
    _request("PURGE", url + "/", headers={"xkey-purge": " ".join(keys)})
    return f"varnish {url}: {len(keys)} key(s)"


def purge_fastly(target: str, keys: list[str], paths: list[str]) -> str:
    base = settings.EDITORIAL_FASTLY_API_URL.rstrip("/")
    url = f"{base}/service/{settings.EDITORIAL_FASTLY_SERVICE_ID}/purge"
    for chunk in _chunks(keys, FASTLY_KEYS_PER_CALL):
        headers = {
            "Fastly-Key": settings.EDITORIAL_FASTLY_API_TOKEN,
            "Surrogate-Key": " ".join(chunk),
            "Accept": "application/json",
        }
        _request("POST", url, headers=headers)
    return f"fastly: {len(keys)} key(s)"


def purge_cloudflare(target: str, keys: list[str], paths: list[str]) -> str:
    base = settings.EDITORIAL_CLOUDFLARE_API_URL.rstrip("/")
    url = f"{base}/zones/{settings.EDITORIAL_CLOUDFLARE_ZONE_ID}/purge_cache"
    headers = {
        "Authorization": f"Bearer {settings.EDITORIAL_CLOUDFLARE_API_TOKEN}",
        "Content-Type": "application/json",
    }
    for chunk in _chunks(keys, CLOUDFLARE_TAGS_PER_CALL):
        answer = json.loads(_request("POST", url, headers=headers, body=json.dumps({"tags": chunk}).encode()) or b"{}")
        if not answer.get("success"):
            raise RuntimeError(f"Cloudflare refused the purge: {answer.get('errors')}")
    return f"cloudflare: {len(keys)} tag(s)"


def purge_cloudfront(target: str, keys: list[str], paths: list[str]) -> str:
    import botocore.session
    from botocore.config import Config

    client = botocore.session.get_session().create_client(
        "cloudfront",
        region_name="us-east-1",
        endpoint_url=settings.EDITORIAL_CLOUDFRONT_ENDPOINT_URL,
        # The queue retries with backoff; botocore's own retries would hold the worker instead.
        config=Config(
            connect_timeout=settings.EDITORIAL_PURGE_TIMEOUT,
            read_timeout=settings.EDITORIAL_PURGE_TIMEOUT,
            retries={"total_max_attempts": 1},
        ),
    )
    client.create_invalidation(
        DistributionId=settings.EDITORIAL_CLOUDFRONT_DISTRIBUTION_ID,
        InvalidationBatch={"Paths": {"Quantity": len(paths), "Items": paths}, "CallerReference": uuid.uuid4().hex},
    )
    return f"cloudfront: {len(paths)} path(s)"


PURGERS = {
    "varnish": purge_varnish,
    "fastly": purge_fastly,
    "cloudflare": purge_cloudflare,
    "cloudfront": purge_cloudfront,
}
