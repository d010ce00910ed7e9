"""The article changelist for editors working through hundreds of articles.

Columns (author, next review due), a filter by reviewer, and bulk workflow actions. Each bulk
action is a shell over ``articles.review.workflow``: it runs the transition article by article, so the
workflow's own permission and state checks decide, and reports what was done and what was
refused (with the workflow's reason). Every bulk action first shows a confirmation page listing
the selected articles as they stand, and each article carries that page's state token
(``workflow.state_token``): one that has moved on since (published, sent back, withdrawn) is
refused and named, never acted on as it is now.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html

from articles.admin.forms import ChangeNoteForm
from articles.content.validators import validate_no_control_characters
from articles.models import Article, BoardMember, ReviewDecision, person_name
from articles.models.review import ReviewAssignment
from articles.review import workflow

# Refusals listed one by one up to this many; the rest are counted.
MAX_LISTED_REFUSALS = 20


# --- Columns ----------------------------------------------------------------------


@admin.display(description="Author", ordering="created_by__username")
def author(obj):
    return "—" if obj.created_by is None else person_name(obj.created_by)


@admin.display(description="Next review due", ordering="next_review_due")
def next_review(obj):
    """The periodic re-review date of a live article; overdue ones say so in words."""
    if obj.next_review_due is None or not obj.is_public():
        return "—"
    due = format_html(
        '<time datetime="{}">{}</time>', obj.next_review_due.isoformat(), date_format(obj.next_review_due, "j M Y")
    )
    if obj.next_review_due < timezone.now():
        return format_html('{} <strong class="wf-overdue">Overdue</strong>', due)
    return due


# --- Filter -----------------------------------------------------------------------


class ReviewerFilter(admin.SimpleListFilter):
    """Articles an active board member approved or is assigned to review now."""

    title = "reviewer"
    parameter_name = "reviewer"

    def lookups(self, request, model_admin):
        members = BoardMember.objects.filter(is_active=True).order_by("display_name")
        return [(str(member.user_id), member.name_with_credentials) for member in members]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if not value.isdigit():
            return queryset.none()
        approved = ReviewDecision.objects.filter(
            article=OuterRef("pk"), reviewer_id=int(value), decision=ReviewDecision.Decision.APPROVE
        )
        assigned = ReviewAssignment.objects.open().filter(article=OuterRef("pk"), reviewer_id=int(value))
        # Subqueries, not joins: no duplicate rows and no DISTINCT over every article column.
        return queryset.filter(Q(Exists(approved)) | Q(Exists(assigned)))


# --- Bulk actions -------------------------------------------------------------------


class BulkForm(forms.Form):
    """What a bulk step asks for: a reason, and for submitting, the change note updates need."""

    reason = forms.CharField(
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[validate_no_control_characters],
    )

    def __init__(self, *args, action: str, updates: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if action == "archive":
            self.fields["reason"].required = True
            self.fields["reason"].label = "Why are they withdrawn from the site"
            self.fields["reason"].help_text = "Readers of the published ones see this reason."
        else:
            self.fields["reason"].label = "Reason (kept in the history)"
            self.fields["reason"].help_text = "Optional."
        if action == "submit" and updates:
            ChangeNoteForm.add_fields_to(self, required=True)

    def workflow_arguments(self) -> dict:
        """The reason, and the change note when this form asked for one (submitting updates)."""
        data = self.cleaned_data
        arguments = {"reason": data["reason"].strip()}
        if "change_note" in self.fields:
            arguments.update(change_note=data.get("change_note", ""), change_kind=data.get("change_kind", ""))
        return arguments


def _refusal(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or "Not allowed."


def run_bulk(modeladmin, request, queryset, *, action: str, done_label: str):
    """Confirm, then run ``action`` on each selected article through the workflow."""
    articles = list(queryset.order_by("title", "pk"))
    # Only updates the workflow could submit need a change note; an unchanged live article is refused anyway.
    updates = action == "submit" and any(
        article.published_revision_id and article.status in workflow.TRANSITIONS["submit"].sources
        for article in articles
    )
    form = BulkForm(request.POST if "apply" in request.POST else None, action=action, updates=updates)
    if form.is_bound and form.is_valid():
        arguments = form.workflow_arguments()
        done, refused = 0, []
        for article in articles:
            kwargs = dict(arguments)
            if action == "submit" and not article.published_revision_id:
                kwargs.pop("change_note", None)
                kwargs.pop("change_kind", None)
            seen = request.POST.get(f"seen-{article.pk}", "")[:64]
            if not seen:
                refused.append((article, "It was not on the confirmation page; select it and confirm again."))
                continue
            try:
                workflow.run(action, article, user=request.user, seen=seen, **kwargs)
            except (PermissionDenied, workflow.WorkflowError, ValidationError) as error:
                refused.append((article, _refusal(error)))
            else:
                done += 1
        if done:
            noun = "article" if done == 1 else "articles"
            modeladmin.message_user(request, f"{done_label}: {done} {noun}.", messages.SUCCESS)
        for article, reason in refused[:MAX_LISTED_REFUSALS]:
            modeladmin.message_user(request, f"Not done for “{article.title}”: {reason}", messages.WARNING)
        if len(refused) > MAX_LISTED_REFUSALS:
            modeladmin.message_user(
                request, f"…and {len(refused) - MAX_LISTED_REFUSALS} more not done.", messages.WARNING
            )
        return None  # back to the changelist
    transition = workflow.TRANSITIONS[action]
    for article in articles:
        article.seen = workflow.state_token(article)  # what this page shows it as; see the module docstring
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": f"{transition.label}: {len(articles)} article{'s' if len(articles) != 1 else ''}",
        "articles": articles,
        "form": form,
        "action": request.POST.get("action", ""),
        "transition": transition,
        "opts": Article._meta,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "select_across": request.POST.get("select_across", "0"),
    }
    return TemplateResponse(request, "admin/articles/article/bulk_confirm.html", context)


@admin.action(description="Submit selected articles for review", permissions=["submit"])
def submit_selected(modeladmin, request, queryset):
    return run_bulk(modeladmin, request, queryset, action="submit", done_label="Submitted for review")


@admin.action(description="Withdraw selected articles from review to draft", permissions=["withdraw"])
def withdraw_selected(modeladmin, request, queryset):
    return run_bulk(modeladmin, request, queryset, action="withdraw", done_label="Withdrawn to draft")


@admin.action(description="Archive selected articles (withdraw from the site)", permissions=["archive"])
def archive_selected(modeladmin, request, queryset):
    return run_bulk(modeladmin, request, queryset, action="archive", done_label="Archived")


class BulkActionsMixin:
    """Who sees which bulk action; the workflow checks again for every article."""

    def response_action(self, request, queryset):
        # A tampered selection (ids that are not numbers) is a message, not a server error.
        if not all(pk.isdigit() for pk in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)):
            self.message_user(request, "The selection was not understood; nothing was done.", messages.ERROR)
            return redirect(request.get_full_path())
        return super().response_action(request, queryset)

    def has_submit_permission(self, request):
        return request.user.has_perm(workflow.EDITOR_PERMISSION)

    def has_withdraw_permission(self, request):
        return request.user.has_perm(workflow.EDITOR_PERMISSION)

    def has_archive_permission(self, request):
        return request.user.has_perm(workflow.ARCHIVE_PERMISSION)
