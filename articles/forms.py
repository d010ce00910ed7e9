"""Forms: admin editing forms with their validation, and the workflow decision forms."""

import re

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError

from . import workflow
from .models import Article, Reference, ReviewDecision

DOI_RE = re.compile(r"^10\.\d{4,9}/[^\s\"<>]+$")
CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


class ArticleAdminForm(forms.ModelForm):
    change_reason = forms.CharField(
        required=False,
        max_length=300,
        label="Reason for this change",
        help_text="Kept in the article's history, e.g. “Added 2024 guideline update”.",
    )

    class Meta:
        model = Article
        fields = ["title", "slug", "specialty", "summary", "body", "professional_summary", "professional_body"]

    def clean_title(self):
        title = self.cleaned_data["title"]
        if CONTROL_CHARS.search(title):
            raise ValidationError("A title is one line of text: remove line breaks and tabs.", code="invalid")
        return title

    def clean(self):
        cleaned = super().clean()
        # Check the stored row, not the instance: history "revert" builds the instance from an old
        # record, and an archived article would otherwise pass here and fail later in save_content.
        stored = None
        if self.instance.pk:
            stored = Article.objects.filter(pk=self.instance.pk).values_list("status", flat=True).first()
        if stored in (Article.Status.SUBMITTED, Article.Status.IN_REVIEW):
            raise ValidationError(
                "This article is in review and read-only. Withdraw it to draft to edit it.", code="locked"
            )
        if stored == Article.Status.ARCHIVED:
            raise ValidationError(
                "This article is archived and read-only. Restore it to draft to edit it.", code="locked"
            )
        has_body = bool(cleaned.get("professional_body", "").strip())
        has_summary = bool(cleaned.get("professional_summary", "").strip())
        if has_body and not has_summary:
            self.add_error(
                "professional_summary", ValidationError("Add a summary for the professional version.", code="required")
            )
        if has_summary and not has_body:
            self.add_error(
                "professional_body",
                ValidationError("A professional version needs its text as well as its summary.", code="required"),
            )
        return cleaned


class ReferenceForm(forms.ModelForm):
    url = forms.URLField(required=False, max_length=500, label="URL", assume_scheme="https")

    class Meta:
        model = Reference
        fields = ["number", "kind", "title", "source", "year", "url", "doi", "pmid"]

    def clean_doi(self):
        doi = self.cleaned_data["doi"].strip()
        doi = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:\s*)", "", doi, flags=re.I)
        if doi and not DOI_RE.match(doi):
            raise ValidationError("Enter a DOI like 10.1000/xyz123.", code="invalid")
        return doi

    def clean_pmid(self):
        pmid = self.cleaned_data["pmid"].strip()
        if pmid and not pmid.isdigit():
            raise ValidationError("A PubMed ID is digits only, e.g. 31778400.", code="invalid")
        return pmid

    def clean_year(self):
        year = self.cleaned_data["year"]
        if year is not None and not 1800 <= year <= 2100:
            raise ValidationError("Enter a four-digit year.", code="invalid")
        return year


class DecisionForm(forms.Form):
    """The comment (and reason, when sending back) that goes with a workflow step."""

    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=5000)
    reason = forms.ChoiceField(choices=ReviewDecision.Reason.choices, required=False)

    def __init__(self, *args, action: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.action = action
        if action == "request_changes":
            self.fields["comment"].required = True
            self.fields["comment"].label = "What needs to change"
            self.fields["reason"].required = True
            self.fields["reason"].label = "Reason category"
        else:
            del self.fields["reason"]
        if action == "archive":
            self.fields["comment"].required = True
            self.fields["comment"].label = "Why is it withdrawn from the site"

    def run(self, article, user) -> list[str]:
        """Run the step on ``article`` as ``user``; return why it was refused (empty when it ran)."""
        try:
            workflow.run(self.action, article, user=user, **self.transition_kwargs())
        except ValidationError as error:
            return error.messages
        except (PermissionDenied, workflow.WorkflowError) as error:
            return [str(error) or "You may not do that."]
        return []

    def transition_kwargs(self) -> dict:
        comment = self.cleaned_data.get("comment", "")
        if self.action == "request_changes":
            return {"comment": comment, "reason": self.cleaned_data["reason"]}
        if self.action in ("approve", "confirm_current"):
            return {"comment": comment}
        if self.action in ("archive", "submit", "withdraw"):
            return {"reason": comment}
        return {}


class FollowUpQuestionForm(forms.Form):
    """A reader's question. ``website`` is a honeypot: people never see it, bots fill it in."""

    question = forms.CharField(
        label="Your question",
        min_length=10,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": 2000}),
        help_text="Please do not include personal medical details. We cannot give individual medical advice.",
    )
    email = forms.EmailField(
        label="Your email (optional)", required=False, max_length=254, help_text="Only used to reply to you."
    )
    audience = forms.ChoiceField(
        choices=[("patient", "Patient or caregiver"), ("professional", "Healthcare professional")],
        required=False,
        widget=forms.HiddenInput,
    )
    website = forms.CharField(required=False, label="Leave this field empty")

    def is_spam(self) -> bool:
        return bool(self.cleaned_data.get("website"))
