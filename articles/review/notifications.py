"""Emails the workflow sends: submissions to the board, decisions to authors, reminders, comments.

Notifications of workflow steps and comments go through the task queue after the step commits
(``mail.queue``); the daily reminders are sent at once by their command, which reports how many
went.
"""

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse

from articles.content.times import describe
from articles.models import person_name
from articles.operations.mail import absolute, queue, send


def board_members():
    """Return active users holding the review permission, directly or through a group."""
    User = get_user_model()
    perm = Q(groups__permissions__codename="review_article") | Q(user_permissions__codename="review_article")
    return User.objects.filter(is_active=True).exclude(email="").filter(perm | Q(is_superuser=True)).distinct()


def review_url(article) -> str:
    return absolute(reverse("admin:articles_reviewqueueitem_review", args=[article.pk]))


def change_url(article) -> str:
    return absolute(reverse("admin:articles_article_change", args=[article.pk]))


def deciders(stage):
    """Board members who may decide at review stage ``stage`` (a ``RevisionStage``), with an email address."""
    people = board_members()
    if stage is not None and stage.group_id:
        people = people.filter(groups=stage.group_id)
    if stage is not None and stage.specialty_id:
        people = people.filter(board_profile__specialty=stage.specialty_id, board_profile__is_active=True)
    return people


def _first_stage(revision):
    return revision.stages.filter(superseded_at__isnull=True).order_by("position").first()


def submitted(article, revision) -> None:
    """Tell who decides at the version's first stage that it waits for review (authors are left out:
    they cannot review it)."""
    authors = set(revision.authors.values_list("pk", flat=True))
    recipients = [u.email for u in deciders(_first_stage(revision)) if u.pk not in authors]
    kind = revision.get_kind_display().lower()
    subject = f"[Review] {article.title} (version {revision.number}, {kind})"
    body = (
        f"{person_name(revision.submitted_by)} submitted "
        f"“{article.title}” for review ({kind}).\n\nReview it here: {review_url(article)}\n"
    )
    queue(subject, body, recipients)


def source_alert(article, alert) -> None:
    """Tell the reviewers who approved the live version (the board, if none is left) that a source
    it cites was retracted or given an expression of concern, and that it waits for re-review."""
    live = article.published_revision
    approvers = live.decisions.filter(decision="approve").values("reviewer") if live else []
    reviewers = board_members().filter(pk__in=approvers)
    recipients = [u.email for u in reviewers] or [u.email for u in board_members()]
    subject = f"[Re-review] {article.title}: a cited source no longer stands"
    body = (
        f"{alert.reason}.\n\n“{article.title}” is in the board's queue for an early re-review. "
        f"The public page has not been changed.\n\nReview it here: {review_url(article)}\n"
    )
    queue(subject, body, recipients)


def decided(article, decision) -> None:
    """Tell the authors of a revision what the board decided, with the reviewer's comment."""
    revision = decision.revision
    recipients = sorted({u.email for u in revision.authors.all() if u.email})
    reviewer = getattr(decision.reviewer, "board_profile", None) or decision.reviewer.get_username()
    subject = f"[{decision.get_decision_display()}] {article.title}"
    lines = [f"{reviewer} {decision.get_decision_display().lower()} version {revision.number} of “{article.title}”."]
    if decision.reason:
        lines.append(f"Reason: {decision.get_reason_display()}")
    if decision.comment:
        lines.append(f"Comment:\n{decision.comment}")
    if article.published_revision_id == revision.pk:
        lines.append(f"It is now live: {absolute(article.get_absolute_url())}")
    lines.append(f"Open the article: {change_url(article)}")
    queue(subject, "\n\n".join(lines) + "\n", recipients)


def stage_completed(article, revision, completed, following) -> None:
    """Tell the next stage's deciders that a version passed ``completed`` and now waits for them."""
    authors = set(revision.authors.values_list("pk", flat=True))
    approved = (
        set(revision.approvals().values_list("reviewer", flat=True)) if not following.allow_earlier_approvers else set()
    )
    recipients = [u.email for u in deciders(following) if u.pk not in authors | approved]
    subject = f"[Review: {following.name}] {article.title} (version {revision.number})"
    body = (
        f"Version {revision.number} of “{article.title}” has passed {completed.name} and now waits for "
        f"{following.name} ({following.required_approvals} approval(s) needed).\n\n"
        f"Review it here: {review_url(article)}\n"
    )
    queue(subject, body, recipients)


def went_live(article, revision) -> None:
    """Tell the authors and approvers of a scheduled version that readers see it now."""
    people = set(revision.authors.all()) | {d.reviewer for d in revision.approvals().select_related("reviewer")}
    recipients = sorted({u.email for u in people if u.email})
    subject = f"[Now live] {article.title} (version {revision.number})"
    body = (
        f"Version {revision.number} of “{article.title}” went live as scheduled, {describe(revision.approved_at)}.\n\n"
        f"Read it: {absolute(article.get_absolute_url())}\nOpen the article: {change_url(article)}\n"
    )
    queue(subject, body, recipients)


def assigned(article, assignments) -> None:
    """Tell each newly assigned board member that they were asked by name to review ``article``."""
    for assignment in assignments:
        by = assignment.assigned_by
        subject = f"[Assigned to you] {article.title}"
        body = (
            f"{person_name(by)} asked you to review “{article.title}” "
            f"({article.specialty}).\n\nReview it here: {review_url(article)}\n\n"
            "If you cannot take it, release the assignment on that page so it can go to someone else.\n"
        )
        queue(subject, body, [assignment.reviewer.email])


KIND_LABELS = {"first": "first version", "update": "update", "rereview": "periodic re-review"}


def reminder_lines(items, *, now) -> list[str]:
    """Describe each queue item in one line: what, how late, who has it, where to review it."""
    lines = []
    for article in items:
        if article.queue_kind == "rereview":
            due = article.next_review_due
            if due < now:
                when = f"re-review overdue by {(now - due).days} day(s)"
            else:
                when = f"re-review due in {(due - now).days} day(s)"
        else:
            when = f"{KIND_LABELS[article.queue_kind]} waiting {(now - article.waiting_since).days} day(s)"
        flag = "OVERDUE " if article.is_overdue else ""
        claimed = f", claimed by {article.claimed_by}" if article.claimed_by_id else ", unclaimed"
        lines.append(f"- {flag}{article.title}: {when}{claimed}\n  {review_url(article)}")
    return lines


def reminders(items, *, now) -> tuple[int, int]:
    """Send one reminder email listing ``items`` to every board member; return (sent, intended)."""
    recipients = [u.email for u in board_members()]
    overdue = sum(1 for a in items if a.is_overdue)
    subject = f"[Review reminder] {len(items)} waiting for the board" + (f", {overdue} overdue" if overdue else "")
    body = "These articles are waiting for the Medical Advisory Board:\n\n" + "\n".join(reminder_lines(items, now=now))
    body += f"\n\nThe review queue: {absolute(reverse('admin:articles_reviewqueueitem_changelist'))}\n"
    return send(subject, body, recipients), len(set(recipients))


def comment_added(comment) -> None:
    """Tell the article's editors and the reviewers on it that a board member commented on a passage."""
    revision = comment.revision
    where = f"{comment.get_part_display()}, passage {comment.passage_index + 1} of version {revision.number}"
    quoted = comment.quote or comment.passage_text
    body = (
        f"{person_name(comment.author)} commented on “{comment.article.title}” ({where}):\n\n"
        f"“{quoted}”\n\n{comment.text}\n"
    )
    _tell_about_comment(comment, subject=f"[Comment] {comment.article.title}", body=body, actor=comment.author)


def reply_added(reply) -> None:
    """Tell the people in a comment's thread, the article's editors and its reviewers about a reply."""
    comment = reply.comment
    body = (
        f"{person_name(reply.author)} replied to {person_name(comment.author)}'s comment on "
        f"“{comment.article.title}” ({comment.get_part_display()}, passage {comment.passage_index + 1}):\n\n"
        f"“{comment.text}”\n\nReply:\n{reply.text}\n"
    )
    _tell_about_comment(comment, subject=f"[Reply] {comment.article.title}", body=body, actor=reply.author)


def _tell_about_comment(comment, *, subject: str, body: str, actor) -> None:
    # Editors answer in the article's form; board members on the review screen: each gets the link
    # to the place they work in. The one who wrote never gets their own words back.
    editors, reviewers = people_on_comment(comment)
    editors.discard(actor)
    reviewers -= editors | {actor}
    anchor = f"#comment-{comment.pk}"
    for people, url in [(editors, change_url(comment.article)), (reviewers, review_url(comment.article))]:
        queue(subject, f"{body}\nReply or resolve it here: {url}{anchor}\n", [u.email for u in people])


def people_on_comment(comment) -> tuple[set, set]:
    """(editors, reviewers) who follow ``comment``: the authors of its version and the editors who
    replied; the reviewers assigned, claiming, deciding or commenting on the article. Active, with email."""
    article, revision = comment.article, comment.revision
    editors = set(revision.authors.all())
    reviewers = {a.reviewer for a in article.assignments.open().select_related("reviewer")}
    reviewers |= {d.reviewer for d in revision.decisions.select_related("reviewer")}
    reviewers |= {c.author for c in article.passage_comments.select_related("author")}
    if article.claimed_by_id:
        reviewers.add(article.claimed_by)
    for reply in comment.replies.select_related("author"):
        (reviewers if reply.author.has_perm("articles.review_article") else editors).add(reply.author)
    reachable = {u for u in editors | reviewers if u.is_active and u.email}
    return editors & reachable, reviewers & reachable
