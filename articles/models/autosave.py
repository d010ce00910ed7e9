"""Editors' unsaved text, kept while they type so that nothing typed is lost (see ``articles.review.autosave``).

An autosave is the change form as its author left it: a closed tab, a crash, an expired
session or a refused save costs at most a few seconds of typing. It belongs to its author
alone (every view filters by the signed-in user), is never published, never reviewed and
never shown to anyone else. One per article and author, replaced on each autosave and
deleted when the author saves: it keeps no history, because the article's own history
records everything that is saved, and a history of keystrokes would only keep what the
author chose not to save.
"""

from django.conf import settings
from django.db import models

from .content import Article


class AutosaveDraft(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The change form's fields by name, as the browser posted them (text, references, change note).
    fields = models.JSONField()
    # The version of the stored article the text was typed over (``editing.edit_version``).
    base = models.CharField(max_length=80, blank=True)
    saved_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "user"], name="one_autosave_per_article_and_user")]

    def __str__(self):
        return f"Unsaved changes to {self.article_id} by {self.user_id}"
