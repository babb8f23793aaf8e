"""Browser tests: the app served by a real server process on loopback, with demo data, driven by
Playwright on Debian's Chromium (never a downloaded browser), scanned with axe-core.

Run with `make e2e`. On failure, the page's screenshot and HTML go to tests/e2e/artifacts/.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PASSWORD = "mutualise-demo"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve_demo(folder: Path):
    """A migrated database with demo data, served by gunicorn as in production."""
    env = {**os.environ, "FLASK_APP": "wsgi.py", "DATABASE_URL": f"sqlite:///{folder}/e2e.db",
           "SECRET_KEY": "e2e-secret", "RATELIMIT_STORAGE_URI": "process-memory://",
           # The journeys sign in some thirty times a minute from one address: the sign-in
           # limits are the suite's (tests/test_security_auth.py), not what the journeys look at.
           "LOGIN_RATE_LIMIT": "1000 per minute", "LOGIN_ACCOUNT_RATE_LIMIT": "1000 per minute"}
    env.pop("TEST_DATABASE_URL", None)
    flask = [sys.executable, "-m", "flask"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([*flask, "demo-data"], cwd=ROOT, env=env, check=True, capture_output=True)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with (folder / "server.log").open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT, env=env, stdout=log, stderr=log)
        try:
            _wait_until_up(url, folder / "server.log")
            yield url
        finally:
            server.terminate()
            server.wait(timeout=10)


@pytest.fixture(scope="session")
def base_url(tmp_path_factory):
    with serve_demo(tmp_path_factory.mktemp("e2e")) as url:
        yield url


def launch_chromium(playwright):
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])


def sign_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main button[type=submit], main input[type=submit]").first.click()
    page.wait_for_url(lambda url: "/login" not in url)


def _wait_until_up(url: str, log: Path) -> None:
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/login", timeout=1)
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the app did not start: see {log}")


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: run `make e2e`, which installs it.")
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        for page in item.funcargs.get("_open_pages", []):
            ARTIFACTS.mkdir(exist_ok=True)
            name = ARTIFACTS / f"{item.name}-{id(page)}"
            try:
                page.screenshot(path=f"{name}.png", full_page=True)
                Path(f"{name}.html").write_text(page.content())
            except Exception:  # noqa: BLE001 - the page may be closed; keep the original failure
                pass


@pytest.fixture
def _open_pages():
    return []


@pytest.fixture
def open_page(browser, base_url, _open_pages):
    """A fresh browser context: `open_page(email=None, size=DESKTOP, locale="fr-BE")`."""
    contexts = []

    def make(email: str | None = None, size: dict = DESKTOP, locale: str = "fr-BE") -> Page:
        context = browser.new_context(viewport=size, locale=locale, base_url=base_url)
        contexts.append(context)
        page = context.new_page()
        _open_pages.append(page)
        if email:
            sign_in(page, email)
        return page

    yield make
    for context in contexts:
        context.close()


def axe_violations(page: Page) -> list[dict]:
    """The critical and serious violations axe-core finds on the page as it is now."""
    page.evaluate(AXE.read_text())
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in results["violations"] if v["impact"] in ("critical", "serious")]


def page_status(page: Page) -> int:
    """The HTTP status of the document shown, after any redirect."""
    return page.evaluate("performance.getEntriesByType('navigation')[0].responseStatus")


def assert_accessible(page: Page, status: int = 200) -> None:
    """No critical or serious violation on the page, which is the one meant (a 404 page that
    passes the scan says nothing about the page that was asked for)."""
    assert page_status(page) == status, f"{page.url} answered {page_status(page)}"
    found = axe_violations(page)
    assert found == [], f"{page.url}: " + json.dumps(found, indent=1, ensure_ascii=False)


def assert_fits(page: Page) -> None:
    """No sideways scrolling of the whole page."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} is {width} px wide"


__all__ = ["DESKTOP", "PHONE", "assert_accessible", "assert_fits", "axe_violations",
           "launch_chromium", "page_status", "serve_demo", "sign_in"]
