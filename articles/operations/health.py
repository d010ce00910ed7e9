"""Health checks for load balancers and deploys: is the database there, is the cache."""

from django.core.cache import cache
from django.db import connection
from django.db.utils import DatabaseError
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return False
    return True


def _cache_ok() -> bool:
    try:
        cache.set("healthz", "ok", timeout=10)
        return cache.get("healthz") == "ok"
    except Exception:
        return False


@never_cache
def healthz(request):
    """For the load balancer: 200 while the database answers, 503 when it does not.

    A cache outage is reported ("degraded") without taking the node out: pages are then
    served uncached, which is slower but correct.
    """
    database = _database_ok()
    body = {
        "status": "ok" if database else "unavailable",
        "database": "ok" if database else "down",
        "cache": "ok" if _cache_ok() else "degraded",
    }
    return JsonResponse(body, status=200 if database else 503)


@never_cache
def readyz(request):
    """For deploys and orchestrators: 200 only when the database and the cache both answer."""
    checks = {"database": _database_ok(), "cache": _cache_ok()}
    body = {name: "ok" if ok else "down" for name, ok in checks.items()}
    ready = all(checks.values())
    body["status"] = "ready" if ready else "not ready"
    return JsonResponse(body, status=200 if ready else 503)
