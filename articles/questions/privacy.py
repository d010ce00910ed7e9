"""Readers' personal data in their questions: kept only as long as needed, found, exported and erased on request.

A reader's address lives in the question (``email``), in the editors' replies (``sent_to``) and
in the history rows of both. ``anonymise_expired`` removes it from questions older than
``EDITORIAL_QUESTION_RETENTION_DAYS`` (run daily from cron by ``manage.py anonymise_questions``);
``held_about``/``export``/``erase`` answer a data-subject request for one address. Both rewrite
the history rows in place (``update()``, no new history row): a history row that still held the
address would defeat the point.

An erasure is recorded in the audit log by counts only, and its address as a keyed hash in
``ErasedAddress``, so ``reapply_erasures`` can erase it again from a restored backup.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from articles.models import ErasedAddress, FollowUpQuestion, QuestionReply
from articles.operations import audit

ERASED_TEXT = "[Erased at the reader's request]"
HASH_SALT = "articles.questions.privacy.erasure"


def normalise(email: str) -> str:
    return (email or "").strip().lower()


def address_hash(email: str) -> str:
    """A keyed hash of an address (HMAC with ``SECRET_KEY``): it names an erased address without holding it."""
    return salted_hmac(HASH_SALT, normalise(email), algorithm="sha256").hexdigest()


def retention_days() -> int:
    return settings.EDITORIAL_QUESTION_RETENTION_DAYS


def retention_cutoff(now=None):
    return (now or timezone.now()) - timedelta(days=retention_days())


@dataclass
class Counts:
    questions: int = 0
    replies: int = 0
    question_history: int = 0
    reply_history: int = 0

    @property
    def total(self) -> int:
        return self.questions + self.replies + self.question_history + self.reply_history

    def as_dict(self) -> dict:
        return {
            "questions": self.questions,
            "replies": self.replies,
            "question_history_rows": self.question_history,
            "reply_history_rows": self.reply_history,
        }


def anonymise_expired(*, now=None) -> Counts:
    """Remove readers' addresses from questions received before the retention period, and from their history."""
    cutoff = retention_cutoff(now)
    old = FollowUpQuestion.objects.filter(created_at__lt=cutoff).values("pk")
    with transaction.atomic():
        counts = Counts(
            questions=FollowUpQuestion.objects.filter(pk__in=old).exclude(email="").update(email=""),
            replies=QuestionReply.objects.filter(question__in=old).exclude(sent_to="").update(sent_to=""),
            question_history=FollowUpQuestion.history.filter(id__in=old).exclude(email="").update(email=""),
            reply_history=QuestionReply.history.filter(question_id__in=old).exclude(sent_to="").update(sent_to=""),
        )
        if counts.total:
            audit.record(
                "privacy.anonymise",
                retention_days=settings.EDITORIAL_QUESTION_RETENTION_DAYS,
                received_before=cutoff.isoformat(),
                **counts.as_dict(),
            )
    return counts


@dataclass
class Held:
    """Everything kept about one address."""

    questions: list = field(default_factory=list)
    replies: list = field(default_factory=list)
    question_history: list = field(default_factory=list)
    reply_history: list = field(default_factory=list)

    def counts(self) -> Counts:
        return Counts(len(self.questions), len(self.replies), len(self.question_history), len(self.reply_history))


def _querysets(email: str):
    address = normalise(email)
    return (
        FollowUpQuestion.objects.filter(email__iexact=address),
        QuestionReply.objects.filter(sent_to__iexact=address),
        FollowUpQuestion.history.filter(email__iexact=address),
        QuestionReply.history.filter(sent_to__iexact=address),
    )


def held_about(email: str) -> Held:
    """Find every question, reply and history row holding ``email`` (case-insensitive)."""
    if not normalise(email):
        return Held()
    questions, replies, question_history, reply_history = _querysets(email)
    return Held(
        questions=list(questions.select_related("article").order_by("created_at", "pk")),
        replies=list(replies.select_related("question__article").order_by("sent_at", "pk")),
        question_history=list(question_history.order_by("history_date", "history_id")),
        reply_history=list(reply_history.order_by("history_date", "history_id")),
    )


def _time(value):
    return value.isoformat() if value else None


def export(email: str, *, user=None) -> dict:
    """Everything held about ``email``, as JSON-ready data (a reader's copy of their data)."""
    held = held_about(email)
    data = {
        "email": normalise(email),
        "exported_at": timezone.now().isoformat(),
        "site": settings.EDITORIAL_SITE_NAME,
        "questions": [
            {
                "id": q.pk,
                "article": q.article.title,
                "question": q.question,
                "email": q.email,
                "audience": q.audience,
                "status": q.status,
                "received_at": _time(q.created_at),
            }
            for q in held.questions
        ],
        "replies": [
            {
                "question_id": r.question_id,
                "article": r.question.article.title,
                "body": r.body,
                "sent_to": r.sent_to,
                "sent_at": _time(r.sent_at),
                "delivered": r.delivered,
            }
            for r in held.replies
        ],
        "question_history": [
            {
                "question_id": h.id,
                "changed_at": _time(h.history_date),
                "change": h.get_history_type_display(),
                "question": h.question,
                "email": h.email,
                "status": h.status,
            }
            for h in held.question_history
        ],
        "reply_history": [
            {
                "question_id": h.question_id,
                "changed_at": _time(h.history_date),
                "change": h.get_history_type_display(),
                "body": h.body,
                "sent_to": h.sent_to,
            }
            for h in held.reply_history
        ],
    }
    audit.record("privacy.export", actor=user, **held.counts().as_dict())
    return data


def _erase_matching(email: str) -> Counts:
    questions, replies, question_history, reply_history = _querysets(email)
    return Counts(
        questions=questions.update(email="", question=ERASED_TEXT),
        replies=replies.update(sent_to="", body=ERASED_TEXT),
        question_history=question_history.update(email="", question=ERASED_TEXT),
        reply_history=reply_history.update(sent_to="", body=ERASED_TEXT),
    )


def erase(email: str, *, user=None) -> Counts:
    """Erase ``email`` and what its reader wrote from questions, replies and their history rows.

    The question's article, dates and status stay (the inbox's record that a question came);
    its text and the replies' text go, since they are the reader's and written to the reader.
    Returns what was erased; all zeros means nothing was held about the address.
    """
    if not normalise(email):
        return Counts()
    with transaction.atomic():
        counts = _erase_matching(email)
        if counts.total:
            ErasedAddress.objects.get_or_create(
                address_hash=address_hash(email), defaults={"erased_at": timezone.now()}
            )
        # The address itself never reaches the audit log: what was erased, and how much.
        audit.record("privacy.erase", actor=user, nothing_held=counts.total == 0, **counts.as_dict())
    return counts


def erased_hashes() -> list[tuple[str, object]]:
    """The erasure log, to carry across a restore: ``(address hash, erased at)`` pairs."""
    return list(ErasedAddress.objects.values_list("address_hash", "erased_at"))


def reapply_erasures(log: list[tuple[str, object]]) -> Counts:
    """Erase again, from data restored from a backup, every address in ``log`` (``erased_hashes()``)."""
    wanted = dict(log)
    total = Counts()
    if not wanted:
        return total
    addresses = set()
    for model, field_name in [
        (FollowUpQuestion.objects, "email"),
        (QuestionReply.objects, "sent_to"),
        (FollowUpQuestion.history, "email"),
        (QuestionReply.history, "sent_to"),
    ]:
        addresses.update(model.exclude(**{field_name: ""}).values_list(field_name, flat=True).distinct())
    with transaction.atomic():
        for address in {normalise(a) for a in addresses}:
            if address_hash(address) in wanted:
                counts = _erase_matching(address)
                for name in ("questions", "replies", "question_history", "reply_history"):
                    setattr(total, name, getattr(total, name) + getattr(counts, name))
        for digest, erased_at in wanted.items():
            ErasedAddress.objects.get_or_create(address_hash=digest, defaults={"erased_at": erased_at})
    return total
