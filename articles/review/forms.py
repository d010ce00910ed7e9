"""Forms of the board's steps: decisions (with change notes and declarations), assigning named
reviewers, commenting on passages. Each one runs its step through the workflow."""

import copy

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.text import Truncator

from articles.content import times
from articles.content.validators import validate_no_control_characters
from articles.models import Article, ReviewDecision, Revision
from articles.review import validation

from . import assignments, comments, scheduling, workflow  # noqa: F401 - scheduling's steps run through workflow.run


class ChangeNoteForm(forms.Form):
    """The public note and kind of an update: asked when it is submitted, editable at approval.

    Reusable: the decision forms below mix its fields in; any other submit path can too.
    """

    change_kind = forms.ChoiceField(
        label="Kind of change",
        choices=[("", "---------"), *Revision.ChangeKind.choices],
        required=False,
        help_text="A correction of an error is flagged prominently at the top of the page for a while.",
    )
    change_note = forms.CharField(
        label="Public change note",
        max_length=validation.CHANGE_NOTE_MAX_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"size": 80}),
        validators=[validate_no_control_characters],
        help_text="Readers see it under the title after “Updated” and the day the board approves it. "
        "Say what changed, e.g. “Dosing table corrected”.",
    )

    @classmethod
    def add_fields_to(cls, form, *, initial=None, required=False) -> None:
        for name, field in cls.base_fields.items():
            form.fields[name] = copy.deepcopy(field)
            form.fields[name].required = required
            if initial is not None:
                form.initial.setdefault(name, initial.get(name, ""))


class SiteTimeInput(forms.TextInput):
    """A local time typed as ``YYYY-MM-DD HH:MM`` (an offset may follow), shown back the same way."""

    def __init__(self, attrs=None):
        super().__init__({"placeholder": "2026-12-10 00:01", "size": 22, "autocomplete": "off", **(attrs or {})})

    def format_value(self, value):
        return times.as_input(value) if hasattr(value, "astimezone") else super().format_value(value)


class SiteTimeField(forms.Field):
    """A time entered in the site's time zone (``settings.TIME_ZONE``); DST-ambiguous and skipped times
    are refused with what to type instead, and so is a time in the past unless ``past_allowed``."""

    widget = SiteTimeInput

    def __init__(self, *, past_allowed=False, **kwargs):
        self.past_allowed = past_allowed
        super().__init__(**kwargs)

    def to_python(self, value):
        if hasattr(value, "astimezone"):
            return value
        return times.parse(value, field_label=str(self.label or "time").lower())

    def validate(self, value):
        super().validate(value)
        unchanged = value is not None and value == getattr(self, "unchanged_value", None)
        if value is not None and not self.past_allowed and not unchanged and value <= timezone.now():
            raise ValidationError(
                "%(when)s is in the past. Choose a later time%(blank)s.",
                code="past",
                params={"when": times.describe(value), "blank": getattr(self, "blank_means", "")},
            )

    def has_changed(self, initial, data):
        try:
            return self.to_python(data) != (initial if hasattr(initial, "astimezone") else self.to_python(initial))
        except ValidationError:
            return True


def zone_help(text: str) -> str:
    """Help text ending with the zone times are typed in and its offset now."""
    now = timezone.now().astimezone(times.site_zone())
    offset = times.offset_text(now.utcoffset())
    return f"{text} Type it as {times.FORMAT_HINT} in {settings.TIME_ZONE} time ({now.tzname()}, {offset} now)."


class DecisionForm(forms.Form):
    """The comment (and reason, when sending back) that goes with a workflow step."""

    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
        validators=[validate_no_control_characters],
    )
    # No reason is preselected: a reviewer who sends an article back says why, or is asked to.
    reason = forms.ChoiceField(
        choices=[("", "Choose a reason…"), *ReviewDecision.Reason.choices],
        required=False,
        error_messages={"required": "Choose a reason category."},
    )
    # The article's state as the page showed it (workflow.state_token): a decision on a
    # state that has moved on since is refused rather than landing on something else.
    seen = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    # The version the page showed under decision (workflow.under_decision): required for the
    # board's decisions, which judge that version and no other.
    revision = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)

    def __init__(self, *args, action: str, article=None, subject=None, **kwargs):
        if article is not None:
            kwargs["initial"] = {
                **(kwargs.get("initial") or {}),
                "seen": workflow.state_token(article),
                "revision": workflow.under_decision(action, article) if action in workflow.DECISIONS else "",
            }
        super().__init__(*args, **kwargs)
        self.action = action
        self._add_provenance_fields(subject or article)
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

    def _add_provenance_fields(self, article) -> None:
        """Add what a step says publicly: change notes, per-article declarations, a replacement."""
        if self.action == "submit":
            # Required for updates only; the workflow names what is missing either way.
            update = article is None or article.published_revision_id is not None
            ChangeNoteForm.add_fields_to(self, required=bool(article is not None and update))
        if self.action == "approve":
            pending = article.pending_revision if article is not None else None
            if pending is None or pending.kind == Revision.Kind.UPDATE:
                initial = {"change_note": pending.change_note, "change_kind": pending.change_kind} if pending else None
                ChangeNoteForm.add_fields_to(self, initial=initial)
        if self.action == "approve" and article is not None:
            self._add_open_comments_check(article)
        if self.action in ("approve", "reschedule"):
            self._add_go_live_field(article)
        if self.action == "confirm_current" and article is not None:
            self.fields["expires_at"] = SiteTimeField(
                label="End date",
                required=False,
                help_text=zone_help(
                    "The article leaves the site at this time (410 with the stated reason). Move it, or clear it "
                    "to keep the article with no end."
                ),
            )
            self.fields["expires_at"].blank_means = ", or clear the field for no end date"
            self.initial.setdefault("expires_at", article.expires_at)
        if self.action in ("approve", "confirm_current"):
            self.fields["conflicts"] = forms.CharField(
                label="Conflicts of interest with this article",
                required=False,
                max_length=1000,
                widget=forms.Textarea(attrs={"rows": 2}),
                validators=[validate_no_control_characters],
                help_text="Shown beside your name on this article. Leave blank if you have none with it.",
            )
        if self.action == "archive":
            self.fields["comment"].help_text = "For a published article readers see this reason on its page."
            self.fields["replacement"] = forms.ModelChoiceField(
                queryset=Article.objects.public().exclude(pk=getattr(article, "pk", None)).order_by("title"),
                required=False,
                label="Replacement article (optional)",
                help_text="Readers of the withdrawn article are pointed to it.",
            )

    def _add_go_live_field(self, article) -> None:
        """The go-live time: suggested from the editors' request, never before the embargo (the workflow checks)."""
        pending = article.pending_revision if article is not None else None
        now = timezone.now()
        suggested = None
        if pending is not None and self.action == "approve":
            wanted = [t for t in (pending.requested_go_live_at, pending.not_before) if t and t > now]
            suggested = max(wanted) if wanted else None
        elif pending is not None:
            suggested = article.go_live_at
        if self.action == "approve":
            text = "Leave blank to publish as soon as the version is approved (or at its embargo, if later)."
        else:
            text = "Leave blank to publish now (if the embargo has passed)."
        self.fields["go_live_at"] = SiteTimeField(label="Go live at", required=False, help_text=zone_help(text))
        self.fields["go_live_at"].blank_means = ", or leave it blank to publish " + (
            "on approval" if self.action == "approve" else "now"
        )
        self.initial.setdefault("go_live_at", suggested)

    def _add_open_comments_check(self, article) -> None:
        """Ask an approver to confirm approving over the article's open comments, listed beside the box."""
        self.open_comments = list(comments.for_article(article, unresolved_only=True))
        if not self.open_comments:
            return
        count = len(self.open_comments)
        self.fields["approve_open_comments"] = forms.BooleanField(
            label=f"Approve although {count} comment{'s are' if count > 1 else ' is'} still open",
            required=False,
            help_text=f"The editors have not resolved {'them' if count > 1 else 'it'}. "
            "Your approval counts for this version as it is.",
        )

    def open_comment_ids(self) -> str:
        """The open comments this form lists, as the page carries them back (``open_comments_seen``)."""
        return ",".join(str(c.pk) for c in getattr(self, "open_comments", []))

    def clean(self):
        data = super().clean()
        if self.action in workflow.DECISIONS and not data.get("revision"):
            raise forms.ValidationError(
                "This decision does not say which version of the article it judges; nothing was recorded. "
                "Reload the page and decide again.",
                code="no_revision",
            )
        if "approve_open_comments" in self.fields:
            # The confirmation covers the comments the page listed, not one added since.
            seen = set(self.data.get(self.add_prefix("open_comments_seen"), "").split(","))
            listed = {str(c.pk) for c in self.open_comments}
            if not data.get("approve_open_comments"):
                message = (
                    "Comments listed here are still open. Tick the box to approve anyway, "
                    "or leave the decision until the editors have resolved them."
                )
            elif not listed <= seen:
                message = "A comment was added since you opened this page; read it, then tick the box again."
                self.data = self.data.copy()  # shown unticked again: the tick covered fewer comments
                self.data.pop(self.add_prefix("approve_open_comments"), None)
            else:
                message = None
            if message:
                self.add_error("approve_open_comments", ValidationError(message, code="open_comments"))
        return data

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
        kwargs = {"seen": self.cleaned_data.get("seen") or None}
        data = self.cleaned_data
        if self.action in workflow.DECISIONS:
            kwargs.update(revision=data["revision"])
        if self.action == "request_changes":
            kwargs.update(comment=comment, reason=data["reason"])
        elif self.action in ("approve", "confirm_current"):
            kwargs.update(comment=comment, conflicts=data.get("conflicts", ""))
        elif self.action in ("archive", "submit", "withdraw", "reschedule", "cancel_schedule"):
            kwargs.update(reason=comment)
        if self.action in ("approve", "reschedule"):
            kwargs.update(go_live_at=data.get("go_live_at"))
        if self.action == "confirm_current" and "expires_at" in self.fields:
            kwargs.update(expires_at=data.get("expires_at"))
        if self.action == "submit":
            kwargs.update(change_note=data.get("change_note", ""), change_kind=data.get("change_kind", ""))
        if self.action == "approve" and "change_note" in self.fields:
            # Blank keeps the editors' note; the board only ever replaces it with another.
            kwargs.update(change_note=data.get("change_note") or None, change_kind=data.get("change_kind") or None)
        if self.action == "archive" and data.get("replacement") is not None:
            kwargs.update(replacement=data["replacement"])
        return kwargs


class AssignReviewersForm(forms.Form):
    """Choose board members to ask by name; suggestions come first (see ``assignments.candidates``)."""

    reviewers = forms.TypedMultipleChoiceField(
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        label="Assign reviewers",
        help_text="Matching specialty first, then the fewest open reviews. Each one you tick is emailed.",
        error_messages={"required": "Choose at least one reviewer."},
    )
    seen = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, article, **kwargs):
        kwargs.setdefault("initial", {"seen": workflow.state_token(article)})
        super().__init__(*args, **kwargs)
        self.article = article
        self.fields["reviewers"].choices = [(c.user.pk, c.label) for c in assignments.candidates(article)]

    def run(self, user) -> list[str]:
        """Assign the chosen reviewers as ``user``; return why it was refused (empty when it ran)."""
        self.chosen = list(
            get_user_model().objects.filter(pk__in=self.cleaned_data["reviewers"]).select_related("board_profile")
        )
        return refusals(
            assignments.assign, self.article, user=user, reviewers=self.chosen, seen=self.cleaned_data["seen"] or None
        )


def refusals(step, article, **kwargs) -> list[str]:
    """Run an assignment step; return its refusal messages instead of raising them."""
    try:
        step(article, **kwargs)
    except forms.ValidationError as error:
        return error.messages
    except (workflow.PermissionDenied, workflow.WorkflowError) as error:
        return [str(error) or "You may not do that."]
    return []


class PassageCommentForm(forms.Form):
    """A reviewer's comment on one passage of the version under review (see ``comments``)."""

    passage = forms.ChoiceField(
        label="Passage", help_text="Or select words in the text above and press “Use selection”."
    )
    quote = forms.CharField(
        label="Quoted words (optional)",
        required=False,
        max_length=500,
        help_text="The words within the passage your comment is about.",
    )
    text = forms.CharField(label="Comment", max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, parts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["passage"].choices = [
            (
                part.label,
                [
                    (f"{part.name}:{index}", f"¶{index + 1}: {Truncator(text).chars(90)}")
                    for index, text in enumerate(part.passages)
                ],
            )
            for part in parts
            if part.passages
        ]
        self.passage_texts = {f"{p.name}:{i}": text for p in parts for i, text in enumerate(p.passages)}

    def run(self, article, revision, user) -> bool:
        """Store the comment; on refusal put the reason beside the field it concerns."""
        part, _, index = self.cleaned_data["passage"].partition(":")
        try:
            comments.add(
                article,
                revision,
                user=user,
                part=part,
                passage_index=int(index),
                text=self.cleaned_data["text"],
                quote=self.cleaned_data["quote"],
            )
        except ValidationError as error:
            by_field = error.error_dict if hasattr(error, "error_dict") else {None: error.error_list}
            for field, errors in by_field.items():
                self.add_error(field if field in self.fields else None, errors)
            return False
        except PermissionDenied as error:
            self.add_error(None, str(error))
            return False
        return True
