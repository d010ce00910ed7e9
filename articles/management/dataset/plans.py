"""Each synthetic article's story: its final state (with each state's share) and its versions."""

from dataclasses import dataclass, field
from datetime import timedelta

from articles.models import Article

# Final state of each article, with its share (percent) of the dataset.
STATES = {
    "approved": 78,
    "update_submitted": 2,
    "update_in_review": 2,
    "draft": 5,
    "submitted": 3,
    "in_review": 3,
    "changes_requested": 3,
    "archived": 4,
}
S = Article.Status
LIVE_STATES = {"approved", "update_submitted", "update_in_review"}
DAY = timedelta(days=1)


@dataclass
class Plan:
    """One article's story: how many versions, which were approved, what is pending now."""

    state: str
    topic: str
    content: dict
    approved_versions: int
    rejected_before: list  # per approved version: whether a sent-back version preceded it
    pending: bool
    confirmations: int = 0
    extra_edits: int = 0
    article: Article | None = None
    revisions: list = field(default_factory=list)
