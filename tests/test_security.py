"""Holes an attacker looks for: writes through history pages, Markdown that hangs or crashes
pages, control characters, members who left the board, leaky workflow URLs, 500s on odd
input, unchecked reference URLs, unbounded reference lists and production settings."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory
from django.urls import reverse

from articles.content.budget import MAX_RENDER_STEPS
from articles.content.rendering import markdown_problems, plain_text, render
from articles.models import Article, BoardMember, FollowUpQuestion, Page, Reference, Revision
from articles.operations.ratelimit import client_address
from articles.questions.forms import FollowUpQuestionForm
from articles.review import workflow
from articles.review.forms import DecisionForm

from . import factories

ROOT = Path(__file__).resolve().parent.parent


def change_url(article):
    return f"/admin/articles/article/{article.pk}/change/"


def article_form_data(article, **overrides):
    """The change form's data for ``article`` as stored, references included."""
    refs = list(article.references.order_by("number"))
    data = {
        "title": article.title,
        "slug": article.slug,
        "specialty": str(article.specialty_id),
        "summary": article.summary,
        "body": article.body,
        "professional_summary": article.professional_summary,
        "professional_body": article.professional_body,
        "change_reason": "Edit",
        "references-TOTAL_FORMS": str(len(refs)),
        "references-INITIAL_FORMS": str(len(refs)),
        "references-MIN_NUM_FORMS": "0",
        "references-MAX_NUM_FORMS": "1000",
    }
    for i, ref in enumerate(refs):
        data.update(
            {
                f"references-{i}-id": str(ref.pk),
                f"references-{i}-article": str(article.pk),
                f"references-{i}-number": str(ref.number),
                f"references-{i}-kind": ref.kind,
                f"references-{i}-title": ref.title,
                f"references-{i}-source": ref.source,
                f"references-{i}-year": str(ref.year or ""),
                f"references-{i}-url": ref.url,
                f"references-{i}-doi": ref.doi,
                f"references-{i}-pmid": ref.pmid,
            }
        )
    data.update(overrides)
    return data


def form_errors(response):
    return response.context["adminform"].form.errors


# --- 1. History pages are for reading -------------------------------------------------


@pytest.fixture
def question(published):
    return FollowUpQuestion.objects.create(article=published, question="Is decaf any better for me?")


def test_view_only_board_member_cannot_close_a_question_through_its_history(client, reviewer, question):
    record = question.history.get()
    client.force_login(reviewer)
    history_url = f"/admin/articles/followupquestion/{question.pk}/history/"
    assert client.get(history_url).status_code == 200
    response = client.post(f"{history_url}{record.history_id}/", {"status": "closed", "editor_notes": "nope"})
    assert response.status_code == 403
    question.refresh_from_db()
    assert (question.status, question.editor_notes) == (FollowUpQuestion.Status.NEW, "")


def test_editor_cannot_revert_the_policy_page_through_its_history(client, author):
    page = Page.objects.get(slug="editorial-policy")
    page.body = "Newer policy."
    page.save()
    old = page.history.order_by("history_id").first()
    client.force_login(author)
    response = client.post(
        f"/admin/articles/page/{page.pk}/history/{old.history_id}/",
        {"slug": page.slug, "title": "Hijacked", "body": old.body},
    )
    assert response.status_code == 403
    page.refresh_from_db()
    assert (page.title, page.body) == ("Editorial policy", "Newer policy.")


@pytest.mark.parametrize("model", ["article", "page", "followupquestion"])
def test_every_history_form_view_refuses_posts_even_from_a_superuser(client, superuser, question, model):
    page = Page.objects.get(slug="editorial-policy")
    page.save()  # the migration's page has no history record yet
    obj = {"article": question.article, "page": page, "followupquestion": question}[model]
    record = obj.history.order_by("history_id").first()
    client.force_login(superuser)
    url = f"/admin/articles/{model}/{obj.pk}/history/{record.history_id}/"
    assert client.get(url).status_code == 200  # reading an old record stays possible
    assert client.post(url, {}).status_code == 403


def test_history_revert_stays_disabled(settings):
    assert settings.SIMPLE_HISTORY_REVERT_DISABLED is True


# --- 2. Markdown that would hang or crash pages ----------------------------------------

PATHOLOGICAL_MARKDOWN = {
    "4,000 [": "[" * 4000,
    "200,000 [": "[" * 200_000,
    "10,000 nested list markers": "- " * 10000 + "x",
    "10,000 *": "*" * 10000,
    "300 nested list levels": "\n".join("    " * level + "- item" for level in range(300)),
    "300 nested list levels, two-space indent": "\n".join("  " * level + "- item" for level in range(300)),
    "unclosed [ across a long paragraph": "[ " * 200 + "word " * 19000,
    "unclosed html across a long paragraph": "<a " * 200 + "word " * 19000,
    "unclosed link targets": "[a](" * 2000,
}


@pytest.mark.parametrize("text", PATHOLOGICAL_MARKDOWN.values(), ids=PATHOLOGICAL_MARKDOWN.keys())
def test_pathological_markdown_is_a_form_error_on_the_article_body_unparsed(
    client, author, draft, text, markdown_parses
):
    client.force_login(author)
    response = client.post(change_url(draft), article_form_data(draft, body=text))
    assert not [source for source in markdown_parses if text in source]
    assert response.status_code == 200
    assert "body" in form_errors(response)
    draft.refresh_from_db()
    assert draft.body == "Some text [1]."


@pytest.mark.parametrize("text", PATHOLOGICAL_MARKDOWN.values(), ids=PATHOLOGICAL_MARKDOWN.keys())
def test_pathological_markdown_is_a_form_error_on_the_policy_page_unparsed(client, author, text, markdown_parses):
    page = Page.objects.get(slug="editorial-policy")
    client.force_login(author)
    response = client.post(f"/admin/articles/page/{page.pk}/change/", {"slug": page.slug, "title": "P", "body": text})
    assert not [source for source in markdown_parses if text in source]
    assert response.status_code == 200
    assert "body" in form_errors(response)


@pytest.mark.parametrize("text", PATHOLOGICAL_MARKDOWN.values(), ids=PATHOLOGICAL_MARKDOWN.keys())
def test_stored_pathological_markdown_never_breaks_public_pages_nor_reaches_the_parser(
    client, published, text, markdown_parses
):
    factories.overwrite_version(published.published_revision_id, summary=text, body=text)
    Page.objects.filter(slug="editorial-policy").update(body=text)
    for path in ["/articles/coffee/", "/editorial-policy/", "/", "/feeds/articles/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        # Shown as escaped plain text: the parser, whose time such text blows up, never sees it.
        assert not [source for source in markdown_parses if text in source], path


@pytest.mark.parametrize("text", PATHOLOGICAL_MARKDOWN.values(), ids=PATHOLOGICAL_MARKDOWN.keys())
def test_submit_refuses_pathological_markdown_stored_any_way(author, draft, text):
    Article.objects.filter(pk=draft.pk).update(body=text)
    with pytest.raises(ValidationError) as refused:
        workflow.submit(draft, user=author)
    assert "body" in " ".join(refused.value.messages)


# Markdown within the limits above whose blocks would flood the renderer (one line each was
# enough: ``"#a\n" * 33000`` took 31.8 s to show). The parser sees them only until the render
# budget runs out (tests/test_render_budget.py floods it with every construct).
MARKDOWN_FLOODS = {
    "33,000 ATX headings": "#a\n" * 33000,
    "setext headings, 99,999 characters": ("a\n=\n" * 25000)[:99_999],
    "25,000 rules": "---\n" * 25000,
    "33,000 paragraphs": "a\n\n" * 33000,
    "16,000 list items with a heading": "- # a\n" * 16000,
    "16,000 open HTML blocks": "<div>\n" * 16000,
}


def assert_within_the_render_budget(render_work, conversions):
    assert 0 < len(render_work.budgets) <= conversions
    assert max(budget.steps for budget in render_work.budgets) <= MAX_RENDER_STEPS
    assert render_work.steps <= render_work.budget_steps


@pytest.mark.parametrize("text", MARKDOWN_FLOODS.values(), ids=MARKDOWN_FLOODS.keys())
def test_markdown_floods_are_a_form_error_on_the_article_body(client, author, draft, text, render_work):
    client.force_login(author)
    response = client.post(change_url(draft), article_form_data(draft, body=text))
    assert response.status_code == 200
    assert "too long to show" in " ".join(form_errors(response)["body"])
    draft.refresh_from_db()
    assert draft.body == "Some text [1]."
    # Converted once, until its budget ran out; everything else on the page is small.
    assert_within_the_render_budget(render_work, conversions=20)
    assert len([budget for budget in render_work.budgets if budget.exceeded]) == 1


@pytest.mark.parametrize("text", MARKDOWN_FLOODS.values(), ids=MARKDOWN_FLOODS.keys())
def test_markdown_floods_are_a_form_error_on_the_policy_page(client, author, text, render_work):
    page = Page.objects.get(slug="editorial-policy")
    client.force_login(author)
    response = client.post(f"/admin/articles/page/{page.pk}/change/", {"slug": page.slug, "title": "P", "body": text})
    assert response.status_code == 200
    assert "too long to show" in " ".join(form_errors(response)["body"])
    assert_within_the_render_budget(render_work, conversions=20)


@pytest.mark.parametrize("text", MARKDOWN_FLOODS.values(), ids=MARKDOWN_FLOODS.keys())
def test_stored_markdown_floods_are_shown_escaped_within_the_render_budget(client, published, text, render_work):
    factories.overwrite_version(published.published_revision_id, summary=text, body=text)
    Page.objects.filter(slug="editorial-policy").update(body=text)
    for path in ["/articles/coffee/", "/editorial-policy/", "/", "/feeds/articles/"]:
        response = client.get(path)
        assert response.status_code == 200, path
    assert_within_the_render_budget(render_work, conversions=20)
    # Each flood was converted until its budget ran out once (the text, and it without
    # citations for lists and feeds); every page after that showed it without parsing it.
    assert len([budget for budget in render_work.budgets if budget.exceeded]) <= 2
    assert "<h1>a</h1>" not in client.get("/editorial-policy/").content.decode()


@pytest.mark.parametrize("size", [40_000, 99_999])
def test_the_live_preview_of_a_flood_names_the_problem_within_the_render_budget(client, author, size, render_work):
    # Each keystroke's round trip: 40,000 characters of setext headings took 21 s.
    client.force_login(author)
    text = ("a\n=\n" * 25000)[:size]
    html = client.post("/admin/articles/article/live-preview/", {"summary": "Short.", "body": text}).content.decode()
    assert "md-problems" in html and "lines follow one another with no blank line between them" in html
    assert "<h1>a</h1>" not in html
    # Rendered until the budget ran out once; the preview's other looks at it were remembered.
    assert_within_the_render_budget(render_work, conversions=10)
    assert len([budget for budget in render_work.budgets if budget.exceeded]) == 1


@pytest.mark.parametrize("text", MARKDOWN_FLOODS.values(), ids=MARKDOWN_FLOODS.keys())
def test_submit_refuses_markdown_floods_stored_any_way(author, draft, text):
    Article.objects.filter(pk=draft.pk).update(body=text)
    with pytest.raises(ValidationError) as refused:
        workflow.submit(draft, user=author)
    assert "The body: This text would take too long to show" in " ".join(refused.value.messages)


def test_markdown_beyond_the_limits_renders_as_escaped_plain_text():
    text = "<script>alert(1)</script> " + "[" * 4000
    rendered = render(text, text, [])
    assert "<script>" not in rendered.body_html
    assert "&lt;script&gt;" in rendered.body_html
    assert plain_text(text).startswith("<script>alert(1)</script>")  # plain text, escaped where shown


def test_ordinary_markdown_has_no_problems():
    text = (
        "## From the Guidelines\n\nAdults should [see a doctor](https://example.org) (soon) [1, 2].\n\n"
        "- one\n    - two\n        - three\n\n> quoted\n> > nested\n\n***\n\n| a | b |\n|---|---|\n| 1 < 2 | x |\n"
    )
    assert markdown_problems(text) == []


# --- 3. Control characters --------------------------------------------------------------


def test_feed_survives_a_control_character_stored_in_an_approved_summary(client, published):
    Revision.objects.filter(pk=published.published_revision_id).update(
        summary="Coffee\x01 is fine.", title="Cof\x02fee"
    )
    response = client.get("/feeds/articles/")
    assert response.status_code == 200
    assert b"\x01" not in response.content
    assert b"Coffee is fine." in response.content


@pytest.mark.parametrize(
    "field,value",
    [
        ("summary", "A short\x01 answer."),
        ("body", "Text [1] with a bell\x07."),
        ("body", "Text [1] with a C1 control\x85."),
        ("professional_summary", "Escape\x1b[31m"),
        ("title", "Is coffee \u202egood?"),
        ("title", "Is coffee\u2066 good?"),
        ("title", "Is coffee\u200f good?"),
    ],
)
def test_control_and_bidi_characters_are_form_errors_naming_the_field(client, author, draft, field, value):
    client.force_login(author)
    data = article_form_data(draft, **{field: value})
    if field == "professional_summary":
        data["professional_body"] = "Professional text [1]."
    response = client.post(change_url(draft), data)
    assert response.status_code == 200
    assert field in form_errors(response)


def test_tabs_and_line_breaks_stay_allowed_in_text(draft):
    draft.body = "Line one [1].\r\n\tIndented\nLine three"
    draft.full_clean()


@pytest.mark.parametrize(
    "make",
    [
        lambda article: Article(**{**_article_fields(article), "summary": "bad\x01"}),
        lambda article: Reference(article=article, number=2, title="Study\x0b", kind="research"),
        lambda article: Reference(article=article, number=2, title="Study \u202e", kind="research"),
        lambda article: Page(slug="about", title="About \u202e", body="x"),
        lambda article: Page(slug="about", title="About", body="x\x00y"),
        lambda article: FollowUpQuestion(article=article, question="Why\x01?"),
    ],
)
def test_model_validation_refuses_control_characters_for_every_caller(draft, make):
    with pytest.raises(ValidationError):
        make(draft).full_clean()


def _article_fields(article):
    return {"title": article.title, "slug": "another", "specialty": article.specialty, "body": "b"}


def test_board_profile_names_refuse_bidi_controls(reviewer):
    member = reviewer.board_profile
    member.display_name = "Dr \u202eenoD"
    with pytest.raises(ValidationError) as refused:
        member.full_clean()
    assert "display_name" in refused.value.message_dict


def test_policy_page_form_refuses_control_characters(client, author):
    page = Page.objects.get(slug="editorial-policy")
    client.force_login(author)
    response = client.post(
        f"/admin/articles/page/{page.pk}/change/", {"slug": page.slug, "title": "Policy", "body": "We\x07 review."}
    )
    assert response.status_code == 200
    assert "body" in form_errors(response)


def test_decision_comment_refuses_control_characters():
    form = DecisionForm({"comment": "Looks good\x01", "reason": "other"}, action="request_changes")
    assert not form.is_valid()
    assert "comment" in form.errors


def test_reader_questions_have_control_characters_stripped():
    form = FollowUpQuestionForm({"question": "Is decaf\x01 any better\x85 for me?"})
    assert form.is_valid()
    assert form.cleaned_data["question"] == "Is decaf any better for me?"


# --- 4. Members who left the board --------------------------------------------------------


@pytest.fixture
def former_member(reviewer):
    BoardMember.objects.filter(user=reviewer).update(is_active=False)
    reviewer.refresh_from_db()
    return reviewer


def test_inactive_board_member_cannot_start_review(author, draft, former_member):
    workflow.submit(draft, user=author)
    with pytest.raises(PermissionDenied):
        workflow.start_review(draft, user=former_member, revision=factories.under_decision("start_review", draft))


def test_inactive_board_member_cannot_approve(author, draft, former_member, second_reviewer):
    workflow.submit(draft, user=author)
    workflow.start_review(draft, user=second_reviewer, revision=factories.under_decision("start_review", draft))
    with pytest.raises(PermissionDenied):
        workflow.approve(draft, user=former_member, revision=factories.under_decision("approve", draft))
    draft.refresh_from_db()
    assert draft.published_revision is None


@pytest.mark.parametrize("action", ["claim", "confirm_current", "request_changes"])
def test_inactive_board_member_cannot_re_review_a_live_article(published, former_member, action):
    assert not workflow.allowed(action, published, former_member)
    with pytest.raises(PermissionDenied):
        workflow.check(action, published, former_member)


def test_inactive_board_member_approving_from_the_review_screen_publishes_nothing(
    client, author, draft, former_member, second_reviewer
):
    workflow.submit(draft, user=author)
    workflow.start_review(draft, user=second_reviewer, revision=factories.under_decision("start_review", draft))
    draft.refresh_from_db()
    client.force_login(former_member)
    client.post(
        reverse("admin:articles_reviewqueueitem_review", args=[draft.pk]),
        {"action": "approve", "approve-comment": "", "approve-seen": workflow.state_token(draft)},
    )
    draft.refresh_from_db()
    assert draft.published_revision is None
    assert not draft.decisions.exists()


# --- 5. Workflow URLs check permission before anything -------------------------------------


@pytest.fixture
def staff_without_groups(db):
    return factories.UserFactory(username="nosy")


@pytest.mark.parametrize(
    "url_name,action",
    [
        ("admin:articles_article_workflow", "approve"),
        ("admin:articles_reviewqueueitem_workflow", "archive"),
        ("admin:articles_reviewqueueitem_review", None),
    ],
)
def test_staff_without_view_permission_get_the_same_403_for_existing_and_missing_articles(
    client, staff_without_groups, draft, url_name, action
):
    client.force_login(staff_without_groups)
    for object_id in (draft.pk, draft.pk + 1000):
        args = [object_id, action] if action else [object_id]
        response = client.get(reverse(url_name, args=args))
        assert response.status_code == 403
        assert draft.title not in response.content.decode()


def test_editor_still_sees_the_confirmation_page(client, author, draft):
    client.force_login(author)
    response = client.get(reverse("admin:articles_article_workflow", args=[draft.pk, "archive"]))
    assert response.status_code == 200
    assert draft.title in response.content.decode()


# --- 6. No 500s from the change form or admin filters -------------------------------------


def test_changing_a_published_articles_slug_leaves_a_redirect(client, author, published):
    client.force_login(author)
    response = client.post(change_url(published), article_form_data(published, slug="tea"))
    assert response.status_code == 302
    published.refresh_from_db()
    assert published.slug == "tea"
    assert client.get("/articles/coffee/")["Location"] == "/articles/tea/"


def test_a_slug_another_article_has_is_a_form_error_on_the_slug(client, author, published):
    factories.make_article(author=author, title="Is tea good for you?", slug="tea")
    client.force_login(author)
    response = client.post(change_url(published), article_form_data(published, slug="tea"))
    assert response.status_code == 200
    assert "slug" in form_errors(response)
    published.refresh_from_db()
    assert published.slug == "coffee"


@pytest.mark.parametrize(
    "path",
    [
        "/admin/articles/article/?status__exact=%00",
        "/admin/articles/article/?q=%00",
        "/admin/articles/article/?specialty__id__exact=%00",
        "/admin/articles/followupquestion/?status__exact=%00",
        "/admin/articles/reviewqueueitem/?q=caf%00e",
        "/admin/articles/reviewdecision/?decision__exact=%00",
        "/admin/autocomplete/?app_label=articles&model_name=boardmember&field_name=user&term=%00",
    ],
)
def test_nul_in_an_admin_query_is_a_bad_request_not_a_server_error(admin_client, published, path):
    assert admin_client.get(path).status_code == 400


def test_admin_filters_without_nul_still_work(admin_client, published):
    assert admin_client.get("/admin/articles/article/?status__exact=approved&q=coffee").status_code == 200


# --- 7. Reference URLs --------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "ftp://example.org/x", "vbscript:x"]
)
def test_model_validation_refuses_non_web_reference_urls(draft, url):
    reference = Reference(article=draft, number=2, title="A study", kind="research", url=url)
    with pytest.raises(ValidationError) as refused:
        reference.full_clean()
    assert "url" in refused.value.message_dict


def test_web_reference_urls_pass_model_validation(draft):
    Reference(article=draft, number=2, title="A study", kind="research", url="https://example.org/a").full_clean()


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,x", "java\tscript:alert(1)", "//evil.example"],
)
def test_stored_non_web_reference_urls_render_as_text_not_links(client, published, url):
    revision = published.published_revision
    revision.references[0]["url"] = url
    factories.overwrite_version(revision.pk, references=revision.references)
    html = client.get("/articles/coffee/").content.decode()
    title = revision.references[0]["title"]
    assert title in html
    assert not re.search(r'href="\s*(javascript|data|vbscript|java\s)', html, re.I)
    assert '"url": "' + url.strip() not in html  # nor in the JSON-LD citation


def test_web_reference_urls_are_links(client, published):
    revision = published.published_revision
    revision.references[0]["url"] = "https://example.org/study?a=1&b=2"
    factories.overwrite_version(revision.pk, references=revision.references)
    html = client.get("/articles/coffee/").content.decode()
    assert 'href="https://example.org/study?a=1&amp;b=2"' in html


# --- 8. At most EDITORIAL_MAX_REFERENCES references ------------------------------------------


def test_reference_cap_defaults_to_200_and_stays_citable(settings):
    assert settings.EDITORIAL_MAX_REFERENCES == 200
    from articles.models import max_reference_number

    settings.EDITORIAL_MAX_REFERENCES = 5000
    assert max_reference_number() == 999  # the most a citation [n] can carry


def test_more_references_than_the_cap_is_a_formset_error(client, author, draft, settings):
    settings.EDITORIAL_MAX_REFERENCES = 3
    data = article_form_data(draft)
    for i in range(1, 4):
        data.update(
            {
                f"references-{i}-article": str(draft.pk),
                f"references-{i}-number": str(i + 1),
                f"references-{i}-kind": "research",
                f"references-{i}-title": f"Study {i + 1}",
            }
        )
    data["references-TOTAL_FORMS"] = "4"
    client.force_login(author)
    response = client.post(change_url(draft), data)
    assert response.status_code == 200
    errors = " ".join(
        str(e) for formset in response.context["inline_admin_formsets"] for e in formset.formset.non_form_errors()
    )
    assert "at most 3 references" in errors
    assert draft.references.count() == 1


def test_a_reference_numbered_above_the_cap_is_refused(client, author, draft):
    data = article_form_data(draft)
    data.update(
        {
            "references-1-article": str(draft.pk),
            "references-1-number": "201",
            "references-1-kind": "research",
            "references-1-title": "Study 201",
            "references-TOTAL_FORMS": "2",
        }
    )
    client.force_login(author)
    response = client.post(change_url(draft), data)
    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert "number" in formset.forms[1].errors


def test_submit_refuses_more_references_than_the_cap(author, draft, settings):
    for number in (2, 3):
        factories.ReferenceFactory(article=draft, number=number)
    settings.EDITORIAL_MAX_REFERENCES = 2
    with pytest.raises(ValidationError) as refused:
        workflow.submit(draft, user=author)
    assert "at most 2 references" in " ".join(refused.value.messages)


def test_change_form_at_the_cap_runs_no_query_per_reference(client, author, count_queries):
    small = factories.make_article(author=author, slug="small", references=1)
    large = factories.make_article(author=author, slug="large", references=0)
    Reference.objects.bulk_create(
        Reference(article=large, number=n, title=f"Study {n}", source="BMJ", year=2020) for n in range(1, 201)
    )
    client.force_login(author)
    client.get(change_url(small))
    with count_queries() as one:
        client.get(change_url(small))
    with count_queries() as many:
        response = client.get(change_url(large))
    assert response.status_code == 200
    assert response.content.decode().count('name="references-') >= 200 * 8
    # The same queries for 200 references as for one (about 1 s, all template rendering, in tests).
    assert many.count <= one.count + 2


# --- 9. Production settings and proxies ---------------------------------------------------

PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "k" * 10 + "-production-like-secret-key-with-enough-variety-0123456789",
    "DJANGO_ALLOWED_HOSTS": "health.example.org",
    "DJANGO_BEHIND_TLS_PROXY": "1",
    "DJANGO_SSL_REDIRECT": "1",
    "DJANGO_HSTS_SECONDS": "31536000",
    "DJANGO_HSTS_INCLUDE_SUBDOMAINS": "1",
    "DJANGO_HSTS_PRELOAD": "1",
}


def _manage(tmp_path, *args, **env_overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "EDITORIAL_"))}
    env.update(PRODUCTION_ENV, DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3", **env_overrides)
    env.pop("REDIS_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )


def test_deploy_check_is_clean_with_the_documented_production_settings(tmp_path):
    result = _manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr + result.stdout


def test_readme_documents_the_production_settings_the_deploy_check_needs():
    readme = (ROOT / "README.md").read_text()
    for name in [*PRODUCTION_ENV, "EDITORIAL_MAX_REFERENCES"]:
        assert f"`{name}`" in readme, name


@pytest.mark.parametrize("value,expected", [("1", "True"), ("0", "False")])
def test_hsts_preload_follows_its_variable(tmp_path, value, expected):
    code = "from django.conf import settings; print(settings.SECURE_HSTS_PRELOAD)"
    result = _manage(tmp_path, "shell", "-c", code, DJANGO_HSTS_PRELOAD=value)
    assert result.stdout.strip().splitlines()[-1] == expected, result.stderr


def test_client_supplied_forwarded_entries_never_become_the_client_address(settings):
    settings.EDITORIAL_TRUSTED_PROXIES = 1
    factory = RequestFactory()
    addresses = {
        client_address(factory.get("/", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}, 203.0.113.7", REMOTE_ADDR="192.0.2.1"))
        for n in range(20)
    }
    assert addresses == {"203.0.113.7"}  # the entry our proxy appended, whatever the client sent before it


def test_two_trusted_proxies_read_the_entry_the_outer_proxy_appended(settings):
    settings.EDITORIAL_TRUSTED_PROXIES = 2
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7, 10.0.0.2", REMOTE_ADDR="10.0.0.3")
    assert client_address(request) == "203.0.113.7"


def test_too_few_forwarded_entries_fall_back_to_the_connection_address(settings):
    settings.EDITORIAL_TRUSTED_PROXIES = 2
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="6.6.6.6", REMOTE_ADDR="192.0.2.1")
    assert client_address(request) == "192.0.2.1"


def test_editors_still_answer_questions_from_the_change_page(client, author, question):
    client.force_login(author)
    response = client.post(
        f"/admin/articles/followupquestion/{question.pk}/change/", {"status": "answered", "editor_notes": "Replied."}
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.status == FollowUpQuestion.Status.ANSWERED
