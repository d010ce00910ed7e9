"""Never lose a word: autosaves, an ended session, refused submissions, replies and edit conflicts (server side).

The browser half (offering to restore, the sign-in dialog, replying in place) is in
test_browser_autosave.py.
"""

import json

import pytest
from django.urls import reverse

from articles.models import AutosaveDraft
from articles.review import autosave, comments, editing, workflow

from . import factories
from .test_concurrency import form_data

pytestmark = pytest.mark.django_db


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def autosave_url(article):
    return reverse("admin:articles_article_autosave", args=[article.pk])


def keep(client, article, **fields):
    data = {"title": article.title, "body": article.body, "summary": article.summary, **fields}
    return client.post(autosave_url(article), data)


def config(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="autosave-config" type="application/json">') + len(
        '<script id="autosave-config" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


# --- An ended session: scripts get a JSON 401, never the login page ---------------------------


def test_the_live_preview_answers_a_json_401_when_the_session_has_ended(client):
    response = client.post(reverse("admin:articles_article_live_preview"), {"body": "Typed [1]."})
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    answer = response.json()
    assert answer["error"] == "signed_out" and "sign in again" in answer["message"]
    assert answer["login_url"] == reverse("admin:login")


def test_the_session_check_says_whether_the_browser_is_signed_in(client, author):
    url = reverse("admin:articles_article_session")
    assert client.get(url).status_code == 401
    client.force_login(author)
    answer = client.get(url).json()
    assert answer["signed_in"] and answer["username"] == "author" and answer["csrf_token"]


def test_signing_in_again_from_the_dialog(client, author):
    url = reverse("admin:articles_article_sign_in")
    wrong = client.post(url, {"username": "author", "password": "nope", "expected": "author"})
    assert wrong.status_code == 400 and "correct username and password" in wrong.json()["message"]
    assert client.get(reverse("admin:articles_article_session")).status_code == 401

    answer = client.post(url, {"username": "author", "password": "pw", "expected": "author"}).json()
    assert answer["signed_in"] and answer["csrf_token"]
    assert client.get(reverse("admin:articles_article_session")).status_code == 200


def test_only_the_person_who_opened_the_page_signs_in_again_there(client, author, other_editor):
    answer = client.post(
        reverse("admin:articles_article_sign_in"), {"username": "other_editor", "password": "pw", "expected": "author"}
    )
    assert answer.status_code == 400 and "sign in as author" in answer.json()["message"]
    assert client.get(reverse("admin:articles_article_session")).status_code == 401  # not signed in as someone else


def test_signing_in_again_is_throttled_like_the_login_page(client, author, settings):
    url = reverse("admin:articles_article_sign_in")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": "author", "password": "nope"})
    locked = client.post(url, {"username": "author", "password": "pw"})
    assert locked.status_code != 200
    assert client.get(reverse("admin:articles_article_session")).status_code == 401


# --- The server's autosave: its author's only -----------------------------------------------------


def test_an_editor_keeps_an_autosave_that_only_they_see(client, draft, author, other_editor):
    client.force_login(author)
    response = keep(client, draft, body="Half a sentence", change_reason="Typing")
    assert response.status_code == 200 and response.json()["saved_at"]
    kept = AutosaveDraft.objects.get()
    assert kept.user == author and kept.fields["body"] == "Half a sentence"
    assert config(client.get(change_url(draft)))["server"]["fields"]["body"] == "Half a sentence"

    client.force_login(other_editor)
    assert config(client.get(change_url(draft)))["server"] is None
    assert "Half a sentence" not in client.get(change_url(draft)).content.decode()
    client.post(autosave_url(draft), {"_autosave_action": "discard"})
    assert AutosaveDraft.objects.filter(user=author).exists()  # another editor cannot discard it


def test_an_autosave_replaces_the_previous_one(client, draft, author):
    client.force_login(author)
    keep(client, draft, body="One")
    keep(client, draft, body="One two")
    assert list(AutosaveDraft.objects.values_list("fields__body", flat=True)) == ["One two"]


def test_an_autosave_nobody_came_back_to_expires(client, draft, published, author, other_editor):
    """Abandoned autosaves do not pile up: past KEEP_DAYS one is no longer offered, and the next
    autosave by anyone clears it."""
    from datetime import timedelta

    from django.utils import timezone

    client.force_login(author)
    keep(client, draft, body="Left behind")
    old = timezone.now() - timedelta(days=autosave.KEEP_DAYS, minutes=1)
    AutosaveDraft.objects.update(saved_at=old)
    assert config(client.get(change_url(draft)))["server"] is None
    client.force_login(other_editor)
    keep(client, published, body="Fresh")
    assert list(AutosaveDraft.objects.values_list("fields__body", flat=True)) == ["Fresh"]


def test_readers_never_see_an_autosave(client, published, author):
    client.force_login(author)
    keep(client, published, body="Unsaved secret wording")
    client.logout()
    page = client.get(published.get_absolute_url())
    assert page.status_code == 200 and "Unsaved secret wording" not in page.content.decode()


def test_an_autosave_is_refused_without_the_right_to_edit_now(client, draft, author, reviewer):
    client.force_login(reviewer)
    assert keep(client, draft).status_code == 403
    workflow.submit(draft, user=author)
    client.force_login(author)
    refused = keep(client, draft)
    assert refused.status_code == 403 and "may not edit" in refused.json()["message"]
    assert not AutosaveDraft.objects.exists()


def test_an_autosave_signed_out_is_a_json_401(client, draft):
    assert keep(client, draft).status_code == 401


def test_an_autosave_is_size_capped_and_keeps_only_form_fields(client, draft, author, monkeypatch):
    client.force_login(author)
    monkeypatch.setattr(autosave, "MAX_BYTES", 1000)
    too_big = keep(client, draft, body="x" * 2000)
    assert too_big.status_code == 400 and "too long" in too_big.json()["message"]
    odd = keep(client, draft, **{"<script>": "x"})
    assert odd.status_code == 400 and "not a field" in odd.json()["message"]
    assert not AutosaveDraft.objects.exists()


def test_saving_the_article_clears_its_authors_autosave(client, draft, author, other_editor):
    client.force_login(other_editor)
    keep(client, draft, body="Their own unsaved words")
    client.force_login(author)
    form = client.get(change_url(draft))
    keep(client, draft, body="Saved at last [1].")
    assert client.post(change_url(draft), form_data(form, body="Saved at last [1].")).status_code == 302
    assert list(AutosaveDraft.objects.values_list("user__username", flat=True)) == ["other_editor"]
    # The next page tells the browser its copies of this article are saved.
    assert config(client.get(change_url(draft)))["cleared"] == [str(draft.pk)]


def test_adding_an_article_clears_the_browsers_copy_of_the_new_article(client, author):
    client.force_login(author)
    assert config(client.get(reverse("admin:articles_article_add")))["key"] == "new"


def test_the_recovery_diff_compares_the_kept_text_with_what_is_saved(client, draft, author):
    client.force_login(author)
    answer = client.post(
        reverse("admin:articles_article_autosave_diff"),
        {"_autosave_article": str(draft.pk), "title": draft.title, "summary": draft.summary, "body": "Other text [1]."},
    ).json()
    assert answer["changed"]
    assert '<ins><span class="visually-hidden">[added: </span>Other' in answer["html"]
    assert "<del>" in answer["html"]


# --- Refused submissions and resubmissions keep the change note --------------------------------


def test_a_refused_submission_keeps_the_change_note_its_kind_and_the_reason(client, published, author):
    client.force_login(author)
    form = client.get(change_url(published))
    data = form_data(
        form,
        body="Cites a reference that is not there [2].",
        change_note="Dosing table corrected.",
        change_kind="correction",
        change_reason="New guideline",
        _saveandsubmit="1",
    )
    response = client.post(change_url(published), data, follow=True)
    published.refresh_from_db()
    assert published.body == "Cites a reference that is not there [2]." and published.status == "draft"
    shown = response.context["adminform"].form
    assert shown["change_note"].value() == "Dosing table corrected."
    assert shown["change_kind"].value() == "correction"
    assert shown["change_reason"].value() == "New guideline"
    # Only once: the page after that starts from the stored state again.
    assert client.get(change_url(published)).context["adminform"].form["change_reason"].value() in (None, "")


def test_after_changes_are_requested_the_change_note_is_filled_in_again(client, published, author, reviewer):
    published.body = "Updated text [1]."
    editing.save_content(published, user=author)
    workflow.submit(published, user=author, change_note="Advice on fluids updated.", change_kind="clinical")
    workflow.start_review(published, user=reviewer, revision=factories.under_decision("start_review", published))
    workflow.request_changes(
        published, user=reviewer, revision=factories.under_decision("request_changes", published), comment="Cite it."
    )
    client.force_login(author)
    form = client.get(change_url(published)).context["adminform"].form
    assert (form["change_note"].value(), form["change_kind"].value()) == ("Advice on fluids updated.", "clinical")
    step = client.get(reverse("admin:articles_article_workflow", args=[published.pk, "submit"]))
    assert step.context["form"]["change_note"].value() == "Advice on fluids updated."
    assert step.context["form"]["change_kind"].value() == "clinical"


def test_a_new_update_starts_with_an_empty_change_note(client, published, author):
    client.force_login(author)
    form = client.get(change_url(published)).context["adminform"].form
    assert form["change_note"].value() in (None, "")


# --- Replies in place, and the edit conflict's diff ----------------------------------------------


def test_a_reply_from_the_change_forms_script_answers_the_thread_in_json(client, author, reviewer):
    article = factories.make_article(author=author, body="Uric acid builds up in the joint [1].")
    workflow.submit(article, user=author)
    article.refresh_from_db()
    comment = comments.add(
        article, article.pending_revision, user=reviewer, part="body", passage_index=0, text="Which joint?"
    )
    workflow.withdraw(article, user=author)
    client.force_login(author)
    url = reverse("admin:articles_article_passage_comment", args=[article.pk, comment.pk])
    answer = client.post(
        url, {"action": "reply", "text": "The big toe.", "next": change_url(article)}, HTTP_ACCEPT="application/json"
    )
    assert answer.status_code == 200
    data = answer.json()
    assert data["ok"] and data["message"] == "Reply added."
    assert "The big toe." in data["html"] and f'id="comment-{comment.pk}"' in data["html"]
    empty = client.post(url, {"action": "reply", "text": " "}, HTTP_ACCEPT="application/json")
    assert empty.status_code == 400 and not empty.json()["ok"]


def test_an_edit_conflict_shows_their_changes_and_yours_as_diffs(client, published, author, other_editor):
    client.force_login(other_editor)
    stale = client.get(change_url(published))
    client.force_login(author)
    mine = client.get(change_url(published))
    assert (
        client.post(change_url(published), form_data(mine, body="Coffee raises blood pressure [1].")).status_code == 302
    )

    client.force_login(other_editor)
    refused = client.post(change_url(published), form_data(stale, body="Coffee is fine in moderation [1]."))
    html = refused.content.decode()
    theirs = html[html.index('class="edit-conflict-theirs"') : html.index('class="edit-conflict-yours"')]
    yours = html[html.index('class="edit-conflict-yours"') :]
    assert "[added: </span>Coffee raises blood pressure" in theirs
    assert "[removed: </span>Some text" in theirs
    assert "[added: </span>is fine in moderation" in yours


def test_the_demo_shows_editors_where_to_try_autosave():
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "restore your unsaved changes" in out.getvalue()


def test_the_reference_lookup_answers_a_json_401_when_the_session_has_ended(client, settings):
    settings.EDITORIAL_REFERENCE_LOOKUP = True
    response = client.get(reverse("admin:articles_article_reference_lookup"), {"doi": "10.1000/x"})
    assert response.status_code == 401 and response.json()["error"] == "signed_out"


def test_the_login_page_says_where_typed_text_is_when_coming_from_an_article(client, draft):
    page = client.get(change_url(draft), follow=True)
    assert page.request["PATH_INFO"] == reverse("admin:login")
    assert "what you typed is kept in this browser" in page.content.decode()
    assert "what you typed" not in client.get(reverse("admin:login")).content.decode()
