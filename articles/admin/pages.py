"""Editable public pages such as the editorial policy."""

from django.contrib import admin

from articles.models import Page

from .base import HistoryAdmin
from .forms import PageAdminForm


@admin.register(Page)
class PageAdmin(HistoryAdmin):
    """Editable public pages such as the editorial policy (Markdown, sanitised when shown)."""

    form = PageAdminForm
    list_display = ["title", "slug", "updated_at"]
    prepopulated_fields = {"slug": ["title"]}
