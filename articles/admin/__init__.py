"""The admin for editors and the Medical Advisory Board: one module per screen, registered here.

Screens are declarative ModelAdmins; workflow steps, the review screen and previews call
``articles.review`` and ``articles.site`` and never set a status themselves. This is the top
wing: it may use every other one, and nothing imports it (Django's autodiscovery loads it).
"""

# Each registers its ModelAdmins.
from . import (
    apikeys,  # noqa: F401
    articles,  # noqa: F401
    audit,  # noqa: F401
    images,  # noqa: F401
    pages,  # noqa: F401
    people,  # noqa: F401
    questions,  # noqa: F401
    queue,  # noqa: F401
    signin,  # noqa: F401
    tasks,  # noqa: F401
    users,  # noqa: F401
    webhooks,  # noqa: F401
    workflows,  # noqa: F401
)
