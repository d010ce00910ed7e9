"""People readers see named: board members' public profiles and editors' author profiles."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from articles.content.validators import CleanTextMixin

from .content import Specialty


def person_name(user) -> str:
    """How the admin, emails and history name a person: full name, else username."""
    return user.get_full_name() or user.get_username()


class BoardMember(CleanTextMixin, models.Model):
    """The public profile of a Medical Advisory Board reviewer."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="board_profile")
    display_name = models.CharField(max_length=150, help_text="As shown publicly, e.g. “Dr Jane Doe”.")
    slug = models.SlugField(max_length=150, unique=True)
    credentials = models.CharField(max_length=100, help_text="e.g. “MD, PhD”.")
    specialty = models.ForeignKey(Specialty, on_delete=models.PROTECT, null=True, blank=True)
    bio = models.TextField(blank=True)
    conflicts_of_interest = models.TextField(
        blank=True,
        help_text="Public statement of conflicts of interest; if there are none, tick the box below instead.",
    )
    no_conflicts = models.BooleanField(
        default=False, verbose_name="I have no conflicts of interest to declare", help_text="An explicit statement."
    )
    # When the member last made their declaration; a blank statement is never a declaration.
    declared_at = models.DateTimeField(null=True, blank=True, editable=False)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["display_name"]

    def __str__(self):
        return self.name_with_credentials

    def save(self, *args, **kwargs):
        # Whatever writes the row (admin, seed, shell), a declaration carries the date it was made.
        if self.has_declaration_text() and self.declared_at is None:
            self.declared_at = timezone.now()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:board") + f"#{self.slug}"

    def has_declaration_text(self) -> bool:
        return bool(self.conflicts_of_interest.strip()) or self.no_conflicts

    @property
    def has_current_declaration(self) -> bool:
        """Whether the member has made an explicit conflicts declaration (statement or "none")."""
        return self.declared_at is not None and self.has_declaration_text()

    @property
    def declaration(self) -> str:
        """The declaration as published; empty when none was made (never "None declared")."""
        if self.conflicts_of_interest.strip():
            return self.conflicts_of_interest.strip()
        return "No conflicts of interest to declare." if self.has_current_declaration else ""

    @property
    def name_with_credentials(self):
        return f"{self.display_name}, {self.credentials}" if self.credentials else self.display_name


class AuthorProfile(CleanTextMixin, models.Model):
    """An editor's public byline: shown on the articles they wrote when ``is_public``."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="author_profile")
    display_name = models.CharField(max_length=150, help_text="As shown publicly, e.g. “Sam Rivera”.")
    slug = models.SlugField(max_length=150, unique=True)
    role = models.CharField(max_length=100, help_text="e.g. “Medical writer”, “Health editor”.")
    credentials = models.CharField(max_length=100, blank=True, help_text="e.g. “MPH”, “RN”. Optional.")
    bio = models.TextField(blank=True)
    is_public = models.BooleanField(
        default=True, help_text="Credit this person by name; otherwise they are credited as “the editorial team”."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["display_name"]

    def __str__(self):
        return self.name_with_credentials

    def get_absolute_url(self):
        return reverse("articles:author", args=[self.slug])

    @property
    def name_with_credentials(self):
        return f"{self.display_name}, {self.credentials}" if self.credentials else self.display_name
