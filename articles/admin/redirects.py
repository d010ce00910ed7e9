"""The redirects screen: old addresses that answer 301, added by slug changes, by hand or from CSV.

Every redirect is checked by ``articles.site.redirects`` (paths only, the old path not a live
page, the target existing, loops refused, chains collapsed); adding and removing are audited.
A redirect is not edited in place: remove it and add another.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from articles.models import Redirect
from articles.site import redirects

MAX_CSV_BYTES = 1024 * 1024


class RedirectForm(forms.ModelForm):
    """An old path and where it goes: an article's address (followed through its later renames) or
    any other page of this site."""

    target_path = forms.CharField(
        label="New path",
        max_length=500,
        widget=forms.TextInput(attrs={"class": "vTextField"}),
        help_text="A page on this site, e.g. /articles/what-causes-gout/ (an article's address follows its "
        "later renames) or /topics/cardiology/.",
    )

    class Meta:
        model = Redirect
        fields = ["old_path", "target_path"]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            planned = redirects.plan([redirects.Line(data["old_path"], data["target_path"])])[0]
        except ValidationError as error:
            for field, messages_ in error.message_dict.items():
                field = {"new_path": "target_path"}.get(field, field)
                for message in messages_:
                    self.add_error(None if field == "__all__" else field, message)
            return data
        data["old_path"] = planned.old_path
        return data


class CsvImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="One redirect per line: old_path,new_path (a header line old_path,new_path is optional).",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_CSV_BYTES:
            raise ValidationError("The file is larger than 1 MB: split it.", code="size")
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError("The file is not UTF-8 text.", code="encoding") from None
        return redirects.parse_csv(text)


@admin.register(Redirect)
class RedirectAdmin(admin.ModelAdmin):
    form = RedirectForm
    list_display = ["old_path", "goes_to", "source", "created_at", "created_by"]
    list_filter = ["source"]
    search_fields = ["old_path", "target_path", "article__title", "article__slug"]
    list_select_related = ["article", "created_by"]

    class Media:
        css = {"all": ["articles/admin.css"]}

    @admin.display(description="goes to")
    def goes_to(self, obj):
        return obj.target()

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)  # remove and add again

    def get_readonly_fields(self, request, obj=None):
        return ["old_path", "article", "target_path", "source", "created_at", "created_by"] if obj else []

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            redirects.add_many(
                [redirects.Line(form.cleaned_data["old_path"], form.cleaned_data["target_path"])],
                source=Redirect.Source.MANUAL,
                user=request.user,
            )
            # The admin's "added" message and log entry need the stored row.
            stored = Redirect.objects.get(old_path=obj.old_path)
            obj.pk, obj.created_at, obj.source = stored.pk, stored.created_at, stored.source

    def delete_model(self, request, obj):
        redirects.remove(obj, user=request.user, reason="removed on the redirects screen")

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                redirects.remove(obj, user=request.user, reason="removed on the redirects screen")

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="articles_redirect_import"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra = {"may_import": self.has_add_permission(request), **(extra_context or {})}
        return super().changelist_view(request, extra)

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = CsvImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                added = redirects.add_many(form.cleaned_data["file"], source=Redirect.Source.CSV, user=request.user)
            except ValidationError as error:
                for message in error.messages:
                    form.add_error("file", f"Nothing was added. {message[:1].upper()}{message[1:]}")
            else:
                messages.success(request, f"Added {len(added)} redirect{'s' if len(added) != 1 else ''} from the file.")
                for item in added:
                    messages.info(request, f"{item.old_path} → {item.target()}", extra_tags="verbatim")
                return redirect("admin:articles_redirect_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Import redirects from CSV",
            "form": form,
        }
        return TemplateResponse(request, "admin/articles/redirect/import.html", context)
