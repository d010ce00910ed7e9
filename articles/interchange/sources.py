"""Read the files of an import: Markdown files, folders of them and zip archives, safely.

Nothing here trusts its input: a member of a zip whose path would climb out of the archive, a
symlink, a member that expands past the size cap (declared or actual) or compresses suspiciously
well, and an archive that is not one each become one line naming the file; the rest still reads.
"""

import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings

CHUNK = 64 * 1024
# A member this much smaller compressed than expanded is treated as a zip bomb (text compresses
# well, 5-10:1; a bomb compresses 1000:1). Small members are let through whatever their ratio.
MAX_RATIO = 100
RATIO_CHECK_ABOVE = 1024 * 1024
# More entries than any library has articles: a directory listing this long is an attack.
MAX_MEMBERS = 20_000


@dataclass
class Source:
    """One file of an import: its name as reported, and its bytes or why it could not be read."""

    name: str
    data: bytes | None = None
    error: str | None = None
    note: str | None = None  # skipped, not an error (a folder entry, a file that is not .md)


def limits() -> tuple[int, int]:
    return settings.EDITORIAL_IMPORT_MAX_BYTES, settings.EDITORIAL_IMPORT_MAX_TOTAL_BYTES


def read_paths(paths: list[str]) -> list[Source]:
    """Read files, folders (every ``*.md`` below them, sorted) and ``.zip`` archives."""
    sources = []
    budget = Budget()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for file in sorted(p for p in path.rglob("*.md") if p.is_file()):
                sources.append(_read_file(file, budget))
        elif path.is_file() and path.suffix.lower() == ".zip":
            with path.open("rb") as handle:
                sources += read_zip(str(path), handle, budget)
        elif path.is_file():
            sources.append(_read_file(path, budget))
        else:
            sources.append(Source(raw, error="no such file or folder"))
    return sources


def read_upload(name: str, handle, budget=None) -> list[Source]:
    """Read one uploaded file (``handle`` is a binary file object): a ``.zip`` or a Markdown file."""
    budget = budget or Budget()
    if name.lower().endswith(".zip"):
        return read_zip(name, handle, budget)
    data, error = _read_capped(handle, budget)
    return [Source(name, data=data, error=error)]


class Budget:
    """The bytes left for the whole import (``EDITORIAL_IMPORT_MAX_TOTAL_BYTES``)."""

    def __init__(self):
        self.per_file, self.total = limits()
        self.left = self.total

    def take(self, count: int) -> bool:
        self.left -= count
        return self.left >= 0


def _read_file(path: Path, budget: Budget) -> Source:
    with path.open("rb") as handle:
        data, error = _read_capped(handle, budget)
    return Source(str(path), data=data, error=error)


def _read_capped(handle, budget: Budget, declared: int | None = None) -> tuple[bytes | None, str | None]:
    """Read at most the per-file cap plus one byte, so an oversized file is never read whole."""
    chunks, size = [], 0
    while size <= budget.per_file:
        chunk = handle.read(min(CHUNK, budget.per_file + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > budget.per_file:
        return None, f"the file is larger than {budget.per_file:,} bytes (EDITORIAL_IMPORT_MAX_BYTES); not imported"
    if not budget.take(size):
        return None, f"the import is larger than {budget.total:,} bytes in all (EDITORIAL_IMPORT_MAX_TOTAL_BYTES)"
    return b"".join(chunks), None


def _unsafe_name(name: str) -> str | None:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return "an absolute path"
    if ".." in path.parts:
        return "a path that climbs out of the archive ('..')"
    return None


def read_zip(name: str, handle, budget: Budget | None = None) -> list[Source]:
    """Read the ``.md`` members of a zip, refusing unsafe paths, symlinks and zip bombs one by one."""
    budget = budget or Budget()
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        return [Source(name, error=f"not a readable zip archive ({error})")]
    sources = []
    with archive:
        if len(archive.infolist()) > MAX_MEMBERS:
            return [Source(name, error=f"refused: the zip lists more than {MAX_MEMBERS:,} entries")]
        for info in archive.infolist():
            label = f"{name}:{info.filename}"
            if info.is_dir():
                continue
            if problem := _unsafe_name(info.filename):
                sources.append(Source(label, error=f"refused: {problem} inside the zip"))
                continue
            if stat.S_ISLNK(info.external_attr >> 16):
                sources.append(Source(label, error="refused: a symbolic link inside the zip"))
                continue
            if not info.filename.lower().endswith(".md"):
                sources.append(Source(label, note="skipped: not a .md file"))
                continue
            if info.file_size > budget.per_file:
                sources.append(
                    Source(label, error=f"the file expands to {info.file_size:,} bytes; at most {budget.per_file:,}")
                )
                continue
            if info.file_size > RATIO_CHECK_ABOVE and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                sources.append(Source(label, error="refused: a zip bomb (it expands more than 100 times)"))
                continue
            try:
                with archive.open(info) as member:
                    data, error = _read_capped(member, budget)
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError) as error:
                # RuntimeError: an encrypted member (no password is ever asked for).
                sources.append(Source(label, error=f"the zip member cannot be read ({error})"))
                continue
            if error and "larger than" in error:
                error = "refused: a zip bomb (the member expands beyond its declared size and the cap)"
            sources.append(Source(label, data=data, error=error))
    return sources
