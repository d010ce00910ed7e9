"""The admin for editors and the Medical Advisory Board: one module per screen, registered here.

Screens are declarative ModelAdmins; workflow steps, the review screen and previews call
``articles.review`` and ``articles.site`` and never set a status themselves. This is the top
wing: it may use every other one, and nothing imports it (Django's autodiscovery loads it).
"""

from . import (  # noqa: F401 - each registers its ModelAdmins
    apikeys,
    articles,
    audit,
    checklist,
    images,
    pages,
    people,
    questions,
    queue,
    redirects,
    signin,
    sources,
    tasks,
    users,
    webhooks,
    workflows,
)
