"""Image files made in the tests with Pillow: good ones, and each kind of bad one the library refuses."""

import io
import os
import struct
import zipfile
import zlib

from PIL import ExifTags, Image


def encoded(fmt="JPEG", size=(40, 20), color="teal", mode="RGB", **options) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, format=fmt, **options)
    return buffer.getvalue()


def noise_png(size=(100, 100)) -> bytes:
    """A PNG that does not compress (random pixels): about 3 bytes a pixel."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_with_gps(size=(40, 20), orientation=6) -> bytes:
    """A JPEG whose EXIF has a GPS position, a camera make and an orientation (rotate 90 degrees)."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "PatientPhone"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (51.0, 30.0, 12.0)
    return encoded("JPEG", size, exif=exif)


def png_bomb(width=10_000, height=6_000) -> bytes:
    """A tiny PNG whose header declares ``width`` x ``height`` pixels (60 megapixels by default)."""
    data = bytearray(encoded("PNG", (1, 1)))
    ihdr = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return bytes(data)


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.html", "<script>alert(1)</script>")
    return buffer.getvalue()


SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def exif_of(data: bytes) -> dict:
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        return {**dict(exif), **{f"gps{k}": v for k, v in exif.get_ifd(ExifTags.IFD.GPSInfo).items()}}
