"""Figures in articles: rendered from library images, frozen per version, checked, shown to readers
(content.figure_html, content.rendering, models.figures, review.figure_diff, site.structured_data)."""

import json
import re

import pytest
from django.urls import reverse

from articles.content.figure_html import FigureImage
from articles.content.figures import figure_markdown
from articles.content.rendering import render
from articles.content.versions import render_revision
from articles.models import Image, RenderedVersion, Revision, RevisionImage
from articles.models import images as library
from articles.models.figures import figure_problems
from articles.models.rendered import renderer_stamp
from articles.review import editing, workflow
from articles.review.figure_diff import figure_changes
from articles.review.validation import validate_for_review

from . import factories
from . import images_helpers as make

SHA = "ab" * 32


def picture(**fields) -> FigureImage:
    data = {
        "image_id": 7,
        "sha256": SHA,
        "format": "JPEG",
        "width": 1200,
        "height": 800,
        "credit": "Diagram: A. Author",
        "licence": "cc-by-4.0",
        "licence_url": "https://creativecommons.org/licenses/by/4.0/",
    }
    return FigureImage(**{**data, **fields})


def body_of(*figures: str) -> str:
    return "Intro [1].\n\n" + "\n\nBetween.\n\n".join(figures) + "\n\nEnd."


def imgs(html: str) -> list[str]:
    return re.findall(r"<img [^>]*>", html)


# --- The renderer ---------------------------------------------------------------------------


def test_a_figure_renders_a_picture_with_webp_and_fallback_srcsets_sizes_and_intrinsic_size():
    html = render("", body_of('![A diagram of the heart](image:7 "The heart")'), [], images={7: picture()}).body_html
    base = f"/media/images/ab/{SHA}"
    assert '<figure class="figure"><picture>' in html
    source = re.search(r'<source type="image/webp" srcset="([^"]+)" sizes="[^"]+">', html).group(1)
    assert source == ", ".join(f"{base}/w{w}.webp {w}w" for w in (320, 640, 960, 1200))
    (img,) = imgs(html)
    assert f'src="{base}/w960.jpg"' in img
    assert f'srcset="{base}/w320.jpg 320w, {base}/w640.jpg 640w, {base}/w960.jpg 960w, {base}/w1200.jpg 1200w"' in img
    assert 'sizes="(min-width: 44rem) 42rem, calc(100vw - 2rem)"' in img
    assert 'width="1200" height="800"' in img
    assert 'alt="A diagram of the heart"' in img
    assert "<p>" not in html.split("<figure")[1].split("</figure>")[0]  # a block of its own, not inside a paragraph


def test_figcaption_has_the_caption_the_credit_and_the_linked_licence():
    image = picture(source_url="https://example.org/heart")
    html = render("", '![Heart](image:7 "The heart \\"pump\\"")', [], images={7: image}).body_html
    caption = re.search(r"<figcaption>(.*)</figcaption>", html).group(1)
    assert '<span class="figure-caption">The heart &quot;pump&quot;</span>' in caption
    assert '<a href="https://example.org/heart">Diagram: A. Author</a>' in caption
    assert '· <a href="https://creativecommons.org/licenses/by/4.0/" rel="license">CC BY 4.0</a>' in caption


def test_only_the_first_figure_of_the_page_loads_eagerly():
    images = {7: picture(), 8: picture(image_id=8, sha256="cd" * 32)}
    rendered = render("", body_of("![One](image:7)", "![Two](image:8)", "![Three](image:7)"), [], images=images)
    first, *rest = imgs(rendered.body_html)
    assert "loading=" not in first and "decoding=" not in first
    assert len(rest) == 2 and all('loading="lazy" decoding="async"' in img for img in rest)


def test_a_decorative_image_has_empty_alt_whatever_the_markdown_says():
    html = render("", "![Some words](image:7)", [], images={7: picture(decorative=True)}).body_html
    assert 'alt=""' in imgs(html)[0]


@pytest.mark.parametrize(
    "text",
    [
        '<img src="https://evil.example/x.png" onerror="alert(1)">',
        '<picture><source srcset="https://evil.example/x.webp"><img src="x"></picture>',
        "![x](https://evil.example/a.png)",
        "![x](data:image/png;base64,iVBORw0KGgo=)",
        '<figure class="figure"><img src="/media/images/x.png" alt=""></figure>',
        "fig0000x0x <span>fig0000x0x</span>",  # a guess at the slot names (they are secret per rendering)
    ],
)
def test_text_cannot_produce_an_img_or_picture(text):
    html = render("", text + "\n\n![Real](image:7)", [], images={7: picture()}).body_html
    assert len(imgs(html)) == 1 and html.count("<picture>") == 1 and html.count("<source") == 1
    assert "evil.example" not in html and "data:" not in html and "onerror" not in html


def test_an_unknown_image_shows_a_visible_placeholder():
    html = render("", body_of('![The old chart](image:99 "Chart")'), [], images={99: None}).body_html
    assert '<figure class="figure figure-unavailable">' in html
    assert "Image not available: The old chart" in html
    assert "<img" not in html
    assert render("", "![x](image:5)", []).body_html.count("Image not available") == 1  # no images given at all


def test_a_figure_in_a_heading_shows_its_alt_text_and_code_shows_the_syntax():
    rendered = render("", "## Look ![the chart](image:7)\n\nUse `![alt](image:7)` to add one.", [], {7: picture()})
    assert rendered.headings == [("h-look-the-chart", "Look the chart")]
    assert "<code>![alt](image:7)</code>" in rendered.body_html
    assert "<img" not in rendered.body_html


def test_the_rendering_records_each_figure_for_structured_data():
    rendered = render("", '![Heart](image:7 "The heart")', [], images={7: picture()})
    assert rendered.figures == [
        {"url": f"/media/images/ab/{SHA}.jpg", "width": 1200, "height": 800, "alt": "Heart", "caption": "The heart"}
    ]


# --- The library, freezing and checks --------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def library_image(color="teal", size=(800, 400), **fields) -> Image:
    name = "drawing.png"
    blob = library.store(library.check_upload(name, make.encoded("PNG", size, color=color)))
    data = {"title": "Drawing", "alt_text": "A drawing", "licence": "cc-by-4.0", "credit": "Drawing: J. Doe"}
    return Image.objects.create(**{**data, **fields}, file=blob)


def replace_file(image: Image, color: str) -> None:
    image.file = library.store(library.check_upload("new.png", make.encoded("PNG", (640, 320), color=color)))
    image.credit = "Drawing: K. Other"
    image.save()


@pytest.fixture
def illustrated(media, author, reviewer):
    image = library_image()
    body = "Some text [1].\n\n" + figure_markdown(image.pk, "A teal drawing", "What it shows")
    article = factories.make_article(author=author, slug="illustrated", body=body)
    return factories.publish(article, author=author, reviewers=[reviewer]), image


@pytest.mark.django_db
def test_submitting_freezes_the_file_credit_and_licence_each_figure_shows(illustrated):
    article, image = illustrated
    (frozen,) = RevisionImage.objects.filter(revision=article.published_revision)
    assert (frozen.image_id, frozen.file_id, frozen.credit, frozen.licence) == (
        image.pk,
        image.file_id,
        "Drawing: J. Doe",
        "cc-by-4.0",
    )
    assert (frozen.width, frozen.height, frozen.licence_url) == (
        800,
        400,
        "https://creativecommons.org/licenses/by/4.0/",
    )


@pytest.mark.django_db
def test_an_old_versions_permalink_keeps_its_image_after_the_library_file_is_replaced(client, illustrated):
    article, image = illustrated
    old_sha = image.file.sha256
    replace_file(image, "orange")
    RenderedVersion.objects.all().delete()  # rendered afresh from what was frozen, not from the library
    permalink = reverse("articles:version", args=[article.slug, article.published_revision.number])
    for url in (permalink, reverse("articles:detail", args=[article.slug])):
        html = client.get(url).text
        assert old_sha in html and image.file.sha256 not in html
        assert "Drawing: J. Doe" in html and "K. Other" not in html


@pytest.mark.django_db
def test_a_draft_preview_shows_the_library_as_it_is_now(illustrated):
    article, image = illustrated
    replace_file(image, "orange")
    snapshot = article.content_snapshot()
    draft = Revision(article=article, number=0, content_hash="x", **snapshot)
    html = render_revision(draft).body_html
    assert image.file.sha256 in html and "K. Other" in html


@pytest.mark.django_db
def test_a_replaced_image_file_is_a_change_to_submit_though_the_text_is_the_same(illustrated, author, second_reviewer):
    article, image = illustrated
    workflow.request_changes(
        article,
        user=second_reviewer,
        revision=factories.under_decision("request_changes", article),
        comment="Use the new drawing",
        reason="accuracy",
    )
    with pytest.raises(workflow.WorkflowError, match="Nothing has changed"):
        workflow.submit(article, user=author, **factories.change_note_for(article))
    replace_file(image, "orange")
    revision = workflow.submit(article, user=author, **factories.change_note_for(article))
    assert RevisionImage.objects.get(revision=revision).file_id == image.file_id


@pytest.mark.django_db
def test_stored_html_of_a_version_with_figures_equals_a_fresh_render(illustrated):
    article, _ = illustrated
    row = RenderedVersion.objects.get(revision=article.published_revision, audience="patient")
    assert row.renderer == renderer_stamp()
    assert row.text == render_revision(Revision.objects.get(pk=article.published_revision_id))
    assert "<picture>" in row.body_html and row.text.figures


@pytest.mark.django_db
def test_a_cold_page_with_five_figures_runs_no_image_queries(client, media, author, reviewer):
    from django.core.cache import cache
    from django.db import connection

    from articles.site import caching

    images = [library_image(color=color) for color in ("red", "green", "blue", "gray", "purple")]
    body = "Some text [1].\n\n" + "\n\n".join(figure_markdown(i.pk, f"Figure {n}") for n, i in enumerate(images))
    article = factories.publish(
        factories.make_article(author=author, slug="five", body=body), author=author, reviewers=[reviewer]
    )
    cache.clear()
    cache.set(caching.SYNCED_KEY, True, timeout=caching.SYNC_SECONDS)
    statements = []
    with connection.execute_wrapper(lambda execute, sql, *args: statements.append(sql) or execute(sql, *args)):
        response = client.get(reverse("articles:detail", args=[article.slug]))
    assert response.text.count("<picture>") == 5
    assert len(statements) <= 3  # as without figures (test_rendered_versions)
    assert not any("image" in sql.lower() for sql in statements)


@pytest.mark.django_db
def test_the_checks_name_an_unknown_image_a_missing_alt_and_an_image_not_from_the_library(media):
    image = library_image()
    assert figure_problems(f"![Fine](image:{image.pk})") == []
    problems = figure_problems("![Gone](image:999999)", label="The body")
    assert problems == [
        "The body shows image 999999 (“Gone”), which is not in the image library: insert an image from the "
        "library, or remove this figure."
    ]
    assert "without alt text" in figure_problems(f"![](image:{image.pk})")[0]
    assert "not from the image library" in figure_problems("![x](https://example.org/a.png)")[0]
    decorative = library_image(color="red", alt_text="", decorative=True)
    assert figure_problems(f"![](image:{decorative.pk})") == []


@pytest.mark.django_db
def test_the_editors_form_and_submission_refuse_an_unknown_image(client, media, author, draft):
    client.force_login(author)
    post = factories.change_form_post(draft, body="Some text [1].\n\n![Gone](image:424242)")
    response = client.post(reverse("admin:articles_article_change", args=[draft.pk]), post)
    assert response.status_code == 200
    assert "image 424242 (“Gone”), which is not in the image library" in response.text
    snapshot = {**draft.content_snapshot(), "body": "Some text [1].\n\n![Gone](image:424242)"}
    with pytest.raises(Exception, match="not in the image library"):
        validate_for_review(snapshot)


# --- Review screen ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_review_screen_shows_image_changes_side_by_side_with_words_diffed(client, illustrated, author, reviewer):
    article, image = illustrated
    other = library_image(color="navy", title="Second", credit="Photo: P. Q.", licence="cc-by-sa-4.0")
    article.body = (
        "Some text [1].\n\n"
        + figure_markdown(image.pk, "A teal drawing of the lungs", "What it shows now")
        + "\n\n"
        + figure_markdown(other.pk, "A navy square")
    )
    editing.save_content(article, user=author, reason="Figures")
    replace_file(image, "orange")
    workflow.submit(article, user=author, **factories.change_note_for(article))
    article.refresh_from_db()
    changes = figure_changes(article.published_revision, article.pending_revision)
    assert [c.status for c in changes] == ["changed", "added"]
    changed = changes[0]
    assert changed.file_changed and changed.credit_changed and changed.alt_changed and changed.caption_changed
    assert "<ins>" in changed.alt_html and "lungs" in changed.alt_html

    client.force_login(reviewer)
    html = client.get(reverse("admin:articles_reviewqueueitem_review", args=[article.pk])).text
    section = html[html.index('id="figure-diff-heading"') :]
    assert "new image file" in section and "credit or licence changed" in section
    assert f"{changed.old.image.sha256}/w320.png" in section and f"{changed.new.image.sha256}/w320.png" in section
    assert "Drawing: J. Doe · CC BY 4.0" in section and "Drawing: K. Other · CC BY 4.0" in section
    assert "Added" in section and "Photo: P. Q. · CC BY-SA 4.0" in section
    caption = section[section.index("<dt>Caption</dt>") :].split("</dd>")[0]
    assert "<ins>" in caption and "now" in caption


# --- Public page: structured data and og:image -------------------------------------------------


@pytest.mark.django_db
def test_the_article_page_has_json_ld_images_and_og_image(client, illustrated):
    article, image = illustrated
    html = client.get(reverse("articles:detail", args=[article.slug])).text
    url = f"http://testserver/media/images/{image.file.sha256[:2]}/{image.file.sha256}.png"
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["image"] == [
        {"@type": "ImageObject", "url": url, "contentUrl": url, "width": 800, "height": 400, "caption": "What it shows"}
    ]
    assert f'<meta property="og:image" content="{url}">' in html
    assert '<meta property="og:image:width" content="800">' in html
    assert '<meta property="og:image:height" content="400">' in html
    assert '<meta property="og:image:alt" content="A teal drawing">' in html


def test_two_figures_in_one_paragraph_each_get_a_block_and_the_words_stay_in_order():
    html = render("", "Before ![One](image:7) middle ![Two](image:7) after.", [], images={7: picture()}).body_html
    shape = re.sub(r"<figure.*?</figure>", "[F]", html).replace("\n", "")
    assert shape == "<p>Before </p>[F]<p> middle </p>[F]<p> after.</p>"


@pytest.mark.django_db
def test_the_compare_page_shows_figure_changes_between_two_versions(client, illustrated, author, reviewer):
    article, image = illustrated
    article.body = article.body.replace("What it shows", "What it shows, labelled")
    editing.save_content(article, user=author, reason="Caption")
    workflow.submit(article, user=author, **factories.change_note_for(article))
    client.force_login(reviewer)
    html = client.get(reverse("admin:articles_article_compare", args=[article.pk]) + "?from=1&to=2").text
    section = html[html.index('id="figure-diff-heading"') :]
    assert "Version 1" in section and "Version 2" in section
    caption = section[section.index("<dt>Caption</dt>") :].split("</dd>")[0]
    assert "<ins>" in caption and "labelled" in caption


@pytest.mark.django_db
def test_an_image_a_version_shows_cannot_be_deleted(illustrated):
    from django.db.models import ProtectedError

    _, image = illustrated
    assert image.version_uses.count() == 1
    with pytest.raises(ProtectedError):
        image.delete()


@pytest.mark.django_db
def test_the_live_preview_shows_the_library_image_and_names_an_unknown_one(client, media, author):
    image = library_image()
    client.force_login(author)
    body = f"{figure_markdown(image.pk, 'A drawing', 'Look')}\n\n![Gone](image:424242)"
    html = client.post("/admin/articles/article/live-preview/", {"summary": "Short.", "body": body}).text
    assert f"{image.file.sha256}/w640.webp 640w" in html and "Drawing: J. Doe" in html
    assert "Image not available: Gone" in html
    assert "image 424242 (“Gone”), which is not in the image library" in html


@pytest.mark.django_db
def test_more_figures_than_the_cap_are_refused_and_shown_as_alt_text(media):
    from articles.content.figure_html import MAX_FIGURES

    image = library_image()
    text = "\n\n".join(f"![Figure {n}](image:{image.pk})" for n in range(MAX_FIGURES + 1))
    assert figure_problems(text, label="The body") == [f"The body has {MAX_FIGURES + 1} figures; the most is 100."]
    html = render("", text, [], images={image.pk: picture(image_id=image.pk)}).body_html
    assert html.count("<figure") == MAX_FIGURES and f"<p>Figure {MAX_FIGURES}</p>" in html
