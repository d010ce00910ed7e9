"""Sign-in throttles: django-axes' lockout, with a limit of its own for each thing it counts.

django-axes counts failed sign-ins per parameter combination and compares the largest count
with one limit. We count two things, each against its own limit:

- one username from one client address (``EDITORIAL_LOGIN_FAILURE_LIMIT``, default 5): someone
  guessing one person's password;
- one client address across all usernames (``EDITORIAL_LOGIN_FAILURES_PER_ADDRESS``, default
  10): password spraying, one common password tried against many accounts;
- one username across all addresses (``EDITORIAL_LOGIN_FAILURES_PER_USERNAME``, default 10):
  one account's password guessed from many machines.

Any limit locks the sign-in for ``EDITORIAL_LOGIN_LOCKOUT_MINUTES`` (an admin can unlock it
sooner: README, "Signing in"); each lockout is logged (``account_signals``). A successful sign-in
clears only that username's count from that address: signing in with one's own account must
not wipe what an address did to everyone else's.
"""

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum

# The combinations counted, in the order of settings.AXES_LOCKOUT_PARAMETERS.
LOCKOUT_PARAMETERS = [["username", "ip_address"], ["ip_address"], ["username"]]


def limits() -> list[int]:
    return [
        settings.AXES_FAILURE_LIMIT,
        settings.EDITORIAL_LOGIN_FAILURES_PER_ADDRESS,
        settings.EDITORIAL_LOGIN_FAILURES_PER_USERNAME,
    ]


class ThrottlingAxesHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None) -> int:
        """Return the worst count, scaled so that reaching its own limit reaches axes' one limit."""
        limit = settings.AXES_FAILURE_LIMIT
        worst = 0
        for attempts, own_limit in zip(self.get_user_attempts(request, credentials), limits(), strict=True):
            failures = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            worst = max(worst, failures * limit // own_limit)
        return worst

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        # Whether this failure starts a lockout or is one more while locked (account_signals logs
        # the first as a lockout): axes announces both alike.
        if request is not None and hasattr(request, "axes_ip_address"):
            request.editorial_was_locked = self.get_failures(request, credentials) >= settings.AXES_FAILURE_LIMIT
        return super().user_login_failed(sender, credentials, request, **kwargs)

    def reset_user_attempts(self, request, credentials=None) -> int:
        """Clear the signed-in username's failures from this address, and nothing else."""
        by_username_and_address = self.filter_user_attempts(request, credentials)[0]
        count, _ = by_username_and_address.delete()
        return count
