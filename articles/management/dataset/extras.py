"""Rows around the articles: their references and readers' questions, each with its history row.

Functions of the ``Generator`` (``self``) so they share its random source, clock and batches.
"""

from articles.models import FollowUpQuestion, Reference

from . import text
from .plans import DAY, LIVE_STATES


def references(self, plans: list) -> list:
    """Insert each article's references and their first history rows."""
    references, history = [], []
    History = Reference.history.model
    for plan in plans:
        for data in plan.content["references"]:
            reference = Reference(article_id=plan.article.pk, **data)
            references.append(reference)
            history.append(
                History(
                    **data,
                    article_id=plan.article.pk,
                    history_date=plan.article.created_at,
                    history_type="+",
                    history_change_reason="First draft",
                    history_user_id=plan.article.created_by_id,
                )
            )
    self._insert(Reference, references)
    # Historical rows carry the id of the row they record (bulk inserts set it where they can).
    if references and references[0].pk is None:
        first = plans[0].article.pk
        ids = dict(
            ((article_id, number), pk)
            for article_id, number, pk in Reference.objects.filter(article_id__gte=first).values_list(
                "article_id", "number", "pk"
            )
        )
        for reference in references:
            reference.pk = ids[(reference.article_id, reference.number)]
    for reference, row in zip(references, history, strict=True):
        row.id = reference.pk
    self._insert(History, history)
    return references


def questions(self, plans: list) -> list:
    """Insert readers' questions about live articles, with their history rows."""
    rng = self.rng
    askable = [p for p in plans if p.state in LIVE_STATES] or plans
    if not askable:
        return []
    statuses = list(FollowUpQuestion.Status.values)
    questions = []
    if not self.counts["questions"]:
        return questions
    for n in range(self.counts["questions"]):
        plan = rng.choice(askable)
        questions.append(
            FollowUpQuestion(
                article_id=plan.article.pk,
                question=text.question(rng, plan.content["condition"]),
                email=f"reader{n}@example.org" if rng.random() < 0.5 else "",
                audience=rng.choice(["patient", "patient", "professional", ""]),
                status=rng.choices(statuses, weights=[30, 10, 45, 15])[0],
                created_at=self.now - DAY * rng.uniform(0, 720),
            )
        )
    self._insert(FollowUpQuestion, questions)
    if questions[0].pk is None:  # databases that do not return ids from bulk inserts
        last = FollowUpQuestion.objects.order_by("-pk").values_list("pk", flat=True).first()
        for n, question in enumerate(questions):
            question.pk = last - len(questions) + 1 + n
    History = FollowUpQuestion.history.model
    self._insert(
        History,
        [
            History(
                id=q.pk,
                question=q.question,
                email=q.email,
                audience=q.audience,
                status=FollowUpQuestion.Status.NEW,
                editor_notes="",
                created_at=q.created_at,
                article_id=q.article_id,
                history_date=q.created_at,
                history_type="+",
                history_change_reason="",
            )
            for q in questions
        ],
    )
    return questions
