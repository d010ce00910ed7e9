"""Editorial checks (issue 24): readability of the patient text, uncited claims, accessibility,
and the site's checklist (off, warning, blocking) in the editor, the workflow and the review screen."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from articles.content import checks
from articles.content.checks import run_checks, states_a_claim
from articles.models import Article, Checklist
from articles.review import validation, workflow
from articles.review.steps import under_decision

from . import factories

# A paragraph written for clinicians: Flesch-Kincaid grade above 12.
GRADE_12 = (
    "Angiotensin-converting enzyme inhibitors substantially reduce cardiovascular mortality and "
    "hospitalisation in individuals with established left ventricular systolic dysfunction. "
    "Consequently, international guidelines unequivocally recommend their administration irrespective "
    "of symptomatic classification. Treatment should be initiated at low doses and titrated gradually."
)
HARDEST = "Consequently, international guidelines unequivocally recommend their administration"
# The same advice for patients: short words, short sentences.
PLAIN = (
    "These medicines help your heart pump. They can help you live longer and stay out of hospital. "
    "Your doctor will start you on a small dose. Then they will slowly raise it."
)
PREVIEW_URL = reverse("admin:articles_article_live_preview")


def findings(body="", summary="", professional_body="", check=None):
    snapshot = {"summary": summary, "body": body, "professional_summary": "", "professional_body": professional_body}
    found = run_checks(snapshot, target=8).findings
    return [finding for finding in found if check is None or finding.check == check]


def checks_panel(html: str) -> str:
    """The editorial checks' section of a page or a preview."""
    start = html.index('<section class="editorial-checks"')
    return html[start : html.index("</section>", start)]


def set_levels(**levels):
    checklist = Checklist.current()
    for check, level in levels.items():
        setattr(checklist, check, level)
    checklist.save()


# --- Readability ---------------------------------------------------------------------------------


def test_a_paragraph_at_grade_12_is_flagged_and_its_hardest_sentence_named():
    result = run_checks({"summary": "", "body": GRADE_12}, target=8)
    assert result.readability.grade >= 12 and result.readability.above_target
    assert result.readability.smog is not None  # three sentences: SMOG is graded too
    assert result.readability.hardest[0][0].startswith(HARDEST)
    (finding,) = findings(GRADE_12, check="readability")
    assert HARDEST in finding.text and "above the target of 8" in finding.text


def test_plain_text_is_within_the_target_and_not_flagged():
    result = run_checks({"summary": "", "body": PLAIN}, target=8)
    assert result.readability.level <= 8
    assert findings(PLAIN, check="readability") == []


def test_headings_lists_citations_and_figures_are_not_graded_as_prose():
    body = (
        "## Angiotensin-converting enzyme inhibitors and cardiovascular pharmacotherapy\n\n"
        + PLAIN
        + " [1, 2]\n\n- Electrocardiographic abnormalities necessitating echocardiographic evaluation\n"
        '\n![A heart](image:1 "Echocardiographic characterisation of ventricular dysfunction")\n\n'
        "| Pharmacological intervention | Contraindications |\n|---|---|\n| Spironolactone | Hyperkalaemia |\n"
    )
    result = run_checks({"summary": "", "body": body}, target=8)
    assert result.readability.sentences == 4
    assert result.readability.level == run_checks({"summary": "", "body": PLAIN}, target=8).readability.level


def test_the_professional_text_is_exempt_from_readability():
    assert findings(professional_body=GRADE_12, check="readability") == []


# --- Claims --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "Take 500 mg twice a day.",
        "About 1 in 5 people get a rash.",
        "One in five people get a rash.",
        "It works for 30% of people.",
        "Walk for 30 minutes 3 times a week.",
        "Take two tablets every 4 to 6 hours.",
        "In the trial, 1,200 adults took part.",
        "Smokers are three times more likely to have a stroke.",
    ],
)
def test_a_sentence_stating_a_number_dose_or_frequency_without_a_citation_is_flagged(sentence):
    (finding,) = findings(f"Some advice first.\n\n{sentence} See your doctor.", check="claims")
    assert finding.excerpt == sentence and sentence in finding.text


def test_take_500_mg_twice_a_day_cited_in_the_sentence_or_its_paragraph_is_not_flagged():
    assert findings("Take 500 mg twice a day [1].", check="claims") == []
    assert findings("Take 500 mg twice a day. This is what the guideline says [2, 3].", check="claims") == []
    # A citation in another paragraph does not cover it.
    assert len(findings("The guideline is clear [1].\n\nTake 500 mg twice a day.", check="claims")) == 1


@pytest.mark.parametrize(
    "text",
    [
        "1. Wash your hands.\n2. Dry them well.",
        "## Step 2: what happens next",
        "The 2019 guideline [1] replaced version 2 of the leaflet.",
        "People with type 2 diabetes or stage 3 kidney disease should ask their GP.",
        "The clinic moved on 5 March 2024 and again in the 1990s.",
        "Vitamin B12 and COVID-19 are covered in chapter 4.",
    ],
)
def test_numbers_that_state_no_claim_are_not_flagged(text):
    assert findings(text, check="claims") == []


def test_claims_in_a_list_are_covered_by_a_citation_in_the_list():
    assert findings("- Take 500 mg twice a day [1]\n- Drink water", check="claims") == []
    assert [f.excerpt for f in findings("- Take 500 mg twice a day\n- Drink water", check="claims")] == [
        "Take 500 mg twice a day"
    ]


def test_the_professional_text_is_checked_for_claims_too():
    (finding,) = findings(professional_body="Mortality fell by 23% in the treated arm.", check="claims")
    assert finding.field == "professional_body" and "The professional body" in finding.text
    assert states_a_claim("Give 10 mg/kg once daily")


# --- Accessibility -------------------------------------------------------------------------------


def test_a_heading_that_skips_a_level_is_flagged():
    (finding,) = findings("## Causes\n\nText.\n\n#### Rare causes\n\nMore.", check="headings")
    assert finding.excerpt == "Rare causes" and "level 4 heading follows a level 2" in finding.text
    assert findings("## Causes\n\n### Rare causes\n\n## Treatment", check="headings") == []


@pytest.mark.parametrize(
    "text", ["[Click here](https://www.nhs.uk/)", "Read it [here](https://x.org).", "[https://nhs.uk](https://nhs.uk)"]
)
def test_link_text_that_says_nothing_or_is_a_web_address_is_flagged(text):
    assert len(findings(text, check="link_text")) == 1


def test_a_bare_web_address_is_flagged_and_a_described_link_is_not():
    (finding,) = findings("See https://www.nhs.uk/conditions/gout/ for more.", check="link_text")
    assert finding.excerpt == "https://www.nhs.uk/conditions/gout/"
    assert findings("See the [NHS page on gout](https://www.nhs.uk/conditions/gout/).", check="link_text") == []


@pytest.mark.parametrize(
    "figure, problem",
    [
        ('![](image:4 "A caption")', "no alt text"),
        ("![IMG_2041.jpg](image:4)", "a file name"),
        ("![image](image:4)", "says nothing"),
    ],
)
def test_images_without_meaningful_alt_text_are_flagged(figure, problem):
    (finding,) = findings(f"Look.\n\n{figure}", check="image_alt")
    assert problem in finding.text
    assert findings('![A swollen big toe joint](image:4 "Gout")', check="image_alt") == []


def test_tables_without_a_header_row_are_flagged():
    assert len(findings("| Dose | Time |\n| 1 | 2 |", check="table_headers")) == 1
    assert len(findings("|  |  |\n|---|---|\n| 1 | 2 |", check="table_headers")) == 1
    assert len(findings("<table><tr><td>1</td></tr></table>", check="table_headers")) == 1
    assert findings("| Dose | Time |\n|---|---|\n| 1 | 2 |", check="table_headers") == []


def test_runs_of_three_words_in_capitals_are_flagged_and_acronyms_are_not():
    (finding,) = findings("DO NOT STOP taking it suddenly.", check="all_caps")
    assert finding.excerpt == "DO NOT STOP"
    assert findings("Ask your GP or the NHS about it.", check="all_caps") == []


# --- The checklist: off, warning, blocking --------------------------------------------------------

UNCITED = "Take 500 mg twice a day."


def submitted_draft(author, body=UNCITED):
    return factories.make_article(author=author, body=body, summary="A short answer.", references=0)


def test_the_checklist_defaults_warn_on_every_check_and_block_nothing(db):
    assert set(Checklist.current().levels().values()) == {"warn"}
    assert set(Checklist.current().levels()) == set(checks.CHECKS)


def test_a_warning_shows_in_the_preview_but_the_version_submits(client, author):
    article = submitted_draft(author)
    client.force_login(author)
    html = client.post(PREVIEW_URL, {"audience": "patient", "summary": "A short answer.", "body": UNCITED})
    panel = checks_panel(html.content.decode())
    assert "Warning" in panel and UNCITED in panel
    workflow.submit(article, user=author)
    assert Article.objects.get(pk=article.pk).status == "submitted"


def test_a_check_turned_off_is_not_shown(client, author):
    set_levels(claims="off")
    client.force_login(author)
    html = client.post(PREVIEW_URL, {"audience": "patient", "summary": "A short answer.", "body": UNCITED})
    panel = checks_panel(html.content.decode())
    assert UNCITED not in panel and "Nothing flagged" in panel


def test_a_blocking_check_refuses_submission_in_the_workflow_naming_the_sentence(author):
    set_levels(claims="block")
    article = submitted_draft(author)
    with pytest.raises(ValidationError) as refused:
        workflow.submit(article, user=author)
    assert UNCITED in " ".join(refused.value.messages)
    assert Article.objects.get(pk=article.pk).status == "draft"
    # The importer's --submit checks the same way; its drafts are not blocked.
    snapshot = article.content_snapshot()
    with pytest.raises(ValidationError):
        validation.validate_for_review(snapshot)
    validation.validate_for_review(snapshot, draft=True)


def test_a_blocked_save_and_submit_keeps_the_typed_text_and_names_the_sentence(client, author):
    set_levels(claims="block")
    article = submitted_draft(author, body="Rest helps [1].")
    client.force_login(author)
    typed = "My new paragraph. " + UNCITED
    data = factories.change_form_post(article, body=typed, _saveandsubmit="Save and submit for review")
    response = client.post(reverse("admin:articles_article_change", args=[article.pk]), data)
    assert response.status_code == 200  # the form again, not a redirect
    errors = response.context["adminform"].form.errors["body"]
    assert any(UNCITED in error and "blocks submission" in error for error in errors)
    assert typed in response.content.decode()  # the typed text is kept in the form
    article.refresh_from_db()
    assert article.body == "Rest helps [1]." and article.status == "draft"


def test_a_blocking_check_refuses_approval_of_a_version_submitted_before_it_blocked(author, reviewer):
    article = submitted_draft(author)
    workflow.submit(article, user=author)
    workflow.start_review(article, user=reviewer, revision=under_decision("start_review", article))
    set_levels(claims="block")
    with pytest.raises(ValidationError) as refused:
        workflow.approve(article, user=reviewer, revision=under_decision("approve", article))
    assert UNCITED in " ".join(refused.value.messages)


def test_a_blocking_readability_check_names_the_hardest_sentence(author):
    set_levels(readability="block")
    article = submitted_draft(author, body=GRADE_12)
    with pytest.raises(ValidationError) as refused:
        workflow.submit(article, user=author)
    assert HARDEST in " ".join(refused.value.messages)


def test_the_checklist_admin_shows_the_defaults_and_saves_a_level(client, superuser):
    client.force_login(superuser)
    response = client.get(reverse("admin:articles_checklist_changelist"), follow=True)
    html = response.content.decode()
    assert "Blocks submission and approval" in html and "every check a warning, none blocking" in html
    data = {check: "warn" for check in checks.CHECKS} | {"all_caps": "block"}
    client.post(reverse("admin:articles_checklist_change", args=[1]), data)
    assert Checklist.current().all_caps == "block"


# --- The review screen -------------------------------------------------------------------------------


def test_the_review_screen_shows_the_checks_of_the_version_under_review(client, author, reviewer):
    article = submitted_draft(author, body=GRADE_12 + "\n\n" + UNCITED)
    workflow.submit(article, user=author)
    # The working copy cannot change while in review; the screen reads the version's own text.
    client.force_login(reviewer)
    html = client.get(reverse("admin:articles_reviewqueueitem_review", args=[article.pk])).content.decode()
    assert "Editorial checks of version 1" in html
    panel = checks_panel(html)
    assert HARDEST in panel and UNCITED in panel and "target 8 or below" in panel


def test_bulk_submit_obeys_a_blocking_check_and_says_why(client, author):
    from .test_admin_changelist import bulk, messages_of

    set_levels(claims="block")
    blocked = submitted_draft(author)
    fine = submitted_draft(author, body="Rest and drink water.")
    client.force_login(author)
    response = bulk(client, "submit_selected", [blocked, fine], apply="1")
    assert Article.objects.get(pk=blocked.pk).status == "draft"
    assert Article.objects.get(pk=fine.pk).status == "submitted"
    assert any(UNCITED in message for message in messages_of(response))
