"""``/api/``: the docs page, then version 1 (the OpenAPI document at ``/api/v1/openapi.json``)."""

from django.urls import path

from . import docs
from .views import api

urlpatterns = [
    path("", docs.index, name="api_docs"),
    path("v1/", api.urls),
]
