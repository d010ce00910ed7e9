"""Partners' API keys: made and shown once, stored hashed, revoked, expired, rate-limited, counted per day."""

import hashlib
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from articles.api import keys
from articles.models import ApiKey, ApiKeyUsage

from . import factories


def get(client, token, path="/api/v1/topics/", **headers):
    return client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}", **headers)


def test_a_key_is_stored_only_as_its_sha256(db):
    key, token = keys.create_key(name="Partner")
    assert token.startswith("rh_") and len(token) >= 40
    assert key.key_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(ApiKey.objects.filter(pk=key.pk).values().get())
    assert token.startswith(key.prefix)


def test_the_command_prints_the_key_once_and_it_works(client, db):
    out = StringIO()
    call_command("create_api_key", "Riverside GP", "--expires", "2099-01-31", "--rate", "5", stdout=out)
    token = out.getvalue().splitlines()[1]
    key = ApiKey.objects.get(name="Riverside GP")
    assert key.rate_limit == 5 and key.expires_at.year == 2099
    assert get(client, token).status_code == 200


@pytest.mark.parametrize("args", [["P", "--expires", "next week"], ["P", "--rate", "0"], [" "]])
def test_the_command_refuses_bad_arguments(db, args):
    with pytest.raises(CommandError):
        call_command("create_api_key", *args, stdout=StringIO())


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "key-missing"),
        ("Bearer", "key-malformed"),
        ("Basic abc", "key-malformed"),
        ("Bearer rh_nope", "key-unknown"),
    ],
)
def test_requests_without_a_valid_key_are_401_problems(client, db, header, reason):
    headers = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get("/api/v1/articles/", **headers)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"].endswith(reason)
    assert response["WWW-Authenticate"].startswith("Bearer") or reason == "key-missing"


def test_a_revoked_key_stops_at_the_next_request(client, db):
    key, token = keys.create_key(name="Partner")
    assert get(client, token).status_code == 200  # its record is now cached
    keys.revoke(key)
    response = get(client, token)
    assert response.status_code == 401 and response.json()["type"].endswith("key-revoked")


def test_an_expired_key_is_refused(client, db):
    key, token = keys.create_key(name="Partner", expires_at=timezone.now() + timedelta(hours=1))
    assert get(client, token).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        response = get(client, token)
    assert response.status_code == 401 and response.json()["type"].endswith("key-expired")


def test_past_its_rate_a_key_gets_429_with_retry_after(client, db):
    _, token = keys.create_key(name="Partner", rate_limit=3)
    with time_machine.travel(timezone.now().replace(second=10), tick=False):
        statuses = [get(client, token).status_code for _ in range(4)]
        limited = get(client, token)
    assert statuses == [200, 200, 200, 429]
    assert limited["Content-Type"] == "application/problem+json"
    assert int(limited["Retry-After"]) == 50
    assert limited["X-RateLimit-Limit"] == "3"


def test_a_429_is_readable_by_the_keys_own_origin(client, db):
    _, token = keys.create_key(name="Partner", rate_limit=1, origins="https://partner.example.org")
    with time_machine.travel(timezone.now().replace(second=1), tick=False):
        get(client, token)
        limited = get(client, token, HTTP_ORIGIN="https://partner.example.org")
    assert limited.status_code == 429
    assert limited["Access-Control-Allow-Origin"] == "https://partner.example.org"
    assert "Retry-After" in limited["Access-Control-Expose-Headers"]


def test_each_key_has_its_own_limit(client, db):
    _, first = keys.create_key(name="First", rate_limit=1)
    _, second = keys.create_key(name="Second", rate_limit=1)
    with time_machine.travel(timezone.now().replace(second=1), tick=False):
        assert get(client, first).status_code == 200
        assert get(client, first).status_code == 429
        assert get(client, second).status_code == 200


def test_anonymous_access_is_off_by_default_and_has_its_own_lower_limit(client, db, settings):
    assert client.get("/api/v1/topics/").status_code == 401
    settings.EDITORIAL_API_ANONYMOUS = True
    settings.EDITORIAL_API_ANONYMOUS_RATE = 2
    with time_machine.travel(timezone.now().replace(second=5), tick=False):
        assert [client.get("/api/v1/topics/").status_code for _ in range(3)] == [200, 200, 429]


def test_usage_is_counted_per_key_and_day(client, db):
    key, token = keys.create_key(name="Partner")
    for _ in range(5):
        get(client, token)
    assert keys.usage_today(key) == 5
    keys.flush_usage()
    assert ApiKeyUsage.objects.get(key=key).requests == 5
    get(client, token)
    keys.flush_usage()
    assert ApiKeyUsage.objects.get(key=key).requests == 6
    assert keys.usage_today(key) == 6


def test_usage_upsert_adds_to_the_days_row(db):
    key, _ = keys.create_key(name="Partner")
    keys.add_usage(key.pk, "2026-01-02", 3)
    keys.add_usage(key.pk, "2026-01-02", 4)
    assert ApiKeyUsage.objects.get(key=key, day="2026-01-02").requests == 7


# --- The admin ---------------------------------------------------------------------------


def test_the_admin_shows_a_new_key_once_and_stores_its_hash(client, superuser):
    client.force_login(superuser)
    response = client.post(
        "/admin/articles/apikey/add/",
        {"name": "Charity", "expires_at_0": "", "expires_at_1": "", "rate_limit": "120", "allowed_origins": ""},
    )
    assert response.status_code == 200
    key = ApiKey.objects.get(name="Charity")
    token = response.context["token"]
    assert token in response.content.decode()
    assert key.key_hash == keys.hash_key(token)
    assert token not in client.get(f"/admin/articles/apikey/{key.pk}/change/").content.decode()
    assert token not in client.get("/admin/articles/apikey/").content.decode()


def test_the_admin_refuses_an_origin_with_a_path(client, superuser):
    client.force_login(superuser)
    response = client.post(
        "/admin/articles/apikey/add/",
        {"name": "X", "expires_at_0": "", "expires_at_1": "", "rate_limit": "60",
         "allowed_origins": "https://partner.example.org/app"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "allowed_origins" in response.context["adminform"].form.errors
    assert not ApiKey.objects.exists()


def test_the_admin_revoke_action_stops_the_key(client, superuser):
    key, token = keys.create_key(name="Partner")
    assert get(client, token).status_code == 200
    client.force_login(superuser)
    client.post("/admin/articles/apikey/", {"action": "revoke_keys", "_selected_action": [key.pk]})
    key.refresh_from_db()
    assert key.revoked_at is not None
    client.logout()
    assert get(client, token).status_code == 401


def test_editors_and_the_board_cannot_manage_keys(client, author, reviewer):
    for user in (author, reviewer):
        client.force_login(user)
        assert client.get("/admin/articles/apikey/").status_code == 403


def test_seed_demo_prints_a_working_demo_key(client, db, settings):
    factories.ensure_groups()
    out = StringIO()
    call_command("seed_demo", stdout=out)
    line = next(line for line in out.getvalue().splitlines() if "API key (demo partner)" in line)
    token = line.split(":", 1)[1].strip()
    response = get(client, token, "/api/v1/articles/")
    assert response.status_code == 200 and response.json()["results"]


def test_the_readme_quick_start_works_on_the_demo(client, db):
    import re
    from pathlib import Path

    factories.ensure_groups()
    call_command("seed_demo", stdout=StringIO())
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme.split("## Content API")[1].split("\n## ")[0]
    token = re.search(r"^KEY=(\S+)", section, re.M).group(1)
    urls = re.findall(
        r'curl -H "Authorization: Bearer \$KEY" "?(http://127\.0\.0\.1:8000(/api/\S+?))"?$', section, re.M
    )
    assert len(urls) == 2
    for _, path in urls:
        response = get(client, token, path)
        assert response.status_code == 200, path
        etag = response["ETag"]
        assert get(client, token, path, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert get(client, token, "/api/v1/articles/?topic=neurology&page_size=10").json()["results"]
