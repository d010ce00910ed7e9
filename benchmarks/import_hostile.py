"""Benchmark: how long the importer takes over hostile files (issue 17, items 3 and 4).

Run: .venv/bin/python benchmarks/import_hostile.py [--cases nested-100000,zip-20000x1000k,...]

Each case runs in a child interpreter of its own (with a throwaway test database), so one that
crashes the interpreter is reported with its signal instead of ending the benchmark. A case times
``import_articles --dry-run`` on the files in process (reading, inflating, parsing and checking;
not Django's start-up), and the zip cases also the admin's upload page (one request: store the
upload, read it, report), and prints the child's peak memory. The cases:

- ``nested-N``: a ``.md`` file whose front matter is ``title: `` + ``[`` x N + ``]`` x N (the
  issue's file is N = 100,000: 200 KB).
- ``zip-NxSk``: a zip of N members of S KB each, built without compressing each member again (the
  issue's: 20,000 members of 1,000 KB, 22 MB).
- ``bzip2-liar-M``: a one-member zip, bzip2, whose headers say 1,000 bytes for M MB of zeros.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_CASES = [
    "nested-20000",
    "nested-40000",
    "nested-100000",
    "zip-20000x1000k",
    "zip-200x1000k",
    "bzip2-liar-512",
]


def nested(folder: Path, levels: int) -> Path:
    path = folder / "nested.md"
    path.write_bytes(b"---\ntitle: " + b"[" * levels + b"]" * levels + b"\nslug: s\ntopic: neurology\n---\n\nBody.\n")
    return path


def many_members(folder: Path, count: int, size: int) -> Path:
    """A zip of ``count`` .md members of ``size`` bytes, built without deflating each one again.

    Every member is the same long summary, deflated once and flushed to a byte boundary, then its
    own slug and body deflated on their own: a valid raw deflate stream, and a CRC that only needs
    the short end of each member.
    """
    path = folder / "members.zip"
    end = b"\nslug: m%d\ntopic: neurology\n---\n\nBody.\n"
    start = b"---\ntitle: A member\nsummary: "
    prefix = start + b"a" * (size - len(start) - len(end % 0))
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    deflated_prefix = compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
    prefix_crc = zlib.crc32(prefix)
    with zipfile.ZipFile(path, "w") as archive:
        for n in range(count):
            suffix = end % n
            compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
            compressed = deflated_prefix + compressor.compress(suffix) + compressor.flush()
            info = zipfile.ZipInfo(f"library/m{n}.md", date_time=(2025, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.file_size, info.compress_size = len(prefix) + len(suffix), len(compressed)
            info.CRC = zlib.crc32(suffix, prefix_crc)
            info.header_offset = archive.fp.tell()
            archive.fp.write(info.FileHeader(zip64=False))
            archive.fp.write(compressed)
            archive.filelist.append(info)
            archive.NameToInfo[info.filename] = info
        archive.start_dir = archive.fp.tell()
        archive._didModify = True
    return path


def bzip2_liar(folder: Path, megabytes: int) -> Path:
    path = folder / "liar.zip"
    size = megabytes * 1024 * 1024
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_BZIP2) as archive:
        with archive.open("liar.md", "w", force_zip64=size >= 2**32 - 1) as member:
            for _ in range(megabytes):
                member.write(b"\0" * (1024 * 1024))
    data = bytearray(path.read_bytes())
    path.write_bytes(bytes(data.replace(size.to_bytes(4, "little"), (1000).to_bytes(4, "little"))))
    return path


def build(case: str, folder: Path) -> Path:
    kind, _, spec = case.partition("-")
    if kind == "nested":
        return nested(folder, int(spec))
    if kind == "zip":
        count, size = spec.split("x")
        return many_members(folder, int(count), int(size.removesuffix("k")) * 1024)
    if kind == "bzip2":
        return bzip2_liar(folder, int(spec.removeprefix("liar-")))
    raise SystemExit(f"unknown case {case}")


def child(case: str, path: Path) -> dict:
    """In the child: time the dry run (and, for a zip, the admin upload) on ``path``."""
    import io

    from _bootstrap import test_database
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import CommandError, call_command
    from django.test import Client, override_settings
    from django.urls import reverse

    result = {"case": case, "bytes": path.stat().st_size}
    with test_database(), tempfile.TemporaryDirectory() as imports, override_settings(EDITORIAL_IMPORT_DIR=imports):
        from articles.models import Specialty
        from tests import factories

        Specialty.objects.create(name="Neurology", slug="neurology")
        editor = factories.editor(username="bench_editor")
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        out = io.StringIO()
        start = time.perf_counter()
        try:
            call_command("import_articles", "--as=bench_editor", "--dry-run", str(path), stdout=out)
        except CommandError:
            pass
        result["command_s"] = time.perf_counter() - start
        lines = out.getvalue().splitlines()
        result["lines"] = len(lines)
        result["first_line"] = lines[0][:200] if lines else ""
        result["summary"] = lines[-1] if lines else ""
        if path.suffix == ".zip":
            client = Client()
            client.force_login(editor)
            upload = SimpleUploadedFile(path.name, path.read_bytes(), content_type="application/zip")
            start = time.perf_counter()
            response = client.post(reverse("admin:articles_article_import"), {"files": [upload]})
            result["admin_s"] = time.perf_counter() - start
            result["admin_status"] = response.status_code
        result["peak_mb_over_setup"] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    return result


def run_case(case: str) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        path = build(case, Path(folder))
        built = time.perf_counter() - started
        process = subprocess.run(  # noqa: S603 - this script, a case name
            [sys.executable, __file__, "--child", case, str(path)],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "PYTHONFAULTHANDLER": "0"},
        )
    if process.returncode < 0:
        import signal

        return {"case": case, "crashed": signal.Signals(-process.returncode).name, "build_s": built}
    try:
        result = json.loads(process.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return {"case": case, "failed": process.returncode, "stderr": process.stderr[-2000:]}
    result["build_s"] = built
    return result


def describe(result: dict) -> str:
    if "crashed" in result:
        return f"{result['case']:>18}: the interpreter crashed ({result['crashed']}); no report"
    if "failed" in result:
        return f"{result['case']:>18}: the child failed (exit {result['failed']}): {result['stderr']}"
    text = f"{result['case']:>18}: {result['bytes']:>11,} bytes; dry run {result['command_s']:.3f} s"
    if "admin_s" in result:
        text += f", admin upload page {result['admin_s']:.3f} s (HTTP {result['admin_status']})"
    text += f"; peak memory +{result['peak_mb_over_setup']:.0f} MB; {result['lines']:,} report lines"
    return text + f"\n{'':>20}{result['first_line']}\n{'':>20}{result['summary']}"


def main(cases: list[str]) -> bool:
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores; each case in a child interpreter")
    for case in cases:
        print(describe(run_case(case)), flush=True)
    return True


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default=",".join(DEFAULT_CASES), help="Comma-separated; default: all")
    parser.add_argument("--child", nargs=2, metavar=("CASE", "PATH"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        print(json.dumps(child(arguments.child[0], Path(arguments.child[1]))))
        raise SystemExit(0)
    raise SystemExit(0 if main(arguments.cases.split(",")) else 1)
