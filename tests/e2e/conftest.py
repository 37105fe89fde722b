"""Browser tests: a real portal process and Debian's Chromium driven by Playwright.

The server runs in its own process on a fresh SQLite database, as a user would
run it; screenshots are kept under test-artifacts/e2e/ as test artefacts.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from portal.config import PROJECT_ROOT

CHROMIUM = os.environ.get("PORTAL_TEST_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "e2e"
DEMO_PASSWORD = "E2e-Demo-Pass-2026"
#: The live server's log, where the console mail backend writes every message.
SERVER_LOG: list[Path] = []


def link_in_mail(fragment: str) -> str:
    """Return the path of the newest link containing ``fragment`` in the mail sent so far.

    Mail leaves after its page has been sent, so the log is read a few times (bounded).
    """
    pattern = re.compile(r"https?://[^\s]+(" + re.escape(fragment) + r"[^\s]*)")
    for _attempt in range(50):
        links = pattern.findall(SERVER_LOG[-1].read_text(encoding="utf-8"))
        if links:
            return str(links[-1])
        time.sleep(0.1)
    raise AssertionError(f"no mail with a {fragment} link in {SERVER_LOG[-1]}")


#: Each account's signed-in browser state, kept for the session: signing in once per account
#: stays under the sign-in rate limit (SIGN_IN_RATE_LIMIT, 10 a minute from one address).
_SIGNED_IN: dict[str, object] = {}


def sign_out(page) -> None:  # type: ignore[no-untyped-def]
    """Forget who ``page``'s browser context is signed in as, once its page is idle.

    Every response refreshes the session cookie, so a late response of the page before
    (its favicon, say) could put the cookie back after it was cleared.
    """
    if page.url.startswith("http"):
        page.wait_for_load_state("networkidle")
        page.goto("about:blank")
    page.context.clear_cookies()


def sign_in(page, email: str) -> None:  # type: ignore[no-untyped-def]
    """Make ``page``'s browser context act as ``email`` (signing in only the first time)."""
    sign_out(page)
    if email in _SIGNED_IN:
        page.context.add_cookies(_SIGNED_IN[email]["cookies"])  # type: ignore[index]
        return
    page.goto("/sign-in")
    page.get_by_label("电子邮箱或手机号码").fill(email)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()
    assert "/sign-in" not in page.url, page.locator("main").inner_text()[:500]
    _SIGNED_IN[email] = page.context.storage_state()


def _skip_without_chromium() -> None:
    """Skip the test that needs the browser when Chromium is not installed.

    A module-level ``pytestmark`` in a conftest applies to no test, so each fixture
    that needs the browser skips here instead (a skip, not an error).
    """
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start the portal (migrated, demo data loaded) and return its base URL."""
    _skip_without_chromium()
    folder = tmp_path_factory.mktemp("e2e")
    env = {
        **os.environ,
        "PORTAL_ENV": "test",
        "PORTAL_DATABASE_URL": f"sqlite:///{folder / 'portal.sqlite3'}",
        "PORTAL_UPLOAD_DIR": str(folder / "uploads"),
        "PORTAL_SECRET_KEY": "e2e-secret-key-not-for-production-use",
        "PORTAL_DEMO_PASSWORD": DEMO_PASSWORD,
        "PORTAL_ARGON2_TIME_COST": "1",
        "PORTAL_ARGON2_MEMORY_COST": "1024",
        # INFO so that mail sent with the console backend can be read from the log.
        "PORTAL_LOG_LEVEL": "INFO",
        "PORTAL_MAIL_BACKEND": "console",
        # Every journey signs in from 127.0.0.1: the limits per address are tested in
        # tests/security and tests/functional, not by making journeys wait for them.
        "PORTAL_SIGN_IN_RATE_LIMIT": "600 per minute",
        "PORTAL_FORM_RATE_LIMIT": "600 per hour",
        # With Redis (as CI runs), pages are kept as in production, signed-in ones too.
        "PORTAL_REDIS_URL": os.environ.get("PORTAL_TEST_REDIS_URL", ""),
    }
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    for command in (["db", "upgrade"], ["guides", "sync"], ["demo", "load"]):
        subprocess.run([*flask, *command], cwd=PROJECT_ROOT, env=env, check=True,
                       capture_output=True, timeout=300)
    port = _free_port()
    SERVER_LOG.append(folder / "server.log")
    log = (folder / "server.log").open("w")
    server = subprocess.Popen([*flask, "run", "--host", "127.0.0.1", "--port", str(port)],
                              cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    for _attempt in range(150):  # 150 tries 0.2 s apart: about 30 s at most
        if server.poll() is not None:
            break
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.2)
    else:
        server.kill()
        raise RuntimeError(f"the portal did not start in 30 s: see {log.name}")
    if server.poll() is not None:
        raise RuntimeError(f"the portal stopped at start-up: see {log.name}")
    yield base_url
    server.terminate()
    server.wait(timeout=10)
    log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Launch headless Chromium once for the session."""
    _skip_without_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):  # type: ignore[no-untyped-def]
    """Return a fresh page of a Chinese-speaking user on a phone-sized screen."""
    context = browser.new_context(base_url=live_server, locale="zh-CN",
                                  viewport={"width": 390, "height": 844})
    new_page = context.new_page()
    yield new_page
    context.close()


class AxeChecker:
    """Run axe-core on pages and keep every serious or critical violation."""

    def __init__(self) -> None:
        from axe_playwright_python.sync_playwright import Axe

        self.axe = Axe()
        self.problems: list[str] = []

    def check(self, page, name: str) -> None:  # type: ignore[no-untyped-def]
        """Check the current page and save its screenshot as ``name``."""
        page.wait_for_load_state("load")  # a click only waits for navigation to commit
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        results = self.axe.run(page)
        for violation in results.response["violations"]:
            if violation["impact"] in {"serious", "critical"}:
                targets = [node["target"] for node in violation["nodes"]][:3]
                self.problems.append(f"{name}: {violation['id']} ({violation['impact']}) "
                                     f"{violation['help']} at {targets}")


@pytest.fixture
def axe() -> Iterator[AxeChecker]:
    """Check pages with axe; fail the test if any had a serious or critical violation."""
    checker = AxeChecker()
    yield checker
    assert checker.problems == [], "\n".join(checker.problems)
