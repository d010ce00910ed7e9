"""Opaque, signed cursors for the article list: where the next page starts, and nothing a client can forge."""

from datetime import datetime

from django.core import signing

SALT = "articles.api.cursor"


class BadCursor(ValueError):
    pass


def encode(when: datetime, pk: int) -> str:
    return signing.dumps([when.isoformat(), pk], salt=SALT, compress=True)


def decode(cursor: str) -> tuple[datetime, int]:
    """The (modified_at, pk) a cursor carries; ``BadCursor`` if it was not made here or was altered."""
    try:
        when, pk = signing.loads(cursor, salt=SALT)
        when = datetime.fromisoformat(when)
        if not isinstance(pk, int) or when.tzinfo is None:
            raise ValueError
    except (signing.BadSignature, ValueError, TypeError) as error:
        raise BadCursor("This cursor is not one this API gave out: start again without it.") from error
    return when, pk
