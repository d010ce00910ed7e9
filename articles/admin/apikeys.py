"""Partners' API keys: make one (shown once, on the page that follows), see its use, revoke it.

Administrators only (no group holds these permissions). Keys are revoked, never deleted: their
usage stays on record.
"""

from urllib.parse import urlsplit

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse

from articles.api import keys
from articles.models import ApiKey


class ApiKeyForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = ["name", "expires_at", "rate_limit", "allowed_origins"]

    def clean_allowed_origins(self):
        lines = [line.strip() for line in self.cleaned_data["allowed_origins"].splitlines() if line.strip()]
        for line in lines:
            parts = urlsplit(line)
            if parts.scheme not in ("http", "https") or not parts.netloc or parts.path.strip("/") or parts.query:
                raise ValidationError(
                    "Each line must be an origin such as https://partner.example.org (no path): %(line)s",
                    code="origin",
                    params={"line": line},
                )
        return "\n".join(line.rstrip("/") for line in lines)

    def clean_rate_limit(self):
        rate = self.cleaned_data["rate_limit"]
        if not rate:
            raise ValidationError("A key may make at least one request a minute.", code="rate")
        return rate


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    form = ApiKeyForm
    list_display = ["name", "prefix_shown", "state", "expires_at", "rate_limit", "requests_today", "created_at"]
    search_fields = ["name", "prefix"]
    readonly_fields = ["prefix_shown", "created_at", "revoked_at", "requests_today", "recent_usage"]
    actions = ["revoke_keys"]

    def get_fields(self, request, obj=None):
        fields = ["name", "expires_at", "rate_limit", "allowed_origins"]
        return fields if obj is None else ["prefix_shown", *fields, "created_at", "revoked_at", "recent_usage"]

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the key's usage stays on record

    @admin.display(description="key")
    def prefix_shown(self, obj):
        return f"{obj.prefix}…"

    @admin.display(description="state")
    def state(self, obj):
        return obj.state()

    @admin.display(description="requests today")
    def requests_today(self, obj):
        return keys.usage_today(obj)

    @admin.display(description="requests per day")
    def recent_usage(self, obj):
        keys.flush_usage()
        rows = obj.usage.all()[:14]
        return ", ".join(f"{row.day:%d %b}: {row.requests}" for row in rows) or "none yet"

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            keys.forget(obj)
            return
        made, request._api_token = keys.create_key(
            name=obj.name,
            expires_at=obj.expires_at,
            rate_limit=obj.rate_limit,
            origins=obj.allowed_origins,
            actor=request.user,
        )
        obj.pk = made.pk

    def response_add(self, request, obj, post_url_continue=None):
        """Show the new key once, on this page; it is stored only as a hash."""
        key = ApiKey.objects.get(pk=obj.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": "API key created",
            "key": key,
            "token": request._api_token,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/articles/apikey/created.html", context)

    @admin.action(description="Revoke the selected keys")
    def revoke_keys(self, request, queryset):
        count = 0
        for key in queryset.filter(revoked_at__isnull=True):
            keys.revoke(key, actor=request.user)
            count += 1
        self.message_user(
            request, f"{count} key(s) revoked: they stop working with the next request.", messages.SUCCESS
        )
