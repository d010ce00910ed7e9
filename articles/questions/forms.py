"""The reader's follow-up question form."""

from django import forms

from articles.content.validators import strip_control_characters


class FollowUpQuestionForm(forms.Form):
    """A reader's question. ``website`` is a honeypot: people never see it, bots fill it in."""

    question = forms.CharField(
        label="Your question",
        min_length=10,
        max_length=2000,
        # autocomplete=off: the browser does not refill a sent question when the reader goes Back,
        # so the page offers a fresh form, not the old one to send a second time.
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": 2000, "autocomplete": "off"}),
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

    def clean_question(self):
        # Readers paste from anywhere; invisible control characters are dropped, not refused.
        return strip_control_characters(self.cleaned_data["question"])

    def is_spam(self) -> bool:
        return bool(self.cleaned_data.get("website"))
