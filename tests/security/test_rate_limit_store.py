"""Sign-in rate limits are shared by every process through Redis when it is configured."""

import os

import pytest
import redis

from tests.conftest import redis_url

REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL")


@pytest.mark.skipif(not REDIS_URL, reason="PORTAL_TEST_REDIS_URL is not set (CI sets it)")
def test_sign_in_attempts_are_counted_in_redis(app, english_client):
    assert app.config["RATELIMIT_STORAGE_URI"] == redis_url()
    store = redis.Redis.from_url(redis_url())
    english_client.submit("/sign-in", {"identifier": "nobody@example.com",
                                       "password": "Wrong-Password-1"})
    keys = [key.decode() for key in store.scan_iter("LIMITS*")]
    assert any("sign_in" in key for key in keys), keys
    # A second client from the same address (another browser, or another server
    # process in production) continues the same count.
    other = app.test_client()
    other.__class__ = type(english_client)
    counts = [other.submit("/sign-in", {"identifier": f"n{i}@example.com",
                                                "password": "Wrong-Password-1"}).status_code
              for i in range(10)]
    assert counts[-1] == 429
