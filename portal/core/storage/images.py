"""Photos given as evidence: when they were taken, and small clean copies to show.

Call these only on files ``accept_upload`` accepted (PNG, JPEG, HEIC). A
thumbnail is a new image re-encoded by Pillow: it keeps none of the original's
metadata — no EXIF, so no GPS position, camera serial or embedded preview — and
is turned the way the camera's orientation tag said.
"""

from __future__ import annotations

import datetime as dt
import io
import warnings
from typing import IO

from PIL import Image, ImageOps

from portal.core.storage.inspect import MAX_IMAGE_PIXELS, UnsafeContent

#: EXIF tags: DateTime (IFD0), the Exif IFD, and DateTimeOriginal inside it.
_DATETIME = 0x0132
_EXIF_IFD = 0x8769
_DATETIME_ORIGINAL = 0x9003
_EXIF_FORMAT = "%Y:%m:%d %H:%M:%S"


def capture_time(stream: IO[bytes]) -> dt.datetime | None:
    """Return when the photo says it was taken: EXIF DateTimeOriginal, else DateTime.

    The time is naive, as the camera recorded it (local time; EXIF rarely says
    which zone). None when the photo has no such tag or the tag is garbled
    ("0000:00:00 00:00:00", blanks …). ``stream`` is left where it was.
    """
    start = stream.tell()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(stream) as image:
                exif = image.getexif()
                values = (exif.get_ifd(_EXIF_IFD).get(_DATETIME_ORIGINAL),
                          exif.get(_DATETIME))
    except Exception:  # not an image Pillow reads, or an unreadable EXIF block
        return None
    finally:
        stream.seek(start)
    for value in values:
        parsed = _parse_exif_time(value)
        if parsed is not None:
            return parsed
    return None


def _parse_exif_time(value: object) -> dt.datetime | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.strptime(value.strip("\x00 ")[:19], _EXIF_FORMAT)
    except ValueError:
        return None


def thumbnail(stream: IO[bytes], max_side: int = 480) -> tuple[bytes, str]:
    """Return a copy at most ``max_side`` pixels wide and high, and its content type.

    JPEG, or PNG for an image with transparency; upright; without any metadata.
    ``stream`` is left where it was.

    :raises UnsafeContent: not an image that decodes, or too many pixels.
    """
    start = stream.tell()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(stream) as image:
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise UnsafeContent("image has too many pixels")
                image.draft("RGB", (max_side, max_side))  # JPEG: decode at a smaller scale
                upright = ImageOps.exif_transpose(image)
                upright.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
                alpha = upright.mode in {"RGBA", "LA", "PA"} or (
                    upright.mode == "P" and "transparency" in upright.info)
                mode = "RGBA" if alpha else "RGB"
                converted = upright.convert(mode)
                # A new image from the pixels alone: nothing of the original's info survives.
                clean = Image.frombytes(mode, converted.size, converted.tobytes())
    except UnsafeContent:
        raise
    except Exception as error:
        raise UnsafeContent(f"image does not decode: {type(error).__name__}") from error
    finally:
        stream.seek(start)
    out = io.BytesIO()
    if alpha:
        clean.save(out, format="PNG", optimize=True)
        return out.getvalue(), "image/png"
    clean.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue(), "image/jpeg"
