"""Partners' webhook endpoints (secret shown once) and the delivery log with every attempt.

Administrators only (no group holds these permissions). Endpoints made, changed, deleted or
given a new secret, and re-sends, are recorded in the audit log as ``webhook.*``.
"""

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from articles.api import webhooks
from articles.models import Delivery, DeliveryAttempt, Webhook

EVENT_FIELDS = ["on_published", "on_updated", "on_corrected", "on_withdrawn"]


class WebhookForm(forms.ModelForm):
    url = forms.URLField(
        label="URL",
        max_length=500,
        assume_scheme="https",
        help_text=Webhook._meta.get_field("url").help_text,
        widget=forms.URLInput(attrs={"class": "vTextField"}),
    )

    class Meta:
        model = Webhook
        fields = ["partner", "api_key", "url", *EVENT_FIELDS, "active"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            webhooks.check_url(url)
        except ValidationError as refused:
            raise ValidationError(refused.message_dict["url"]) from None
        return url

    def clean(self):
        cleaned = super().clean()
        if not any(cleaned.get(name) for name in EVENT_FIELDS):
            raise ValidationError("Choose at least one event for this endpoint.", code="no_events")
        return cleaned


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    form = WebhookForm
    list_display = ["partner", "url", "events_wanted", "active", "delivery_counts", "created_at"]
    list_filter = ["active"]
    search_fields = ["partner", "url"]
    readonly_fields = ["secret_shown", "created_at", "updated_at", "recent_deliveries"]
    actions = ["roll_secrets"]

    def get_fields(self, request, obj=None):
        fields = ["partner", "api_key", "url", *EVENT_FIELDS, "active"]
        return fields if obj is None else [*fields, "secret_shown", "created_at", "updated_at", "recent_deliveries"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(delivery_total=Count("deliveries"))

    @admin.display(description="events")
    def events_wanted(self, obj):
        return ", ".join(obj.events) or "none"

    @admin.display(description="deliveries")
    def delivery_counts(self, obj):
        url = reverse("admin:articles_delivery_changelist") + f"?webhook__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, obj.delivery_total)

    @admin.display(description="signing secret")
    def secret_shown(self, obj):
        return format_html("{} <span class='help'>(shown in full once, when made or rolled)</span>", obj.secret_hint)

    @admin.display(description="recent deliveries")
    def recent_deliveries(self, obj):
        rows = obj.deliveries.all()[:10]
        if not rows:
            return "none yet"
        return format_html_join(
            ", ",
            '<a href="{}">{} {}: {}</a>',
            (
                (
                    reverse("admin:articles_delivery_change", args=[d.pk]),
                    d.event,
                    d.created_at.strftime("%d %b %H:%M"),
                    d.get_status_display(),
                )
                for d in rows
            ),
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        webhooks.record_change(obj, "change" if change else "create", actor=request.user, request=request)

    def delete_model(self, request, obj):
        webhooks.record_change(obj, "delete", actor=request.user, request=request)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for hook in queryset:
            webhooks.record_change(hook, "delete", actor=request.user, request=request)
        super().delete_queryset(request, queryset)

    def _secret_page(self, request, hook, secret, title):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "hook": hook,
            "secret": secret,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/articles/webhook/secret.html", context)

    def response_add(self, request, obj, post_url_continue=None):
        """Show the new endpoint's secret once, on this page."""
        return self._secret_page(request, obj, obj.secret, "Webhook endpoint created")

    @admin.action(description="Give the selected endpoint a new signing secret")
    def roll_secrets(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Choose one endpoint: its new secret is shown once.", messages.WARNING)
            return None
        hook = queryset.get()
        secret = webhooks.roll_secret(hook, actor=request.user, request=request)
        return self._secret_page(request, hook, secret, "New signing secret")


def outcome(attempt: DeliveryAttempt) -> str:
    if attempt.status_code is None:
        return attempt.error
    extra = attempt.error if attempt.error and not attempt.error.startswith("HTTP") else ""
    return f"HTTP {attempt.status_code}" + (f" ({extra})" if extra else "")


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "event_name", "partner", "article_slug", "state", "attempts", "last_error"]
    list_filter = ["status", "event", "webhook"]
    search_fields = ["id", "webhook__partner", "article__slug"]
    list_select_related = ["webhook", "article"]
    fields = [
        "id",
        "webhook",
        "event",
        "article",
        "status",
        "created_at",
        "delivered_at",
        "attempts",
        "last_error",
        "attempt_log",
        "body_shown",
    ]
    readonly_fields = fields
    actions = ["resend_deliveries"]

    class Media:
        css = {"all": ["articles/admin.css"]}

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="body (sent as one line)")
    def body_shown(self, obj):
        try:
            text = json.dumps(json.loads(obj.body), indent=2, ensure_ascii=False)
        except ValueError:
            text = obj.body
        return format_html('<pre class="delivery-body">{}</pre>', text)

    @admin.display(description="attempts, oldest first")
    def attempt_log(self, obj):
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{} ms</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    attempt.started_at.strftime("%Y-%m-%d %H:%M:%S"),
                    outcome(attempt),
                    attempt.duration_ms,
                    "re-send" if attempt.manual else "automatic",
                    attempt.response_excerpt or "—",
                )
                for attempt in obj.tries.all()
            ),
        )
        if not rows:
            return "none yet (the first is queued)"
        return format_html(
            '<div class="delivery-attempts" tabindex="0" role="region" aria-label="Attempts"><table><thead><tr>'
            '<th scope="col">Time</th><th scope="col">Outcome</th>'
            '<th scope="col">Duration</th><th scope="col">Kind</th><th scope="col">Answer (start)</th></tr></thead>'
            "<tbody>{}</tbody></table></div>",
            rows,
        )

    @admin.display(description="event", ordering="event")
    def event_name(self, obj):
        return obj.event

    @admin.display(description="status", ordering="status")
    def state(self, obj):
        return obj.status

    @admin.display(description="partner", ordering="webhook__partner")
    def partner(self, obj):
        return obj.webhook.partner

    @admin.display(description="article", ordering="article__slug")
    def article_slug(self, obj):
        return obj.article.slug if obj.article_id else "—"

    @admin.action(description="Re-send the selected deliveries now", permissions=["view"])
    def resend_deliveries(self, request, queryset):
        count = 0
        for delivery in queryset.select_related("webhook"):
            webhooks.resend(delivery, actor=request.user, request=request)
            count += 1
        self.message_user(
            request, f"{count} delivery(ies) sent again; each attempt is listed on the delivery.", messages.SUCCESS
        )
