"""The admin's Markdown import page and "Export as Markdown" action: shells over ``interchange.service``.

Import is two steps. The upload is kept on the server (``EDITORIAL_IMPORT_DIR/<user id>-<token>/``,
the token in the editor's session, never a plan the browser sends back) and checked: the page
shows the same per-file report as ``import_articles --dry-run``. Confirming plans it again from
the stored bytes, imports if nothing moved since the preview, and deletes the upload.

Uploads hold unpublished text: the folder is 0700 and every file 0600, whatever the umask. One
waits per session (a new upload replaces it) and at most ``MAX_PENDING_PER_USER`` per editor
across sessions (a new upload removes that editor's oldest, whose page then says it is no longer
waiting); any left for ``PENDING_SECONDS`` are removed on the next visit of the import page.
"""

import io
import json
import os
import re
import secrets
import shutil
import time
import zipfile
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone

from articles.interchange import guide, service
from articles.interchange.sources import Budget, read_upload
from articles.models import Revision, Specialty

SESSION_KEY = "article_import"
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
PENDING_SECONDS = 24 * 3600
MAX_PENDING_PER_USER = 3


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".md,.zip,text/markdown,application/zip"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(file, initial) for file in files]


class ImportForm(forms.Form):
    files = MultipleFileField(
        label="Markdown files or a .zip",
        help_text="Up to 100 .md files (one article each), or one .zip of them; nothing is written until you confirm.",
    )
    submit = forms.BooleanField(required=False, label="Submit the imported articles for review")
    change_note = forms.CharField(
        required=False,
        max_length=300,
        label="Public change note (updates of published articles)",
        help_text="Needed to submit an update of a published article: readers see it.",
    )
    change_kind = forms.ChoiceField(
        required=False, label="Kind of change", choices=[("", "—")] + list(Revision.ChangeKind.choices)
    )
    atomic = forms.BooleanField(required=False, label="All or nothing: import nothing if any file fails")

    def clean_files(self):
        files = self.cleaned_data["files"]
        total = sum(file.size for file in files)
        if total > settings.EDITORIAL_IMPORT_MAX_TOTAL_BYTES:
            raise forms.ValidationError(
                f"The upload is {total:,} bytes; at most {settings.EDITORIAL_IMPORT_MAX_TOTAL_BYTES:,} are accepted.",
                code="too_large",
            )
        for file in files:
            if not file.name.lower().endswith((".md", ".zip")):
                raise forms.ValidationError(f"“{file.name}” is neither a .md file nor a .zip.", code="file_type")
        return files


def may_import(user) -> bool:
    return user.is_active and user.has_perms(["articles.add_article", "articles.change_article"])


def _folder(user, token: str) -> Path:
    if not TOKEN_RE.match(token or ""):
        raise PermissionDenied("Unknown import.")
    return Path(settings.EDITORIAL_IMPORT_DIR) / f"{user.pk}-{token}"


def _root() -> Path:
    root = Path(settings.EDITORIAL_IMPORT_DIR)
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    root.chmod(0o700)  # also a folder made before uploads were private (0755 under the usual umask)
    return root


def _sweep(user=None, keep: int = MAX_PENDING_PER_USER) -> int:
    """Remove uploads waiting longer than ``PENDING_SECONDS``, and ``user``'s oldest beyond ``keep``.

    Returns how many of ``user``'s were removed to keep within the cap.
    """
    root = Path(settings.EDITORIAL_IMPORT_DIR)
    if not root.is_dir():
        return 0
    expired, mine = time.time() - PENDING_SECONDS, []
    for entry in root.iterdir():
        try:
            modified = entry.lstat().st_mtime
        except FileNotFoundError:  # removed meanwhile by another request
            continue
        if modified < expired:
            _remove(entry)
        elif user is not None and entry.name.startswith(f"{user.pk}-"):
            mine.append((modified, entry.name, entry))
    mine.sort()
    extra = mine[: max(len(mine) - keep, 0)]
    for *_, entry in extra:
        _remove(entry)
    return len(extra)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _private_file(path: Path):
    """Open a new file for writing that only the server's user may read (0600, whatever the umask)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.fchmod(descriptor, 0o600)
    return os.fdopen(descriptor, "wb")


def _store(user, files) -> tuple[str, int]:
    """Keep the uploaded files on the server until the import is confirmed.

    Returns their token and how many of the user's older uploads were removed to stay within
    ``MAX_PENDING_PER_USER``.
    """
    _root()
    removed = _sweep(user, keep=MAX_PENDING_PER_USER - 1)
    token = secrets.token_urlsafe(24)
    folder = _folder(user, token)
    folder.mkdir(mode=0o700)
    folder.chmod(0o700)
    names = []
    for index, upload in enumerate(files):
        with _private_file(folder / str(index)) as out:
            for chunk in upload.chunks():
                out.write(chunk)
        names.append(Path(upload.name).name)
    with _private_file(folder / "names.json") as out:
        out.write(json.dumps(names).encode())
    return token, removed


def _sources(user, token: str):
    folder = _folder(user, token)
    names = json.loads((folder / "names.json").read_text())
    budget, sources = Budget(), []
    for index, name in enumerate(names):
        with (folder / str(index)).open("rb") as handle:
            sources += read_upload(name, handle, budget)
    return sources


def _discard(user, token: str) -> None:
    shutil.rmtree(_folder(user, token), ignore_errors=True)


def _plan(user, token: str, options: dict) -> service.Plan:
    return service.plan(
        _sources(user, token),
        submit=options["submit"],
        change_note=options["change_note"],
        change_kind=options["change_kind"],
    )


def import_view(model_admin, request):
    """Upload → per-file report (nothing written) → confirm → import."""
    if not may_import(request.user):
        raise PermissionDenied
    user = request.user
    _sweep()  # uploads left waiting too long, whoever's
    pending = request.session.get(SESSION_KEY)
    if request.method == "POST" and request.POST.get("step") in ("confirm", "cancel"):
        if not pending or request.POST.get("token") != pending["token"] or not _folder(user, pending["token"]).exists():
            messages.error(
                request,
                "That import is no longer waiting (it was confirmed, cancelled, expired, or replaced by "
                f"newer uploads: at most {MAX_PENDING_PER_USER} wait per person).",
            )
            return redirect("admin:articles_article_import")
        if request.POST["step"] == "cancel":
            _discard(user, pending["token"])
            del request.session[SESSION_KEY]
            messages.info(request, "Import cancelled; nothing was written.")
            return redirect("admin:articles_article_import")
        return _confirm(model_admin, request, pending)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        if pending:
            _discard(user, pending["token"])
        options = {name: form.cleaned_data[name] for name in ("submit", "change_note", "change_kind", "atomic")}
        if options["submit"] and not request.user.has_perm("articles.submit_article"):
            form.add_error("submit", "You may not submit articles for review.")
        else:
            token, removed = _store(user, form.cleaned_data["files"])
            if removed:
                messages.info(
                    request,
                    f"Your oldest waiting import (from another window or device) was removed: at most "
                    f"{MAX_PENDING_PER_USER} wait per person.",
                )
            plan = _plan(user, token, options)
            request.session[SESSION_KEY] = {"token": token, "options": options, "fingerprint": plan.fingerprint()}
            return _report(model_admin, request, plan, token, options)
    return TemplateResponse(
        request,
        "admin/articles/article/import.html",
        {**_context(model_admin, request), "form": form, **_format_help()},
    )


def _format_help() -> dict:
    """The file format explained on the page itself (editors never see the README)."""
    return {
        "format_overview": guide.overview(),
        "article_fields": guide.article_fields(),
        "reference_fields": guide.reference_fields(),
        "example": guide.example(),
        "topics": list(Specialty.objects.order_by("name").values_list("slug", "name")[:200]),
    }


def _confirm(model_admin, request, pending):
    options = pending["options"]
    plan = _plan(request.user, pending["token"], options)
    if plan.fingerprint() != pending["fingerprint"]:
        pending["fingerprint"] = plan.fingerprint()
        request.session[SESSION_KEY] = pending
        messages.warning(request, "Articles changed since the report was made; here is the report as things stand now.")
        return _report(model_admin, request, plan, pending["token"], options)
    service.apply(plan, user=request.user, atomic=options["atomic"])
    _discard(request.user, pending["token"])
    del request.session[SESSION_KEY]
    for line in plan.lines():
        # Each line starts with the file's name, which keeps its case ("migraine.md: created").
        level = messages.ERROR if ": error: " in line else messages.INFO
        messages.add_message(request, level, line, extra_tags="verbatim")
    level = messages.ERROR if plan.errors else messages.SUCCESS
    messages.add_message(request, level, plan.summary())
    return redirect("admin:articles_article_changelist")


def _report(model_admin, request, plan, token, options):
    importable = len(plan.writes) if not (options["atomic"] and plan.errors) else 0
    return TemplateResponse(
        request,
        "admin/articles/article/import.html",
        {
            **_context(model_admin, request),
            "plan": plan,
            "lines": [(line, ": error: " in line) for line in plan.lines(dry_run=True)],
            "summary": plan.summary(dry_run=True).removeprefix("Dry run, nothing written: "),
            "token": token,
            "options": options,
            "importable": importable,
        },
    )


def _context(model_admin, request) -> dict:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": "Import articles from Markdown",
        "max_bytes": settings.EDITORIAL_IMPORT_MAX_BYTES,
    }


def export_markdown(model_admin, request, queryset):
    """Download the selected articles' approved versions as a .zip of Markdown files."""
    files = list(service.export(queryset, approved=True, user=request.user))
    skipped = queryset.count() - len(files)
    if not files:
        messages.warning(request, "None of the selected articles has an approved version; nothing to export.")
        return None
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            archive.writestr(name, data)
    if skipped:
        messages.warning(request, f"{skipped} selected article(s) without an approved version were not exported.")
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="articles-{timezone.now():%Y-%m-%d}.zip"'
    return response


export_markdown.short_description = "Export as Markdown (.zip, approved versions)"
export_markdown.allowed_permissions = ("view",)
