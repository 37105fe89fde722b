"""Fuzz every route with odd input: whatever arrives, the answer is never a 5xx.

For every rule of the url map (and each of its methods), Hypothesis sends
random path parts, query parameters and form fields — NUL characters, digit
symbols, huge numbers, long and mixed-script text — as the role that can reach
the page. Examples are bounded and derandomised so that CI is stable and fast.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

#: Parameters the portal's pages and forms read, and a few they do not.
PARAMETERS = ["q", "page", "per_page", "industry", "department", "list_type", "valid",
              "valid_on", "band", "town", "from", "to", "date_from", "date_to", "version",
              "next", "enterprise_id", "locale", "action", "expected_version", "status",
              "kind", "email", "mobile", "password", "confirm", "display_name", "identifier",
              "uscc", "name", "signer_name", "signer_role", "agree", "active", "role",
              "mandate_expires_on", "code", "name_zh_hans", "name_en", "short_name"]

ODD_TEXT = st.one_of(
    st.text(st.characters(codec="utf-8"), max_size=30),
    st.sampled_from(["\x00", "a\x00b", "²", "١٢", "9" * 400, "-1", "0", "2147483648",
                     "99999999999999999999", "1e9", " ", "<script>", "%00", "../../etc",
                     "价格", "２", "true", "[]"]),
)
PATH_PART = st.one_of(st.integers(min_value=0, max_value=2**70).map(str), ODD_TEXT)
QUERY = st.dictionaries(st.sampled_from(PARAMETERS), ODD_TEXT, max_size=4)

_PLACEHOLDER = re.compile(r"<(?:[a-z]+:)?[a-z_]+>")
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _rules(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static":
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule.rule, method


def _role_for(rule: str) -> str | None:
    if rule.startswith("/admin"):
        return "admin"
    if rule.startswith("/officer"):
        return "officer"
    if rule.startswith(("/enterprise", "/self-checks", "/account")):
        return "enterprise_admin"
    return None


def pytest_generate_tests(metafunc):  # pragma: no cover - collection hook
    if "rule_and_method" in metafunc.fixturenames:
        from portal import create_app

        app = create_app({"ENV": "test", "DATABASE_URL": "sqlite://", "SECRET_KEY": "x" * 40,
                          "MAIL_BACKEND": "memory"})
        pairs = list(_rules(app))
        metafunc.parametrize("rule_and_method", pairs, ids=[f"{m} {r}" for r, m in pairs])


def _any_csrf_token(client) -> str:
    """Return a valid token whether or not an earlier example signed the client out."""
    for page in ("/account", "/sign-in"):
        match = _CSRF.search(client.get(page).get_data(as_text=True))
        if match:
            return match.group(1)
    raise AssertionError("no page offered a CSRF token")


@pytest.fixture
def fuzz_client(client, world, rule_and_method):
    rule, _method = rule_and_method
    role = _role_for(rule)
    if role is not None:
        client.sign_in(world.user(role).email)
    return client


@settings(max_examples=6, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_no_input_gives_a_server_error(fuzz_client, rule_and_method, data):
    rule, method = rule_and_method
    path = _PLACEHOLDER.sub(lambda _m: quote(data.draw(PATH_PART), safe="") or "x", rule)
    query = data.draw(QUERY)
    url = f"{path}?{urlencode(query)}" if query else path
    if method == "GET":
        response = fuzz_client.get(url)
    else:
        form = data.draw(QUERY)
        form["csrf_token"] = _any_csrf_token(fuzz_client)
        response = fuzz_client.open(url, method=method, data=form)
    assert response.status_code < 500, (method, url, response.get_data(as_text=True)[:500])
