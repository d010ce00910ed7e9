"""The OpenAPI 3.1 document is valid (openapi-spec-validator) and real answers match it (JSON Schema 2020-12)."""

import pytest
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate

from articles.api import keys
from articles.review import workflow

from . import factories


@pytest.fixture
def spec(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def check(spec, path_template, response):
    """Validate ``response`` against what the document declares for it (status and content type)."""
    declared = spec["paths"][path_template]["get"]["responses"][str(response.status_code)]
    media = response["Content-Type"].split(";")[0]
    schema = declared["content"][media]["schema"]
    # Resolve $refs against the document's own components.
    OAS31Validator({**schema, "components": spec["components"]}).validate(response.json())


def test_the_document_is_valid_openapi_3_1(spec):
    assert spec["openapi"].startswith("3.1")
    validate(spec)
    assert spec["components"]["securitySchemes"]["PartnerKey"] == {"type": "http", "scheme": "bearer"}
    assert "/api/v1/articles/{slug}/versions/{number}/" in spec["paths"]


def test_every_answer_matches_the_document(client, spec, author, reviewer, second_reviewer, superuser):
    article = factories.make_article(
        author=author, slug="gout", professional_summary="Urate [1].", professional_body="Crystals [1]."
    )
    factories.publish(article, author=author, reviewers=[reviewer])
    other = factories.publish(factories.make_article(author=author, slug="gone"), author=author, reviewers=[reviewer])
    workflow.archive(other, user=superuser, reason="Withdrawn for review.")
    _, token = keys.create_key(name="P")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    cases = [
        ("/api/v1/articles/", "/api/v1/articles/", 200),
        ("/api/v1/articles/?page_size=1", "/api/v1/articles/", 200),
        ("/api/v1/articles/?page_size=9999", "/api/v1/articles/", 400),
        ("/api/v1/articles/gout/", "/api/v1/articles/{slug}/", 200),
        ("/api/v1/articles/gone/", "/api/v1/articles/{slug}/", 410),
        ("/api/v1/articles/nope/", "/api/v1/articles/{slug}/", 404),
        ("/api/v1/articles/gout/versions/1/", "/api/v1/articles/{slug}/versions/{number}/", 200),
        ("/api/v1/articles/gone/versions/1/", "/api/v1/articles/{slug}/versions/{number}/", 200),
        ("/api/v1/topics/", "/api/v1/topics/", 200),
        ("/api/v1/board/", "/api/v1/board/", 200),
        ("/api/v1/authors/", "/api/v1/authors/", 200),
        ("/api/v1/corrections/", "/api/v1/corrections/", 200),
    ]
    for path, template, status in cases:
        response = client.get(path, **headers)
        assert response.status_code == status, path
        check(spec, template, response)
    check(spec, "/api/v1/topics/", client.get("/api/v1/topics/"))  # 401
