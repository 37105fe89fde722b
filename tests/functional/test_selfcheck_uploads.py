"""The self-check upload form refuses every hostile file with the acceptance check's message."""

from __future__ import annotations

import io

from markupsafe import escape
from sqlalchemy import func, select

from portal.core.storage import StoredFile, UploadRefused, accept_upload, refusal_message
from portal.extensions import db
from tests import samples
from tests.functional.test_selfcheck import (
    _enterprise_client,
    _people_section,
    _self_check,
    _start,
)
from tests.functional.test_selfcheck import catering as catering  # a fixture
from tests.unit.test_upload_acceptance import CORPUS, CORPUS_DIR

#: What the catering questionnaire's training-record question accepts.
KINDS = ("pdf", "jpg", "png")


def _reason_for(data: bytes, name: str) -> str:
    try:
        accept_upload(io.BytesIO(data), name, kinds=KINDS, max_bytes=20 * 1024 * 1024)
    except UploadRefused as refused:
        return refused.reason
    raise AssertionError(f"{name} was accepted")


def test_every_hostile_file_is_refused_by_the_self_check_form(app, english_client,
                                                               real_content, catering):
    _enterprise_client(english_client, catering)
    self_check_id = _start(english_client)
    stored_before = db.session.scalar(select(func.count(StoredFile.id)))
    objects_before = list(app.extensions["storage"].list_objects())
    for name, _reason in CORPUS:
        data = (CORPUS_DIR / name).read_bytes()
        response = _people_section(english_client, self_check_id,
                                   **{"q-training_record": (io.BytesIO(data), name)})
        assert response.status_code == 400, name
        with app.test_request_context("/", headers={"Accept-Language": "en"}):
            message = refusal_message(_reason_for(data, name), kinds=KINDS,
                                      max_bytes=app.config["MAX_UPLOAD_MB"] * 1024 * 1024)
        assert str(escape(message)) in response.get_data(as_text=True), name
        assert "training_record" not in _self_check(self_check_id).answers
    assert db.session.scalar(select(func.count(StoredFile.id))) == stored_before
    assert list(app.extensions["storage"].list_objects()) == objects_before


def test_a_misnamed_photo_is_refused_in_chinese(client, real_content, catering):
    _enterprise_client(client, catering)
    self_check_id = _start(client)
    photo = (io.BytesIO(samples.png_bytes()), "培训记录.pdf")
    response = _people_section(client, self_check_id, **{"q-training_record": photo})
    assert response.status_code == 400
    assert "文件名与文件实际内容不符" in response.get_data(as_text=True)
    assert "training_record" not in _self_check(self_check_id).answers


def test_a_photo_without_extension_is_accepted_by_its_content(client, real_content, catering):
    _enterprise_client(client, catering)
    self_check_id = _start(client)
    photo = (io.BytesIO(samples.jpeg_bytes()), "微信图片")
    response = _people_section(client, self_check_id, **{"q-training_record": photo})
    assert response.status_code in (200, 302)
    answer = _self_check(self_check_id).answers["training_record"]
    assert (answer["name"], answer["content_type"]) == ("微信图片", "image/jpeg")


def test_a_request_larger_than_the_limit_gets_the_localised_413_page(app, english_client,
                                                                    real_content, catering):
    _enterprise_client(english_client, catering)
    self_check_id = _start(english_client)
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert limit == app.config["MAX_REQUEST_MB"] * 1024 * 1024
    # The declared length is refused before a byte of the body is read.
    response = english_client.post(
        f"/self-checks/{self_check_id}/sections/people", input_stream=io.BytesIO(b"--x--"),
        content_type="multipart/form-data; boundary=x",
        environ_overrides={"CONTENT_LENGTH": str(limit + 1)})
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert (f"What you sent is larger than {app.config['MAX_REQUEST_MB']} MB in total. "
            "Nothing was saved.") in page
    assert "training_record" not in _self_check(self_check_id).answers
