"""The synthetic dataset behind ``manage.py generate_dataset``: each article's story (``Plan``)
and the ``Generator`` that writes what the workflow would have written, in bulk batches."""

from .generator import Generator

__all__ = ["Generator"]
