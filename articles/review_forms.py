"""Forms of the review screen's "who reviews this" section: assigning named reviewers."""

from django import forms
from django.contrib.auth import get_user_model

from . import assignments, workflow


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
