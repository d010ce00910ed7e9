"""Read the files of an import: Markdown files, folders of them and zip archives, safely.

Nothing here trusts its input: a member of a zip whose path would climb out of the archive, a
symlink, a member that expands past the size cap (declared or actual), compresses suspiciously
well or uses a compression method other than deflate, and an archive that is not one each become
one line naming the file; the rest still reads. The whole import is held to
``EDITORIAL_IMPORT_MAX_TOTAL_BYTES`` counted expanded: a zip whose Markdown members would take it
past that (by their declared sizes, or counted while reading them in chunks) is refused whole,
with one line naming the archive, and files after the limit is reached are not read.

An article file's figures name image files in the ``images/`` folder beside it (in a folder, or in
the zip): each ``Source`` carries ``files``, which reads them on request, refusing a path that climbs
out of that folder, a symlink, a missing file and one over ``EDITORIAL_IMAGE_MAX_BYTES``, each with
a sentence naming the file. A zip's image members are read (within the same caps) as it is opened.
"""

import stat
import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.conf import settings

CHUNK = 64 * 1024
# A member this much smaller compressed than expanded is treated as a zip bomb (text compresses
# well, 5-10:1; a bomb compresses 1000:1). Small members are let through whatever their ratio.
MAX_RATIO = 100
RATIO_CHECK_ABOVE = 1024 * 1024
# More entries than any library has articles: a directory listing this long is an attack.
MAX_MEMBERS = 20_000
# The zip's central directory is checked before Python's zipfile reads it (which builds an object
# per entry, 16 s and 560 MB for a million empty entries): at most MAX_MEMBERS entries, and at most
# this many bytes of directory per allowed entry (46 bytes of header, the name and extra fields),
# since zipfile reads entries until the directory's size runs out whatever count it declares.
DIRECTORY_BYTES_PER_MEMBER = 512
# Only these are read: zipfile inflates them in bounded steps. Its bzip2 and LZMA readers expand
# a whole compressed block per call, so a member whose header lies about its size can inflate a
# gigabyte from 800 bytes (4 s, 2 GB of memory) before the size check sees it.
METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}


class MissingFile(Exception):
    """An image file an article file names that cannot be read; the message names it and why."""


class Files:
    """The files beside an article file, for its figures: ``read("images/knee.png")`` or ``MissingFile``."""

    def read(self, path: str) -> bytes:
        raise MissingFile(
            f"'{path}' cannot be read: this article file came without its folder; import the folder, or a "
            ".zip holding the .md file and its images/ folder"
        )


def _image_cap() -> int:
    return settings.EDITORIAL_IMAGE_MAX_BYTES


def _too_large(path: str, size: int) -> MissingFile:
    return MissingFile(
        f"'{path}' is {size:,} bytes; an image may have at most {_image_cap():,} (EDITORIAL_IMAGE_MAX_BYTES)"
    )


def _safe_relative(path: str) -> str:
    """``path`` if it stays inside the article's folder, else ``MissingFile`` saying why."""
    parts = path.replace("\\", "/").split("/")
    if path.startswith(("/", "\\")) or (len(path) > 1 and path[1] == ":") or ".." in parts:
        raise MissingFile(f"'{path}' is outside the article's folder; refused")
    return "/".join(parts)


class FolderFiles(Files):
    """Files beside an article file on disk; never outside its folder, never through a symlink."""

    def __init__(self, folder: Path, budget: "Budget"):
        self.folder, self.budget = folder, budget

    def read(self, path: str) -> bytes:
        relative = _safe_relative(path)
        file = self.folder / relative
        inside = [file, *file.relative_to(self.folder).parents][:-1]  # the file and its folders below ours
        if any((self.folder / p if p != file else p).is_symlink() for p in inside):
            raise MissingFile(f"'{path}' is a symbolic link; refused")
        if not file.is_file():
            raise MissingFile(f"'{path}' is missing: no such file beside the article file")
        size = file.stat().st_size
        if size > _image_cap():
            raise _too_large(path, size)
        if size > self.budget.left:
            raise MissingFile(f"'{path}': {self.budget.total_error()}")
        self.budget.left -= size
        return file.read_bytes()


class ZipFiles(Files):
    """Image members of a zip read when it was opened, beside an article member in ``folder``."""

    def __init__(self, members: dict, folder: str):
        self.members, self.folder = members, folder  # {member name: bytes, or why it was not read}

    def read(self, path: str) -> bytes:
        name = self.folder + _safe_relative(path)
        found = self.members.get(name)
        if found is None:
            raise MissingFile(f"'{path}' is missing: the zip has no member {name}")
        if isinstance(found, str):
            raise MissingFile(f"'{path}' {found}")
        return found


@dataclass
class Source:
    """One file of an import: its name as reported, and its bytes or why it could not be read."""

    name: str
    data: bytes | None = None
    error: str | None = None
    note: str | None = None  # skipped, not an error (a folder entry, a file that is not .md)
    files: Files = field(default_factory=Files)  # the image files its figures name


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
                sources[-1].files = FolderFiles(file.parent, budget)
        elif path.is_file() and path.suffix.lower() == ".zip":
            with path.open("rb") as handle:
                sources += read_zip(str(path), handle, budget)
        elif path.is_file():
            sources.append(_read_file(path, budget))
            sources[-1].files = FolderFiles(path.parent, budget)
        else:
            sources.append(Source(raw, error="no such file or folder"))
    return sources


def read_upload(name: str, handle, budget=None) -> list[Source]:
    """Read one uploaded file (``handle`` is a binary file object): a ``.zip`` or a Markdown file."""
    budget = budget or Budget()
    if name.lower().endswith(".zip"):
        return read_zip(name, handle, budget)
    data, over = _read_capped(handle, budget)
    return [Source(name, data=data, error=_file_error(over, budget))]


class Budget:
    """The bytes left for the whole import (``EDITORIAL_IMPORT_MAX_TOTAL_BYTES``), counted expanded.

    Files are read against it in chunks, never more than one byte past the room left, whatever
    they declare; once a file passes the total, nothing more is read.
    """

    def __init__(self):
        self.per_file, self.total = limits()
        self.left = self.total
        self.exhausted = False  # the total was reached: nothing more is read

    def room(self) -> int:
        """The most the next file may hold: the per-file cap, or what is left of the total."""
        return min(self.per_file, self.left)

    def total_error(self) -> str:
        return f"the import is larger than {self.total:,} bytes in all (EDITORIAL_IMPORT_MAX_TOTAL_BYTES); not imported"


PER_FILE, TOTAL = "per-file", "total"


def _read_file(path: Path, budget: Budget) -> Source:
    if budget.exhausted:
        return Source(str(path), error=budget.total_error())
    with path.open("rb") as handle:
        data, over = _read_capped(handle, budget)
    return Source(str(path), data=data, error=_file_error(over, budget))


def _file_error(over: str | None, budget: Budget) -> str | None:
    if over == PER_FILE:
        return f"the file is larger than {budget.per_file:,} bytes (EDITORIAL_IMPORT_MAX_BYTES); not imported"
    if over == TOTAL:
        return budget.total_error()
    return None


def _read_capped(handle, budget: Budget) -> tuple[bytes | None, str | None]:  # (data, limit passed)
    """Read the file in chunks, never more than one byte past its room in the budget.

    Returns its bytes, or ``None`` and which limit it would pass: ``PER_FILE`` or ``TOTAL`` (then
    the budget is exhausted and nothing more is read).
    """
    if budget.exhausted:
        return None, TOTAL
    room = budget.room()
    chunks, size = [], 0
    while size <= room:
        chunk = handle.read(min(CHUNK, room + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > room:
        if room == budget.per_file:
            return None, PER_FILE
        budget.exhausted = True
        return None, TOTAL
    budget.left -= size
    return b"".join(chunks), None


def _unsafe_name(name: str) -> str | None:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return "an absolute path"
    if ".." in path.parts:
        return "a path that climbs out of the archive ('..')"
    return None


def _directory_problem(handle) -> str | None:
    """Say why the zip's central directory is too long to read, from its end record alone."""
    end_record = getattr(zipfile, "_EndRecData", None)
    if end_record is None:  # a Python without it: zipfile reads the directory, counted after
        return None
    try:
        record = end_record(handle)
    except (OSError, ValueError, EOFError, struct.error, zipfile.BadZipFile):
        return None  # zipfile says what is wrong
    if record is None:
        return None
    entries, size = record[zipfile._ECD_ENTRIES_TOTAL], record[zipfile._ECD_SIZE]
    if entries > MAX_MEMBERS:
        return f"the zip lists {entries:,} entries; at most {MAX_MEMBERS:,} are read"
    if size > MAX_MEMBERS * DIRECTORY_BYTES_PER_MEMBER:
        return f"the zip's directory is {size:,} bytes, more than {MAX_MEMBERS:,} entries can take"
    return None


def _member_problem(info: zipfile.ZipInfo, budget: Budget) -> tuple[str, str] | None:
    """Why a member is not read, from the central directory alone: ("error" or "note", text)."""
    if problem := _unsafe_name(info.filename):
        return "error", f"refused: {problem} inside the zip"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "error", "refused: a symbolic link inside the zip"
    if not info.filename.lower().endswith(".md"):
        return "note", "skipped: not a .md file"
    if info.file_size > budget.per_file:
        return "error", f"the file expands to {info.file_size:,} bytes; at most {budget.per_file:,}"
    if info.file_size > RATIO_CHECK_ABOVE and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        return "error", "refused: a zip bomb (it expands more than 100 times)"
    if info.compress_type not in METHODS:
        method = zipfile.compressor_names.get(info.compress_type, f"method {info.compress_type}")
        return "error", f"refused: compressed with {method}; only deflate (what zip tools write) or stored is read"
    return None


def read_zip(name: str, handle, budget: Budget | None = None) -> list[Source]:
    """Read the ``.md`` members of a zip, refusing unsafe paths, symlinks and zip bombs one by one.

    A zip whose members would take the import past ``EDITORIAL_IMPORT_MAX_TOTAL_BYTES`` is refused
    whole, with one line naming it: by the sizes its directory declares, before anything is
    inflated, or by the bytes counted while reading, should a member expand past what it declares.
    """
    budget = budget or Budget()
    if budget.exhausted:
        return [Source(name, error=budget.total_error())]
    if problem := _directory_problem(handle):
        return [Source(name, error=f"refused: {problem}")]
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        return [Source(name, error=f"not a readable zip archive ({error})")]
    sources = []
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            return [Source(name, error=f"refused: the zip lists more than {MAX_MEMBERS:,} entries")]
        wanted, images = [], {}
        for info in members:
            if info.is_dir():
                continue
            if _is_image_member(info):
                images[info.filename] = info
                continue
            if problem := _member_problem(info, budget):
                kind, text = problem
                sources.append(Source(f"{name}:{info.filename}", **{kind: text}))
            else:
                sources.append(info)
                wanted.append(info)
        declared = sum(info.file_size for info in wanted)
        if declared > budget.left:  # nothing inflated; the budget stays for the import's other files
            what = f"its {len(wanted):,} .md files expand to {declared:,} bytes"
            return [Source(name, error=_over_total(budget, what))]
        for index, info in enumerate(sources):
            if isinstance(info, zipfile.ZipInfo):
                sources[index] = _read_member(archive, info, f"{name}:{info.filename}", budget)
                if sources[index] is None:  # the budget is exhausted: stop inflating
                    what = f"{info.filename} expands beyond its declared size"
                    return [Source(name, error=_over_total(budget, what))]
                folder = info.filename.rpartition("/")[0]
                sources[index].files = ZipFiles(images, folder + "/" if folder else "")
        for member, info in images.items():  # read after the articles, within what they left
            images[member] = _read_image_member(archive, info, budget)
    return sources


def _is_image_member(info: zipfile.ZipInfo) -> bool:
    """A member of an ``images/`` folder (what an article's figures may name), whatever its extension."""
    return "images" in info.filename.replace("\\", "/").split("/")[:-1]


def _read_image_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: Budget) -> bytes | str:
    """An image member's bytes, or why it is not read (said after its name)."""
    if problem := _unsafe_name(info.filename):
        return f"is refused: {problem} inside the zip"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "is refused: a symbolic link inside the zip"
    if info.file_size > _image_cap():
        return f"is {info.file_size:,} bytes; an image may have at most {_image_cap():,} (EDITORIAL_IMAGE_MAX_BYTES)"
    if info.compress_type not in METHODS:
        return "is refused: compressed with a method other than deflate or stored"
    if info.file_size > budget.left:
        return budget.total_error()
    try:
        with archive.open(info) as member:
            data = member.read(info.file_size + 1)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError) as error:
        return f"cannot be read from the zip ({error})"
    if len(data) > info.file_size:
        return "is refused: a zip bomb (it expands beyond its declared size)"
    budget.left -= len(data)
    return data


def _over_total(budget: Budget, what: str) -> str:
    room = f"{budget.total:,} bytes in all" + (f", {budget.left:,} left" if budget.left < budget.total else "")
    return f"refused: {what}; an import may hold {room} (EDITORIAL_IMPORT_MAX_TOTAL_BYTES); nothing in it was imported"


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, label: str, budget: Budget) -> Source | None:
    """Read one member within the budget; ``None`` when it takes the import past the total."""
    try:
        with archive.open(info) as member:
            data, over = _read_capped(member, budget)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError) as error:
        # RuntimeError: an encrypted member (no password is ever asked for).
        return Source(label, error=f"the zip member cannot be read ({error})")
    if over == TOTAL:
        return None
    if over == PER_FILE:
        return Source(label, error="refused: a zip bomb (the member expands beyond its declared size and the cap)")
    return Source(label, data=data)
