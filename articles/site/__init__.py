"""What readers get: the public views and the article page, the page cache and its middleware,
search, feeds, sitemaps, structured data and provenance (who wrote, approved and withdrew what).
Uses ``content``, ``models`` and the review wing's read-only parts (its signals); never the admin.
"""
