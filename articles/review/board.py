"""Who holds the Medical Advisory Board's powers now: the one rule every board path goes by.

A member who leaves the board is made inactive (``BoardMember.is_active``), never deleted: their
name stays on what they reviewed. From that moment they hold none of the board's powers, even
while their account still sits in the board's group: every permission that group grants ends at
once, in every screen and step (reviewing, claiming, assigning, commenting, resolving comments,
archiving, and seeing the queue and unpublished drafts), because ``BoardPermissionsBackend``
(``AUTHENTICATION_BACKENDS``) stops granting it. What they hold otherwise stays: an editor
who also sat on the board keeps the Editors group's rights.

Superusers hold every permission whatever their groups; a superuser who has left the board
still takes no board step (``holds_board_powers``, asked by the workflow, comments and
assignments as well).
"""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db.models import Exists, Q

from articles.models import BoardMember

BOARD_GROUP = "Medical Advisory Board"


def has_left(user) -> bool:
    """Whether ``user`` sat on the board and has left it (their board profile is inactive)."""
    profile = getattr(user, "board_profile", None)
    return profile is not None and not profile.is_active


def holds_board_powers(user) -> bool:
    """Whether ``user`` may act for the board now, as far as membership goes (permissions are asked
    separately): an active account that has not left the board."""
    return user.is_active and not has_left(user)


def _left_board(user) -> Exists:
    # ``has_left`` in SQL, so the permission lookup stays one query.
    return Exists(BoardMember.objects.filter(user_id=user.pk, is_active=False))


class BoardPermissionsBackend(ModelBackend):
    """Django's permissions, except that the board group grants nothing to a member who has left."""

    def _get_group_permissions(self, user_obj):
        groups = Group.objects.filter(user=user_obj).exclude(Q(name=BOARD_GROUP) & Q(_left_board(user_obj)))
        return Permission.objects.filter(group__in=groups)
