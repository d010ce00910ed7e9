"""What each answer of the API holds: pydantic models (django-ninja ``Schema``) that also write the OpenAPI document.

Only public fields: nothing here can carry a draft, an internal comment, an email address or a
user id. The serialisers in ``content`` fill these from approved versions only.
"""

from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field


class Problem(Schema):
    """An error, as RFC 9457 ``application/problem+json``."""

    type: str = Field(description="A URI naming the kind of problem.")
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[dict] | None = Field(None, description="For bad input: each field and what is wrong with it.")


class TopicRef(Schema):
    slug: str
    name: str


class Reference(Schema):
    number: int = Field(description="The number the text cites, as readers see it (in order of first citation).")
    kind: Literal["guideline", "research", "other"]
    title: str
    source: str
    year: int | None
    url: str | None
    doi: str | None
    pmid: str | None = Field(description="PubMed ID.")
    doi_url: str | None
    pubmed_url: str | None


class AudienceText(Schema):
    audience: Literal["patient", "professional"]
    summary: str = Field(description="The summary as one line of plain text.")
    summary_html: str
    body_html: str = Field(description="The body as rendered for the article page (sanitised HTML).")
    references_html: str = Field(description="The references section as the article page shows it.")
    summary_markdown: str
    body_markdown: str
    references: list[Reference]


class Reviewer(Schema):
    name: str
    credentials: str
    role: Literal["approved", "confirmed"] = Field(
        description="Approved this version, or later confirmed it still accurate."
    )
    date: datetime
    conflicts: str = Field(description="A conflict declared with this article at the decision; blank: none.")
    profile_url: str | None


class Author(Schema):
    name: str
    slug: str
    role: str
    credentials: str
    url: str
    api_url: str | None = None


class ChangeNote(Schema):
    version: int
    date: datetime
    kind: Literal["correction", "clinical", "editorial", ""]
    note: str


class VersionLink(Schema):
    number: int
    title: str
    approved_at: datetime
    url: str
    api_url: str


class Withdrawal(Schema):
    withdrawn_at: datetime
    reason: str
    replacement_url: str | None


class ArticleSummary(Schema):
    slug: str
    title: str
    summary: str
    topic: TopicRef
    audiences: list[Literal["patient", "professional"]]
    version: int
    last_updated: datetime
    last_reviewed: datetime | None
    modified_at: datetime = Field(description="The last approval or confirmation: what modified_since compares.")
    url: str
    api_url: str


class ArticlePage(Schema):
    next: str | None = Field(description="The URL of the next page, or null on the last one.")
    page_size: int
    results: list[ArticleSummary]


class Article(Schema):
    slug: str
    title: str
    topic: TopicRef
    version: int
    url: str = Field(description="The canonical URL of the article (of this version, for a permalink).")
    canonical_url: str
    api_url: str
    patient: AudienceText
    professional: AudienceText | None = Field(description="Null when the article has no professional version.")
    reviewers: list[Reviewer] = Field(
        description="Who the trust line credits: approvers, then the latest confirmation."
    )
    written_by: list[Author]
    written_by_editorial_team: bool
    last_reviewed: datetime | None
    last_updated: datetime
    next_review_due: datetime | None = Field(description="Null for a version permalink.")
    change_notes: list[ChangeNote] = Field(description="Every approved update up to this version, newest first.")
    versions: list[VersionLink]
    is_live_version: bool
    withdrawal: Withdrawal | None = Field(description="Set on a permalink of a withdrawn article.")
    licence: str
    attribution: str = Field(description="The text partners must show with the content.")


class Topic(Schema):
    slug: str
    name: str
    articles: int
    url: str


class BoardMember(Schema):
    name: str
    slug: str
    credentials: str
    specialty: str | None
    bio: str
    conflicts_of_interest: str = Field(description="The member's public declaration; blank if none was made.")
    url: str


class LogEntry(Schema):
    type: Literal["correction", "withdrawal"]
    date: datetime
    slug: str
    title: str
    version: int
    note: str = Field(description="The public change note of a correction, or the reason for a withdrawal.")
    url: str
    api_url: str | None
    replacement_url: str | None = None


class Log(Schema):
    results: list[LogEntry]
