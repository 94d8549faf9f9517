"""Browser tests: Playwright driving the system's Chromium, headless, against a live server.

Playwright cannot download its own browsers here; it drives the Debian package's
Chromium (`apt-get install -y chromium`), found as $CHROMIUM or on the PATH. Without
one, every test here is skipped with a message saying so (and `make test` says it too).
"""

import os
import shutil

import pytest

from tests.desk.conftest import decision, desk_parties, make_invoice  # noqa: F401
from tests.invoices.conftest import password, staff  # noqa: F401

CHROMIUM = (
    os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
)
# Without these, Chromium keeps calling Google's services, which a closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}


def pytest_collection_modifyitems(config, items):
    if CHROMIUM:
        return
    skip = pytest.mark.skip(reason="no Chromium found: apt-get install -y chromium")
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="package", autouse=True)
def orm_beside_playwright():
    """Playwright's sync API keeps an event loop in this thread, so Django would refuse the
    plain synchronous ORM calls the tests make between page actions. Allowed while this
    package's tests run only: the variable must not leak into other tests' subprocesses
    (`check --deploy` rejects it)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="package")
def browser(orm_beside_playwright):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser tab at desktop size, accepting downloads."""
    context = browser.new_context(viewport=DESKTOP, accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()


@pytest.fixture
def log_in(page, live_server, staff, password):  # noqa: F811
    """Log `username` in through the admin's login form, starting at the home page."""

    def as_user(username: str):
        page.goto(live_server.url + "/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        return page

    return as_user
