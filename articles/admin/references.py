"""The change form's references: one row per source, numbered as the text cites them; read-only
while the article is with the board or archived."""

from django.contrib import admin

from articles.models import Reference, max_reference_number
from articles.review import editing, sources

from .forms import ReferenceForm, ReferenceFormSet


class ReferenceInline(admin.TabularInline):
    model = Reference
    form = ReferenceForm
    formset = ReferenceFormSet
    template = "admin/articles/edit_inline/references_tabular.html"
    extra = 0
    fields = ["number", "kind", "title", "source", "year", "url", "doi", "pmid"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)

        class WithSourceChecks(formset):
            """Each stored row carries what the source checks found (a badge beside it)."""

            def __init__(self, *args, **kw):
                super().__init__(*args, **kw)
                sources.for_references([form.instance for form in self.forms if form.instance.pk])

        return WithSourceChecks

    def get_extra(self, request, obj=None, **kwargs):
        return 1 if obj is None else 0

    def get_max_num(self, request, obj=None, **kwargs):
        # Read-only (with the board, archived): no room for a row, so the admin's script offers
        # no "Add another Reference" link (it would add nothing, there being no empty row).
        return max_reference_number() if self._editable(request, obj) else 0

    def _editable(self, request, obj):
        return obj is None or obj.status in editing.EDITABLE_STATES

    def has_add_permission(self, request, obj=None):
        return self._editable(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(request, obj) and super().has_delete_permission(request, obj)
