"""What an uploaded image is: checked, cleaned and re-encoded bytes, and its resized renditions.

Pure functions of bytes (no storage, no database): ``clean`` turns an upload into the bytes we
store or raises ``ImageRejected`` with a sentence naming why; ``render`` makes one rendition.

Why each refusal (README, "Images"):

- Only JPEG, PNG, WebP and AVIF (where this Pillow reads it), recognised from the bytes, and
  the file's extension must name the same format: a ``.jpg`` that is a PNG is refused, because
  a name that lies is how files slip past checks that trust the name.
- SVG is refused: it is XML that can carry scripts and links, and cannot be made safe by
  re-encoding.
- At most ``EDITORIAL_IMAGE_MAX_BYTES`` bytes and ``MAX_PIXELS`` pixels: a small file that
  declares a huge canvas (a decompression bomb) is refused from its header, before decoding.
- A truncated file is refused rather than stored with a grey band.
- A polyglot (an image with another file after its end: a ZIP archive, HTML, a script) is
  refused: re-encoding would drop the passenger, but a file built that way is not an honest
  photograph and the editor should know.

Every accepted image is re-encoded from its pixels after its EXIF orientation is applied, so no
metadata survives (EXIF with GPS positions, XMP, comments, text chunks); only the colour profile
is kept, because colours depend on it.
"""

import hashlib
import io
import struct
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError, features

MAX_PIXELS = 50_000_000
# Pillow's own guard: a warning above this many pixels, an error above twice as many.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

# Widths of the responsive renditions (CSS pixels at 1x up to a wide column at 2x).
RENDITION_WIDTHS = (320, 640, 960, 1280, 1600)

# Format -> (file extension, the extensions a file of that format may be named with, MIME type).
FORMATS = {
    "JPEG": ("jpg", ("jpg", "jpeg"), "image/jpeg"),
    "PNG": ("png", ("png",), "image/png"),
    "WEBP": ("webp", ("webp",), "image/webp"),
    "AVIF": ("avif", ("avif",), "image/avif"),
}
EXTENSION_FORMATS = {ext: fmt for fmt, (_, exts, _) in FORMATS.items() for ext in exts}
CONTENT_TYPES = {ext: mime for (ext, _, mime) in FORMATS.values()}
_SAVE_OPTIONS = {
    "JPEG": {"quality": 88, "optimize": True, "progressive": True},
    "PNG": {"optimize": True},
    "WEBP": {"quality": 85, "method": 4},
    "AVIF": {"quality": 75},
}


class ImageRejected(ValueError):
    """An upload we will not store; the message says why, in words an editor can act on."""


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    format: str  # a key of FORMATS
    width: int
    height: int
    has_alpha: bool = False

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def extension(self) -> str:
        return FORMATS[self.format][0]


def accepted_formats() -> list[str]:
    """The formats this installation accepts (AVIF only where Pillow was built with it)."""
    return [fmt for fmt in FORMATS if fmt != "AVIF" or features.check("avif")]


def clean(name: str, data: bytes, *, max_bytes: int) -> CleanImage:
    """Check an upload named ``name`` and return its re-encoded, metadata-free bytes."""
    if len(data) > max_bytes:
        raise ImageRejected(f"is {human_size(len(data))}; the limit is {human_size(max_bytes)}.")
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension == "svg" or _looks_like_svg(data):
        raise ImageRejected("is an SVG drawing, which is not accepted (it can carry scripts). Export it as PNG.")
    expected = EXTENSION_FORMATS.get(extension)
    if expected is None or expected not in accepted_formats():
        raise ImageRejected(f"has an extension that is not accepted; use {_accepted_list()}.")
    image = _open(data)
    if image.format != expected:
        raise ImageRejected(
            f"is named .{extension} but is a {image.format} image; rename it .{FORMATS[image.format][0]}."
        )
    _refuse_passenger(data, image.format)
    return _reencode(image)


def render(data: bytes, width: int, fmt: str) -> CleanImage:
    """A rendition of stored (clean) bytes ``width`` pixels wide in format ``fmt``, never upscaled."""
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        if width < image.width:
            height = max(1, round(image.height * width / image.width))
            image = image.resize((width, height), Image.Resampling.LANCZOS)
        return _encode(image, fmt)


def rendition_widths(width: int) -> list[int]:
    """The rendition widths for an image ``width`` pixels wide: the standard ones below it, then its own."""
    widths = [w for w in RENDITION_WIDTHS if w < width]
    if width <= RENDITION_WIDTHS[-1]:
        widths.append(width)
    return widths


def fallback_format(fmt: str, has_alpha: bool) -> str:
    """The format of the renditions beside WebP: the original's, or JPEG/PNG for a WebP or AVIF original."""
    if fmt in ("JPEG", "PNG"):
        return fmt
    return "PNG" if has_alpha else "JPEG"


def _open(data: bytes) -> Image.Image:
    """Decode every pixel (so truncation shows), refusing bombs from the header first."""
    try:
        with warnings.catch_warnings():
            # Between MAX_PIXELS and twice as many Pillow only warns: refuse by the size read from the header.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data), formats=accepted_formats())
        if probe.width * probe.height > MAX_PIXELS:
            raise ImageRejected(_bomb(probe.width, probe.height))
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe.verify()
            image = Image.open(io.BytesIO(data), formats=accepted_formats())
            image.load()
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageRejected(f"declares more than {MAX_PIXELS // 1_000_000} megapixels; it is refused.") from error
    except UnidentifiedImageError as error:
        raise ImageRejected(f"is not an image this site accepts; use {_accepted_list()}.") from error
    except (OSError, SyntaxError, ValueError, struct.error, EOFError) as error:
        raise ImageRejected("is damaged or truncated (it could not be read to the end).") from error
    return image


def _reencode(image: Image.Image) -> CleanImage:
    """Apply the EXIF orientation, then encode the pixels alone in the original format."""
    fmt = image.format
    image = ImageOps.exif_transpose(image)
    return _encode(image, fmt)


def _encode(image: Image.Image, fmt: str) -> CleanImage:
    # A CMYK profile would be wrong for the RGB pixels written below: CMYK files lose theirs.
    icc = image.info.get("icc_profile") if image.mode != "CMYK" else None
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    if fmt == "JPEG":
        image = image.convert("L" if image.mode in ("L", "1") else "RGB")
    elif image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA" if has_alpha else "RGB")
    buffer = io.BytesIO()
    options = dict(_SAVE_OPTIONS[fmt])
    if icc:
        options["icc_profile"] = icc
    # No ``exif=``: Pillow writes no EXIF unless asked, and ``info`` (text chunks, XMP) is not passed on.
    image.save(buffer, format=fmt, **options)
    width, height = image.size
    return CleanImage(data=buffer.getvalue(), format=fmt, width=width, height=height, has_alpha=has_alpha)


def _refuse_passenger(data: bytes, fmt: str) -> None:
    """Refuse bytes after the image's end (a polyglot), except padding some encoders add."""
    end = _image_end(data, fmt)
    rest = data[end:] if end is not None else b""
    if rest.strip(b"\x00\r\n\t ") == b"":
        return
    raise ImageRejected(f"has {human_size(len(rest))} of other data after the image ({_kind(rest)}); it is refused.")


def _image_end(data: bytes, fmt: str) -> int | None:
    """Where the image's own bytes end, from its container's structure (None if unknown)."""
    if fmt == "PNG":
        offset = 8
        while offset + 8 <= len(data):
            length, kind = struct.unpack(">I4s", data[offset : offset + 8])
            offset += 12 + length
            if kind == b"IEND":
                return offset
        return None
    if fmt == "JPEG":
        return _jpeg_end(data)
    if fmt == "WEBP":
        return 8 + struct.unpack("<I", data[4:8])[0]
    if fmt == "AVIF":
        return _bmff_end(data)
    return None


def _jpeg_end(data: bytes) -> int | None:
    """After the EOI marker that follows the first scan (EXIF thumbnails have their own EOI before it)."""
    offset = 2
    while offset + 4 <= len(data) and data[offset] == 0xFF:
        marker = data[offset + 1]
        length = struct.unpack(">H", data[offset + 2 : offset + 4])[0]
        if marker == 0xDA:  # start of scan: entropy-coded data follows, in which FF D9 is only ever EOI
            eoi = data.find(b"\xff\xd9", offset + 2 + length)
            return None if eoi < 0 else eoi + 2
        offset += 2 + length
    return None


def _bmff_end(data: bytes) -> int | None:
    offset = 0
    while offset + 8 <= len(data):
        size = struct.unpack(">I", data[offset : offset + 4])[0]
        if size == 1 and offset + 16 <= len(data):
            size = struct.unpack(">Q", data[offset + 8 : offset + 16])[0]
        elif size == 0:
            return len(data)
        if size < 8:
            return offset
        offset += size
    return min(offset, len(data))


def _kind(rest: bytes) -> str:
    head = rest.lstrip(b"\x00\r\n\t ")[:512].lower()
    if head.startswith(b"pk"):
        return "a ZIP archive"
    if b"<html" in head or b"<script" in head or b"<!doctype" in head or b"<svg" in head:
        return "HTML or script"
    if head.startswith(b"%pdf"):
        return "a PDF"
    if head.startswith(b"<?php"):
        return "PHP code"
    return "unknown data"


def _looks_like_svg(data: bytes) -> bool:
    """XML text with an ``<svg`` element near the start (a photo's metadata may mention svg: not checked)."""
    if data[:2] == b"\xff\xd8" or data[:4] in (b"\x89PNG", b"RIFF") or data[4:8] == b"ftyp":
        return False
    head = data[:1024].lstrip(b"\xef\xbb\xbf\x00\r\n\t ").lower()
    return head.startswith((b"<?xml", b"<svg", b"<!doctype svg")) or b"<svg" in head


def _bomb(width: int, height: int) -> str:
    return (
        f"is {width} x {height} pixels ({width * height / 1_000_000:.0f} megapixels); "
        f"the limit is {MAX_PIXELS // 1_000_000} megapixels."
    )


def _accepted_list() -> str:
    return ", ".join(fmt.replace("WEBP", "WebP") for fmt in accepted_formats())


def human_size(count: int) -> str:
    """Bytes for people: "850 bytes", "34 KB", "10 MB", "2.5 MB" (decimal units, as file managers show)."""
    for unit, scale in (("MB", 1_000_000), ("KB", 1_000)):
        if count >= scale:
            value = count / scale
            return (f"{value:.0f}" if value >= 10 else f"{value:.1f}".removesuffix(".0")) + f" {unit}"
    return f"{count} bytes"


# What Pillow reports of a file that carries nothing but pixels (and a colour profile): the
# container's own settings, never a text, a position or a camera.
_PLAIN_INFO = {
    "icc_profile",
    "dpi",
    "jfif",
    "jfif_version",
    "jfif_unit",
    "jfif_density",
    "progressive",
    "progression",
    "adobe",
    "adobe_transform",
    "transparency",
    "gamma",
    "srgb",
    "chromaticity",
    "aspect",
    "background",
    "loop",
    "duration",
    "timestamp",
}
_PLAIN_JPEG_SEGMENTS = {"APP0", "APP2", "APP14"}  # JFIF, the ICC profile, Adobe's colour transform


def carries_metadata(data: bytes) -> bool:
    """Whether checked image bytes carry anything but pixels and a colour profile (EXIF, XMP, text).

    Bytes that carry none (files this site cleaned and exported) can be stored as they are, so an
    exported file imports byte for byte; any others are stored re-encoded by ``clean``.
    """
    with Image.open(io.BytesIO(data)) as image:
        if len(image.getexif()) or set(image.info) - _PLAIN_INFO:
            return True
        segments = {marker for marker, _ in getattr(image, "applist", [])}
        return bool(segments - _PLAIN_JPEG_SEGMENTS)
