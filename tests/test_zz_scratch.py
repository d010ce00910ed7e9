from articles import workflow
from articles.models import Article
from .test_admin import article_post_data, submitted, change_url
from . import factories

def test_archived(client, author, reviewer, draft):
    workflow.archive(draft, user=author, reason="x")
    client.force_login(author)
    data = article_post_data(draft.specialty, title="Reverted", slug=draft.slug)
    r = client.post(change_url(draft), data)
    print(r.status_code)
    draft.refresh_from_db()
    print(draft.status, draft.title)
