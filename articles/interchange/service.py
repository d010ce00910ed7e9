"""Import and export articles as Markdown files, through the workflow.

``plan(sources)`` reads and checks every file without writing anything and says, per file, what
importing it would do (create, update, nothing, or why it cannot). ``apply(plan, user=...)``
then writes each article with its references in one transaction, as a draft saved by ``user``
with the reason "Imported from <file>", and optionally submits it; it never approves. The
command (``import_articles``) and the admin's import page are thin shells over these two.
``export`` turns articles back into files.

Images travel with the files (``image_files``): exported beside the ``.md`` files, checked on
import before anything is written (``plan``), added to the library with the article.
"""

import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.template.defaultfilters import pluralize
from simple_history.utils import bulk_create_with_history

from articles.content import renumbering
from articles.models import Article, ArticleFlag, Reference, Specialty, hash_content, with_flags
from articles.operations import audit
from articles.review import editing, validation, workflow
from articles.site import redirects

from . import image_files
from .format import TIMING_KEYS, ArticleFile, FormatError, parse, serialise
from .sources import Source, limits

CREATE, UPDATE, UNCHANGED, ERROR, SKIPPED = "create", "update", "unchanged", "error", "skipped"


@dataclass
class Item:
    """One file of an import and what importing it does (or did)."""

    name: str
    action: str
    problem: str = ""
    line: int | None = None
    article: ArticleFile | None = None
    article_id: int | None = None
    live: bool = False  # the article has an approved version, which stays live
    base: str | None = None  # the stored copy's edit version when planned (optimistic concurrency)
    done: bool = False
    note: str = ""
    images: list[image_files.PlannedImage] = field(default_factory=list)

    def report(self, *, dry_run: bool = False) -> str:
        """One line for people: "<file>: created", "<file>:<line>: error: <problem>"."""
        if self.action == ERROR:
            where = f"{self.name}:{self.line}" if self.line else self.name
            return f"{where}: error: {self.problem}"
        if self.action == SKIPPED:
            return f"{self.name}: {self.note}"
        if self.action == UNCHANGED:
            return f"{self.name}: unchanged, nothing to do"
        if dry_run:
            text = f"would {self.action}"
        elif not self.done:
            return f"{self.name}: not imported ({self.note})"
        else:
            text = "created" if self.action == CREATE else "updated"
        if self.action == UPDATE and self.live:
            text += " (new draft; the live version stays until approved)"
        if self.done and self.note:
            text += f"; {self.note}"
        return f"{self.name}: {text}"


@dataclass
class Plan:
    items: list[Item]
    submit: bool = False
    change_note: str = ""
    change_kind: str = ""
    seconds: float = 0.0
    topics: dict = field(default_factory=dict)

    @property
    def errors(self) -> list[Item]:
        return [item for item in self.items if item.action == ERROR]

    @property
    def writes(self) -> list[Item]:
        return [item for item in self.items if item.action in (CREATE, UPDATE)]

    def fingerprint(self) -> list:
        """What the plan would do, to compare a preview with the plan made when confirming."""
        return [[item.name, item.action, item.base or "", item.problem] for item in self.items]

    def lines(self, *, dry_run: bool = False) -> list[str]:
        return [item.report(dry_run=dry_run) for item in self.items]

    def summary(self, *, dry_run: bool = False) -> str:
        counts = Counter(item.action for item in self.items)
        done = Counter(item.action for item in self.items if item.done)
        if dry_run:
            parts = [f"{counts[CREATE]} to create", f"{counts[UPDATE]} to update"]
        else:
            parts = [f"{done[CREATE]} created", f"{done[UPDATE]} updated"]
        parts += [f"{counts[UNCHANGED]} unchanged", f"{counts[ERROR]} failed"]
        if counts[SKIPPED]:
            parts.append(f"{counts[SKIPPED]} skipped")
        prefix = "Dry run, nothing written: " if dry_run else ""
        files = f"{len(self.items)} file{pluralize(len(self.items))}"
        return f"{prefix}{', '.join(parts)} ({files}, {self.seconds:.1f} s)."


def snapshot_of(article: ArticleFile, topic: Specialty, ids: dict | None = None) -> dict:
    """The file's content as ``Article.content_snapshot`` has it, to compare and validate."""
    data = {name: value for name, value in article.content().items() if name != "slug"}
    data |= image_files.with_image_ids(article, ids or {})
    data["specialty_id"] = topic.pk
    data["references"] = [dict(reference) for reference in article.references]
    return with_flags(data, article.flags)


def plan(sources: list[Source], *, submit: bool = False, change_note: str = "", change_kind: str = "") -> Plan:
    """Read and check every file and say what importing it would do; nothing is written."""
    started = time.perf_counter()
    topics = {topic.slug: topic for topic in Specialty.objects.all()}
    flags = set(ArticleFlag.objects.values_list("slug", flat=True))
    items = [_parse(source) for source in sources]
    _refuse_duplicate_slugs(items)
    slugs = [item.article.slug for item in items if item.article]
    stored = {
        article.slug: article
        for article in Article.objects.filter(slug__in=slugs).prefetch_related("references").order_by()
    }
    for item in items:
        if item.action != CREATE:
            continue
        unknown = sorted(set(item.article.flags) - flags)
        if unknown:
            known = ", ".join(sorted(flags)) or "none yet; add flags in the admin first"
            _fail(item, f"unknown flag '{unknown[0]}' (known flags: {known})", item.article.lines.get("flags"))
            continue
        try:
            redirects.check_for_article(item.article.redirect_from, item.article.slug)
        except ValidationError as error:
            _fail(item, f"redirect_from: {error.messages[0]}", item.article.lines.get("redirect_from"))
            continue
        _classify(item, topics, stored.get(item.article.slug), submit, change_note, change_kind)
    result = Plan(items, submit=submit, change_note=change_note, change_kind=change_kind, topics=topics)
    result.seconds = time.perf_counter() - started
    return result


def _parse(source: Source) -> Item:
    if source.note:
        return Item(source.name, SKIPPED, note=source.note)
    if source.error:
        return Item(source.name, ERROR, problem=source.error)
    try:
        article = parse(source.data, max_bytes=limits()[0])
    except FormatError as error:
        return Item(source.name, ERROR, problem=error.message, line=error.line)
    item = Item(source.name, CREATE, article=article)
    item.images, problem = image_files.read_images(article, source)
    if problem:
        _fail(item, *problem)
    return item


def _refuse_duplicate_slugs(items: list[Item]) -> None:
    by_slug = defaultdict(list)
    for item in items:
        if item.article:
            by_slug[item.article.slug].append(item)
    for slug, same in by_slug.items():
        if len(same) > 1:
            for item in same:
                others = ", ".join(other.name for other in same if other is not item)
                item.action, item.line = ERROR, item.article.lines.get("slug")
                item.problem = f"the slug '{slug}' is also used by {others} in this import; each article once"


def _fail(item: Item, problem: str, line: int | None = None) -> None:
    item.action, item.problem, item.line = ERROR, problem, line


def _classify(item, topics, stored: Article | None, submit: bool, change_note: str, change_kind: str) -> None:
    article = item.article
    topic = topics.get(article.topic)
    if topic is None:
        known = ", ".join(sorted(topics)) or "none yet; add topics in the admin first"
        return _fail(item, f"unknown topic '{article.topic}' (known topics: {known})", article.lines.get("topic"))
    matched = {planned.entry["file"]: planned.existing() for planned in item.images}
    # Images not in the library yet get their number when written: 0 stands in to check the text.
    ids = {path: image.pk if image else 0 for path, image in matched.items()}
    snapshot = snapshot_of(article, topic, ids)
    if stored is not None and all(matched.values()):
        item.article_id = stored.pk
        item.live = stored.published_revision_id is not None
        current = {name: getattr(stored, name) for name in Article.CONTENT_FIELDS}
        current["references"] = [reference.as_dict() for reference in stored.references.all()]  # prefetched
        same_timing = all(getattr(stored, name) == value for name, value in article.timing().items())
        same_redirects = set(article.redirect_from) <= set(stored.redirects.values_list("old_path", flat=True))
        if hash_content(with_flags(current, stored.flags)) == hash_content(snapshot) and same_timing and same_redirects:
            item.action = UNCHANGED
            return
    try:
        # Images new to the library have no number yet (0 stands in): checked as a draft here, and
        # with their numbers when the article is submitted after writing them.
        validation.validate_for_review(snapshot, draft=not submit or not all(matched.values()))
    except ValidationError as error:
        return _fail(item, " ".join(error.messages))
    if stored is None:
        return
    if stored.status not in editing.EDITABLE_STATES:
        how = "withdraw it to draft" if stored.is_locked else "restore it to draft"
        return _fail(item, f"the article is {stored.get_status_display().lower()} and read-only; {how} to import")
    if submit and item.live:
        try:
            validation.clean_change_note(change_note=change_note, change_kind=change_kind)
        except ValidationError as error:
            return _fail(item, "submitting an update of a published article needs " + " ".join(error.messages))
    item.action = UPDATE
    item.base = editing.edit_version(stored)


class Rollback(Exception):
    """Raised inside the outer transaction of an ``--atomic`` import to undo everything."""


def check_permission(user, *, submit: bool) -> None:
    """Refuse a user who may not create and edit articles (or submit them, with ``submit``)."""
    needed = ["articles.add_article", "articles.change_article"] + ([workflow.EDITOR_PERMISSION] if submit else [])
    if not user.is_active or not all(user.has_perm(permission) for permission in needed):
        what = "create, edit and submit" if submit else "create and edit"
        raise PermissionDenied(f"{user.get_username()} may not {what} articles, so cannot import them.")


def apply(the_plan: Plan, *, user, atomic: bool = False, progress=None) -> Plan:
    """Write the plan's creates and updates, each article with its references or not at all.

    With ``atomic`` nothing is written unless every file imports. ``progress`` is called once per
    file written (a progress bar's ``update``).
    """
    check_permission(user, submit=the_plan.submit)
    started = time.perf_counter()
    if atomic and the_plan.errors:
        _not_imported(the_plan, "another file failed and --atomic was given")
    elif atomic:
        try:
            with transaction.atomic():
                _apply_each(the_plan, user, progress)
                if the_plan.errors:
                    raise Rollback
        except Rollback:
            _not_imported(the_plan, "another file failed and --atomic was given; nothing was written")
    else:
        _apply_each(the_plan, user, progress)
    the_plan.seconds += time.perf_counter() - started
    outcomes = Counter("written" if item.done else "not written" for item in the_plan.writes)
    audit.record(
        "import.run",
        actor=user,
        files=len(the_plan.items),
        written=outcomes["written"],
        not_written=outcomes["not written"],
        errors=len(the_plan.errors),
        atomic=atomic,
        submit=the_plan.submit,
        names=[item.name for item in the_plan.items][:100],
    )
    return the_plan


def _not_imported(the_plan: Plan, why: str) -> None:
    for item in the_plan.writes:
        item.done, item.note = False, why


def _apply_each(the_plan: Plan, user, progress) -> None:
    for item in the_plan.writes:
        try:
            with transaction.atomic():
                _write(item, the_plan, user)
        except (workflow.WorkflowError, ValidationError, PermissionDenied, IntegrityError) as error:
            messages = error.messages if isinstance(error, ValidationError) else [str(error)]
            if isinstance(error, workflow.EditConflict):
                messages = ["someone else changed this article after the import was planned; import it again"]
            elif isinstance(error, IntegrityError):
                messages = ["an article with this slug was created while importing; import it again"]
            _fail(item, " ".join(messages))
        else:
            item.done = True
        if progress:
            progress(1)


def _write(item: Item, the_plan: Plan, user) -> None:
    data = item.article
    reason = f"Imported from {item.name}"
    content = {name: value for name, value in data.content().items() if name != "slug"}
    content |= image_files.with_image_ids(data, image_files.library_images(item.images, user, reason))
    topic = the_plan.topics[data.topic]
    if item.article_id is None:
        # The timing (an embargo...) comes with the draft; the workflow enforces it at approval.
        article = Article(slug=data.slug, specialty=topic, flags=list(data.flags), **content, **data.timing())
        editing.save_content(article, user=user, reason=reason)
    else:
        article = Article.objects.get(pk=item.article_id)
        # The same guarantee as save_content(base=...), taken before the references change:
        # an edit saved since the plan was made is never overwritten.
        editing.check_edit_base(article, item.base)
        for reference in article.references.all():
            reference._history_user, reference._change_reason = user, reason
            reference.delete()
    _add_references(article, data.references, user=user, reason=reason)
    if item.article_id is not None:
        for name, value in (content | data.timing()).items():
            setattr(article, name, value)
        article.specialty = topic
        article.flags = list(data.flags)
        editing.save_content(article, user=user, reason=reason)
    if data.redirect_from:
        redirects.add_for_article(article, data.redirect_from, user=user)
    if the_plan.submit:
        workflow.submit(article, user=user, change_note=the_plan.change_note, change_kind=the_plan.change_kind)
        item.note = "submitted for review"


def _add_references(article: Article, references: list[dict], *, user, reason: str) -> None:
    """Insert the references in one statement, with one history row each (who and why)."""
    rows = [Reference(article=article, **reference) for reference in references]
    for row in rows:
        row.full_clean(exclude=["article"], validate_unique=False, validate_constraints=False)
    if rows:
        bulk_create_with_history(rows, Reference, default_user=user, default_change_reason=reason)


# --- Export ----------------------------------------------------------------------


def article_file(article: Article, *, approved: bool = True) -> ArticleFile | None:
    """The article as a file: its approved version (``None`` if it has none) or its working copy."""
    if approved:
        revision = article.published_revision
        if revision is None:
            return None
        source, references = revision, revision.references
        topic = revision.specialty or article.specialty
    else:
        source, references = article, [reference.as_dict() for reference in article.references.all()]
        topic = article.specialty
    flags = sorted(source.flags or [])
    texts = {name: getattr(source, name) for name in renumbering.TEXT_FIELDS}
    references = sorted(references, key=lambda reference: reference["number"])
    numbers = [reference["number"] for reference in references]
    cited = renumbering.citation_order(list(texts.values()))
    if numbers != list(range(1, len(numbers) + 1)) and set(cited) <= set(numbers):
        # The file numbers references by position: close gaps (1, 3 → 1, 2) and rewrite the
        # citations to match, so the file says what the article says. Not while a citation
        # names a missing reference: rewriting would point it at another one.
        mapping = {old: new for new, old in enumerate(numbers, start=1)}
        texts = {name: renumbering.rewrite_citations(text, mapping) for name, text in texts.items()}
        references = [reference | {"number": mapping[reference["number"]]} for reference in references]
    texts, images, files = image_files.portable(texts, revision=source if approved else None)
    timing = {name: getattr(source, name) for name in TIMING_KEYS}
    return ArticleFile(
        title=source.title,
        slug=article.slug,
        topic=topic.slug,
        flags=flags,
        redirect_from=sorted(redirect.old_path for redirect in article.redirects.all()),
        **texts,
        references=references,
        images=images,
        files=files,
        **timing,
    )


def export(articles, *, approved: bool = True, user=None):
    """Yield ``(file name, bytes)`` for each article (``<slug>.md``) and, once each, the image files its
    figures show (``images/<name>``); an article without an approved version is skipped.

    Recorded in the audit log (as ``user``) when the first file is asked for.
    """
    audit.record("export.run", actor=user, approved_only=approved, articles=articles.count())
    articles = articles.select_related("specialty", "published_revision__specialty").prefetch_related("redirects")
    if not approved:
        articles = articles.prefetch_related("references")
    written = set()
    for article in articles.order_by("slug").iterator(chunk_size=200):
        data = article_file(article, approved=approved)
        if data is not None:
            yield f"{article.slug}.md", serialise(data)
            for path, blob in data.files.items():
                if path not in written:
                    written.add(path)
                    yield path, blob.read()
