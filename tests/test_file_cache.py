"""The file cache (the default without Redis) keeps to MAX_ENTRIES without listing its directory in a request."""

from unittest import mock

from articles.operations.cache_backend import FileCache


def _cache(tmp_path, **options):
    FileCache._next_cull.pop(str(tmp_path), None)
    return FileCache(str(tmp_path), {"OPTIONS": {"MAX_ENTRIES": 50, "CULL_FREQUENCY": 2, **options}})


def test_no_write_lists_the_directory_itself(tmp_path):
    cache = _cache(tmp_path, CULL_INTERVAL=3600)
    with (
        mock.patch.object(FileCache, "_list_cache_files", autospec=True, return_value=[]) as listing,
        mock.patch("threading.Thread") as thread,
    ):
        for i in range(30):
            cache.set(f"page:{i}", "html")
    assert listing.call_count == 0  # Django's own lists it on each of the 30 writes
    assert thread.call_count == 1  # one count started in the background, for the whole interval


def test_the_cache_is_culled_in_the_background_once_past_max_entries(tmp_path):
    cache = _cache(tmp_path, CULL_INTERVAL=3600)
    with mock.patch.object(FileCache, "_cull"):
        for i in range(200):
            cache.set(f"page:{i}", "html")
    assert len(cache._list_cache_files()) == 200
    cache._cull().join()
    assert len(cache._list_cache_files()) == 100  # past MAX_ENTRIES: Django's cull, 1/CULL_FREQUENCY of them


def test_a_count_starts_again_after_the_interval(tmp_path):
    cache = _cache(tmp_path, CULL_INTERVAL=10)
    with mock.patch("time.monotonic", return_value=1000.0):
        assert cache._cull() is not None
        assert cache._cull() is None
    with mock.patch("time.monotonic", return_value=1011.0):
        assert cache._cull() is not None
