"""Topics, board members' public profiles and authors' bylines."""

from django.contrib import admin
from django.utils import timezone

from articles.models import AuthorProfile, BoardMember, Specialty

from .base import HistoryAdmin
from .forms import BoardMemberForm


@admin.register(Specialty)
class SpecialtyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(BoardMember)
class BoardMemberAdmin(admin.ModelAdmin):
    form = BoardMemberForm
    list_display = ["display_name", "credentials", "specialty", "user", "declared_at", "is_active"]
    readonly_fields = ["declared_at"]
    list_filter = ["is_active", "specialty"]
    search_fields = ["display_name", "credentials", "user__username"]
    prepopulated_fields = {"slug": ["display_name"]}
    autocomplete_fields = ["user"]

    def has_delete_permission(self, request, obj=None):
        # Approvals credit members publicly; members who leave are made inactive, never deleted.
        return False

    def save_model(self, request, obj, form, change):
        if form.declaration_changed():
            # A new declaration is dated today; clearing it leaves the member unable to approve.
            obj.declared_at = timezone.now() if obj.has_declaration_text() else None
        super().save_model(request, obj, form, change)


@admin.register(AuthorProfile)
class AuthorProfileAdmin(HistoryAdmin):
    list_display = ["display_name", "role", "credentials", "user", "is_public"]
    list_filter = ["is_public"]
    search_fields = ["display_name", "role", "user__username"]
    prepopulated_fields = {"slug": ["display_name"]}
    autocomplete_fields = ["user"]

    def has_delete_permission(self, request, obj=None):
        # Bylines on published articles point here: hide a profile (not public) instead.
        return False
