"""A large import reports how far it has got to the page that polls it."""

from __future__ import annotations

import io
import re

import pytest

from portal.core import progress
from portal.core.progress import Progress, Tracker


@pytest.fixture
def context(app):  # type: ignore[no-untyped-def]
    with app.app_context():
        yield


def test_a_tracker_reports_its_steps_and_its_end(context):
    token = progress.new_token()
    tracker = Tracker(7, token, every=3600)
    tracker.started(10)
    assert progress.read(7, token) == Progress(0, 10)
    tracker.advance(4)  # within the interval: not written yet
    assert progress.read(7, token) == Progress(0, 10)
    tracker.advance(6)  # the last step is always written
    assert progress.read(7, token) == Progress(10, 10)
    assert progress.read(7, token).percent == 100
    # Another user, or a token that is not one, reads nothing.
    assert progress.read(8, token) is None
    assert progress.read(7, "../../etc") is None
    progress.report(7, "short", Progress(1, 2))
    assert progress.read(7, "short") is None


def test_the_import_page_follows_the_rows_of_the_running_import(client, world, app):
    client.sign_in(world.officer.email)
    page = client.get("/officer/credit/import").get_data(as_text=True)
    token = re.search(r'name="progress_id"[^>]*value="([^"]+)"', page)[1]
    assert f"/officer/credit/import/progress/{token}" in page
    assert client.get(f"/officer/credit/import/progress/{token}").status_code == 404
    header = ("行政处罚决定书文号,统一社会信用代码,处罚机关代码,违法行为,处罚种类,处罚决定日期,"
              "信息类别")
    rows = "\n".join(f"进度〔2026〕{n}号,{world.enterprise.uscc},{world.department.code},未公示,"
                     f"罚款,2026-01-05,一般" for n in range(1, 4))
    response = client.submit("/officer/credit/import", {
        "mode": "all", "progress_id": token,
        "file": (io.BytesIO(f"{header}\n{rows}\n".encode("gbk")), "r.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 200
    answer = client.get(f"/officer/credit/import/progress/{token}")
    assert answer.get_json() == {"done": 6, "total": 6, "percent": 100}
    assert answer.headers["Cache-Control"] == "no-store"
    # Nobody else reads it, not even a colleague of the department.
    other = app.test_client()
    other.sign_in(world.colleague.email)
    assert other.get(f"/officer/credit/import/progress/{token}").status_code == 404
