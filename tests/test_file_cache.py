"""The file cache (the default without Redis) keeps to MAX_ENTRIES without listing its directory on every write."""

from unittest import mock

from articles.operations.cache_backend import FileCache


def _cache(tmp_path, **options):
    return FileCache(str(tmp_path), {"OPTIONS": {"MAX_ENTRIES": 50, "CULL_FREQUENCY": 2, **options}})


def test_the_directory_is_listed_once_every_cull_every_writes(tmp_path):
    cache = _cache(tmp_path, CULL_EVERY=10)
    with mock.patch.object(FileCache, "_list_cache_files", autospec=True, return_value=[]) as listing:
        for i in range(30):
            cache.set(f"page:{i}", "html")
    assert listing.call_count == 3  # Django's own lists it 30 times


def test_the_cache_is_culled_once_past_max_entries(tmp_path):
    cache = _cache(tmp_path, CULL_EVERY=10)
    for i in range(200):
        cache.set(f"page:{i}", "html")
    # At most MAX_ENTRIES plus the writes between two counts.
    assert len(cache._list_cache_files()) <= 50 + 10
    assert cache.get("page:199") == "html"  # the newest is kept: culling comes before the write


def test_cull_every_defaults_to_a_hundred_writes(tmp_path):
    cache = FileCache(str(tmp_path), {})
    with mock.patch.object(FileCache, "_list_cache_files", autospec=True, return_value=[]) as listing:
        for i in range(150):
            cache.set(f"page:{i}", "html")
    assert listing.call_count == 2
