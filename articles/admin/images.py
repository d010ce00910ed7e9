"""The image library: upload, find (search and filters), describe and replace images.

A replaced file is kept (files are content-addressed, ``articles.models.images``): the image's
history records each file it had. An image no article shows may be deleted (its file stays); one
that a working copy or any version shows is refused, naming them. Each image's page lists where it
is used; the list has a "Used in" column and a "Usage" filter. Checking and storing happen in
``articles.models.images``; this screen only asks.
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from articles.content import images as pixels
from articles.models import Image
from articles.models import images as library
from articles.models.images import check_upload, renditions_after_commit, store
from articles.review import image_changes

from .base import HistoryAdmin

FORMAT_NAMES = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP", "AVIF": "AVIF"}
ACCEPT = "image/jpeg,image/png,image/webp,image/avif,.jpg,.jpeg,.png,.webp,.avif"


class ImageForm(forms.ModelForm):
    source_url = forms.URLField(label="Source URL", required=False, max_length=500, assume_scheme="https")
    upload = forms.FileField(
        label="File",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )

    class Meta:
        model = Image
        fields = [
            "title",
            "upload",
            "alt_text",
            "decorative",
            "caption",
            "credit",
            "source_url",
            "licence",
            "licence_note",
        ]
        widgets = {"caption": forms.Textarea(attrs={"rows": 3}), "licence_note": forms.Textarea(attrs={"rows": 3})}

    user = None  # the editor saving (``ImageAdmin.get_form``)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cleaned_image = None
        limit = pixels.human_size(settings.EDITORIAL_IMAGE_MAX_BYTES)
        accepted = ", ".join(FORMAT_NAMES[fmt] for fmt in pixels.accepted_formats())
        if self.instance.pk:
            self.fields["upload"].label = "Replace file"
            self.fields[
                "upload"
            ].help_text = f"Optional. The current file is kept for anything that showed it. {accepted}, up to {limit}."
        else:
            self.fields["upload"].required = True
            self.fields["upload"].help_text = (
                f"{accepted}, up to {limit} and {pixels.MAX_PIXELS // 1_000_000} megapixels. "
                "Location and camera data (EXIF) are removed."
            )

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if not upload:
            return upload
        name = upload.name
        if upload.size > settings.EDITORIAL_IMAGE_MAX_BYTES:  # refused before reading it into memory
            raise forms.ValidationError(
                f"“{name}” is {pixels.human_size(upload.size)}; the limit is "
                f"{pixels.human_size(settings.EDITORIAL_IMAGE_MAX_BYTES)}."
            )
        try:
            self.cleaned_image = check_upload(name, upload.read())
        except pixels.ImageRejected as rejected:
            raise forms.ValidationError(f"“{name}” {rejected}") from None
        return upload

    def clean(self):
        cleaned = super().clean()
        reviewed = set(self.changed_data) & {*image_changes.DESCRIBED, "upload"}
        if self.instance.pk and reviewed and self.user is not None:
            try:  # changing an image live articles show makes drafts of them: editors only
                image_changes.check(self.instance.pk, self.user)
            except PermissionDenied as refused:
                raise forms.ValidationError(str(refused), code="permission") from None
        return cleaned


class UsageFilter(admin.SimpleListFilter):
    title = "usage"
    parameter_name = "usage"

    def lookups(self, request, model_admin):
        return [("used", "Used in articles"), ("unused", "Unused")]

    def queryset(self, request, queryset):
        if self.value() not in ("used", "unused"):
            return queryset
        used = library.used_image_ids()
        return queryset.filter(pk__in=used) if self.value() == "used" else queryset.exclude(pk__in=used)


@admin.register(Image)
class ImageAdmin(HistoryAdmin):
    form = ImageForm
    # Who uploaded is a filter and on each page: the row keeps room for where the image is used.
    list_display = ["thumbnail", "title", "description", "licence", "used_in", "uploaded_at"]
    # The title is the link (the row's header); a thumbnail with empty alt text cannot head a row.
    list_display_links = ["title"]
    search_fields = ["title", "alt_text", "caption", "credit"]
    list_filter = [UsageFilter, "licence", "decorative", ("uploaded_by", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["file", "uploaded_by"]
    readonly_fields = ["preview", "file_details", "renditions", "where_used", "uploaded_by", "uploaded_at"]
    list_per_page = 50
    empty_value_display = "Not recorded"

    class Media:
        css = {"all": ["articles/admin_images.css"]}

    def get_fieldsets(self, request, obj=None):
        describe = ["alt_text", "decorative", "caption", "credit", "source_url", "licence", "licence_note"]
        if obj is None:
            return [(None, {"fields": ["title", "upload", *describe]})]
        return [
            (None, {"fields": ["preview", "title", "upload", *describe]}),
            ("File", {"fields": ["file_details", "renditions", "uploaded_by", "uploaded_at"]}),
            (
                "Where used",
                {
                    "fields": ["where_used"],
                    "description": "Changing the alt text, caption, credit, licence or file of an image that live "
                    "articles show makes a draft of each for the board to review; readers keep seeing the "
                    "approved versions until then.",
                },
            ),
        ]

    def get_deleted_objects(self, objs, request):
        # An image an article shows is "protected": the admin's delete page names the articles and
        # refuses (``Image.delete`` refuses too, whatever calls it).
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        for image in objs:
            in_use = library.uses(image)
            if in_use:
                protected = [*protected, library.refusal(image, in_use)]
        return deleted, model_count, perms_needed, protected

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        # The "Used in" column of this page's rows, counted in one pass over the texts naming them.
        rows = list(changelist.result_list)
        counts = _article_counts([image.pk for image in rows])
        for image in rows:
            image.used_in_articles = counts.get(image.pk, 0)
        return changelist

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def save_model(self, request, obj, form, change):
        before = image_changes.snapshot(Image.objects.get(pk=obj.pk)) if change else {}
        if form.cleaned_image is not None:
            obj.file = store(form.cleaned_image)
            renditions_after_commit(obj.file)
        if not change:
            obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)
        if change:
            # Articles whose live version shows it get a draft to review; readers' pages stay as approved.
            self._tell(request, obj, image_changes.library_changed(obj, before=before, user=request.user))

    def _tell(self, request, image, outcome):
        def links(articles):
            return format_html_join(
                ", ",
                '<a href="{}">{}</a>',
                [(reverse("admin:articles_article_change", args=[a.pk]), a.title) for a in articles],
            )

        if outcome.drafted:
            self.message_user(
                request,
                format_html(
                    "“{}” is shown by live articles, which now each have a draft for the board to review: {}. "
                    "Readers keep seeing the approved versions until the drafts are approved.",
                    image.title,
                    links(outcome.drafted),
                ),
                messages.WARNING,
            )
        if outcome.under_review:
            self.message_user(
                request,
                format_html(
                    "With the board now, so not changed: {}. The version under review keeps the image as "
                    "submitted; the change comes with each article's next draft.",
                    links(outcome.under_review),
                ),
                messages.WARNING,
            )

    @admin.display(description="Image")
    def thumbnail(self, obj):
        # The title sits beside it, so the thumbnail itself is decorative here.
        return format_html(
            '<img class="image-thumb" src="{}" alt="" width="80" height="{}" loading="lazy">',
            _small_url(obj.file),
            max(1, round(80 * obj.file.height / obj.file.width)),
        )

    @admin.display(description="Alt text")
    def description(self, obj):
        return "Decorative" if obj.decorative else obj.alt_text

    @admin.display(description="Current file")
    def preview(self, obj):
        return format_html(
            '<img class="image-preview" src="{}" alt="{}" width="{}" height="{}">',
            _small_url(obj.file, 640),
            obj.alt_text,
            min(640, obj.file.width),
            round(min(640, obj.file.width) * obj.file.height / obj.file.width),
        )

    @admin.display(description="File")
    def file_details(self, obj):
        blob = obj.file
        return format_html(
            '{} · {} x {} px · {} · <a href="{}">original</a> · SHA-256 <code>{}</code>',
            FORMAT_NAMES[blob.format],
            blob.width,
            blob.height,
            pixels.human_size(blob.size),
            blob.url,
            blob.sha256,
        )

    @admin.display(description="Renditions")
    def renditions(self, obj):
        made = {(r.width, r.format): r for r in obj.file.renditions.all()}
        rows = [
            (
                settings.MEDIA_URL + obj.file.rendition_name(width, fmt),
                width,
                FORMAT_NAMES[fmt],
                _state(made.get((width, fmt))),
            )
            for width, fmt in obj.file.rendition_specs()
        ]
        return format_html(
            '<ul class="image-renditions">{}</ul>',
            format_html_join("", '<li><a href="{}">{} px {}</a> ({})</li>', rows),
        )

    @admin.display(description="Used in")
    def used_in(self, obj):
        count = getattr(obj, "used_in_articles", None)
        if count is None:
            return "—"
        return f"{count} article{'s' if count != 1 else ''}" if count else "Unused"

    @admin.display(description="Articles")
    def where_used(self, obj):
        in_use = library.uses(obj)
        if not in_use:
            return "No article shows this image: not in any working copy or version."
        return format_html(
            '<ul class="image-uses">{}</ul>',
            format_html_join(
                "",
                '<li><a href="{}">{}</a>: {}</li>',
                [
                    (reverse("admin:articles_article_change", args=[use.article.pk]), use.article.title, use.label)
                    for use in in_use
                ],
            ),
        )


def _article_counts(image_ids) -> dict[int, int]:
    """How many articles (working copy or any version) show each of ``image_ids``."""
    from articles.models import Article, Revision

    if not image_ids:
        return {}
    articles: dict[int, set] = {}
    condition = library.mentioning(image_ids)
    for row in Article.objects.filter(condition).only(*library.TEXT_FIELDS):
        for image_id in library.showing(row, image_ids):
            articles.setdefault(image_id, set()).add(row.pk)
    for row in Revision.objects.filter(condition).only("article_id", *library.TEXT_FIELDS):
        for image_id in library.showing(row, image_ids):
            articles.setdefault(image_id, set()).add(row.article_id)
    return {image_id: len(found) for image_id, found in articles.items()}


def _state(rendition) -> str:
    return pixels.human_size(rendition.size) if rendition else "made when first asked for"


def _small_url(blob, width=320) -> str:
    """The WebP rendition at ``width`` (or the largest below it) of ``blob``."""
    widths = [w for w, fmt in blob.rendition_specs() if fmt == "WEBP" and w <= width]
    return settings.MEDIA_URL + blob.rendition_name(widths[-1] if widths else blob.width, "WEBP")
