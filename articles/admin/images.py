"""The image library: upload, find (search and filters), describe and replace images.

A replaced file is kept (files are content-addressed, ``articles.models.images``): the image's
history records each file it had. Images are never deleted here: versions of articles may show
them. Checking and storing happen in ``articles.models.images``; this screen only asks.
"""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.utils.html import format_html, format_html_join

from articles.content import images as pixels
from articles.models import Image
from articles.models.images import check_upload, renditions_after_commit, store

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


@admin.register(Image)
class ImageAdmin(HistoryAdmin):
    form = ImageForm
    list_display = ["thumbnail", "title", "description", "licence", "uploaded_by", "uploaded_at"]
    # The title is the link (the row's header); a thumbnail with empty alt text cannot head a row.
    list_display_links = ["title"]
    search_fields = ["title", "alt_text", "caption", "credit"]
    list_filter = ["licence", "decorative", ("uploaded_by", admin.RelatedOnlyFieldListFilter)]
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
            ("Where used", {"fields": ["where_used"]}),
        ]

    def has_delete_permission(self, request, obj=None):
        # Article versions may show an image for ever (permalinks): images are never deleted.
        return False

    def save_model(self, request, obj, form, change):
        if form.cleaned_image is not None:
            obj.file = store(form.cleaned_image)
            renditions_after_commit(obj.file)
        if not change:
            obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)

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

    @admin.display(description="Articles")
    def where_used(self, obj):
        # Part 2 of issue 20 lists the articles and versions showing this image here.
        return "Articles showing this image will be listed here once images can be placed in articles."


def _state(rendition) -> str:
    return pixels.human_size(rendition.size) if rendition else "made when first asked for"


def _small_url(blob, width=320) -> str:
    """The WebP rendition at ``width`` (or the largest below it) of ``blob``."""
    widths = [w for w, fmt in blob.rendition_specs() if fmt == "WEBP" and w <= width]
    return settings.MEDIA_URL + blob.rendition_name(widths[-1] if widths else blob.width, "WEBP")
