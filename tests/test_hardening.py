"""Bad input and odd requests get clear answers, never a server error or a silent loss."""

import logging
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, BoardMember, Reference
from articles.review import editing, workflow

from . import factories


def test_search_with_control_characters_is_harmless(client, published):
    response = client.get("/", {"q": "coffee\x00\x07"})
    assert response.status_code == 200
    assert "Is <mark>coffee</mark> bad for you?" in response.content.decode()


@pytest.mark.parametrize(
    "url_name,args",
    [
        ("admin:articles_article_history", ["abc"]),
        ("admin:articles_article_change", ["abc"]),
    ],
)
def test_non_numeric_admin_ids_are_not_found(admin_client, url_name, args):
    response = admin_client.get(reverse(url_name, args=args))
    assert response.status_code in (302, 404)  # the admin redirects unknown ids to its index


@pytest.mark.parametrize(
    "path",
    [
        "/admin/articles/article/abc/workflow/submit/",
        "/admin/articles/reviewqueueitem/abc/review/",
        "/admin/articles/reviewqueueitem/abc/preview/1/",
        "/admin/articles/article/abc/restore-version/1/",
    ],
)
def test_custom_admin_urls_do_not_fail_on_non_numeric_ids(admin_client, path):
    # Only numeric ids reach the workflow views; anything else falls to the admin's own
    # "object not found" redirect instead of a server error.
    response = admin_client.get(path, follow=True)
    assert response.status_code == 200
    assert "doesn’t exist" in response.content.decode()


def test_title_with_a_line_break_is_a_form_error(client, author):
    client.force_login(author)
    response = client.post(
        reverse("admin:articles_article_add"),
        {
            "title": "Inhalers?\r\nBcc: victim@example.com",
            "slug": "inhalers",
            "specialty": factories.SpecialtyFactory().pk,
            "summary": "S",
            "body": "B",
            "references-TOTAL_FORMS": "0",
            "references-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "title" in response.context["adminform"].form.errors
    assert not Article.objects.exists()


def test_a_mail_outage_never_undoes_or_breaks_a_decision(
    settings, django_capture_on_commit_callbacks, caplog, author, reviewer
):
    settings.EMAIL_BACKEND = "tests.test_hardening.BrokenBackend"
    article = factories.make_article(author=author)
    with caplog.at_level(logging.ERROR, logger="articles.operations.tasks"):
        with django_capture_on_commit_callbacks(execute=True):
            workflow.submit(article, user=author)
    assert Article.objects.get(pk=article.pk).status == Article.Status.SUBMITTED
    assert "task deliver failed" in caplog.text and "SMTP is down" in caplog.text


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP is down")


def test_reminders_fail_loudly_for_cron_when_mail_is_down(settings, author, reviewer):
    from django.core.management import CommandError, call_command

    settings.EMAIL_BACKEND = "tests.test_hardening.BrokenBackend"
    workflow.submit(factories.make_article(author=author), user=author)
    with pytest.raises(CommandError, match="Sent 0 of 1"):
        call_command("review_reminders")


def test_board_members_cannot_be_deleted(admin_client, reviewer):
    profile = reviewer.board_profile
    assert admin_client.get(reverse("admin:articles_boardmember_delete", args=[profile.pk])).status_code == 403
    assert BoardMember.objects.filter(pk=profile.pk).exists()


def test_a_member_who_left_stays_credited_without_exposing_a_login(client, published, reviewer):
    profile = reviewer.board_profile
    profile.is_active = False
    profile.save()
    html = client.get("/articles/coffee/").content.decode()
    assert f"{profile.display_name}, {profile.credentials}" in html
    assert f'href="/board/#{profile.slug}"' not in html
    assert ">reviewer<" not in html


def test_board_page_credits_only_the_current_version(client, published, author, reviewer, second_reviewer):
    published.body = "Second version [1]."
    editing.save_content(published, user=author)
    factories.publish(published, author=author, reviewers=[second_reviewer])
    html = client.get("/board/").content.decode()
    first_member = html.split(f'id="{reviewer.board_profile.slug}"')[1].split("</li>")[0]
    assert "Is coffee bad for you?" not in first_member


def test_reference_edits_in_the_admin_carry_the_reason_and_show_in_history(admin_client, author):
    article = factories.make_article(author=author)
    ref = article.references.get()
    data = {
        "title": article.title,
        "slug": article.slug,
        "specialty": article.specialty_id,
        "summary": article.summary,
        "body": article.body,
        "professional_summary": "",
        "professional_body": "",
        "change_reason": "Corrected the journal name",
        "references-TOTAL_FORMS": "1",
        "references-INITIAL_FORMS": "1",
        "references-0-id": ref.pk,
        "references-0-article": article.pk,
        "references-0-number": "1",
        "references-0-kind": "research",
        "references-0-title": ref.title,
        "references-0-source": "The Lancet",
        "references-0-year": "2020",
    }
    response = admin_client.post(reverse("admin:articles_article_change", args=[article.pk]), data)
    assert response.status_code == 302
    record = Reference.history.filter(id=ref.pk).first()
    assert record.history_change_reason == "Corrected the journal name"
    history = admin_client.get(reverse("admin:articles_article_history", args=[article.pk])).content.decode()
    assert "Reference changes" in history
    assert "Corrected the journal name" in history


def test_review_screen_previews_the_professional_text_too(admin_client, author, reviewer):
    article = factories.make_article(
        author=author, professional_summary="Pro summary", professional_body="Give 500 mg [1]."
    )
    workflow.submit(article, user=author)
    review = admin_client.get(reverse("admin:articles_reviewqueueitem_review", args=[article.pk]))
    preview = reverse("admin:articles_reviewqueueitem_preview", args=[article.pk, 1])
    assert f"{preview}?audience=professional" in review.content.decode()
    assert "Give 500 mg" in admin_client.get(preview, {"audience": "professional"}).content.decode()


def test_professional_summary_without_text_is_a_form_error(client, author):
    client.force_login(author)
    response = client.post(
        reverse("admin:articles_article_add"),
        {
            "title": "T",
            "slug": "t",
            "specialty": factories.SpecialtyFactory().pk,
            "summary": "S",
            "body": "B",
            "professional_summary": "Only a summary",
            "references-TOTAL_FORMS": "0",
            "references-INITIAL_FORMS": "0",
        },
    )
    assert "professional_body" in response.context["adminform"].form.errors


def test_doi_with_markup_is_refused(db):
    from articles.admin.forms import ReferenceForm

    form = ReferenceForm(data={"number": 1, "kind": "research", "title": "T", "doi": '10.1000/x"><script>'})
    assert "doi" in form.errors


def test_live_article_with_a_draft_still_comes_up_for_re_review(admin_client, settings, author, reviewer):
    with time_machine.travel(timezone.now() - timedelta(days=400)):
        article = factories.publish(
            factories.make_article(author=author, title="Old"), author=author, reviewers=[reviewer]
        )
    article.body = "Editing [1]."
    editing.save_content(article, user=author)
    rows = admin_client.get("/admin/articles/reviewqueueitem/").context["cl"].result_list
    assert [(r.title, r.queue_kind, r.is_overdue) for r in rows] == [("Old", "rereview", True)]
