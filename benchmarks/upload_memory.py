"""Memory of one 50 MB upload: form parsing, ``accept_upload`` and storing; budget 16 MB.

Cases: a PNG photo, a PDF of 50 scanned pages, a DOCX carrying one picture.

A multipart request carrying one 50 MB evidence file is parsed by the portal's
own Flask/Werkzeug request (files beyond 500 KB are spooled to a temporary
file), checked by ``accept_upload`` with the evidence kinds, and stored by
``put_checked`` in the local backend. Each case runs in a fresh process that
reads the request body from disk, so nothing of building the file counts. The
peak increase is measured twice: Python allocations (tracemalloc) and the
process's resident memory (RSS, sampled every 2 ms), against the baseline taken
just before the request. Budget: the larger of the two <= 16 MB.

Run: ``python -m benchmarks.upload_memory`` (``make bench`` runs it too).
Results are printed as a table and written to benchmarks/results/ as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
import zipfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
MiB = 1024 * 1024
SIZE_MB = 50
BUDGET_MB = 16.0
BOUNDARY = "----portal-benchmark-boundary"


def _png(path: Path) -> None:
    """A 4,100 x 4,100 photo of noise: incompressible, about 50 MB as PNG."""
    side = 4100
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(
        path, format="PNG", compress_level=1)


def _docx(path: Path) -> None:
    """A Word document carrying a 50 MB picture (stored, as JPEG pictures are)."""
    sys.path.insert(0, str(ROOT))
    from tests import samples

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in samples.docx_parts().items():
            archive.writestr(name, data)
        info = zipfile.ZipInfo("word/media/image1.jpeg", date_time=(2026, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_STORED
        with archive.open(info, "w", force_zip64=True) as member:
            for _ in range(SIZE_MB):
                member.write(os.urandom(MiB))


def _pdf(path: Path) -> None:
    """A scanned document: 50 pages, each one 1 MB image (a PDF is read a stream at a time)."""
    pages = SIZE_MB
    offsets: list[int] = []
    with path.open("wb") as out:
        out.write(b"%PDF-1.7\n")

        def obj(number: int, body: bytes, data: bytes | None = None) -> None:
            offsets.append(out.tell())
            out.write(b"%d 0 obj\n" % number + body)
            if data is not None:
                out.write(b"\nstream\n" + data + b"\nendstream")
            out.write(b"\nendobj\n")

        kids = b" ".join(b"%d 0 R" % (3 + 2 * page) for page in range(pages))
        obj(1, b"<< /Type /Catalog /Pages 2 0 R >>")
        obj(2, b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages))
        side = 591  # 591 x 591 x 3 bytes: about 1 MB of pixels per page
        for page in range(pages):
            image = 4 + 2 * page
            obj(3 + 2 * page, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                              b"/Resources << /XObject << /Im1 %d 0 R >> >> >>" % image)
            pixels = os.urandom(side * side * 3)
            obj(image, b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace "
                       b"/DeviceRGB /BitsPerComponent 8 /Length %d >>"
                % (side, side, len(pixels)), pixels)
        xref = out.tell()
        out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1))
        out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
        out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
                  % (len(offsets) + 1, xref))


CASES = {"PNG photo": ("evidence.png", "image/png", _png),
         "PDF of 50 scans": ("evidence.pdf", "application/pdf", _pdf),
         "DOCX with a picture": ("evidence.docx", "application/octet-stream", _docx)}


def _request_body(source: Path, target: Path, filename: str, content_type: str) -> None:
    """Write a multipart/form-data body carrying ``source`` to ``target``, in chunks."""
    with target.open("wb") as out, source.open("rb") as data:
        out.write((f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n"
                   f"site photo\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; "
                   f"name=\"evidence\"; filename=\"{filename}\"\r\n"
                   f"Content-Type: {content_type}\r\n\r\n").encode())
        while chunk := data.read(MiB):
            out.write(chunk)
        out.write(f"\r\n--{BOUNDARY}--\r\n".encode())


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def measure(body: Path, upload_dir: Path) -> dict[str, float | str | int]:
    """Parse, check and store the request in ``body``; return the peak memory increases."""
    from werkzeug.test import EnvironBuilder

    from portal import create_app
    from portal.core.storage import (
        EVIDENCE_KINDS,
        accept_upload,
        evidence_max_bytes,
        get_storage,
        put_checked,
    )

    app = create_app({"ENV": "test", "DATABASE_URL": "sqlite://", "LOG_LEVEL": "WARNING",
                      "SECRET_KEY": "benchmark-secret-key-not-for-production",
                      "UPLOAD_DIR": str(upload_dir), "EVIDENCE_MAX_FILE_MB": 60,
                      "MAX_REQUEST_MB": 64})
    size = body.stat().st_size
    with body.open("rb") as stream:
        environ = EnvironBuilder(
            method="POST", path="/", input_stream=stream, content_length=size,
            content_type=f"multipart/form-data; boundary={BOUNDARY}").get_environ()
        peak_rss = baseline_rss = _rss()
        done = threading.Event()

        def sample() -> None:
            nonlocal peak_rss
            while not done.is_set():
                peak_rss = max(peak_rss, _rss())
                time.sleep(0.002)

        sampler = threading.Thread(target=sample)
        sampler.start()
        tracemalloc.start()
        started = time.perf_counter()
        try:
            with app.request_context(environ):
                from flask import request

                upload = request.files["evidence"]
                checked = accept_upload(upload.stream, upload.filename, kinds=EVIDENCE_KINDS,
                                        max_bytes=evidence_max_bytes())
                stored = put_checked(get_storage(), checked)
                checked.close()
        finally:
            elapsed = time.perf_counter() - started
            _current, peak_python = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            done.set()
            sampler.join()
    return {"file_mb": round(stored.size / MiB, 1), "content_type": stored.content_type,
            "python_peak_mb": round(peak_python / MiB, 2),
            "rss_increase_mb": round(max(0, peak_rss - baseline_rss) / MiB, 2),
            "seconds": round(elapsed, 2)}


def main() -> int:
    """Build each case's request, measure it in a fresh process, report against the budget."""
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        for name, (filename, content_type, build) in CASES.items():
            source = work / filename
            build(source)
            body = work / f"{filename}.body"
            _request_body(source, body, filename, content_type)
            source.unlink()
            answer = subprocess.run(  # noqa: S603 - this interpreter, this module
                [sys.executable, "-m", "benchmarks.upload_memory", "--measure", str(body),
                 str(work / "uploads")], cwd=ROOT, capture_output=True, text=True, check=True)
            row = json.loads(answer.stdout.strip().splitlines()[-1])
            worst = max(row["python_peak_mb"], row["rss_increase_mb"])
            row["ratio_to_budget"] = round(worst / BUDGET_MB, 3)
            results[name] = row
            body.unlink()
    print(f"\nOne ~{SIZE_MB} MB evidence upload: multipart parsing, accept_upload, put_checked "
          f"(local); budget peak increase <= {BUDGET_MB:.0f} MB\n")
    print(f"{'case':<22} {'MB':>6} {'python MB':>10} {'RSS MB':>8} {'s':>6} {'ratio':>7}")
    for name, row in results.items():
        print(f"{name:<22} {row['file_mb']:>6} {row['python_peak_mb']:>10} "
              f"{row['rss_increase_mb']:>8} {row['seconds']:>6} {row['ratio_to_budget']:>7}")
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "upload-memory.json").write_text(json.dumps(results, indent=2))
    worst_ratio = max(float(row["ratio_to_budget"]) for row in results.values())
    print(f"\nworst ratio: {worst_ratio} ({'within' if worst_ratio <= 1 else 'OVER'} budget)")
    return 0 if worst_ratio <= 1 else 1


if __name__ == "__main__":
    if sys.argv[1:2] == ["--measure"]:
        print(json.dumps(measure(Path(sys.argv[2]), Path(sys.argv[3]))))
        sys.exit(0)
    sys.exit(main())
