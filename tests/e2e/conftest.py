"""Browser tests in real Chromium (Debian's), through pytest-playwright.

Every test here is marked ``e2e`` and runs in the normal ``pytest`` run,
after all other tests (see ``pytest_collection_modifyitems``). Chromium is
``/usr/bin/chromium`` or ``$LEADCOURT_CHROMIUM``; when it is missing the tests
are skipped, or failed under ``LEADCOURT_REQUIRE_SERVICES=1`` (what ``make
test`` sets), the same rule as PostgreSQL and Redis in ``tests/conftest.py``.

The database: the browser talks to pytest-django's ``live_server`` thread,
which sees only committed rows, so these tests are transactional. A
transactional test ends with a flush that empties every table, including the
rows the data migrations wrote (role groups, system actor, rulebook, reason
codes); ``serialized_rollback`` puts them back before each test and
``migrated_data_restored`` after the module, see ``E2E`` below.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connections
from django.urls import reverse
from playwright.sync_api import Browser, Locator, Page, expect

from tests.conftest import _service_missing

E2E_DIR = Path(__file__).parent
CHROMIUM = os.environ.get("LEADCOURT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# What tests/conftest.make_user gives every persona.
PASSWORD = "correct horse battery staple"
# Failed tests leave a screenshot here (make clean removes the folder).
FAILURE_SCREENSHOTS = E2E_DIR.parents[1] / "test-results" / "e2e"
# Playwright waits up to 30 s for an action and 5 s for an expect; one bound
# for both: generous for a loaded CI machine, short enough to fail quickly.
TIMEOUT_MS = 10_000
expect.set_options(timeout=TIMEOUT_MS)

# Put on every module here: transactional, with the migrations' rows restored.
E2E = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("migrated_data_restored"),
]


def pytest_collection_modifyitems(config, items):
    """Mark the browser tests ``e2e`` and run them last.

    Playwright's sync API leaves an asyncio loop marked as running in the
    test thread from the first browser test to the end of the session, and
    Django refuses ORM calls while a loop runs (unless DJANGO_ALLOW_ASYNC_UNSAFE,
    which must not leak into the other tests). Running the browser tests last
    keeps every other test in a plain synchronous thread.
    """
    browser_items, other_items = [], []
    for item in items:
        if E2E_DIR in item.path.parents:
            item.add_marker(pytest.mark.e2e)
            browser_items.append(item)
        else:
            other_items.append(item)
    items[:] = other_items + browser_items


@pytest.fixture(scope="session")
def _serialized_db_contents(django_db_setup) -> dict[str, str]:
    """The migrations' rows as pytest-django serialized them at setup, read
    while no event loop runs yet (see ``playwright`` below)."""
    return {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }


# The argument order matters: the serialized rows are read before Playwright starts.
@pytest.fixture(scope="session")
def playwright(_serialized_db_contents, playwright):
    """pytest-playwright's Playwright, with Django's async-safety check off
    exactly while it runs (see ``pytest_collection_modifyitems``).

    Once Playwright's loop runs, Django's ``connections`` hands this thread
    new connection objects (asgiref's Local keys them by async context), which
    lack the serialized rows pytest-django stored on the old ones; without
    them ``serialized_rollback`` would silently restore nothing.
    """
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    for alias, contents in _serialized_db_contents.items():
        connections[alias]._test_serialized_contents = contents
    yield playwright
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, request):
    # Debian's Chromium; `playwright install` cannot download browsers here.
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        _service_missing(request, f"needs Chromium at {CHROMIUM} (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    """Relative URLs in ``page.goto`` go to the live server."""
    return live_server.url


_CALL_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    return report


def _screenshot_if_failed(request, page: Page, name: str) -> None:
    if request.node.stash.get(_CALL_FAILED, False) and not page.is_closed():
        FAILURE_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=FAILURE_SCREENSHOTS / f"{name}.png", full_page=True)


@pytest.fixture
def page(page: Page, request) -> Iterator[Page]:
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    _screenshot_if_failed(request, page, request.node.name)


def log_in(page: Page, user, password: str = PASSWORD) -> Page:
    """Sign in through the login form, as a person would."""
    page.goto(reverse("login"))
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    # Attached rather than visible: on a narrow screen it sits behind the Menu button.
    expect(page.get_by_role("button", name="Log out")).to_be_attached()
    return page


@pytest.fixture
def browser_as(browser: Browser, browser_context_args, request) -> Iterator[Callable[..., Page]]:
    """``browser_as(user)``: a page in its own browser (cookies and all),
    signed in as ``user`` through the login form. Several people can then
    work side by side in one test; each user gets one page, reused."""
    pages: dict[int, Page] = {}
    contexts = []

    def open_as(user) -> Page:
        if user.pk not in pages:
            context = browser.new_context(**browser_context_args)
            contexts.append(context)
            context.set_default_timeout(TIMEOUT_MS)
            pages[user.pk] = log_in(context.new_page(), user)
        return pages[user.pk]

    yield open_as
    for user_pk, user_page in pages.items():
        _screenshot_if_failed(request, user_page, f"{request.node.name}-user{user_pk}")
    for context in contexts:
        context.close()


def expect_error_beside(field: Locator, message: str) -> None:
    """``message`` is on screen right by ``field`` (an input, or a group of
    them): just below it or inside its group, in the same column. Checked by
    position rather than markup, so any template that puts the error where a
    person looks passes."""
    errors = field.page.get_by_text(message)
    expect(errors.first).to_be_visible()
    box = field.bounding_box()
    assert box is not None, "the field is not on screen"

    def beside(error_box) -> bool:
        same_column = (
            error_box["x"] < box["x"] + box["width"] and box["x"] < error_box["x"] + error_box["width"]
        )
        gap = error_box["y"] - (box["y"] + box["height"])
        return same_column and -box["height"] <= gap <= 60

    boxes = [errors.nth(i).bounding_box() for i in range(errors.count())]
    assert any(b is not None and beside(b) for b in boxes), (
        f"{message!r} is shown at {boxes}, not by the field at {box}"
    )
