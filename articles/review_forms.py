"""Forms of the review screen: assigning named reviewers, commenting on passages."""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.text import Truncator

from . import assignments, comments, workflow


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
    """A reviewer's comment on one passage of the version under review (see ``articles.comments``)."""

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
