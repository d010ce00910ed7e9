"""Staff sign-ins: which sessions belong to whom, so that all of a user's sessions can end at once."""

from django.conf import settings
from django.db import models


class SignedInSession(models.Model):
    """A session a user signed in to (written at sign-in, removed at sign-out).

    The session store is keyed by session alone; this index is how deactivating a user or
    ending a board membership finds and deletes every session of theirs, whichever store
    (database or cache) holds them.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signed_in_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    signed_in_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-signed_in_at"]

    def __str__(self):
        return f"{self.user} since {self.signed_in_at:%Y-%m-%d %H:%M}"
