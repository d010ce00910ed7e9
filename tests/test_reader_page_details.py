"""Details a reader notices: reference punctuation and descriptions free of citation marks."""

import json
import re

import pytest
from django.urls import reverse

from . import factories


def _published_with_reference(author, reviewer, **reference_fields):
    article = factories.make_article(author=author, slug="ref-check", references=0)
    factories.ReferenceFactory(article=article, number=1, **reference_fields)
    return factories.publish(article, author=author, reviewers=[reviewer])


def _reference_text(client, article):
    html = client.get(article.get_absolute_url()).content.decode()
    item = re.search(r'<li id="ref-1"[^>]*>(.*?)<span class="backlinks"', html, re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", "", item).split())


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"title": "Some study", "source": "BMJ", "year": 2023}, "Some study. BMJ, 2023."),
        ({"title": "Some study", "source": "", "year": 2023}, "Some study. 2023."),
        ({"title": "Some study", "source": "BMJ", "year": None}, "Some study. BMJ."),
        ({"title": "Some study", "source": "", "year": None}, "Some study."),
        ({"title": "Guidance on rest.", "source": "NICE", "year": 2021}, "Guidance on rest. NICE, 2021."),
        ({"title": "Does rest help?", "source": "", "year": None}, "Does rest help?"),
        ({"title": "Some study", "source": "Acta Med.", "year": None}, "Some study. Acta Med."),
    ],
)
def test_reference_punctuation_has_no_empty_parts_or_double_full_stops(client, author, reviewer, fields, expected):
    article = _published_with_reference(author, reviewer, **fields)
    text = _reference_text(client, article)
    assert text == expected
    assert ". ," not in text and ".." not in text


def test_reference_title_stays_escaped_and_linked(client, author, reviewer):
    article = _published_with_reference(
        author, reviewer, title="<b>Bold</b> claim", url="https://example.org/paper", source="", year=2020
    )
    html = client.get(article.get_absolute_url()).content.decode()
    assert '<a href="https://example.org/paper" rel="noopener noreferrer">&lt;b&gt;Bold&lt;/b&gt; claim</a>' in html


@pytest.fixture
def cited_summary(author, reviewer):
    article = factories.make_article(
        author=author,
        slug="cited",
        summary="Migraine is usually treated [1, 2] with rest [1-2].",
        body="Text [1] and [2].",
        professional_summary="First-line therapy [2] is well studied [1].",
        professional_body="Detail [1] [2].",
        references=2,
    )
    return factories.publish(article, author=author, reviewers=[reviewer])


def _descriptions(html):
    meta = re.search(r'<meta name="description" content="([^"]*)"', html).group(1)
    og = re.search(r'<meta property="og:description" content="([^"]*)"', html).group(1)
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    return meta, og, data["description"]


@pytest.mark.parametrize(
    ("url_name", "expected"),
    [
        ("articles:detail", "Migraine is usually treated with rest."),
        ("articles:detail_professional", "First-line therapy is well studied."),
    ],
)
def test_meta_og_and_json_ld_descriptions_carry_no_citation_marks(client, cited_summary, url_name, expected):
    html = client.get(reverse(url_name, args=[cited_summary.slug])).content.decode()
    for description in _descriptions(html):
        assert description == expected
        assert "[" not in description
