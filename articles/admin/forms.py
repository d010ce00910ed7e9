"""The admin's editing forms and their validation: articles, references, board profiles, pages.

The board's decision forms live with the workflow in ``articles.review.forms``."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F
from django.forms.renderers import Jinja2
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.html import format_html

from articles.content.rendering import markdown_problems
from articles.content.validators import DOI_RE
from articles.models import Article, ArticleFlag, BoardMember, Page, Reference, Revision, max_reference_number
from articles.models.figures import figure_problems
from articles.review import checks, conflicts, diffing, editing, validation, workflow
from articles.review.forms import ChangeNoteForm, SiteTimeField, SiteTimeInput, zone_help

from .autosave import snapshot_diff
from .editor import MarkdownEditor, references_from_form

CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


def clean_markdown(text: str) -> str:
    """Refuse Markdown the site will not render (see ``rendering.markdown_problems``) and figures it
    cannot show (``figures.figure_problems``: images not in the library, missing alt text)."""
    problems = markdown_problems(text) + figure_problems(text, label="This text")
    if problems:
        raise ValidationError(problems, code="markdown")
    return text


def change_note_help() -> str:
    """The change note's help: the public line readers will see, as it will look (the admin shows
    help text as HTML, so "Updated <date>" would lose its placeholder to the browser)."""
    return format_html(
        'Readers see it under the title as <q class="change-note-example" data-change-note-example>'
        "<strong>Updated {}:</strong> <span data-note>{}</span> <span data-kind>({})</span></q>, "
        "dated the day the board approves it. Say what changed.",
        format_date(timezone.localdate(), "j F Y"),
        "Dosing table corrected",
        Revision.ChangeKind.CORRECTION.label,
    )


class ArticleAdminForm(ChangeNoteForm, forms.ModelForm):
    """The article's text; the change note fields (inherited) serve "Save and submit" of an update."""

    change_reason = forms.CharField(
        required=False,
        max_length=300,
        label="Reason for this change",
        help_text="Kept in the article's history, e.g. “Added 2024 guideline update”.",
    )
    # Flags configured in the admin (``ArticleFlag``): reviewed content, and what decides which review
    # stages a version goes through (a pharmacist's sign-off for "mentions medicines").
    flags = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Reviewed like the text: the board sees a changed flag, and some review stages apply only "
        "to flagged articles.",
    )
    # The version of the working copy this form was loaded from (editing.edit_version):
    # a save over someone else's newer changes is refused, the typed text kept on screen.
    edit_base = forms.CharField(required=False, max_length=80, widget=forms.HiddenInput)

    SAVE_AND_SUBMIT = "_saveandsubmit"
    # Change note, kind and reason to show again on an unbound form (``ArticleAdmin.get_form``):
    # those of a refused submission, or of the submission the board sent back.
    kept_initial: dict = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.conflict_base = None  # the base version of a save refused as an edit conflict
        if self.instance.pk and not self.is_bound:
            self.initial["edit_base"] = editing.edit_version(self.instance)
        self.fields["change_note"].help_text = change_note_help()
        if "flags" in self.fields:
            configured = list(ArticleFlag.objects.all())
            kept = {flag.slug for flag in configured}
            # A flag removed from the admin since stays ticked (and visible) until an editor unticks it.
            stale = [(slug, slug) for slug in (self.instance.flags or []) if slug not in kept]
            self.fields["flags"].choices = [
                (flag.slug, f"{flag.name} ({flag.description})" if flag.description else flag.name)
                for flag in configured
            ] + stale
        for name in ("not_before", "requested_go_live_at", "ends_at"):
            if name in self.fields:
                self.fields[name].help_text = zone_help(str(self.fields[name].help_text))
                # An embargo that has passed may stay; a new go-live or end date must be ahead.
                self.fields[name].past_allowed = name == "not_before"
                self.fields[name].unchanged_value = getattr(self.instance, name, None)
        if not self.is_bound:
            self.initial.update({name: value for name, value in self.kept_initial.items() if name in self.fields})

    @property
    def submitting(self) -> bool:
        """Whether this post is "Save and submit for review"."""
        return self.is_bound and self.SAVE_AND_SUBMIT in self.data

    class Meta:
        model = Article
        fields = [
            "title",
            "slug",
            "specialty",
            "flags",
            "summary",
            "body",
            "professional_summary",
            "professional_body",
            "not_before",
            "requested_go_live_at",
            "ends_at",
            "end_reason",
        ]
        field_classes = {
            "not_before": SiteTimeField,
            "requested_go_live_at": SiteTimeField,
            "ends_at": SiteTimeField,
        }
        widgets = {
            "summary": MarkdownEditor(attrs={"rows": 4}),
            "body": MarkdownEditor(preview="patient"),
            "professional_summary": MarkdownEditor(attrs={"rows": 4}),
            "professional_body": MarkdownEditor(preview="professional"),
            # One text box in the site's time zone, not the admin's split date and time.
            "not_before": SiteTimeInput,
            "requested_go_live_at": SiteTimeInput,
            "ends_at": SiteTimeInput,
            "end_reason": forms.TextInput(attrs={"size": 80}),
        }

    def clean_title(self):
        title = self.cleaned_data["title"]
        if CONTROL_CHARS.search(title):
            raise ValidationError("A title is one line of text: remove line breaks and tabs.", code="invalid")
        return title

    def clean_slug(self):
        # A live article's slug may change: the old address then answers 301 (``review.renames``).
        return self.cleaned_data["slug"]

    def clean_summary(self):
        return clean_markdown(self.cleaned_data["summary"])

    def clean_body(self):
        return clean_markdown(self.cleaned_data["body"])

    def clean_professional_summary(self):
        return clean_markdown(self.cleaned_data["professional_summary"])

    def clean_professional_body(self):
        return clean_markdown(self.cleaned_data["professional_body"])

    def clean(self):
        cleaned = super().clean()
        # Check the stored row, not the instance: history "revert" builds the instance from an old
        # record, and an archived article would otherwise pass here and fail later in save_content.
        stored = None
        if self.instance.pk:
            stored = Article.objects.filter(pk=self.instance.pk).values_list("status", flat=True).first()
        if stored == Article.Status.SCHEDULED:
            raise ValidationError(
                "This article has an approved version waiting to go live and is read-only until then; the board "
                "can cancel the go-live from the review screen.",
                code="locked",
            )
        if stored in (Article.Status.SUBMITTED, Article.Status.IN_REVIEW):
            raise ValidationError(
                "This article is in review and read-only. Withdraw it to draft to edit it.", code="locked"
            )
        if stored == Article.Status.ARCHIVED:
            raise ValidationError(
                "This article is archived and read-only. Restore it to draft to edit it.", code="locked"
            )
        base = cleaned.get("edit_base")
        if self.instance.pk and base:
            try:
                # Inside the admin's transaction: the row stays locked until this save commits.
                editing.check_edit_base(self.instance, base)
            except workflow.EditConflict as conflict:
                self.conflict_base = base
                # Saving again after reading the message is a deliberate choice to keep these words.
                self.data = self.data.copy()
                self.data[self.add_prefix("edit_base")] = conflict.current_version
                raise ValidationError(str(conflict), code="conflict") from None
        if self.submitting and self.instance.pk and stored is not None:
            self._check_change_note(cleaned)
        if self.submitting:
            self._check_blocking(cleaned)
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

    def edit_conflict(self) -> dict | None:
        """After an edit conflict: what the other person changed since this form was loaded, and how
        the editor's kept text differs from theirs (two diffs, by the review screen's diff engine)."""
        if self.conflict_base is None:
            return None
        started, stored = conflicts.theirs(self.instance, self.conflict_base)
        mine = {name: self.data.get(self.add_prefix(name), "") for name, _ in diffing.FIELDS}
        mine["references"] = references_from_form(self.data)
        return {"theirs": snapshot_diff(started, stored), "yours": snapshot_diff(stored, mine)}

    def _check_blocking(self, cleaned) -> None:
        # Before anything is saved: what the editorial checklist blocks is named beside its field,
        # and the form comes back with the typed text (the workflow refuses it again if it got there).
        fields = ("summary", "body", "professional_summary", "professional_body")
        snapshot = {name: cleaned.get(name) or "" for name in fields}
        for finding in checks.blocking_findings(snapshot):
            self.add_error(
                finding.field,
                ValidationError(
                    "%(text)s The editorial checklist blocks submission for this; fix it, or save without submitting.",
                    code="checks",
                    params={"text": finding.text},
                ),
            )

    def _check_change_note(self, cleaned) -> None:
        # Before anything is saved: an update submitted without its public note is a form error.
        if not Article.objects.filter(pk=self.instance.pk, published_revision__isnull=False).exists():
            return
        try:
            validation.clean_change_note(
                change_note=cleaned.get("change_note", ""), change_kind=cleaned.get("change_kind", "")
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                for message in messages:
                    self.add_error(field, message)


class ReferenceForm(forms.ModelForm):
    # An article may have up to 200 references, 8 widgets each: Jinja2 renders those widgets
    # several times faster than the Django template engine (the same built-in widget templates).
    default_renderer = Jinja2()

    url = forms.URLField(required=False, max_length=500, label="URL", assume_scheme="https")

    class Meta:
        model = Reference
        fields = ["number", "kind", "title", "source", "year", "url", "doi", "pmid"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Each input names its column: on a phone the table stacks and the header row is gone.
        for field in self.fields.values():
            field.widget.attrs.setdefault("aria-label", field.label)

    def has_changed(self):
        # The editor's script numbers a new row as soon as it is added (static/articles/editor.js):
        # a new row with nothing but its number is an empty row, not a reference without a title.
        if self.instance.pk is None and set(super().changed_data) <= {"number"}:
            return False
        return super().has_changed()

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


class PageAdminForm(forms.ModelForm):
    class Meta:
        model = Page
        fields = ["slug", "title", "body"]

    def clean_body(self):
        return clean_markdown(self.cleaned_data["body"])


class ReferenceFormSet(forms.BaseInlineFormSet):
    """An article's references, at most ``EDITORIAL_MAX_REFERENCES`` of them."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            # The delete box sits in a table cell with no label of its own.
            label = f"Delete reference {form.initial.get('number') or (index or 0) + 1}"
            form.fields["DELETE"].widget.attrs["aria-label"] = label

    def clean(self):
        super().clean()
        kept = [
            form
            for form in self.forms
            if form.has_changed() or form.instance.pk
            if not (self.can_delete and self._should_delete_form(form))
        ]
        if len(kept) > max_reference_number():
            raise ValidationError(
                "An article can have at most %(max)d references; this one would have %(count)d. "
                "Remove some, or split the article.",
                code="too_many_references",
                params={"max": max_reference_number(), "count": len(kept)},
            )

    def save(self, commit=True):
        if commit:
            self._clear_numbers_for_saving()
        return super().save(commit=commit)

    def _clear_numbers_for_saving(self):
        """Let rows trade numbers (1 and 2 swapped, a deleted row's number reused) on save.

        The rows save one at a time while each article's numbers are unique, so a swap would
        collide halfway. Stored rows that move or go are first set aside above any number a
        reference can have, in one update that keeps no history (the step is invisible: the
        change form's save runs in one transaction and records each row's final number).
        """
        moving = [
            form.instance.pk
            for form in self.initial_forms
            if form.instance.pk
            and ((self.can_delete and self._should_delete_form(form)) or "number" in form.changed_data)
        ]
        if moving:
            Reference.objects.filter(pk__in=moving).update(number=F("number") + max_reference_number() + 1000)


class BoardMemberForm(forms.ModelForm):
    """A board profile; the conflicts declaration is a statement or the "no conflicts" box, dated."""

    class Meta:
        model = BoardMember
        fields = [
            "user",
            "display_name",
            "slug",
            "credentials",
            "specialty",
            "bio",
            "conflicts_of_interest",
            "no_conflicts",
            "is_active",
        ]

    def clean(self):
        cleaned = super().clean()
        statement = (cleaned.get("conflicts_of_interest") or "").strip()
        if statement and cleaned.get("no_conflicts"):
            raise ValidationError(
                {"no_conflicts": "Either write a statement or tick “no conflicts”, not both."}, code="both"
            )
        return cleaned

    def declaration_changed(self) -> bool:
        return bool({"conflicts_of_interest", "no_conflicts"} & set(self.changed_data))
