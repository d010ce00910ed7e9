"""The read API for partners (``/api/v1/``): approved content as JSON, with an OpenAPI 3.1 document.

``views`` (the endpoints, django-ninja), ``schemas`` (what each answer holds), ``content`` (gathering
it from the site's own helpers: ``Article.objects.public()``, the stored renderings, provenance),
``keys`` (partners' keys, rate limits, usage counts), ``http`` (the page cache, validators, CORS and
``application/problem+json`` errors) and ``middleware``. Uses ``site``, ``review``'s read-only parts,
``models``, ``content`` and ``operations``; only the admin and the commands import it.
"""
