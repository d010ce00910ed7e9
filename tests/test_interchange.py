"""Markdown import and export: round trips, idempotency, updates, bad input, --atomic and --dry-run."""

import io
import json
import os
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.content import renumbering
from articles.content.validators import BIDI_CONTROLS, CONTROL_CHARACTERS
from articles.interchange import format as fmt
from articles.interchange import front_matter, service, sources
from articles.interchange.format import ArticleFile, FormatError, parse, serialise
from articles.interchange.sources import Source
from articles.management.commands.seed_demo import DEMO, demo_board
from articles.models import Article, Reference, Revision, Specialty
from articles.review import editing, validation, workflow

from . import factories

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def topic(db):
    return factories.SpecialtyFactory(slug="neurology", name="Neurology")


def article_file(slug="dystonia", **fields) -> ArticleFile:
    values = {
        "title": "What causes dystonia?",
        "slug": slug,
        "topic": "neurology",
        "summary": "Muscles tighten on their own [1].",
        "body": "## Causes\n\nA gene change, or an injury [1, 2].",
        "references": [
            {"kind": "guideline", "title": "Consensus on dystonia", "source": "Mov Disord", "year": 2013},
            {"kind": "research", "title": "A DYT1 study", "doi": "10.1038/ng0997-40", "pmid": "9288096"},
        ],
    }
    return ArticleFile(**(values | fields))


def write(folder: Path, name: str, data) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else serialise(data))
    return path


def run(*args, user: str):
    """Run import_articles as ``user``; return (output, the CommandError or None)."""
    out = io.StringIO()
    try:
        call_command("import_articles", f"--as={user}", *[str(a) for a in args], stdout=out)
    except CommandError as error:
        return out.getvalue(), error
    return out.getvalue(), None


def export(folder: Path, *args) -> dict:
    call_command("export_articles", str(folder), *args, stdout=io.StringIO())
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def topics_from_demo():
    for topic in demo_board()["topics"]:
        Specialty.objects.get_or_create(**topic)


# --- Round trips --------------------------------------------------------------------


def test_the_demo_files_import_and_export_byte_identical(tmp_path, author):
    topics_from_demo()
    output, error = run(DEMO / "articles", user="author")
    assert error is None, output
    exported = export(tmp_path / "out", "--all")
    originals = {
        str(path.relative_to(DEMO / "articles")): path.read_bytes()
        for path in (DEMO / "articles").rglob("*")
        if path.is_file()
    }
    assert len(originals) == 11  # 9 articles, 2 figures' image files
    assert exported == originals


@pytest.mark.parametrize("path", sorted((DEMO / "articles").glob("*.md")), ids=lambda path: path.stem)
def test_demo_references_are_numbered_in_the_order_the_text_cites_them(path):
    # Otherwise an editor's first save of a demo article renumbers its references, and the
    # reviewer's diff shows the swapped references as rewritten from title to DOI.
    article = parse(path.read_bytes(), max_bytes=10**7)
    texts = [getattr(article, name) for name in renumbering.TEXT_FIELDS]
    assert renumbering.renumbering(texts, list(range(1, len(article.references) + 1))) == {}


def test_export_import_into_an_empty_database_and_export_again_is_byte_identical(tmp_path, db):
    """The seeded demo's approved versions, exported, imported elsewhere and exported again."""
    factories.ensure_groups()
    with transaction.atomic(), override_settings(EDITORIAL_REQUIRED_APPROVALS=1):
        call_command("seed_demo", stdout=io.StringIO())
        first = export(tmp_path / "first")
        transaction.set_rollback(True)
    assert not Article.objects.exists() and sum(name.endswith(".md") for name in first) == 4  # and their figures
    topics_from_demo()
    factories.editor(username="importer")
    output, error = run(tmp_path / "first", user="importer")
    assert error is None, output
    assert export(tmp_path / "second", "--all") == first


def every_field_article(n: int) -> ArticleFile:
    return ArticleFile(
        title=f"Question {n}: what is “this” — ünïcode & <markup>?",
        slug=f"article-{n}",
        topic="neurology",
        summary=f"A summary [1] with: colons, # hashes, 'quotes' and \"double quotes\" {n}.",
        body=f"---\nA body that starts like front matter.\n\n  indented  \ntrailing space \n\ttab\n\n[1-3] {n}\n\n",
        professional_summary="Professional: summary [2].",
        professional_body="- item [3]\n- yes: no\n- 'null'\n",
        references=[
            {
                "kind": kind,
                "title": f"Title {n}.{i}: a “study”",
                "source": "N Engl J Med",
                "year": 1999 + i,
                "url": f"https://example.org/{n}/{i}?q=a&b=c",
                "doi": f"10.1000/xyz.{n}.{i}",
                "pmid": f"{31000000 + i}",
            }
            for i, kind in enumerate(["guideline", "research", "other"], start=1)
        ],
    )


def test_generated_articles_with_every_field_round_trip_byte_identical(tmp_path, author, topic):
    for n in range(5):
        write(tmp_path / "in", f"a{n}.md", every_field_article(n))
    output, error = run(tmp_path / "in", user="author")
    assert error is None, output
    first = export(tmp_path / "first", "--all")
    assert first == {f"article-{n}.md": serialise(every_field_article(n)) for n in range(5)}
    stored = Article.objects.get(slug="article-0")
    assert stored.body == every_field_article(0).body
    assert [r.as_dict() for r in stored.references.all()] == [
        {"number": i, **ref} for i, ref in enumerate(every_field_article(0).references, start=1)
    ]


def test_windows_line_endings_in_stored_text_export_as_lf_and_round_trip(tmp_path, author, topic):
    factories.make_article(author=author, slug="crlf", specialty=topic, body="One [1].\r\nTwo.\r\n", references=1)
    first = export(tmp_path / "first", "--all")
    assert b"\r" not in first["crlf.md"]
    assert serialise(parse(first["crlf.md"], max_bytes=10**6)) == first["crlf.md"]


def test_the_schema_lists_exactly_the_fields_the_format_reads():
    schema = json.loads((ROOT / "articles" / "interchange" / "schema.json").read_text())
    assert set(schema["properties"]) == set(fmt.REQUIRED + fmt.OPTIONAL)
    assert set(schema["required"]) == set(fmt.REQUIRED)
    assert set(schema["properties"]["references"]["items"]["properties"]) == set(fmt.REFERENCE_FIELDS)
    assert schema["properties"]["references"]["items"]["properties"]["kind"]["enum"] == list(fmt.REFERENCE_KINDS)


# --- Creating, updating, idempotency --------------------------------------------------


def test_import_creates_drafts_with_references_and_history_naming_who_and_why(tmp_path, author, topic):
    path = write(tmp_path, "dystonia.md", article_file())
    output, error = run(path, user="author")
    assert error is None
    assert f"{path}: created" in output
    article = Article.objects.get(slug="dystonia")
    assert article.status == Article.Status.DRAFT and article.published_revision is None
    assert [r.title for r in article.references.all()] == ["Consensus on dystonia", "A DYT1 study"]
    record = article.history.get()
    assert record.history_user == author and record.history_change_reason == f"Imported from {path}"
    assert set(Reference.history.values_list("history_user__username", "history_change_reason")) == {
        ("author", f"Imported from {path}")
    }


def test_importing_the_same_files_twice_changes_nothing_and_says_so(tmp_path, author, topic):
    write(tmp_path, "a.md", article_file("a"))
    write(tmp_path, "b.md", article_file("b", professional_body="For professionals [1]."))
    run(tmp_path, user="author")
    counts = Article.history.count(), Reference.history.count(), Reference.objects.count()
    output, error = run(tmp_path, user="author")
    assert error is None
    assert output.count("unchanged, nothing to do") == 2
    assert "0 created, 0 updated, 2 unchanged, 0 failed" in output
    assert (Article.history.count(), Reference.history.count(), Reference.objects.count()) == counts


def test_an_update_of_an_approved_article_becomes_a_draft_and_the_live_version_stays(tmp_path, author, reviewer, topic):
    write(tmp_path, "dystonia.md", article_file())
    run(tmp_path, user="author")
    article = factories.publish(Article.objects.get(slug="dystonia"), author=author, reviewers=[reviewer])
    live = article.published_revision
    changed = article_file(summary="Muscles tighten on their own, often in one body part [1].")
    changed.references[1]["title"] = "A DYT1 study (corrected)"
    write(tmp_path, "dystonia.md", changed)
    output, error = run(tmp_path, user="author")
    assert error is None
    assert "updated (new draft; the live version stays until approved)" in output
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT
    assert article.published_revision == live and article.is_public()
    assert article.summary == changed.summary
    assert article.references.get(number=2).title == "A DYT1 study (corrected)"
    live.refresh_from_db()
    assert live.summary == "Muscles tighten on their own [1]." and live.references[1]["title"] == "A DYT1 study"
    assert export(tmp_path / "live")["dystonia.md"] == serialise(article_file())


def test_an_update_that_only_changes_references_also_starts_a_draft(tmp_path, author, reviewer, topic):
    write(tmp_path, "dystonia.md", article_file())
    run(tmp_path, user="author")
    factories.publish(Article.objects.get(slug="dystonia"), author=author, reviewers=[reviewer])
    changed = article_file()
    changed.references[0]["year"] = 2014
    write(tmp_path, "dystonia.md", changed)
    run(tmp_path, user="author")
    assert Article.objects.get(slug="dystonia").status == Article.Status.DRAFT


def test_submit_hands_articles_to_the_board_and_updates_need_a_change_note(tmp_path, author, reviewer, topic):
    write(tmp_path, "dystonia.md", article_file())
    output, error = run(tmp_path, "--submit", user="author")
    assert error is None and "created; submitted for review" in output
    article = Article.objects.get(slug="dystonia")
    assert article.status == Article.Status.SUBMITTED
    workflow.start_review(article, user=reviewer, revision=factories.under_decision("start_review", article))
    workflow.approve(article, user=reviewer, revision=factories.under_decision("approve", article))
    write(tmp_path, "dystonia.md", article_file(title="What causes dystonia, and can it be treated?"))
    output, error = run(tmp_path, "--submit", user="author")
    assert error is not None and "needs a short public change note" in output
    assert Article.objects.get(slug="dystonia").status == Article.Status.APPROVED
    output, error = run(
        tmp_path, "--submit", "--change-note=Title clarified.", "--change-kind=editorial", user="author"
    )
    assert error is None
    article.refresh_from_db()
    assert article.status == Article.Status.SUBMITTED and article.pending_revision.change_note == "Title clarified."
    assert not Revision.objects.filter(approved_at__isnull=False, number=2).exists()  # never approved by import


def test_an_article_with_the_board_is_not_overwritten(tmp_path, author, topic):
    write(tmp_path, "dystonia.md", article_file())
    run(tmp_path, "--submit", user="author")
    write(tmp_path, "dystonia.md", article_file(title="Changed"))
    output, error = run(tmp_path, user="author")
    assert error is not None and "submitted and read-only; withdraw it to draft" in output
    assert Article.objects.get(slug="dystonia").title == "What causes dystonia?"


def test_a_save_between_planning_and_writing_is_reported_as_a_conflict_not_overwritten(
    tmp_path, author, other_editor, topic
):
    write(tmp_path, "dystonia.md", article_file())
    run(tmp_path, user="author")
    plan = service.plan([Source("dystonia.md", data=serialise(article_file(title="Mine")))])
    article = Article.objects.get(slug="dystonia")
    article.title = "Theirs"
    editing.save_content(article, user=other_editor, reason="Edited meanwhile")
    service.apply(plan, user=author)
    assert "someone else changed this article" in plan.lines()[0]
    assert Article.objects.get(slug="dystonia").title == "Theirs"


def test_a_user_who_may_not_edit_articles_is_refused(tmp_path, topic):
    factories.UserFactory(username="reader")
    write(tmp_path, "dystonia.md", article_file())
    output, error = run(tmp_path, user="reader")
    assert error is not None and "reader may not create and edit articles" in str(error)
    assert not Article.objects.exists()


def test_a_board_member_cannot_import(tmp_path, reviewer, topic):
    write(tmp_path, "dystonia.md", article_file())
    _, error = run(tmp_path, user="reviewer")
    assert error is not None and not Article.objects.exists()


# --- --dry-run and --atomic -------------------------------------------------------------


def test_dry_run_reports_what_would_change_and_writes_nothing(tmp_path, author, topic):
    write(tmp_path, "a.md", article_file("a"))
    run(tmp_path, user="author")
    write(tmp_path, "a.md", article_file("a", title="Changed"))
    write(tmp_path, "b.md", article_file("b"))
    history = Article.history.count()
    output, error = run(tmp_path, "--dry-run", user="author")
    assert error is None
    assert f"{tmp_path / 'a.md'}: would update" in output
    assert f"{tmp_path / 'b.md'}: would create" in output
    assert "Dry run, nothing written: 1 to create, 1 to update" in output
    assert Article.history.count() == history and not Article.objects.filter(slug="b").exists()
    assert Article.objects.get(slug="a").title == "What causes dystonia?"


def test_the_summary_counts_one_file_in_the_singular(tmp_path, author, topic):
    write(tmp_path, "a.md", article_file("a"))
    output, error = run(tmp_path, "--dry-run", user="author")
    assert "(1 file, " in output and "1 files" not in output


def test_without_atomic_the_good_files_import_and_the_exit_status_says_one_failed(tmp_path, author, topic):
    write(tmp_path, "good.md", article_file("good"))
    write(tmp_path, "bad.md", b"---\ntitle: [unclosed\n---\n\nBody.\n")
    output, error = run(tmp_path, user="author")
    assert error is not None and error.returncode == 1 and "1 of 2 files failed" in str(error)
    assert Article.objects.filter(slug="good").exists()
    assert "1 created, 0 updated, 0 unchanged, 1 failed" in output


def test_atomic_writes_nothing_when_one_file_is_bad(tmp_path, author, topic):
    write(tmp_path, "good.md", article_file("good"))
    write(tmp_path, "bad.md", article_file("bad", body="Cites a reference that is not there [9]."))
    output, error = run(tmp_path, "--atomic", user="author")
    assert error is not None
    assert f"{tmp_path / 'good.md'}: not imported (another file failed and --atomic was given" in output
    assert not Article.objects.exists() and not Article.history.exists() and not Reference.history.exists()


def test_atomic_rolls_back_articles_already_written_when_a_later_one_fails(tmp_path, author, other_editor, topic):
    write(tmp_path, "a.md", article_file("a"))
    run(tmp_path, user="author")
    plan = service.plan(
        [
            Source("b.md", data=serialise(article_file("b"))),
            Source("a.md", data=serialise(article_file("a", title="New"))),
        ]
    )
    article = Article.objects.get(slug="a")
    article.title = "Meanwhile"
    editing.save_content(article, user=other_editor, reason="Edited meanwhile")  # a conflict for a.md
    service.apply(plan, user=author, atomic=True)
    assert "nothing was written" in plan.lines()[0] and "someone else changed" in plan.lines()[1]
    assert not Article.objects.filter(slug="b").exists()


def test_an_article_and_its_references_go_in_together_or_not_at_all(tmp_path, author, topic, monkeypatch):
    write(tmp_path, "a.md", article_file("a"))
    write(tmp_path, "b.md", article_file("b"))
    real = service._add_references

    def failing(article, references, **kwargs):
        if article.slug == "b":
            from django.core.exceptions import ValidationError

            real(article, references, **kwargs)
            raise ValidationError("the database refused a reference")
        real(article, references, **kwargs)

    monkeypatch.setattr(service, "_add_references", failing)
    output, error = run(tmp_path, user="author")
    assert error is not None and "b.md: error: the database refused a reference" in output
    assert list(Article.objects.values_list("slug", flat=True)) == ["a"]
    assert Reference.objects.count() == 2 and not Reference.history.filter(article_id__isnull=True).exists()
    assert set(Reference.history.values_list("article_id", flat=True)) == {Article.objects.get().pk}


# --- Bad input: one clear line naming the file (and line) -------------------------------

TEN_MB = 10 * 1024 * 1024
# Issue 17, item 3: 200 KB of front matter that crashed the interpreter in libyaml (SIGSEGV).
NESTED = b"---\ntitle: " + b"[" * 100_000 + b"]" * 100_000 + b"\nslug: s\ntopic: neurology\nsummary: S\n---\n\nBody.\n"


def bad_files() -> dict:
    good = serialise(article_file()).decode()
    return {
        "broken-yaml.md": (b"---\ntitle: What?\nslug: [a, b\ntopic: neurology\n---\n\nBody.\n", ":4: error: broken"),
        "no-title.md": (good.replace("title: What causes dystonia?\n", "").encode(), ":2: error: the field 'title'"),
        "missing-reference.md": (
            serialise(article_file(body="See [3].")),
            ": error: The plain-language text cites [3], but there is no reference 3.",
        ),
        "unknown-kind.md": (
            good.replace("kind: research", "kind: blog").encode(),
            ":11: error: reference 2 has an unknown kind 'blog'",
        ),
        "bad-doi.md": (
            good.replace("10.1038/ng0997-40", "doi:ng0997").encode(),
            ":11: error: reference 2 has a DOI that is not one ('doi:ng0997'",
        ),
        "latin-1.md": (good.replace("dystonia?", "dystonia\u00e9?").encode("latin-1"), ":2: error: not UTF-8 text"),
        "huge.md": (good.encode() + b"x" * TEN_MB, ": error: the file is larger than 2,097,152 bytes"),
        "unknown-topic.md": (
            good.replace("topic: neurology", "topic: astrology").encode(),
            ":4: error: unknown topic 'astrology' (known topics: neurology)",
        ),
        "deeply-nested.md": (NESTED, ":2: error: the front matter is nested more than 5 levels deep"),
    }


@pytest.mark.parametrize("name", list(bad_files()))
def test_each_bad_file_gets_one_line_naming_it_and_the_rest_still_imports(tmp_path, author, topic, name):
    data, expected = bad_files()[name]
    path = write(tmp_path, name, data)
    write(tmp_path, "zz-good.md", article_file("good"))
    output, error = run(tmp_path, user="author")
    assert error is not None and error.returncode == 1
    lines = [line for line in output.splitlines() if line.startswith(str(path))]
    assert len(lines) == 1 and lines[0].startswith(f"{path}{expected}"), output
    assert list(Article.objects.values_list("slug", flat=True)) == ["good"]


def test_a_duplicate_slug_within_one_batch_names_both_files(tmp_path, author, topic):
    first = write(tmp_path, "one.md", article_file("same"))
    second = write(tmp_path, "two.md", article_file("same", title="Another"))
    output, error = run(tmp_path, user="author")
    assert error is not None
    assert f"{first}:3: error: the slug 'same' is also used by {second}" in output
    assert f"{second}:3: error: the slug 'same' is also used by {first}" in output
    assert not Article.objects.exists()


def make_zip(path: Path, members: dict, *, symlink: str | None = None) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (0o120777 << 16) | 0x20
            archive.writestr(info, "/etc/passwd")
    return path


def test_a_zip_imports_its_markdown_files_and_refuses_unsafe_paths_and_symlinks(tmp_path, author, topic):
    archive = make_zip(
        tmp_path / "library.zip",
        {
            "library/a.md": serialise(article_file("a")),
            "../../x.md": serialise(article_file("x")),
            "/etc/y.md": serialise(article_file("y")),
            "library/notes.txt": b"not an article",
        },
        symlink="library/link.md",
    )
    output, error = run(archive, user="author")
    assert error is not None
    assert f"{archive}:library/a.md: created" in output
    assert f"{archive}:../../x.md: error: refused: a path that climbs out of the archive ('..')" in output
    assert f"{archive}:/etc/y.md: error: refused: an absolute path" in output
    assert f"{archive}:library/link.md: error: refused: a symbolic link" in output
    assert f"{archive}:library/notes.txt: skipped: not a .md file" in output
    assert list(Article.objects.values_list("slug", flat=True)) == ["a"]
    assert not (tmp_path.parent / "x.md").exists()


def test_a_zip_bomb_is_refused_without_expanding_it(tmp_path, author, topic):
    archive = make_zip(
        tmp_path / "bomb.zip", {"bomb.md": b"\0" * (50 * 1024 * 1024), "a.md": serialise(article_file("a"))}
    )
    output, error = run(archive, user="author")
    assert error is not None
    assert f"{archive}:bomb.md: error:" in output and "2,097,152" in output
    with override_settings(EDITORIAL_IMPORT_MAX_BYTES=100 * 1024 * 1024):
        output, _ = run(archive, user="author")
    assert f"{archive}:bomb.md: error: refused: a zip bomb" in output
    assert Article.objects.filter(slug="a").exists()


def test_a_zip_member_expanding_beyond_its_declared_size_is_a_zip_bomb(tmp_path, author, topic):
    path = make_zip(tmp_path / "liar.zip", {"liar.md": b"a" * 3 * 1024 * 1024})
    data = bytearray(path.read_bytes())
    small = (1000).to_bytes(4, "little")
    big = (3 * 1024 * 1024).to_bytes(4, "little")
    data = data.replace(big, small)  # the declared sizes in both headers say 1,000 bytes
    path.write_bytes(bytes(data))
    output, error = run(path, user="author")
    assert error is not None and f"{path}:liar.md: error:" in output


def test_a_file_that_is_not_a_zip_gets_one_line(tmp_path, author):
    path = write(tmp_path, "broken.zip", b"PK\x03\x04 this is not really a zip")
    output, error = run(path, user="author")
    assert error is not None
    assert output.splitlines()[0].startswith(f"{path}: error: not a readable zip archive")


def test_the_whole_import_is_capped(tmp_path, author, topic):
    for n in range(3):
        write(tmp_path, f"{n}.md", article_file(f"a{n}"))
    size = len(serialise(article_file("a0")))
    with override_settings(EDITORIAL_IMPORT_MAX_TOTAL_BYTES=int(size * 2.5)):
        output, error = run(tmp_path, user="author")
    assert error is not None and "EDITORIAL_IMPORT_MAX_TOTAL_BYTES" in output
    assert Article.objects.count() == 2


class ExpandedBytes:
    """Counts the bytes zipfile inflates (every read of every member), refused ones included."""

    def __init__(self, monkeypatch):
        self.count = 0
        real = zipfile.ZipExtFile.read

        def read(member, *args):
            data = real(member, *args)
            self.count += len(data)
            return data

        monkeypatch.setattr(zipfile.ZipExtFile, "read", read)


def test_a_zip_over_the_total_is_refused_whole_by_its_declared_sizes_before_inflating_anything(
    tmp_path, author, topic, settings, monkeypatch
):
    # Issue 17, item 4, scaled down: members under the per-file cap whose sum passes the total
    # were each inflated, one after the other, after the budget had run out.
    settings.EDITORIAL_IMPORT_MAX_TOTAL_BYTES = 1024 * 1024
    members = {f"m/{n}.md": b"x" * 100_000 for n in range(50)}
    archive = make_zip(tmp_path / "big.zip", members | {"a.md": serialise(article_file("a"))})
    expanded = ExpandedBytes(monkeypatch)
    output, error = run(archive, user="author")
    assert error is not None and expanded.count == 0
    assert output.splitlines()[0] == (
        f"{archive}: error: refused: its 51 .md files expand to "
        f"{5_000_000 + len(serialise(article_file('a'))):,} bytes; an import may hold 1,048,576 bytes in all "
        "(EDITORIAL_IMPORT_MAX_TOTAL_BYTES); nothing in it was imported"
    )
    assert len(output.splitlines()) == 2 and not Article.objects.exists()  # the line and the summary


def test_the_total_is_counted_while_inflating_should_a_member_expand_past_its_declared_size(
    tmp_path, author, topic, settings, monkeypatch
):
    settings.EDITORIAL_IMPORT_MAX_TOTAL_BYTES = 1024 * 1024
    archive = make_zip(tmp_path / "liar.zip", {f"{n}.md": b"x" * 100_000 for n in range(50)})
    # As if the directory declared a tenth of each size (zipfile itself stops at the declared
    # size; this is the check behind it).
    real = zipfile.ZipFile.infolist

    def lying(self):
        infos = real(self)
        for info in infos:
            info.file_size //= 10
        return infos

    monkeypatch.setattr(zipfile.ZipFile, "infolist", lying)
    monkeypatch.setattr(zipfile.ZipExtFile, "_update_crc", lambda self, data: None)
    monkeypatch.setattr(zipfile.ZipExtFile, "_read1", _unbounded_read1(zipfile.ZipExtFile._read1))
    expanded = ExpandedBytes(monkeypatch)
    output, error = run(archive, user="author")
    assert error is not None
    assert output.splitlines()[0].startswith(f"{archive}: error: refused: 10.md expands beyond its declared size;")
    assert "(EDITORIAL_IMPORT_MAX_TOTAL_BYTES)" in output.splitlines()[0]
    # Eleven members of 100,000 bytes pass 1 MiB; nothing is inflated past it (plus one byte).
    assert expanded.count == 1024 * 1024 + 1


def _unbounded_read1(real):
    """zipfile's member reader without its stop at the declared size (a reader that trusted a lie)."""

    def read1(self, n):
        self._left = 10**18
        return real(self, n)

    return read1


def test_a_zip_member_compressed_with_bzip2_or_lzma_is_refused_without_inflating(tmp_path, author, topic, monkeypatch):
    # zipfile inflates a whole bzip2 or LZMA block per read: 800 bytes can become a gigabyte at
    # once when the member's header understates its size.
    path = tmp_path / "methods.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("b.md", serialise(article_file("b")), compress_type=zipfile.ZIP_BZIP2)
        archive.writestr("l.md", serialise(article_file("l")), compress_type=zipfile.ZIP_LZMA)
        archive.writestr("a.md", serialise(article_file("a")), compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("s.md", serialise(article_file("s")), compress_type=zipfile.ZIP_STORED)
    expanded = ExpandedBytes(monkeypatch)
    output, error = run(path, user="author")
    assert error is not None
    assert f"{path}:b.md: error: refused: compressed with bzip2; only deflate" in output
    assert f"{path}:l.md: error: refused: compressed with lzma; only deflate" in output
    assert sorted(Article.objects.values_list("slug", flat=True)) == ["a", "s"]
    assert expanded.count == 2 * len(serialise(article_file("a")))


def test_a_zip_with_too_many_entries_is_refused_before_its_directory_is_read(tmp_path, author, monkeypatch):
    monkeypatch.setattr(sources, "MAX_MEMBERS", 10)
    monkeypatch.setattr(sources, "DIRECTORY_BYTES_PER_MEMBER", 60)
    archive = make_zip(tmp_path / "many.zip", {f"{n}.md": b"" for n in range(20)})
    data = bytearray(archive.read_bytes())
    liar = tmp_path / "liar.zip"
    data[-22 + 8 : -22 + 12] = (5).to_bytes(2, "little") * 2  # the end record claims 5 entries
    liar.write_bytes(bytes(data))

    def never(*args, **kwargs):
        raise AssertionError("zipfile read the directory")

    monkeypatch.setattr(zipfile.ZipFile, "_RealGetContents", never)
    output, error = run(archive, liar, user="author")
    assert error is not None
    lines = output.splitlines()
    assert lines[0] == f"{archive}: error: refused: the zip lists 20 entries; at most 10 are read"
    assert lines[1].startswith(f"{liar}: error: refused: the zip's directory is ")
    assert lines[1].endswith("bytes, more than 10 entries can take")


def test_files_after_the_total_is_reached_are_not_read(tmp_path, author, topic, settings, monkeypatch):
    settings.EDITORIAL_IMPORT_MAX_TOTAL_BYTES = 1000
    for n in range(5):
        write(tmp_path, f"{n}.md", b"x" * 600)
    opened = []
    real = Path.open

    def spy(path, *args, **kwargs):
        if path.parent == tmp_path:
            opened.append(path.name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(Path, "open", spy)
    output, error = run(tmp_path, user="author")
    assert error is not None and opened == ["0.md", "1.md"]
    assert output.count("the import is larger than 1,000 bytes in all (EDITORIAL_IMPORT_MAX_TOTAL_BYTES)") == 4


def test_a_path_that_does_not_exist_is_one_line(tmp_path, author):
    output, error = run(tmp_path / "nowhere.md", user="author")
    assert error is not None and f"{tmp_path / 'nowhere.md'}: error: no such file or folder" in output


# --- The format on its own -----------------------------------------------------------------


def test_parse_refuses_unknown_fields_and_unsafe_yaml_with_lines():
    with pytest.raises(FormatError) as error:
        parse(b"---\ntitle: T\nslug: s\ntopic: t\nsummary: S\nauthor: me\n---\n\nBody.\n", max_bytes=1000)
    assert error.value.line == 6 and "unknown field 'author'" in error.value.message
    with pytest.raises(FormatError) as error:
        parse(b"---\ntitle: !!python/object/apply:os.system ['echo hi']\n---\n\nBody.\n", max_bytes=1000)
    assert error.value.line == 2


NESTINGS = {
    "flow lists": "title: " + "[" * 100_000 + "]" * 100_000,
    "flow mappings": "title: " + "{a: " * 100_000 + "x" + "}" * 100_000,
    "flow lists, one per line": "title: " + "[\n" * 100_000 + "]" * 100_000,
    "block lists": "title:\n" + "- " * 100_000 + "x",
    "indented fields": "title:\n" + "".join(" " * n + "a:\n" for n in range(1, 600)) + " " * 600 + "b: x",
    "complex keys": "title: " + "{? " * 100_000 + "x" + "}" * 100_000,
}


@pytest.mark.parametrize("shape", list(NESTINGS))
def test_deep_front_matter_is_refused_before_yaml_builds_it(shape, monkeypatch):
    events = []

    class Counting(front_matter._Loader):
        def get_event(self):
            events.append(1)
            return super().get_event()

    monkeypatch.setattr(front_matter, "_Loader", Counting)
    data = f"---\n{NESTINGS[shape]}\nslug: s\ntopic: t\nsummary: S\n---\n\nBody.\n".encode()
    with pytest.raises(FormatError) as error:
        parse(data, max_bytes=10**7)
    assert error.value.message.startswith("the front matter is nested more than 5 levels deep")
    assert error.value.line >= 2
    assert len(events) <= 2 * fmt.MAX_DEPTH + 4  # stops at the first level too deep, whatever the size


def test_nesting_up_to_the_limit_keeps_the_precise_messages():
    with pytest.raises(FormatError, match="the field 'title' must be text") as error:
        parse(b"---\ntitle: [[[[x]]]]\nslug: s\ntopic: t\nsummary: S\n---\n\nBody.\n", max_bytes=1000)
    assert error.value.line == 2
    assert len(parse(serialise(article_file()), max_bytes=10**6).references) == 2  # three levels deep


def test_yaml_aliases_are_refused_with_their_line():
    data = b"---\ntitle: &t What?\nslug: s\ntopic: t\nsummary: *t\n---\n\nBody.\n"
    with pytest.raises(FormatError) as error:
        parse(data, max_bytes=1000)
    assert error.value.line == 5 and "YAML alias (*t)" in error.value.message


def test_deep_front_matter_leaves_the_import_command_standing(tmp_path):
    """Issue 17, item 3, in a separate interpreter: a crash would show as a signal, not exit 1."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "EDITORIAL_"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3", DJANGO_SETTINGS_MODULE="editorial.test_settings")
    env.pop("REDIS_URL", None)

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )

    assert manage("migrate", "--noinput", "-v0").returncode == 0
    setup = (
        "from django.contrib.auth import get_user_model; from articles.models import Specialty; "
        "get_user_model().objects.create_superuser('importer', 'i@example.org', None); "
        "Specialty.objects.create(name='Neurology', slug='neurology')"
    )
    assert manage("shell", "-c", setup).returncode == 0
    nested = write(tmp_path / "files", "nested.md", NESTED)
    write(tmp_path / "files", "zz-good.md", article_file("good"))
    result = manage("import_articles", "--as", "importer", "--dry-run", str(tmp_path / "files"))
    crash = f" ({signal.Signals(-result.returncode).name})" if result.returncode < 0 else ""
    assert result.returncode == 1, f"exit {result.returncode}{crash}: {result.stderr[-2000:]}"
    assert result.stdout.splitlines() == [
        f"{nested}:2: error: the front matter is nested more than 5 levels deep (lists or fields inside lists "
        "or fields); the format needs at most 3",
        f"{tmp_path / 'files' / 'zz-good.md'}: would create",
        result.stdout.splitlines()[-1],
    ]
    assert "1 to create, 0 to update, 0 unchanged, 1 failed" in result.stdout
    assert result.stderr.strip().endswith("1 of 2 files failed.")


def test_a_reference_url_must_be_a_web_address():
    bad = article_file()
    bad.references[0]["url"] = "javascript:alert(1)"
    with pytest.raises(FormatError, match="http:// or https://"):
        parse(serialise(bad), max_bytes=10**6)


# --- export_articles ------------------------------------------------------------------------


def test_export_refuses_a_folder_that_is_not_empty_unless_forced(tmp_path, author, topic):
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(CommandError, match="not empty"):
        call_command("export_articles", str(tmp_path), stdout=io.StringIO())
    call_command("export_articles", str(tmp_path), "--force", stdout=io.StringIO())
    assert (tmp_path / "keep.txt").read_text() == "mine"


def test_export_writes_only_approved_versions_by_default(tmp_path, author, reviewer, topic):
    factories.make_article(author=author, slug="draft-only", specialty=topic)
    factories.publish(
        factories.make_article(author=author, slug="live", specialty=topic), author=author, reviewers=[reviewer]
    )
    assert set(export(tmp_path / "approved")) == {"live.md"}
    assert set(export(tmp_path / "all", "--all")) == {"live.md", "draft-only.md"}


def test_the_readme_example_is_a_valid_article_file(db):  # validation reads the site's editorial checklist
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Moving content in and out") :]
    example = section[section.index("```markdown\n") + len("```markdown\n") :]
    example = example[: example.index("\n```\n") + 1]
    article = parse(example.encode(), max_bytes=10**6)
    assert article.slug == "what-causes-gout" and len(article.references) == 2
    snapshot = article.content() | {"references": article.references}
    validation.validate_for_review(snapshot)  # every citation names a reference, every reference is cited
    assert serialise(article) == example.encode()


def test_the_progress_bar_stays_quiet_when_output_is_not_a_terminal(tmp_path, author, topic, capsys):
    write(tmp_path, "a.md", article_file("a"))
    output, error = run(tmp_path, user="author")
    assert error is None and capsys.readouterr().err == ""


def test_a_working_copy_with_gaps_in_its_reference_numbers_exports_numbered_by_position(tmp_path, author, topic):
    article = factories.make_article(
        author=author,
        slug="gaps",
        specialty=topic,
        summary="See [3].",
        body="First [1], then [3] and [1, 3].",
        references=0,
    )
    for number in (1, 3):
        factories.ReferenceFactory(article=article, number=number, title=f"Reference {number}")
    first = export(tmp_path / "first", "--all")["gaps.md"]
    exported = parse(first, max_bytes=10**6)
    assert exported.summary == "See [2]." and exported.body == "First [1], then [2] and [1, 2]."
    assert [r["title"] for r in exported.references] == ["Reference 1", "Reference 3"]
    Reference.objects.filter(article=article).delete()
    Article.objects.filter(pk=article.pk).update(slug="old")
    output, error = run(tmp_path / "first", user="author")
    assert error is None, output
    assert export(tmp_path / "second", "--all")["gaps.md"] == first


TEXT = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=80).filter(
    lambda text: text.strip() and not CONTROL_CHARACTERS.search(text)
)
NAME = TEXT.filter(lambda text: not BIDI_CONTROLS.search(text))


def lf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=NAME, summary=TEXT, body=TEXT, professional=st.one_of(st.just(""), TEXT), reference=NAME)
def test_any_text_survives_the_format_exactly(title, summary, body, professional, reference):
    article = ArticleFile(
        title=title,
        slug="s",
        topic="t",
        summary=summary,
        body=body,
        professional_body=professional,
        references=[{"number": 1, "kind": "other", "title": reference, "source": reference, "year": 2020}],
    )
    data = serialise(article)
    back = parse(data, max_bytes=10**6)
    assert (back.title, back.summary, back.body, back.professional_body) == tuple(
        lf(text) for text in (title, summary, body, professional)
    )
    assert back.references[0]["title"] == back.references[0]["source"] == lf(reference)
    assert serialise(back) == data


def test_a_folder_without_markdown_files_is_an_error(tmp_path, author):
    (tmp_path / "notes.txt").write_text("hello")
    _, error = run(tmp_path, user="author")
    assert error is not None and "No .md files found" in str(error)


def test_an_encrypted_zip_member_gets_one_line(tmp_path, author, topic):
    path = make_zip(tmp_path / "secret.zip", {"a.md": serialise(article_file("a"))})
    data = bytearray(path.read_bytes())
    # Set the "encrypted" flag bit in the local header and the central directory entry.
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.index(signature) + offset
        data[at] |= 0x01
    path.write_bytes(bytes(data))
    output, error = run(path, user="author")
    assert error is not None and f"{path}:a.md: error: the zip member cannot be read" in output
