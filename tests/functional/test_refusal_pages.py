"""Refusal pages say what happened, what to do, and carry a reference number."""

from __future__ import annotations

import re

from portal.core.requestcontext import new_request_id

_REFERENCE = re.compile(r'<code class="reference">([0-9a-f]{16})</code>')


def test_the_429_page_says_how_long_to_wait_in_chinese(client):
    for _attempt in range(10):
        client.submit("/sign-in", {"identifier": "nobody@example.cn", "password": "x"})
    response = client.submit("/sign-in", {"identifier": "nobody@example.cn", "password": "x"})
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "per 1 minute" not in page
    assert re.search(r"请等待\d+(秒钟|分钟)后再试", page), page
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert _REFERENCE.search(page)


def test_the_429_page_in_english(english_client):
    for _attempt in range(10):
        english_client.submit("/sign-in", {"identifier": "nobody@example.cn", "password": "x"})
    response = english_client.submit("/sign-in", {"identifier": "nobody@example.cn",
                                                  "password": "x"})
    assert response.status_code == 429
    assert re.search(r"Wait \d+ (seconds?|minutes?), then try again",
                     response.get_data(as_text=True))


def test_the_413_page_names_the_limit_and_has_a_reference_and_navigation(app, client):
    limit_mb = app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
    body = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post("/sign-in", data=body,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert f"超过 {limit_mb} MB" in page
    assert _REFERENCE.search(page)
    assert 'href="/"' in page


def test_a_csrf_failure_page_has_a_reference_number(client):
    response = client.post("/sign-in", data={"identifier": "a@example.cn", "password": "x"})
    assert response.status_code == 400
    match = _REFERENCE.search(response.get_data(as_text=True))
    assert match
    assert response.headers["X-Request-ID"] == match.group(1)


def test_a_405_names_the_allowed_methods(client):
    response = client.delete("/sign-in")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}
    assert _REFERENCE.search(response.get_data(as_text=True))


def test_request_ids_are_hex_when_not_given():
    assert re.fullmatch(r"[0-9a-f]{16}", new_request_id(None))
