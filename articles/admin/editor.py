"""The article editor: Markdown fields with a toolbar and a live preview rendered as readers see it.

The preview is rendered on the server by ``rendering.render``, the renderer of the public page,
so citations are resolved and numbered exactly as readers will see them; the browser posts the
change form's fields (text and reference rows) as the editor types, debounced.
"""

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_sameorigin

from articles.content import reference_lookup
from articles.content.rendering import citation_problems, markdown_problems, render
from articles.models import max_reference_number
from articles.models.figures import figure_problems, library_images
from articles.review import checks

# The widths the live preview can be shown at besides the panel's own ("phone" as an iPhone 14).
DEVICES = [("phone", "Phone", 390), ("tablet", "Tablet", 768), ("desktop", "Desktop", 1280)]
AUDIENCES = {"patient": ("summary", "body"), "professional": ("professional_summary", "professional_body")}
REFERENCE_FIELDS = ("kind", "title", "source", "url", "doi", "pmid")


class MarkdownEditor(forms.Textarea):
    """A textarea with a formatting toolbar; ``preview`` adds the live preview beside it."""

    template_name = "admin/articles/widgets/markdown_editor.html"

    def __init__(self, *args, preview: str = "", **kwargs):
        self.preview = preview  # "patient", "professional" or "" (toolbar only)
        super().__init__(*args, **kwargs)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["preview"] = self.preview
        if self.preview:
            context["widget"]["preview_url"] = reverse("admin:articles_article_live_preview")
            context["widget"]["frame_url"] = reverse("admin:articles_article_live_preview_frame")
            context["widget"]["devices"] = DEVICES
            if reference_lookup.enabled():
                context["widget"]["lookup_url"] = reverse("admin:articles_article_reference_lookup")
        return context

    class Media:
        js = ["articles/editor.js"]


def references_from_form(data) -> list[dict]:
    """Return the change form's reference rows (``references-N-*``) as the renderer reads them.

    Rows being deleted, without a title or without a whole-number number are left out; the
    form's own validation names them when the editor saves.
    """
    try:
        rows = min(int(data.get("references-TOTAL_FORMS", 0)), max_reference_number())
    except ValueError:
        rows = 0
    references, numbers = [], set()
    for row in range(max(rows, 0)):
        prefix = f"references-{row}-"
        number = data.get(prefix + "number", "").strip()
        title = data.get(prefix + "title", "").strip()
        if data.get(prefix + "DELETE") or not title or not number.isdigit() or int(number) in numbers:
            continue
        numbers.add(int(number))
        reference = {name: data.get(prefix + name, "").strip() for name in REFERENCE_FIELDS}
        year = data.get(prefix + "year", "").strip()
        references.append({**reference, "number": int(number), "year": int(year) if year.isdigit() else None})
    return sorted(references, key=lambda reference: reference["number"])


def live_preview_view(model_admin, request):
    """Render the posted working text of one audience as the article page will show it."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not (model_admin.has_add_permission(request) or model_admin.has_change_permission(request)):
        raise PermissionDenied
    audience = request.POST.get("audience")
    if audience not in AUDIENCES:
        audience = "patient"
    summary_field, body_field = AUDIENCES[audience]
    summary, body = request.POST.get(summary_field, ""), request.POST.get(body_field, "")
    references = references_from_form(request.POST)
    snapshot = {
        "summary": request.POST.get("summary", ""),
        "body": request.POST.get("body", ""),
        "professional_summary": request.POST.get("professional_summary", ""),
        "professional_body": request.POST.get("professional_body", ""),
        "references": references,
    }
    context = {
        "audience": audience,
        "title": request.POST.get("title", ""),
        "rendered": render(summary, body, references, images=library_images(summary, body)),
        "problems": markdown_problems(summary)
        + markdown_problems(body)
        + figure_problems(summary, label="The summary")
        + figure_problems(body, label="The body")
        + citation_problems(snapshot),
        # The editorial checks of this audience's text, shown beside the preview (editor.js).
        "checks": checks.report(snapshot).only((summary_field, body_field)),
        "checks_id": audience,
    }
    return TemplateResponse(request, "admin/articles/_live_preview.html", context)


@xframe_options_sameorigin
def live_preview_frame_view(model_admin, request):
    """The page the live preview is shown in: the public stylesheet, and nothing else around it.

    A frame of its own, so the admin's styles (its lists without bullets, indented 170 px) never
    reach the preview, and its width can be a phone's or a tablet's: the public page's media
    queries answer to the frame's width. The editor's script fills it with ``live_preview_view``.
    """
    if not (model_admin.has_add_permission(request) or model_admin.has_change_permission(request)):
        raise PermissionDenied
    return TemplateResponse(request, "admin/articles/live_preview_frame.html", {})


def reference_lookup_view(model_admin, request):
    """Answer a reference row's "Look up": its title, source and year, or why not (JSON)."""
    if not reference_lookup.enabled():
        raise Http404("Reference lookup is not enabled.")
    if not (model_admin.has_add_permission(request) or model_admin.has_change_permission(request)):
        raise PermissionDenied
    try:
        found = reference_lookup.lookup(doi=request.GET.get("doi", "")[:200], pmid=request.GET.get("pmid", "")[:20])
    except reference_lookup.LookupFailed as failure:
        return JsonResponse({"error": str(failure)}, status=422)
    return JsonResponse(found)
