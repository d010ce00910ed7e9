"""The app's models, one module per concern; import them from here (``from articles.models import Article``).

``content`` (articles, versions, references, pages) is the base the others build on; ``people``,
``review``, ``provenance`` and ``questions`` refer to it; ``invalidations`` holds page cache
events that could not reach the cache; ``autosave`` holds editors' unsaved text; ``rendered``
keeps approved versions' rendered HTML; ``images`` is the image library and its content-addressed
files; ``figures`` freezes what each submitted version shows of them; ``apikeys`` holds partners'
keys to the read API and their daily usage; ``accounts`` indexes staff sessions by user; ``audit``
is the site-wide, hash-chained audit log; ``workflows`` holds the review stages (configured, and
frozen into each version); ``webhooks`` holds partners' endpoints and every delivery to them.
Models use ``articles.content`` (text rules) and nothing else of the app: no workflow, no site,
no admin.
"""

from .accounts import SignedInSession
from .apikeys import ApiKey, ApiKeyUsage
from .audit import AppendOnlyError, AuditEntry, ErasedAddress
from .autosave import AutosaveDraft
from .checklist import Checklist
from .content import (
    Article,
    ArticleQuerySet,
    Page,
    Revision,
    Specialty,
    hash_content,
    with_flags,
)
from .figures import RevisionImage
from .images import Image, ImageFile, ImageRendition, Licence
from .invalidations import PendingInvalidation
from .people import AuthorProfile, BoardMember, person_name
from .provenance import Withdrawal
from .questions import FollowUpQuestion, QuestionReply
from .redirects import Redirect
from .references import Reference, max_reference_number
from .rendered import RenderedVersion
from .review import PassageComment, PassageCommentReply, ReviewAssignment, ReviewDecision, ReviewQueueItem
from .sources import SourceAlert, SourceCheck, SourceCitation
from .webhooks import Delivery, DeliveryAttempt, Webhook
from .workflows import DEFAULT_STAGE_NAME, ArticleFlag, RevisionStage, Stage, Workflow

__all__ = [
    "Delivery",
    "DeliveryAttempt",
    "Webhook",
    "ApiKey",
    "ApiKeyUsage",
    "AppendOnlyError",
    "AuditEntry",
    "ErasedAddress",
    "DEFAULT_STAGE_NAME",
    "Article",
    "ArticleFlag",
    "ArticleQuerySet",
    "AutosaveDraft",
    "Checklist",
    "AuthorProfile",
    "BoardMember",
    "FollowUpQuestion",
    "Image",
    "ImageFile",
    "ImageRendition",
    "Licence",
    "Page",
    "PassageComment",
    "PassageCommentReply",
    "PendingInvalidation",
    "QuestionReply",
    "SourceAlert",
    "SourceCheck",
    "SourceCitation",
    "Redirect",
    "Reference",
    "RenderedVersion",
    "ReviewAssignment",
    "ReviewDecision",
    "ReviewQueueItem",
    "Revision",
    "SignedInSession",
    "RevisionImage",
    "RevisionStage",
    "Specialty",
    "Stage",
    "Withdrawal",
    "Workflow",
    "hash_content",
    "max_reference_number",
    "person_name",
    "with_flags",
]
