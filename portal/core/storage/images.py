"""Photos: when they were taken (EXIF), and small re-encoded copies to show on pages.

The original upload is never shown inline: a page shows a thumbnail decoded and
encoded again by Pillow, without any of the original's metadata (GPS position,
camera serial number), so nothing but pixels reaches the browser.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import IO

from PIL import Image, ImageOps

#: EXIF tags: DateTimeOriginal (in the Exif IFD) and DateTime (in IFD0).
_DATE_TIME_ORIGINAL = 0x9003
_DATE_TIME = 0x0132
_EXIF_IFD = 0x8769
_EXIF_DATE = re.compile(r"(\d{4}):(\d{2}):(\d{2}) (\d{2}):(\d{2}):(\d{2})")


def capture_time(stream: IO[bytes]) -> str | None:
    """Return when a photo was taken as "YYYY-MM-DD HH:MM:SS", as its camera recorded it.

    The camera's clock has no time zone and may be wrong: pages say so. None when the
    file has no such record or it cannot be read. Leaves ``stream`` where it was.
    """
    start = stream.tell()
    try:
        with Image.open(stream) as image:
            exif = image.getexif()
            raw = exif.get_ifd(_EXIF_IFD).get(_DATE_TIME_ORIGINAL) or exif.get(_DATE_TIME)
    except Exception:  # any unreadable image simply has no capture time
        return None
    finally:
        stream.seek(start)
    match = _EXIF_DATE.fullmatch(str(raw).strip().rstrip("\x00")) if raw else None
    if match is None:
        return None
    try:
        moment = dt.datetime(*(int(part) for part in match.groups()))
    except ValueError:
        return None
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def thumbnail(stream: IO[bytes], max_side: int = 480) -> tuple[bytes, str]:
    """Return a copy at most ``max_side`` pixels wide and high, and its content type.

    Turned upright by its EXIF orientation, then encoded as JPEG (PNG when it has
    transparency) with no metadata.
    """
    with Image.open(stream) as image:
        upright = ImageOps.exif_transpose(image)
        upright.thumbnail((max_side, max_side))
        has_alpha = upright.mode in ("RGBA", "LA") or "transparency" in upright.info
        pixels = upright.convert("RGBA" if has_alpha else "RGB")
    out = io.BytesIO()
    if has_alpha:
        pixels.save(out, format="PNG", optimize=True)
        return out.getvalue(), "image/png"
    pixels.save(out, format="JPEG", quality=80)
    return out.getvalue(), "image/jpeg"
