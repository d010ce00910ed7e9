"""Make an API key for a partner and print it once (only its hash is stored)."""

from datetime import UTC, datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_date, parse_datetime

from articles.api import keys


def _expiry(value: str):
    try:
        when = parse_datetime(value) or (datetime.combine(d, time(), tzinfo=UTC) if (d := parse_date(value)) else None)
    except ValueError:
        when = None
    if when is None:
        raise CommandError(f"--expires must be an ISO 8601 date or date-time, e.g. 2027-06-30: {value!r}")
    return when if when.tzinfo else when.replace(tzinfo=UTC)


class Command(BaseCommand):
    help = 'Create an API key for a partner: create_api_key "Partner name" [--expires 2027-06-30] [--rate 600].'

    def add_arguments(self, parser):
        parser.add_argument("name", help="The partner's name.")
        parser.add_argument("--expires", help="ISO 8601 date or date-time after which the key stops working.")
        parser.add_argument("--rate", type=int, help="Requests per minute (default EDITORIAL_API_DEFAULT_RATE).")
        parser.add_argument(
            "--origin", action="append", default=[], help="A web origin allowed to call from a browser (CORS); repeat."
        )

    def handle(self, *args, name, expires=None, rate=None, origin=(), **options):
        if not name.strip():
            raise CommandError("Give the partner's name.")
        if rate is not None and rate < 1:
            raise CommandError("--rate must be at least 1 request a minute.")
        key, token = keys.create_key(
            name=name.strip(),
            expires_at=_expiry(expires) if expires else None,
            rate_limit=rate,
            origins="\n".join(origin),
        )
        self.stdout.write(f"API key for {key.name} (shown once; only its hash is kept):")
        self.stdout.write(token)
        self.stdout.write(f"Use it as: Authorization: Bearer {token}")
