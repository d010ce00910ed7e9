"""No page runs what editors, board members or readers typed (Debian's chromium through Playwright).

Every payload of tests/xss_corpus.py goes into every field people fill in: article title,
summaries and texts, references (title, source, URL), board profiles, change reasons and
reader questions. The public pages, the review screen (with its preview frame), the admin
lists, the history page and the question inbox are then opened in a real browser: no dialog
may open, ``window.__xss`` must stay unset, and no payload may have become markup that
would run without the Content-Security-Policy (event handlers, script URLs, inline scripts).
"""

import pytest

from articles.models import Article, BoardMember, FollowUpQuestion, Reference, Specialty
from articles.review import editing, workflow

from . import factories
from .conftest import admin_login
from .xss_corpus import PAYLOADS, URLS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Markup the site itself never emits, so finding any means a payload got through as HTML.
FIND_INJECTED_MARKUP = """() => {
  const found = [];
  const scriptUrl = /^(javascript|vbscript|data:text\\/html)/;
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      const value = attr.value.replace(/[\\s\\u0000-\\u001f]/g, '').toLowerCase();
      if (name.startsWith('on')) found.push(`${el.tagName} ${name}`);
      if (name === 'srcdoc') found.push(`${el.tagName} srcdoc`);
      if (['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'to', 'values'].includes(name)
          && scriptUrl.test(value)) found.push(`${el.tagName} ${name}=${value.slice(0, 40)}`);
    }
    const tag = el.tagName.toLowerCase();
    if (tag === 'script' && !el.src && !['application/json', 'application/ld+json'].includes(el.type)) {
      found.push('inline script');
    }
    if (['object', 'embed', 'base', 'marquee'].includes(tag)) found.push(tag);
    if (tag === 'meta' && (el.httpEquiv || '').toLowerCase() === 'refresh') found.push('meta refresh');
    if (tag === 'iframe' && !el.src.startsWith(location.origin)) found.push(`iframe ${el.src}`);
  }
  return found;
}"""


def _cite_all(count):
    return "Sources " + " ".join(f"[{n}]" for n in range(1, count + 1)) + "."


@pytest.fixture
def hostile_content(author, reviewer, monkeypatch, settings, tmp_path):
    """A published article whose every field carries the corpus, an update of it in review, and more.

    Its text shows library image 1 (alt text and caption from the corpus) and images that are not
    from the library, which the checks would refuse: stored anyway, as an import or a shell would.
    """
    from articles.models import Image
    from articles.models import images as library
    from articles.review import validation

    from .images_helpers import encoded

    settings.MEDIA_ROOT = str(tmp_path / "media")
    blob = library.store(library.check_upload("x.png", encoded("PNG", (400, 200))))
    Image.objects.create(pk=1, title="x", alt_text="x", licence="own-work", file=blob)
    monkeypatch.setattr(validation, "figure_problems", lambda text, label: [])
    text = "\n\n".join(PAYLOADS)
    one_line = [p for p in PAYLOADS if "\n" not in p]
    specialty = Specialty.objects.create(name=one_line[1][:100], slug="hostile")
    BoardMember.objects.filter(user=reviewer).update(
        display_name=one_line[2][:150], credentials=one_line[3][:100], bio=text, conflicts_of_interest=text
    )
    reviewer.refresh_from_db()
    article = factories.make_article(
        author=author,
        title=one_line[0][:200],
        slug="hostile",
        specialty=specialty,
        summary=" ".join(one_line[:20]) + " [1]",
        body=f"{_cite_all(len(PAYLOADS))}\n\n{text}",
        professional_summary=" ".join(one_line[20:40]) + " [1]",
        professional_body=f"{_cite_all(len(PAYLOADS))}\n\n{text}",
        references=0,
    )
    for number, payload in enumerate(PAYLOADS, start=1):
        url = payload if payload in URLS else f"https://example.org/{number}?q={payload}"
        reference = Reference(
            article=article, number=number, kind="research", title=payload, source=payload[:300], url=url[:500]
        )
        reference._history_user = author
        reference.save()  # straight to the database, as an import or a shell would
    factories.publish(article, author=author, reviewers=[reviewer])
    article.refresh_from_db()
    article.summary = " ".join(one_line[40:60]) + " [2]"
    article.body = f"{_cite_all(len(PAYLOADS))}\n\nUpdated: {one_line[5]}\n\n{text}"
    editing.save_content(article, user=author, reason=one_line[6])
    workflow.submit(article, user=author, reason=one_line[7], change_kind="correction", change_note=one_line[8][:300])
    for payload in one_line[:15]:
        factories.BoardMemberFactory(display_name=payload[:150], credentials=payload[:100], bio=payload)
    Article.objects.bulk_create(
        Article(
            title=payload[:200],
            slug=f"hostile-{i}",
            specialty=specialty,
            summary=payload,
            body=payload,
            created_by=author,
        )
        for i, payload in enumerate(PAYLOADS)
    )
    FollowUpQuestion.objects.bulk_create(
        FollowUpQuestion(article=article, question=payload, email="reader@example.com", editor_notes=payload)
        for payload in PAYLOADS
    )
    return article


def _visit_and_check(page, url, dialogs):
    response = page.goto(url)
    assert response.status == 200, url
    page.mouse.move(640, 450)  # hover handlers, had any been injected
    page.wait_for_timeout(150)  # late handlers (image errors, animations)
    for frame in page.frames:
        frame.wait_for_load_state()
        assert frame.evaluate("() => window.__xss") is None, f"{url}: a payload ran in {frame.url}"
        injected = frame.evaluate(FIND_INJECTED_MARKUP)
        assert injected == [], f"{url} ({frame.url}): payload markup survived: {injected[:10]}"
    assert dialogs == [], f"{url}: dialogs opened: {dialogs}"


def test_no_page_runs_the_xss_corpus(page, live_server, hostile_content, superuser):
    assert len(PAYLOADS) >= 60
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    article = hostile_content
    base = live_server.url

    for path in ["/articles/hostile/", "/articles/hostile/professional/", "/articles/hostile/v/1/", "/board/", "/"]:
        _visit_and_check(page, f"{base}{path}", dialogs)
    page.goto(f"{base}/")
    page.fill("input[name=q]", PAYLOADS[0])
    page.press("input[name=q]", "Enter")
    page.wait_for_load_state()
    assert page.evaluate("() => window.__xss") is None and dialogs == []

    admin_login(page, live_server, superuser.username)
    for path in [
        f"/admin/articles/reviewqueueitem/{article.pk}/review/",
        "/admin/articles/reviewqueueitem/",
        "/admin/articles/article/",
        f"/admin/articles/article/{article.pk}/change/",
        f"/admin/articles/article/{article.pk}/history/",
        "/admin/articles/followupquestion/",
        f"/admin/articles/followupquestion/{FollowUpQuestion.objects.first().pk}/change/",
        "/admin/articles/boardmember/",
    ]:
        _visit_and_check(page, f"{base}{path}", dialogs)
