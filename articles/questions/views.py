"""The reader's side of follow-up questions: the form under an article and its thank-you page."""

from django.conf import settings
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from articles.content.versions import AUDIENCES
from articles.operations.ratelimit import client_key, hit
from articles.site.pages import public_article

from . import service as questions
from .forms import FollowUpQuestionForm


@never_cache  # Back after sending fetches a fresh, empty form rather than offering the old one again
def ask(request, slug):
    """Take a reader's follow-up question about a public article into the editors' inbox."""
    article, revision, _ = public_article(slug)
    audience = request.GET.get("audience") if request.GET.get("audience") in AUDIENCES else "patient"
    form = FollowUpQuestionForm(request.POST or None, initial={"audience": audience})
    limited = False
    # Each form carries a one-time token: a double click or a resend of the same form is not a new question.
    token = questions.valid_token(request.POST.get("token", "")) if request.method == "POST" else None
    if questions.already_received(token):
        return redirect(reverse("articles:ask_thanks", args=[article.slug]))
    if request.method == "POST" and form.is_valid():
        if form.is_spam():
            # Bots that fill the hidden field get the same thank-you page; nothing is stored.
            return redirect(reverse("articles:ask_thanks", args=[article.slug]))
        limited = not hit(
            f"ask:{client_key(request)}",
            limit=settings.EDITORIAL_QUESTIONS_PER_HOUR,
            window=3600,
        )
        if not limited:
            questions.receive(
                article=article,
                question=form.cleaned_data["question"],
                email=form.cleaned_data["email"],
                audience=form.cleaned_data.get("audience") or "",
                token=token,
            )
            return redirect(reverse("articles:ask_thanks", args=[article.slug]))
    status = 429 if limited else 200
    context = {
        "article": article,
        "revision": revision,
        "form": form,
        "limited": limited,
        "token": token or questions.new_token(),
        "retention_days": settings.EDITORIAL_QUESTION_RETENTION_DAYS,
    }
    return render(request, "articles/ask.html", context, status=status)


@require_safe
def ask_thanks(request, slug):
    article, revision, _ = public_article(slug)
    return render(request, "articles/ask_thanks.html", {"article": article, "revision": revision})
