"""The governance report: per quarter and reviewer, approved, corrected, confirmed, withdrawn, overdue."""

import csv
import io
from datetime import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from articles.models import AuditEntry, person_name
from articles.review import editing, governance, workflow

from . import factories


def at(year, month, day):
    return timezone.make_aware(datetime(year, month, day, 12))


@pytest.fixture
def year_of_decisions(author, reviewer, second_reviewer, superuser):
    """In 2026Q4: reviewer approves two first versions and a correction; second_reviewer confirms one
    and the boss withdraws one. A 2026Q3 approval is outside. One article is overdue at the end of Q4."""
    with time_machine.travel(at(2026, 9, 20), tick=False):
        early = factories.make_article(author=author, slug="early", title="Approved in Q3")
        factories.publish(early, author=author, reviewers=[reviewer])
    with time_machine.travel(at(2026, 10, 5), tick=False):
        first = factories.make_article(author=author, slug="first", title="First in Q4")
        factories.publish(first, author=author, reviewers=[reviewer])
        second = factories.make_article(author=author, slug="second", title="Second in Q4")
        factories.publish(second, author=author, reviewers=[reviewer])
    with time_machine.travel(at(2026, 11, 2), tick=False):
        first.body = "Corrected text [1]."
        editing.save_content(first, user=author, reason="Fix a dose")
        workflow.submit(first, user=author, change_note="The dose was wrong.", change_kind="correction")
        workflow.start_review(first, user=reviewer, revision=factories.under_decision("start_review", first))
        workflow.approve(first, user=reviewer, revision=factories.under_decision("approve", first))
        workflow.confirm_current(
            second, user=second_reviewer, revision=factories.under_decision("confirm_current", second)
        )
    with time_machine.travel(at(2026, 12, 1), tick=False):
        workflow.archive(second, user=superuser, reason="Superseded by newer guidance.")
    return early, first, second


def test_counts_per_reviewer_for_the_quarter(year_of_decisions, reviewer, second_reviewer, superuser):
    report = governance.report(governance.Quarter.parse("2026Q4"), now=at(2027, 2, 1))
    counts = {row.name: row.counts for row in report.reviewers}
    assert counts[reviewer.board_profile.display_name] == {
        "approved": 2,
        "corrected": 1,
        "confirmed": 0,
        "withdrawn": 0,
        "overdue": 0,
    }
    assert counts[second_reviewer.board_profile.display_name]["confirmed"] == 1
    assert counts[person_name(superuser)]["withdrawn"] == 1
    assert report.totals == {"approved": 2, "corrected": 1, "confirmed": 1, "withdrawn": 1, "overdue": 0}


def test_overdue_articles_are_credited_to_who_last_reviewed_them(author, reviewer, settings):
    settings.EDITORIAL_REVIEW_INTERVAL_DAYS = 30
    with time_machine.travel(at(2026, 9, 1), tick=False):
        article = factories.make_article(author=author, slug="lapsed", title="Left unreviewed")
        factories.publish(article, author=author, reviewers=[reviewer])
    report = governance.report(governance.Quarter.parse("2026Q4"), now=at(2027, 1, 15))
    (row,) = report.reviewers
    assert row.counts["overdue"] == 1 and row.events[-1].slug == "lapsed"
    # Not yet due in the quarter before: nothing overdue there.
    assert governance.report(governance.Quarter.parse("2026Q3"), now=at(2027, 1, 15)).totals["overdue"] == 0


def test_the_command_prints_a_table_and_csv(year_of_decisions):
    out = io.StringIO()
    call_command("governance_report", "--quarter", "2026Q4", stdout=out)
    text = out.getvalue()
    assert text.startswith("Governance report 2026Q4")
    assert "approved" in text.splitlines()[1]
    out = io.StringIO()
    call_command("governance_report", "--quarter", "2026q4", "--csv", stdout=out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == ["quarter", "reviewer", "category", "article", "slug", "version", "date"]
    approved = sorted(row[4] for row in rows[1:] if row[2] == "approved")
    assert approved == ["first", "second"]
    assert [row[4] for row in rows[1:] if row[2] == "corrected"] == ["first"]
    assert AuditEntry.objects.filter(action="report.governance").count() == 2


def test_a_bad_quarter_names_the_option(db):
    with pytest.raises(CommandError, match="--quarter: “2026Q5” is not a quarter; write it as 2026Q4."):
        call_command("governance_report", "--quarter", "2026Q5")


def test_the_admin_page_shows_the_table_and_refuses_a_bad_quarter(client, superuser, year_of_decisions):
    client.force_login(superuser)
    url = reverse("admin:articles_auditentry_governance")
    page = client.get(url, {"quarter": "2026Q4"})
    assert page.status_code == 200
    assert "Governance report, 2026Q4" in page.content.decode() and "First in Q4" in page.content.decode()
    bad = client.get(url, {"quarter": "last year"})
    assert bad.status_code == 400 and "is not a quarter" in bad.content.decode()
    download = client.get(url, {"quarter": "2026Q4", "format": "csv"})
    assert download["Content-Type"].startswith("text/csv") and b"corrected" in download.content
