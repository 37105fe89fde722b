"""Photo helpers: when a photo was taken, and thumbnails without metadata."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image

from portal.core.storage import capture_time, thumbnail
from portal.core.storage.inspect import UnsafeContent
from tests import samples


def _jpeg(exif: Image.Exif | None = None, size: tuple[int, int] = (640, 320),
          mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "navy").save(out, format="JPEG", exif=exif or Image.Exif())
    return out.getvalue()


def test_the_capture_time_is_the_original_time_as_recorded():
    stream = io.BytesIO(samples.jpeg_with_exif("2026:03:14 09:26:53"))
    stream.seek(5)
    assert capture_time(stream) == dt.datetime(2026, 3, 14, 9, 26, 53)
    assert stream.tell() == 5


def test_without_an_original_time_the_last_change_time_is_used():
    exif = Image.Exif()
    exif[0x0132] = "2025:12:31 23:59:59"
    assert capture_time(io.BytesIO(_jpeg(exif))) == dt.datetime(2025, 12, 31, 23, 59, 59)


@pytest.mark.parametrize("value", ["0000:00:00 00:00:00", "    ", "yesterday",
                                   "2026:13:40 25:61:00"])
def test_a_garbled_time_gives_none(value):
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = value
    assert capture_time(io.BytesIO(_jpeg(exif))) is None


@pytest.mark.parametrize("data", [samples.png_bytes(), samples.jpeg_bytes(), b"",
                                  samples.pdf_bytes(), samples.png_bomb()])
def test_no_time_for_photos_without_one_or_files_that_are_not_photos(data):
    assert capture_time(io.BytesIO(data)) is None


def test_a_thumbnail_keeps_no_metadata_and_no_gps():
    original = samples.jpeg_with_exif()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # it had a position
    stream = io.BytesIO(original)
    data, content_type = thumbnail(stream)
    assert content_type == "image/jpeg"
    assert stream.tell() == 0
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG" and image.size == (480, 240)
        assert not image.getexif()
        assert "exif" not in image.info and "icc_profile" not in image.info
    assert b"Exif" not in data and b"GPS" not in data


def test_a_thumbnail_is_turned_upright():
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera was held on its side: turn 90 degrees clockwise
    data, _type = thumbnail(io.BytesIO(_jpeg(exif)), max_side=100)
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (50, 100)


def test_an_image_with_transparency_gives_a_png_thumbnail():
    out = io.BytesIO()
    Image.new("RGBA", (1000, 500), (0, 128, 0, 100)).save(out, format="PNG")
    data, content_type = thumbnail(io.BytesIO(out.getvalue()), max_side=200)
    assert content_type == "image/png"
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (200, 100) and image.mode == "RGBA"


def test_a_heic_photo_gets_a_jpeg_thumbnail():
    data, content_type = thumbnail(io.BytesIO(samples.heic_bytes((960, 480))))
    assert content_type == "image/jpeg"
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (480, 240)


@pytest.mark.parametrize("data", [samples.png_bomb(), b"not an image", b""])
def test_a_thumbnail_refuses_what_does_not_decode(data):
    with pytest.raises(UnsafeContent):
        thumbnail(io.BytesIO(data))
