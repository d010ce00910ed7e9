"""What a public page says about itself is true (issue 9): who approved and who confirmed,
declarations rather than defaults, change notes and corrections, withdrawals, bylines,
citations in reading order, machine-readable provenance."""

import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from html import unescape

import extruct
import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from articles.content.rendering import render
from articles.models import Article, AuthorProfile, BoardMember, Withdrawal
from articles.review import editing, workflow

from . import factories

ATOM = "{http://www.w3.org/2005/Atom}"


def page_text(client, path, status=200):
    response = client.get(path)
    assert response.status_code == status, path
    return unescape(response.content.decode())


def words(html):
    """The text of ``html`` without tags, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", "", html).split())


def json_ld(client, path, status=200):
    response = client.get(path)
    assert response.status_code == status
    data = extruct.extract(response.content.decode(), base_url="http://testserver" + path, syntaxes=["json-ld"])
    (item,) = data["json-ld"]
    return item


def name_of(user):
    return user.board_profile.display_name


def publish_update(article, *, author, reviewer, body, kind="editorial", note="Wording clarified.", **approve):
    article.refresh_from_db()
    article.body = body
    editing.save_content(article, user=author)
    workflow.submit(article, user=author, change_kind=kind, change_note=note)
    workflow.start_review(article, user=reviewer, revision=factories.under_decision("start_review", article))
    workflow.approve(article, user=reviewer, revision=factories.under_decision("approve", article), **approve)
    article.refresh_from_db()
    return article


# --- Re-review credit ------------------------------------------------------------------


@pytest.fixture
def confirmed(author, reviewer, second_reviewer):
    """Approved by ``reviewer`` in January 2025, confirmed still accurate by ``second_reviewer`` a year on."""
    with time_machine.travel("2025-01-10 09:00Z", tick=False):
        article = factories.make_article(author=author, title="Is coffee bad for you?", slug="coffee")
        factories.publish(article, author=author, reviewers=[reviewer])
    with time_machine.travel("2026-01-05 09:00Z", tick=False):
        workflow.claim(article, user=second_reviewer, revision=factories.under_decision("claim", article))
        workflow.confirm_current(
            article,
            user=second_reviewer,
            revision=factories.under_decision("confirm_current", article),
            comment="Checked the 2025 guideline.",
        )
    article.refresh_from_db()
    return article


def test_confirmation_is_credited_to_the_confirming_reviewer_apart_from_the_approval(
    client, confirmed, reviewer, second_reviewer
):
    html = page_text(client, "/articles/coffee/")
    approved = html.split('class="trust-reviewers"')[1].split("</p>")[0]
    confirmed_line = html.split('class="trust-confirmed"')[1].split("</p>")[0]
    assert "Content approved by" in approved and name_of(reviewer) in approved and "10 January 2025" in approved
    assert name_of(second_reviewer) not in approved
    assert "Confirmed still accurate by" in confirmed_line
    assert name_of(second_reviewer) in confirmed_line and "5 January 2026" in confirmed_line
    # The public history lists the confirmation as an event of version 1.
    history = html.split('id="history-heading"')[1]
    assert f"Confirmed still accurate 5 January 2026 by {name_of(second_reviewer)}" in words(history)


def test_json_ld_reviewed_by_and_last_reviewed_follow_the_confirmation(client, confirmed, reviewer, second_reviewer):
    data = json_ld(client, "/articles/coffee/")
    assert data["@type"] == "MedicalWebPage"
    assert data["lastReviewed"] == "2026-01-05"
    assert data["dateModified"] == "2025-01-10"
    assert [person["name"] for person in data["reviewedBy"]] == [name_of(reviewer), name_of(second_reviewer)]


def test_an_unconfirmed_article_names_only_its_approver(client, published, reviewer):
    html = page_text(client, "/articles/coffee/")
    assert "Confirmed still accurate" not in html
    data = json_ld(client, "/articles/coffee/")
    assert [person["name"] for person in data["reviewedBy"]] == [name_of(reviewer)]


# --- Declarations, not defaults ------------------------------------------------------


def undeclared_reviewer(username):
    user = factories.reviewer(username=username)
    BoardMember.objects.filter(user=user).update(conflicts_of_interest="", no_conflicts=False, declared_at=None)
    user.board_profile.refresh_from_db()
    return user


@pytest.mark.parametrize("step", ["approve", "confirm_current"])
def test_a_member_without_a_declaration_can_neither_approve_nor_confirm(author, reviewer, step):
    silent = undeclared_reviewer("silent")
    article = factories.make_article(author=author, slug="coffee")
    if step == "approve":
        workflow.submit(article, user=author)
        workflow.start_review(article, user=silent, revision=factories.under_decision("start_review", article))
    else:
        factories.publish(article, author=author, reviewers=[reviewer])
    with pytest.raises(PermissionDenied, match="declare your conflicts of interest"):
        workflow.run(step, article, user=silent, **factories.naming_the_version(step, article))
    assert not article.revisions.filter(decisions__reviewer=silent).exists()


def test_a_blank_declaration_is_never_published_as_none_declared(client, db):
    silent = undeclared_reviewer("silent")
    html = page_text(client, "/board/")
    assert silent.board_profile.display_name in html
    assert "None declared" not in html
    assert "No conflicts of interest to declare" not in html


def test_ticking_no_conflicts_is_published_as_that_statement_with_its_date(client, db):
    member = undeclared_reviewer("careful").board_profile
    with time_machine.travel("2026-03-02 12:00Z", tick=False):
        member.no_conflicts = True
        member.save()
    member.refresh_from_db()
    assert member.has_current_declaration
    assert member.declared_at.date().isoformat() == "2026-03-02"
    html = page_text(client, "/board/")
    assert "No conflicts of interest to declare" in html


def test_a_statement_and_the_no_conflicts_box_together_are_refused_in_the_admin(admin_client, db):
    from articles.admin.forms import BoardMemberForm

    user = factories.UserFactory()
    form = BoardMemberForm(
        data={
            "user": user.pk,
            "display_name": "Dr Both",
            "slug": "dr-both",
            "conflicts_of_interest": "Consults for a coffee maker.",
            "no_conflicts": "on",
            "is_active": "on",
        }
    )
    assert not form.is_valid()
    assert "no_conflicts" in form.errors


def test_the_declaration_made_at_approval_is_shown_beside_the_reviewer(client, author, reviewer):
    article = factories.make_article(author=author, slug="coffee")
    workflow.submit(article, user=author)
    workflow.start_review(article, user=reviewer, revision=factories.under_decision("start_review", article))
    workflow.approve(
        article,
        user=reviewer,
        revision=factories.under_decision("approve", article),
        conflicts="Gave a paid talk for a coffee growers' association.",
    )
    html = page_text(client, "/articles/coffee/")
    trust = html.split('class="trust-reviewers"')[1].split("</p>")[0]
    assert name_of(reviewer) in trust
    assert "declared for this article: Gave a paid talk for a coffee growers' association." in " ".join(trust.split())


# --- Corrections and change notes ----------------------------------------------------


def test_submitting_an_update_needs_a_public_note_and_kind(published, author):
    published.body = "Changed [1]."
    editing.save_content(published, user=author)
    with pytest.raises(ValidationError) as refused:
        workflow.submit(published, user=author)
    assert set(refused.value.message_dict) == {"change_note", "change_kind"}
    with pytest.raises(ValidationError) as refused:
        workflow.submit(published, user=author, change_note="Fixed.", change_kind="typo")
    assert set(refused.value.message_dict) == {"change_kind"}
    published.refresh_from_db()
    assert published.status == Article.Status.DRAFT


def test_the_admin_submit_form_asks_for_the_note_of_an_update(client, published, author):
    published.body = "Changed [1]."
    editing.save_content(published, user=author)
    client.force_login(author)
    url = f"/admin/articles/article/{published.pk}/workflow/submit/"
    response = client.post(url, {"seen": workflow.state_token(published)})
    assert response.status_code == 200
    assert {"change_note", "change_kind"} <= set(response.context["form"].errors)
    response = client.post(
        url,
        {"seen": workflow.state_token(published), "change_note": "Caffeine limits added.", "change_kind": "clinical"},
    )
    assert response.status_code == 302
    assert published.revisions.get(number=2).change_note == "Caffeine limits added."


def test_page_shows_the_latest_update_and_the_history_every_note(client, published, author, reviewer):
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        publish_update(published, author=author, reviewer=reviewer, body="Two [1].", note="Wording made plainer.")
    with time_machine.travel(timezone.now() + timedelta(days=6)):
        publish_update(
            published, author=author, reviewer=reviewer, body="Three [1].", kind="clinical", note="New dose advice."
        )
        html = " ".join(page_text(client, "/articles/coffee/").split())
    trust = html.split('class="trust-update"')[1].split("</p>")[0]
    assert "New dose advice." in trust and "Clinical update" in trust and "Wording made plainer" not in trust
    history = words(html.split('id="history-heading"')[1])
    assert "Clinical update: New dose advice." in history
    assert "Editorial or wording change: Wording made plainer." in history


def test_the_board_can_edit_the_note_when_approving(client, published, author, reviewer):
    publish_update(
        published,
        author=author,
        reviewer=reviewer,
        body="Fixed [1].",
        note="fixd stuff",
        change_note="The daily limit now reads 400 mg, not 4,000 mg.",
        change_kind="correction",
    )
    revision = published.published_revision
    assert (revision.change_kind, revision.change_note) == (
        "correction",
        "The daily limit now reads 400 mg, not 4,000 mg.",
    )


def test_a_correction_is_flagged_at_the_top_for_the_configured_period(client, settings, published, author, reviewer):
    settings.EDITORIAL_CORRECTION_NOTICE_DAYS = 30
    publish_update(
        published, author=author, reviewer=reviewer, body="Fixed [1].", kind="correction", note="Dose was wrong."
    )
    html = page_text(client, "/articles/coffee/")
    banner = html.split('class="banner banner-correction"')[1].split("</div>")[0]
    assert "Dose was wrong." in banner
    assert html.index("banner-correction") < html.index("<h1")
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        html = page_text(client, "/articles/coffee/")
    assert "banner-correction" not in html
    assert "Dose was wrong." in html  # still in the change log


def test_an_editorial_update_is_not_flagged_as_a_correction(client, published, author, reviewer):
    publish_update(published, author=author, reviewer=reviewer, body="Plainer [1].", note="Plainer words.")
    assert "banner-correction" not in page_text(client, "/articles/coffee/")


def feed_entries(client):
    root = ET.fromstring(client.get("/feeds/articles/").content)
    return [(entry.findtext(f"{ATOM}title"), entry.findtext(f"{ATOM}summary")) for entry in root.iter(f"{ATOM}entry")]


def test_the_feed_carries_updates_with_their_note(client, published, author, reviewer):
    publish_update(published, author=author, reviewer=reviewer, body="Fixed [1].", kind="correction", note="Dose.")
    entries = feed_entries(client)
    assert ("Updated: Is coffee bad for you?", "Correction of an error: Dose.") in entries
    assert any(title == "Is coffee bad for you?" for title, _ in entries)  # the first publication stays


# --- Withdrawal notice ---------------------------------------------------------------


@pytest.fixture
def replacement(author, reviewer):
    article = factories.make_article(author=author, title="Caffeine and sleep", slug="caffeine-sleep")
    return factories.publish(article, author=author, reviewers=[reviewer])


@pytest.fixture
def withdrawn(published, author, replacement):
    workflow.archive(published, user=author, reason="Superseded by newer guidance.", replacement=replacement)
    published.refresh_from_db()
    return published


def test_archiving_a_published_article_needs_a_public_reason(published, author):
    with pytest.raises(ValidationError):
        workflow.archive(published, user=author, reason="  ")
    published.refresh_from_db()
    assert published.is_public()
    assert not Withdrawal.objects.exists()


def test_a_withdrawn_article_answers_410_saying_what_when_and_why(client, withdrawn):
    response = client.get("/articles/coffee/")
    assert response.status_code == 410
    assert response["X-Robots-Tag"] == "noindex"
    html = unescape(response.content.decode())
    assert "This article has been withdrawn." in html
    assert "Is coffee bad for you?" in html
    assert "Superseded by newer guidance." in html
    assert '<meta name="robots" content="noindex">' in html
    assert 'href="/articles/caffeine-sleep/"' in html and "Caffeine and sleep" in html
    assert 'href="/articles/coffee/v/1/"' in html


def test_withdrawn_versions_stay_readable_with_a_banner_and_noindex(client, withdrawn):
    response = client.get("/articles/coffee/v/1/")
    assert response.status_code == 200
    html = unescape(response.content.decode())
    banner = html.split('class="banner banner-withdrawn"')[1].split("</div>")[0]
    assert "withdrawn" in banner and "Superseded by newer guidance." in banner
    assert '<meta name="robots" content="noindex' in html
    assert json_ld(client, "/articles/coffee/v/1/")["creativeWorkStatus"] == "Withdrawn"


def test_a_never_published_archived_article_is_a_plain_404(client, author):
    article = factories.make_article(author=author, title="Secret plan", slug="secret")
    workflow.archive(article, user=author, reason="Dropped the idea.")
    for path in ("/articles/secret/", "/articles/secret/v/1/"):
        response = client.get(path)
        assert response.status_code == 404
        assert b"Secret plan" not in response.content and b"Dropped the idea" not in response.content


def test_withdrawn_articles_leave_the_sitemap_and_search_and_the_feed_records_it(client, withdrawn):
    assert b"/articles/coffee/" not in client.get("/sitemap-articles.xml").content
    assert "Is coffee bad for you?" not in page_text(client, "/?q=coffee")
    entries = feed_entries(client)
    assert ("Withdrawn: Is coffee bad for you?", "Superseded by newer guidance.") in entries
    assert not any(title == "Is coffee bad for you?" for title, _ in entries)


def test_withdrawn_page_json_ld_says_withdrawn(client, withdrawn):
    data = json_ld(client, "/articles/coffee/", status=410)
    assert data["creativeWorkStatus"] == "Withdrawn"
    assert data["name"] == "Is coffee bad for you?"


def test_restoring_and_republishing_ends_the_notice(client, withdrawn, author, reviewer):
    workflow.restore(withdrawn, user=author)
    withdrawn.refresh_from_db()
    factories.publish(withdrawn, author=author, reviewers=[reviewer])
    response = client.get("/articles/coffee/")
    assert response.status_code == 200
    assert b"banner-withdrawn" not in response.content


# --- Bylines --------------------------------------------------------------------------


def profile_for(user, name, **fields):
    return AuthorProfile.objects.create(user=user, display_name=name, slug=name.lower().replace(" ", "-"), **fields)


def test_an_article_credits_its_authors_from_the_content_history(client, author, other_editor, reviewer):
    profile_for(author, "Sam Rivera", role="Medical writer", credentials="MPH")
    article = factories.make_article(author=author, title="Is coffee bad for you?", slug="coffee")
    factories.publish(article, author=author, reviewers=[reviewer])
    byline = page_text(client, "/articles/coffee/").split('class="byline"')[1].split("</p>")[0]
    assert "Written by" in byline and 'href="/authors/sam-rivera/"' in byline and "Sam Rivera" in byline
    assert "editorial team" not in byline
    # A second writer without a public profile is credited as the editorial team.
    publish_update(article, author=other_editor, reviewer=reviewer, body="More [1].")
    byline = page_text(client, "/articles/coffee/").split('class="byline"')[1].split("</p>")[0]
    assert "Sam Rivera" in byline and "the editorial team" in byline


def test_authors_without_a_public_profile_are_the_editorial_team(client, published, author):
    profile_for(author, "Hidden Person", role="Writer", is_public=False)
    byline = page_text(client, "/articles/coffee/").split('class="byline"')[1].split("</p>")[0]
    assert "the editorial team" in byline and "Hidden Person" not in byline
    assert client.get("/authors/hidden-person/").status_code == 404


def test_the_author_page_lists_their_published_articles_only(client, author, reviewer):
    profile_for(author, "Sam Rivera", role="Medical writer", bio="Writes about sleep.")
    live = factories.publish(
        factories.make_article(author=author, title="Sleep and caffeine", slug="sleep"),
        author=author,
        reviewers=[reviewer],
    )
    factories.make_article(author=author, title="Unfinished draft", slug="draft")
    html = page_text(client, "/authors/sam-rivera/")
    assert "Sam Rivera" in html and "Medical writer" in html and "Writes about sleep." in html
    assert live.published_revision.title in html and 'href="/articles/sleep/"' in html
    assert "Unfinished draft" not in html


def test_json_ld_names_the_authors(client, author, reviewer):
    profile_for(author, "Sam Rivera", role="Medical writer")
    factories.publish(factories.make_article(author=author, slug="coffee"), author=author, reviewers=[reviewer])
    data = json_ld(client, "/articles/coffee/")
    assert data["author"] == [
        {
            "@type": "Person",
            "name": "Sam Rivera",
            "url": "http://testserver/authors/sam-rivera/",
            "jobTitle": "Medical writer",
        }
    ]


# --- Citations in reading order, punctuation, icon --------------------------------------


def test_citations_are_numbered_in_reading_order_including_list_items():
    body = "Intro [1].\n\n## From the research\n\n- First finding [3].\n- Second finding [4].\n\nThen [2] and [5]."
    references = [{"number": n, "kind": "research", "title": f"Study {n}"} for n in range(1, 6)]
    rendered = render("", body, references)
    assert [ref.data["title"] for ref in rendered.references] == ["Study 1", "Study 3", "Study 4", "Study 2", "Study 5"]
    shown = [int(n) for n in re.findall(r'href="#ref-(\d+)"', rendered.body_html)]
    assert shown and shown == sorted(shown)


def test_the_site_has_an_icon(client, db):
    assert client.get("/favicon.ico").status_code == 200
    html = page_text(client, "/")
    assert 'rel="icon"' in html
