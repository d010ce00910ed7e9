"""Scheduled publishing, embargoes and end dates: rules in the workflow, visibility at request time."""

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from articles.content import times
from articles.interchange import service
from articles.interchange.sources import Source
from articles.models import Article, Revision, Withdrawal
from articles.review import editing, golive, schedule, scheduling, workflow
from articles.site import caching

from . import factories
from .edge_standin import StandIn

S = Article.Status
NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)  # a Saturday in winter: London is on GMT (UTC+00:00)


@pytest.fixture(autouse=True)
def _london(settings):
    settings.TIME_ZONE = "Europe/London"


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def submitted(article, *, author, reviewer, **timing):
    """Submit ``article`` (with its timing) and start its review."""
    for name, value in timing.items():
        setattr(article, name, value)
    editing.save_content(article, user=author, reason="Timing")
    workflow.submit(article, user=author, **factories.change_note_for(article))
    workflow.start_review(article, user=reviewer, revision=factories.under_decision("start_review", article))
    return article


def approve(article, reviewer, **kwargs):
    return workflow.approve(article, user=reviewer, revision=factories.under_decision("approve", article), **kwargs)


def an_update(article, *, author, reviewer, body="Updated advice for this winter [1].", **timing):
    article.body = body
    editing.save_content(article, user=author)
    return submitted(article, author=author, reviewer=reviewer, **timing)


def history_reasons(article):
    return [h.history_change_reason for h in Article.objects.get(pk=article.pk).history.all()]


# --- Times: the site's zone, its offset, daylight saving -----------------------------


def test_times_are_shown_in_the_site_zone_with_the_utc_offset():
    assert times.describe(datetime(2026, 12, 10, 0, 1, tzinfo=UTC)) == "Thu 10 Dec 2026, 00:01 GMT (UTC+00:00)"
    assert times.describe(datetime(2026, 7, 1, 8, 30, tzinfo=UTC)) == "Wed 01 Jul 2026, 09:30 BST (UTC+01:00)"


def test_a_time_in_the_skipped_spring_hour_is_refused_saying_why():
    # 29 March 2026: London's clocks go from 01:00 to 02:00.
    with pytest.raises(ValidationError) as error:
        times.parse("2026-03-29 01:30")
    assert error.value.code == "skipped"
    assert "does not exist in Europe/London" in error.value.messages[0]


def test_a_time_in_the_repeated_autumn_hour_asks_which_and_takes_an_offset():
    # 25 October 2026: London's clocks go back from 02:00 BST to 01:00 GMT, so 01:30 happens twice.
    with pytest.raises(ValidationError) as error:
        times.parse("2026-10-25 01:30")
    assert error.value.code == "ambiguous"
    assert "+01:00" in error.value.messages[0] and "+00:00" in error.value.messages[0]
    assert times.parse("2026-10-25 01:30 +01:00") == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert times.parse("2026-10-25 01:30 +00:00") == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    with pytest.raises(ValidationError) as wrong:
        times.parse("2026-10-25 01:30 +02:00")
    assert wrong.value.code == "offset"


def test_an_ambiguous_time_is_shown_back_with_its_offset_so_it_parses_to_the_same_instant():
    second = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert times.as_input(second) == "2026-10-25 01:30 +00:00"
    assert times.parse(times.as_input(second)) == second


def test_the_site_zone_comes_from_the_environment_setting(settings):
    settings.TIME_ZONE = "America/New_York"
    assert times.describe(datetime(2026, 12, 10, 5, 1, tzinfo=UTC)) == "Thu 10 Dec 2026, 00:01 EST (UTC-05:00)"


def test_unreadable_time_names_the_expected_format():
    with pytest.raises(ValidationError) as error:
        times.parse("next Wednesday", field_label="go live at")
    assert "YYYY-MM-DD HH:MM" in error.value.messages[0] and "go live at" in error.value.messages[0]


# --- Scheduling a go-live ---------------------------------------------------------------


def test_a_first_version_scheduled_for_later_is_a_404_until_then_and_public_after(
    client, clock, author, reviewer, draft
):
    submitted(draft, author=author, reviewer=reviewer)
    at = NOW + timedelta(hours=2)
    approve(draft, reviewer, go_live_at=at)
    draft.refresh_from_db()
    assert draft.status == S.SCHEDULED and draft.go_live_at == at and draft.published_revision is None
    url = draft.get_absolute_url()
    assert client.get(url).status_code == 404
    assert client.get(f"{url}v/1/").status_code == 404
    assert draft.title not in client.get("/").content.decode()
    clock.move_to(at - timedelta(seconds=1))
    assert client.get(url).status_code == 404
    clock.move_to(at)
    assert client.get(url).status_code == 200
    assert client.get(f"{url}v/1/").status_code == 200
    assert draft.title in client.get("/").content.decode()
    draft.refresh_from_db()
    assert draft.status == S.APPROVED and draft.published_revision.approved_at == at
    assert any("went live as scheduled" in reason for reason in history_reasons(draft) if reason)


def test_readers_keep_the_live_version_until_a_scheduled_update_goes_live_on_every_surface(
    client, clock, published, author, reviewer
):
    an_update(published, author=author, reviewer=reviewer, title="Is coffee bad for you? Winter edition")
    at = NOW + timedelta(days=1)
    approve(published, reviewer, go_live_at=at)
    topic = published.specialty.get_absolute_url()
    surfaces = ["/articles/coffee/", "/", topic, "/feeds/articles/", "/?q=winter"]

    def shown(path):
        response = client.get(path)
        text = re.sub(r"</?mark>", "", response.content.decode())  # search highlights the words it found
        return response.status_code, "Winter edition" in text

    clock.move_to(at - timedelta(seconds=1))
    assert client.get("/articles/coffee/v/2/").status_code == 404
    for path in surfaces:
        status, new = shown(path)
        assert not new, path
    assert "Winter edition" not in client.get("/articles/coffee/").content.decode()
    assert "Updated advice" not in client.get("/articles/coffee/").content.decode()
    clock.move_to(at)
    page = client.get("/articles/coffee/").content.decode()
    assert "Updated advice for this winter" in page
    ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
    assert "Winter edition" in ld
    for path in ("/", topic, "/feeds/articles/", "/?q=winter"):
        assert shown(path)[1], path
    assert client.get("/articles/coffee/v/2/").status_code == 200
    sitemap = client.get("/sitemap-articles.xml").content.decode()
    assert "2026-12-06" in sitemap  # lastmod: the day the update went live


def test_approving_with_a_past_time_is_refused_naming_the_field(clock, draft, author, reviewer):
    submitted(draft, author=author, reviewer=reviewer)
    with pytest.raises(ValidationError) as error:
        approve(draft, reviewer, go_live_at=NOW - timedelta(minutes=1))
    assert "go_live_at" in error.value.message_dict
    assert "in the past" in error.value.message_dict["go_live_at"][0]
    draft.refresh_from_db()
    assert draft.status == S.IN_REVIEW and not draft.decisions.exists()


def test_no_time_publishes_at_once(clock, draft, author, reviewer):
    submitted(draft, author=author, reviewer=reviewer)
    approve(draft, reviewer)
    draft.refresh_from_db()
    assert draft.status == S.APPROVED and draft.published_revision.approved_at == NOW


# --- Embargoes: nothing makes a version public earlier -----------------------------------


EMBARGO = NOW + timedelta(days=4, hours=12, minutes=1)  # Wed 10 Dec 2026, 00:01 GMT


def test_the_embargo_is_frozen_into_the_version(clock, draft, author, reviewer):
    submitted(draft, author=author, reviewer=reviewer, not_before=EMBARGO)
    workflow.withdraw(draft, user=author)
    draft.not_before = None  # the working copy changes; the version submitted keeps its embargo
    editing.save_content(draft, user=author)
    assert Revision.objects.get(article=draft, number=1).not_before == EMBARGO


def test_approval_without_a_time_schedules_an_embargoed_version_at_the_embargo(client, clock, draft, author, reviewer):
    submitted(draft, author=author, reviewer=reviewer, not_before=EMBARGO)
    approve(draft, reviewer)
    draft.refresh_from_db()
    assert draft.status == S.SCHEDULED and draft.go_live_at == EMBARGO
    clock.move_to(EMBARGO - timedelta(seconds=1))
    assert client.get(draft.get_absolute_url()).status_code == 404
    clock.move_to(EMBARGO)
    assert client.get(draft.get_absolute_url()).status_code == 200


def test_a_go_live_before_the_embargo_is_refused_naming_the_field(clock, draft, author, reviewer):
    submitted(draft, author=author, reviewer=reviewer, not_before=EMBARGO)
    with pytest.raises(ValidationError) as error:
        approve(draft, reviewer, go_live_at=EMBARGO - timedelta(minutes=1))
    assert "Embargo: not before" in error.value.message_dict["go_live_at"][0]
    assert "Thu 10 Dec 2026, 00:01 GMT (UTC+00:00)" in error.value.message_dict["go_live_at"][0]


def test_rescheduling_cannot_move_an_embargoed_version_earlier(clock, draft, author, reviewer, second_reviewer):
    submitted(draft, author=author, reviewer=reviewer, not_before=EMBARGO)
    approve(draft, reviewer)
    revision = factories.under_decision("reschedule", draft)
    with pytest.raises(ValidationError):
        scheduling.reschedule(draft, user=second_reviewer, revision=revision, go_live_at=EMBARGO - timedelta(hours=1))
    with pytest.raises(ValidationError):
        scheduling.reschedule(draft, user=second_reviewer, revision=revision, go_live_at=None)  # "publish now"
    draft.refresh_from_db()
    assert draft.status == S.SCHEDULED and draft.go_live_at == EMBARGO


def test_the_last_line_of_defence_refuses_going_live_early_whatever_calls_it(clock, draft, author, reviewer):
    submitted(draft, author=author, reviewer=reviewer, not_before=EMBARGO)
    revision = draft.pending_revision
    with pytest.raises(workflow.WorkflowError):
        golive.go_live(draft, revision, at=NOW, reviewed_at=NOW)
    # Forcing the stored schedule earlier by hand does not publish it either: it is held to the embargo.
    approve(draft, reviewer)
    Article.objects.filter(pk=draft.pk).update(go_live_at=NOW - timedelta(minutes=1))
    schedule.apply_due(NOW)
    held = Article.objects.get(pk=draft.pk)
    assert held.published_revision is None and held.go_live_at == EMBARGO


def test_the_importer_carries_the_embargo_and_approval_obeys_it(clock, author, reviewer):
    factories.SpecialtyFactory(slug="neurology", name="Neurology")
    text = (
        "---\ntitle: A study write-up\nslug: study\ntopic: neurology\nsummary: What the study found.\n"
        "not_before: 2026-12-10 00:01\nreferences:\n  - kind: research\n    title: The study\n---\n\nThe study [1].\n"
    )
    the_plan = service.plan([Source(name="study.md", data=text.encode())])
    assert not the_plan.errors, the_plan.lines()
    service.apply(the_plan, user=author)
    article = Article.objects.get(slug="study")
    assert article.not_before == EMBARGO
    submitted(article, author=author, reviewer=reviewer)
    with pytest.raises(ValidationError):
        approve(article, reviewer, go_live_at=NOW + timedelta(hours=1))
    approve(article, reviewer)
    article.refresh_from_db()
    assert article.go_live_at == EMBARGO


def test_an_unreadable_time_in_the_front_matter_is_refused_with_its_line(db):
    text = "---\ntitle: T\nslug: t\ntopic: x\nsummary: S.\nnot_before: 2026-03-29 01:30\n---\n\nBody.\n"
    the_plan = service.plan([Source(name="t.md", data=text.encode())])
    assert the_plan.errors
    assert "'not_before'" in the_plan.lines()[0] and "t.md:6" in the_plan.lines()[0]


def test_the_review_screen_refuses_an_early_time_and_shows_the_embargo(client, clock, draft, author, reviewer):
    submitted(draft, author=author, reviewer=reviewer, not_before=EMBARGO)
    client.force_login(reviewer)
    url = f"/admin/articles/reviewqueueitem/{draft.pk}/review/"
    page = client.get(url).content.decode()
    assert "Embargo: not before" in page and "Thu 10 Dec 2026, 00:01 GMT (UTC+00:00)" in page
    form = {
        "action": "approve",
        "approve-seen": workflow.state_token(draft),
        "approve-revision": factories.under_decision("approve", draft),
        "approve-go_live_at": "2026-12-09 23:00",
    }
    response = client.post(url, form)
    assert response.status_code == 200
    assert "before the embargo" in response.content.decode()
    assert Article.objects.get(pk=draft.pk).status == S.IN_REVIEW


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("2026-10-25 01:30", "happens twice"),
        ("2026-03-29 01:30", "does not exist"),
        ("2026-12-01 09:00", "is in the past"),
        ("tomorrow", "YYYY-MM-DD HH:MM"),
    ],
)
def test_the_approval_form_explains_a_time_it_cannot_take(client, draft, author, reviewer, typed, says):
    with time_machine.travel(NOW, tick=False):
        submitted(draft, author=author, reviewer=reviewer)
        client.force_login(reviewer)
        url = f"/admin/articles/reviewqueueitem/{draft.pk}/review/"
        response = client.post(
            url,
            {
                "action": "approve",
                "approve-seen": workflow.state_token(draft),
                "approve-revision": factories.under_decision("approve", draft),
                "approve-go_live_at": typed,
            },
        )
    assert says in response.content.decode()
    assert Article.objects.get(pk=draft.pk).status == S.IN_REVIEW


def test_the_review_screen_schedules_with_a_time_typed_in_the_autumn_repeated_hour_with_its_offset(
    client, draft, author, reviewer
):
    with time_machine.travel(datetime(2026, 10, 20, tzinfo=UTC), tick=False):
        submitted(draft, author=author, reviewer=reviewer)
        client.force_login(reviewer)
        client.post(
            f"/admin/articles/reviewqueueitem/{draft.pk}/review/",
            {
                "action": "approve",
                "approve-seen": workflow.state_token(draft),
                "approve-revision": factories.under_decision("approve", draft),
                "approve-go_live_at": "2026-10-25 01:30 +00:00",
            },
        )
    draft.refresh_from_db()
    assert draft.status == S.SCHEDULED and draft.go_live_at == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


# --- Reschedule and cancel, with history -----------------------------------------------


def test_the_board_reschedules_and_cancels_with_history_entries(clock, published, author, reviewer, second_reviewer):
    an_update(published, author=author, reviewer=reviewer)
    approve(published, reviewer, go_live_at=NOW + timedelta(days=1))
    revision = factories.under_decision("reschedule", published)
    scheduling.reschedule(
        published,
        user=second_reviewer,
        revision=revision,
        go_live_at=NOW + timedelta(days=2),
        reason="Press release moved",
    )
    published.refresh_from_db()
    assert published.go_live_at == NOW + timedelta(days=2)
    latest = published.history.first()
    assert latest.history_user == second_reviewer
    assert "moved from Sun 06 Dec 2026, 12:00 GMT (UTC+00:00) to Mon 07 Dec 2026" in latest.history_change_reason
    assert "Press release moved" in latest.history_change_reason
    scheduling.cancel_schedule(published, user=second_reviewer, revision=revision, reason="New safety data")
    published.refresh_from_db()
    assert published.status == S.CHANGES_REQUESTED and published.go_live_at is None
    assert published.published_revision.number == 1  # readers keep version 1
    assert "cancelled: New safety data" in published.history.first().history_change_reason
    clock.move_to(NOW + timedelta(days=3))
    assert schedule.apply_due() == []


def test_an_author_of_the_version_cannot_reschedule_it(clock, published, author, reviewer):
    an_update(published, author=author, reviewer=reviewer)
    approve(published, reviewer, go_live_at=NOW + timedelta(days=1))
    with pytest.raises(PermissionDenied):
        scheduling.reschedule(
            published, user=author, revision=factories.under_decision("reschedule", published), go_live_at=None
        )


def test_a_scheduled_version_is_read_only_to_editors(clock, published, author, reviewer):
    an_update(published, author=author, reviewer=reviewer)
    approve(published, reviewer, go_live_at=NOW + timedelta(days=1))
    published.body = "Sneaked in [1]."
    with pytest.raises(workflow.WorkflowError):
        editing.save_content(published, user=author)


def test_editors_timing_changes_are_named_in_the_history(clock, draft, author):
    draft.not_before = EMBARGO
    editing.save_content(draft, user=author, reason="Journal embargo")
    reason = Article.objects.get(pk=draft.pk).history.first().history_change_reason
    assert reason == "Journal embargo; Embargo: not before set to Thu 10 Dec 2026, 00:01 GMT (UTC+00:00)"


# --- The cron command: emails, purges and history once per version ----------------------


def test_publish_scheduled_publishes_emails_and_purges_once(clock, published, author, reviewer, commit, edge):
    standin = edge
    if True:
        an_update(published, author=author, reviewer=reviewer)
        commit(approve, published, reviewer, go_live_at=NOW + timedelta(hours=1))
        standin.calls.clear()
        mail.outbox.clear()
        clock.move_to(NOW + timedelta(hours=1, seconds=5))
        commit(call_command, "publish_scheduled", stdout=open("/dev/null", "w"))
        commit(call_command, "publish_scheduled", stdout=open("/dev/null", "w"))
        live = [m for m in mail.outbox if m.subject.startswith("[Now live]")]
        assert len(live) == len({author.email, reviewer.email} - {""})
        keys = {key for call in standin.calls for key in call["headers"]["xkey-purge"].split()}
        assert {"article:coffee", "catalog"} <= keys
        published.refresh_from_db()
        assert published.published_revision.number == 2
        went_live = [r for r in history_reasons(published) if r and "went live as scheduled" in r]
        assert len(went_live) == 1


def test_publish_scheduled_can_hand_the_work_to_the_task_queue(clock, draft, author, reviewer, commit):
    submitted(draft, author=author, reviewer=reviewer)
    approve(draft, reviewer, go_live_at=NOW + timedelta(minutes=5))
    clock.move_to(NOW + timedelta(minutes=6))
    commit(call_command, "publish_scheduled", "--enqueue", stdout=open("/dev/null", "w"))
    assert Article.objects.get(pk=draft.pk).status == S.APPROVED


# --- Caches never outlive the go-live ----------------------------------------------------


@pytest.fixture
def edge(settings):
    standin = StandIn()
    settings.EDITORIAL_PURGE_VARNISH_URLS = [standin.url]  # with a purged edge, s-maxage is sent
    yield standin
    standin.close()


def test_page_cache_and_cache_control_never_outlive_the_go_live(
    client, clock, published, author, reviewer, settings, commit, edge
):
    settings.EDITORIAL_PAGE_CACHE = True
    an_update(published, author=author, reviewer=reviewer, body="The scheduled text [1].")
    at = NOW + timedelta(seconds=40)
    commit(approve, published, reviewer, go_live_at=at)
    for path in ("/articles/coffee/", "/", "/sitemap-articles.xml", "/feeds/articles/"):
        response = client.get(path)
        control = dict(
            part.split("=") if "=" in part else (part, "")
            for part in response["Cache-Control"].replace(" ", "").split(",")
        )
        assert int(control["max-age"]) <= 40, path
        assert int(control["s-maxage"]) <= 40, path
        assert int(control["max-age"]) + int(control.get("stale-while-revalidate", 0)) <= 40, path
        entry = caching.local_pages.get(caching.page_key(response.wsgi_request).key)
        assert entry is not None and entry.expires <= at.timestamp(), path
    clock.move_to(at)
    assert "The scheduled text" in client.get("/articles/coffee/").content.decode()


def test_a_page_in_its_last_second_before_a_go_live_is_not_stored(
    client, clock, published, author, reviewer, settings, commit
):
    settings.EDITORIAL_PAGE_CACHE = True
    an_update(published, author=author, reviewer=reviewer)
    commit(approve, published, reviewer, go_live_at=NOW + timedelta(milliseconds=900))
    response = client.get("/articles/coffee/")
    assert response["X-Page-Cache"] == "miss"
    assert "max-age=0" in response["Cache-Control"]
    assert client.get("/articles/coffee/")["X-Page-Cache"] == "miss"


@pytest.mark.django_db(transaction=True)
def test_a_version_scheduled_two_seconds_ahead_appears_everywhere_within_a_second_after_never_before(client, settings):
    """Real time: poll the public surfaces as a reader would, with the page cache on."""
    settings.EDITORIAL_PAGE_CACHE = True
    author, reviewer = factories.editor(username="rt-author"), factories.reviewer(username="rt-reviewer")
    live = factories.publish(
        factories.make_article(author=author, slug="live-one", title="Live one"), author=author, reviewers=[reviewer]
    )
    draft = factories.make_article(author=author, slug="timed", title="Timed arrival", body="Timed words [1].")
    submitted(draft, author=author, reviewer=reviewer)
    topic = draft.specialty.get_absolute_url()
    surfaces = {
        "/articles/timed/": lambda r: r.status_code == 200,
        "/articles/timed/v/1/": lambda r: r.status_code == 200,
        "/": lambda r: b"Timed arrival" in r.content,
        topic: lambda r: b"Timed arrival" in r.content,
        "/?q=arrival": lambda r: b"<mark>arrival</mark>" in r.content.lower(),
        "/sitemap-articles.xml": lambda r: b"/articles/timed/" in r.content,
        "/feeds/articles/": lambda r: b"Timed arrival" in r.content,
    }
    for path in surfaces:
        client.get(path)  # stored in the page cache before the go-live, where it can be
    at = timezone.now() + timedelta(seconds=2)
    approve(draft, reviewer, go_live_at=at)
    seen, hidden = {}, set()
    deadline = at.timestamp() + 5  # a loaded machine may take longer than a second over a round of pages
    while time.time() < deadline and len(seen) < len(surfaces):
        for path, shows in surfaces.items():
            if path in seen:
                continue
            asked = time.time()
            shown = shows(client.get(path))
            answered = time.time()
            if shown:
                # A response that was complete before the go-live second never shows the version.
                assert answered >= at.timestamp(), f"{path} showed the version before its go-live"
                seen[path] = asked
            else:
                # ...and every request made from that second on shows it: no cache, no lag.
                assert asked < at.timestamp(), f"{path} asked {asked - at.timestamp():.3f} s after the go-live"
                if answered < at.timestamp():
                    hidden.add(path)
        time.sleep(0.02)
    assert hidden == set(surfaces)  # each surface was asked before the go-live, and did not show it
    assert set(seen) == set(surfaces)
    # Polled every few hundredths of a second: the first page asked after the go-live second showed it.
    assert min(seen.values()) <= at.timestamp() + 1
    assert client.get(live.get_absolute_url()).status_code == 200


# --- End dates -------------------------------------------------------------------------


ENDS = NOW + timedelta(days=20)


@pytest.fixture
def seasonal(clock, author, reviewer):
    article = factories.make_article(author=author, slug="flu", title="Flu vaccine this winter")
    article.ends_at, article.end_reason = ENDS, "This winter's programme has ended."
    editing.save_content(article, user=author)
    return factories.publish(article, author=author, reviewers=[reviewer])


def test_an_article_leaves_the_site_at_its_end_date_with_a_410_and_the_reason(client, clock, seasonal):
    assert seasonal.expires_at == ENDS
    clock.move_to(ENDS - timedelta(seconds=1))
    assert client.get("/articles/flu/").status_code == 200
    clock.move_to(ENDS)
    response = client.get("/articles/flu/")
    assert response.status_code == 410
    assert "This winter&#x27;s programme has ended." in response.content.decode()
    assert b"Flu vaccine this winter" not in client.get("/").content
    assert client.get("/articles/flu/v/1/").status_code == 200  # citations keep working, marked withdrawn
    withdrawal = Withdrawal.objects.get(article=seasonal)
    assert withdrawal.withdrawn_by is None and withdrawal.withdrawn_at <= ENDS + timedelta(seconds=1)
    assert any("Ended at its end date" in r for r in history_reasons(seasonal) if r)


def test_an_article_past_its_end_date_is_never_public_even_before_anything_applied_it(clock, seasonal):
    clock.move_to(ENDS)
    assert not Article.objects.public().filter(pk=seasonal.pk).exists()
    assert not Article.objects.get(pk=seasonal.pk).is_public()


def test_an_article_coming_to_its_end_joins_the_queue_in_good_time(clock, seasonal, settings):
    settings.EDITORIAL_REVIEW_DUE_SOON_DAYS = 30
    item = Article.objects.review_queue().get(pk=seasonal.pk)
    assert item.queue_kind == "rereview" and item.waiting_since == ENDS


def test_a_re_review_moves_or_clears_the_end_date_with_history(client, clock, seasonal, second_reviewer):
    live = factories.under_decision("confirm_current", seasonal)
    workflow.confirm_current(seasonal, user=second_reviewer, revision=live, expires_at=ENDS + timedelta(days=60))
    seasonal.refresh_from_db()
    assert seasonal.expires_at == ENDS + timedelta(days=60)
    assert "end date moved to" in seasonal.history.first().history_change_reason
    clock.move_to(ENDS + timedelta(days=1))
    assert client.get("/articles/flu/").status_code == 200
    workflow.confirm_current(seasonal, user=second_reviewer, revision=live, expires_at=None)
    seasonal.refresh_from_db()
    assert seasonal.expires_at is None and "end date cleared" in seasonal.history.first().history_change_reason


def test_the_article_page_is_stored_no_longer_than_its_end_date(client, clock, seasonal, settings):
    settings.EDITORIAL_PAGE_CACHE = True
    clock.move_to(ENDS - timedelta(seconds=30))
    response = client.get("/articles/flu/")
    assert "max-age=30" in response["Cache-Control"]
    clock.move_to(ENDS)
    assert client.get("/articles/flu/").status_code == 410


# --- Other routes obey the same rules ----------------------------------------------------


def test_bulk_submit_freezes_the_embargo_and_approval_then_obeys_it(client, clock, author, reviewer):
    from .test_admin_changelist import bulk

    articles = [factories.make_article(author=author, slug=f"bulk-{n}") for n in range(2)]
    for article in articles:
        article.not_before = EMBARGO
        editing.save_content(article, user=author)
    client.force_login(author)
    bulk(client, "submit_selected", articles, apply="1")
    for article in articles:
        article.refresh_from_db()
        assert article.status == S.SUBMITTED and article.pending_revision.not_before == EMBARGO
        workflow.start_review(article, user=reviewer, revision=factories.under_decision("start_review", article))
        workflow.run("approve", article, user=reviewer, revision=factories.under_decision("approve", article))
        article.refresh_from_db()
        assert article.status == S.SCHEDULED and article.go_live_at == EMBARGO and not article.is_public()


def test_publish_scheduled_withdraws_an_article_at_its_end_date_once(clock, seasonal, commit):
    clock.move_to(ENDS + timedelta(minutes=1))
    commit(call_command, "publish_scheduled", stdout=open("/dev/null", "w"))
    commit(call_command, "publish_scheduled", stdout=open("/dev/null", "w"))
    seasonal.refresh_from_db()
    assert seasonal.status == S.ARCHIVED
    assert Withdrawal.objects.filter(article=seasonal).count() == 1
    assert Withdrawal.objects.get(article=seasonal).reason == "This winter's programme has ended."
    assert len([r for r in history_reasons(seasonal) if r and "Ended at its end date" in r]) == 1


def test_the_article_page_of_a_scheduled_update_leads_the_board_to_the_review_screen(
    client, clock, published, author, reviewer, second_reviewer
):
    an_update(published, author=author, reviewer=reviewer)
    approve(published, reviewer, go_live_at=NOW + timedelta(days=1))
    client.force_login(second_reviewer)
    page = client.get(f"/admin/articles/article/{published.pk}/change/").content.decode()
    assert "Reschedule…" in page and "Cancel go-live…" in page
    response = client.get(f"/admin/articles/article/{published.pk}/workflow/reschedule/")
    assert response.status_code == 302 and response["Location"].endswith("/review/#decision")
