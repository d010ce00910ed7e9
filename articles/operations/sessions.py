"""Database sessions whose keys carry a signature, so a made-up session cookie costs nothing.

A key is 24 random characters and a 16-character HMAC of them (keyed by ``SECRET_KEY``, or
one of ``SECRET_KEY_FALLBACKS``): 40 characters, as the session table's column allows. A
cookie whose tail does not match was never issued here; the store treats it as no session at
all, without asking the database. The page cache relies on it (articles/site/visitors.py):
``sessionid=anything`` on a public page is served from the cache like a request without it.

Keys issued before this store (32 characters, no signature) are refused the same way: those
sessions end once, and their users sign in again.
"""

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils.crypto import constant_time_compare, get_random_string, salted_hmac

RANDOM_CHARACTERS = 24  # 36^24: about 124 bits
SIGNATURE_CHARACTERS = 16
KEY_CHARACTERS = "abcdefghijklmnopqrstuvwxyz0123456789"
SALT = "articles.operations.sessions.key"


def _signature(random_part: str, secret: str) -> str:
    return salted_hmac(SALT, random_part, secret=secret, algorithm="sha256").hexdigest()[:SIGNATURE_CHARACTERS]


def new_key() -> str:
    random_part = get_random_string(RANDOM_CHARACTERS, KEY_CHARACTERS)
    return random_part + _signature(random_part, settings.SECRET_KEY)


def issued_here(key) -> bool:
    """Whether ``key`` is a session key this site made (it may since have expired or ended)."""
    if not isinstance(key, str) or len(key) != RANDOM_CHARACTERS + SIGNATURE_CHARACTERS:
        return False
    random_part, signature = key[:RANDOM_CHARACTERS], key[RANDOM_CHARACTERS:]
    secrets = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return any(constant_time_compare(signature, _signature(random_part, secret)) for secret in secrets)


class SessionStore(DatabaseSessionStore):
    """Django's database sessions, with signed keys (``SESSION_ENGINE = "articles.operations.sessions"``)."""

    def _get_new_session_key(self):
        while True:
            key = new_key()
            if not self.exists(key):
                return key

    def _validate_session_key(self, key):
        return issued_here(key)
