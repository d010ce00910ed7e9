"""The app's models, one module per concern; import them from here (``from articles.models import Article``).

``content`` (articles, versions, references, pages) is the base the others build on; ``people``,
``review``, ``provenance`` and ``questions`` refer to it; ``invalidations`` holds page cache
events that could not reach the cache; ``autosave`` holds editors' unsaved text; ``rendered``
keeps approved versions' rendered HTML; ``images`` is the image library and its content-addressed
files; ``apikeys`` holds partners' keys to the read API and their daily usage. Models use
``articles.content`` (text rules) and nothing else of the app: no workflow, no site, no admin.
"""

from .apikeys import ApiKey, ApiKeyUsage
from .autosave import AutosaveDraft
from .content import Article, ArticleQuerySet, Page, Reference, Revision, Specialty, hash_content, max_reference_number
from .images import Image, ImageFile, ImageRendition, Licence
from .invalidations import PendingInvalidation
from .people import AuthorProfile, BoardMember, person_name
from .provenance import Withdrawal
from .questions import FollowUpQuestion, QuestionReply
from .rendered import RenderedVersion
from .review import PassageComment, PassageCommentReply, ReviewAssignment, ReviewDecision, ReviewQueueItem

__all__ = [
    "ApiKey",
    "ApiKeyUsage",
    "Article",
    "ArticleQuerySet",
    "AutosaveDraft",
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
    "Reference",
    "RenderedVersion",
    "ReviewAssignment",
    "ReviewDecision",
    "ReviewQueueItem",
    "Revision",
    "Specialty",
    "Withdrawal",
    "hash_content",
    "max_reference_number",
    "person_name",
]
