"""The editors' inbox of readers' follow-up questions: triage at a glance, reply by email; and the
readers' data screen (find, export and erase everything held about one address)."""

import json
from functools import partial

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.utils import flatatt
from django.http import HttpResponse
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from articles.models import FollowUpQuestion, person_name
from articles.questions import privacy
from articles.questions import service as questions

from .base import HistoryAdmin

AUDIENCE_LABELS = {"patient": "Patient or caregiver", "professional": "Healthcare professional"}


class QuickSelect(forms.Select):
    """A select built in Python: the inbox shows one per row, and the template-based widget costs ~1 ms each."""

    def render(self, name, value, attrs=None, renderer=None):
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((key, " selected" if str(key) == str(value) else "", label) for key, label in self.choices),
        )
        return format_html(
            '<select name="{}"{}>{}</select>', name, flatatt(self.build_attrs(self.attrs, attrs)), options
        )


class AudienceFilter(admin.SimpleListFilter):
    """The audiences readers choose from (a fixed list: listing the distinct values reads every question)."""

    title = "audience"
    parameter_name = "audience"

    def lookups(self, request, model_admin):
        return [*AUDIENCE_LABELS.items(), ("none", "Not given")]

    def queryset(self, request, queryset):
        if self.value() in AUDIENCE_LABELS:
            return queryset.filter(audience=self.value())
        if self.value() == "none":
            return queryset.filter(audience="")
        return queryset


class QuestionAdminForm(forms.ModelForm):
    reply = forms.CharField(
        label="Reply by email",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Sent to the reader's address when you save, signed by the editors; the question is then "
        "marked answered and the reply kept below. No personal medical advice.",
    )

    class Meta:
        model = FollowUpQuestion
        fields = ["status", "editor_notes"]

    def clean_reply(self):
        text = self.cleaned_data["reply"].strip()
        if text and not self.instance.email:
            raise ValidationError("This reader left no email address, so there is nobody to reply to.", code="no_email")
        return text


class PersonalDataForm(forms.Form):
    email = forms.EmailField(label="Reader's email address", max_length=254)
    confirm = forms.BooleanField(
        label="I have checked this request comes from the person this address belongs to, and want to erase it",
        required=False,
    )


def personal_data_view(model_admin, request):
    """Find what is held about an address, download it as JSON, or erase it (after a confirmation screen).

    Everything goes by POST, so readers' addresses never appear in URLs or access logs.
    """
    if not model_admin.has_change_permission(request):
        raise PermissionDenied
    form = PersonalDataForm(request.POST or None)
    step = request.POST.get("step", "find")
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": "Readers' data: find, export or erase an address",
        "form": form,
        "retention_days": privacy.retention_days(),
    }
    status = 200
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if step == "export":
            data = privacy.export(email, user=request.user)
            response = HttpResponse(
                json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json; charset=utf-8"
            )
            response["Content-Disposition"] = f'attachment; filename="reader-data-{timezone.now():%Y%m%d}.json"'
            return response
        if step == "erase" and form.cleaned_data["confirm"]:
            counts = privacy.erase(email, user=request.user)
            if counts.total:
                rows = counts.question_history + counts.reply_history
                messages.success(
                    request,
                    f"Erased: {counts.questions} question{pluralize(counts.questions)}, {counts.replies} "
                    f"repl{pluralize(counts.replies, 'y,ies')} and {rows} history row{pluralize(rows)}. The "
                    "erasure is in the audit log, without the address.",
                )
            else:
                messages.info(request, "Nothing is held about that address: there was nothing to erase.")
            context["form"] = PersonalDataForm()  # the address is not kept on the page once erased
            return TemplateResponse(request, "admin/articles/followupquestion/personal_data.html", context)
        held = privacy.held_about(email)
        context.update(email=email, held=held, counts=held.counts())
        if step in ("confirm", "erase"):
            context["confirming"] = True
            if step == "erase":
                form.add_error("confirm", "Tick the box to confirm the erasure.")
                status = 400
    elif request.method == "POST":
        status = 400
    return TemplateResponse(request, "admin/articles/followupquestion/personal_data.html", context, status=status)


class QuestionInboxMixin:
    """The inbox's admin; ``articles.admin`` registers it with the read-only history guard defined there."""

    change_list_template = "admin/articles/followupquestion/change_list.html"

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "personal-data/",
                self.admin_site.admin_view(partial(personal_data_view, self)),
                name="{}_{}_personal_data".format(*info),
            ),
            *super().get_urls(),
        ]

    form = QuestionAdminForm
    list_display = ["question_link", "received", "can_reply", "status"]
    list_display_links = None
    list_filter = ["status", AudienceFilter, "created_at"]
    list_editable = ["status"]
    list_select_related = ["article"]
    search_fields = ["question", "article__title", "email"]
    readonly_fields = ["article", "question", "email", "audience", "created_at", "replies_sent"]
    fields = ["article", "question", "email", "audience", "created_at", "status", "editor_notes", "replies_sent"]
    list_per_page = 50
    show_full_result_count = False

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if obj is not None and obj.email and self.has_change_permission(request, obj):
            fields.append("reply")
        return fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Question", ordering="question")
    def question_link(self, obj):
        short = obj.question if len(obj.question) <= 140 else obj.question[:140] + "…"
        audience = AUDIENCE_LABELS.get(obj.audience, "")
        return format_html(
            '<a href="{}" class="question-text">{}</a><span class="question-meta">About “{}”{}</span>',
            reverse("admin:articles_followupquestion_change", args=[obj.pk]),
            short,
            obj.article.title,
            f" · {audience}" if audience else "",
        )

    @admin.display(description="Received", ordering="created_at")
    def received(self, obj):
        return format_html(
            '<time datetime="{}" title="{}">{}</time>',
            obj.created_at.isoformat(),
            obj.created_at.strftime("%d %b %Y %H:%M"),
            obj.created_at.strftime("%d %b %Y"),
        )

    @admin.display(description="Email given", boolean=True)
    def can_reply(self, obj):
        return bool(obj.email)

    @admin.display(description="Replies sent")
    def replies_sent(self, obj):
        replies = list(obj.replies.select_related("sent_by"))
        if not replies:
            return "None yet."
        return format_html_join(
            "",
            '<div class="question-reply"><p class="question-meta">{} to {} by {}{}</p><p>{}</p></div>',
            (
                (
                    r.sent_at.strftime("%d %b %Y %H:%M"),
                    r.sent_to,
                    person_name(r.sent_by),
                    "" if r.delivered else " (NOT DELIVERED: the mail server refused it)",
                    r.body,
                )
                for r in replies
            ),
        )

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "status":
            # In the list each row's select has no <label>; the column header alone names nothing.
            kwargs["widget"] = QuickSelect(attrs={"aria-label": "Status"})
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        text = form.cleaned_data.get("reply", "") if "reply" in form.cleaned_data else ""
        if not text:
            return
        sent = questions.reply(obj, user=request.user, body=text)
        if sent.delivered:
            messages.success(request, f"Reply sent to {sent.sent_to}; the question is marked answered.")
        else:
            messages.error(
                request, f"The mail server refused the reply to {sent.sent_to}. It is kept below; try again later."
            )


@admin.register(FollowUpQuestion)
class FollowUpQuestionAdmin(QuestionInboxMixin, HistoryAdmin):
    """The editors' inbox of readers' follow-up questions ."""
