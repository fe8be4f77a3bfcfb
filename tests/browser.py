"""The browser tests' one Chromium, their sign-in and their screenshots (fixtures in tests/conftest.py).

One Chromium serves the whole test session; each test opens contexts of its own in it (a person at a size: a
context has its own cookies), and they are closed when the test ends. A person is signed in by their session
cookie, made as Django's test client makes it (`force_login`): the sign-in form has tests of its own, and
going through it again before every page cost each person a form, a password check and the home page. The
tests about signing in (the second factor) still go through the form.

Playwright's sync API marks its event loop as running in the thread that uses it, for as long as it is
started (playwright/_impl/_greenlets.py, wait_for_future). While that mark stands, Django refuses ORM calls
(unless DJANGO_ALLOW_ASYNC_UNSAFE is set) and keeps the thread's database connections apart (asgiref's
thread-critical Local keys them by context then): every later test would run on other connections than
pytest-django's, outside its transaction. So the mark is set only while a test uses the browser and taken
away after it, as the per-test `sync_playwright()` did when it stopped; Playwright itself sets it the same
way (asyncio._set_running_loop) between its calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client

from approvals.models import User
from tests.conftest import IN_CI

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SIZES = {"desktop": DESKTOP, "phone": PHONE}
SCREENSHOTS = Path(settings.BASE_DIR) / "artifacts" / "screenshots"


class Chromium:
    """The session's Chromium, started at the first test that asks for it and stopped at the end."""

    def __init__(self) -> None:
        from playwright.sync_api import sync_playwright

        if not Path(CHROMIUM).exists():
            message = f"Chromium is not installed at {CHROMIUM} (make browser-deps installs it)"
            if IN_CI:
                pytest.fail(message, pytrace=False)
            pytest.skip(message)
        self.playwright = sync_playwright().start()
        self.loop = asyncio.get_running_loop()
        try:
            self.browser = self.playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        finally:
            asyncio._set_running_loop(None)

    @contextlib.contextmanager
    def in_use(self) -> Iterator[Any]:
        """The browser, for one test: what the test opened is closed after it, with the database connections
        its ORM calls had while the loop was marked running."""
        asyncio._set_running_loop(self.loop)
        try:
            yield self.browser
        finally:
            try:
                for context in self.browser.contexts:
                    context.close()
            finally:
                connections.close_all()
                asyncio._set_running_loop(None)

    def stop(self) -> None:
        asyncio._set_running_loop(self.loop)
        try:
            self.browser.close()
        finally:
            self.playwright.stop()


def new_page(browser, size: str = "desktop", **options: Any):
    """A page in a context of its own (its own cookies) at a desktop's or a phone's size, in Thai."""
    context = browser.new_context(viewport=SIZES[size], locale="th-TH", **options)
    return context.new_page()


def sign_in(page, live_server, person: User | str) -> None:
    """Sign `person` in, in the page's context, with a session cookie as the sign-in form would have set.
    The test client's session (ModelBackend: force_login would otherwise pick the first backend, django-axes',
    which restores nobody) is the one the live server reads."""
    user = person if isinstance(person, User) else User.objects.get(username=person)
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def shot(page, path: Path, *, full_page: bool = True) -> Path:
    """Keep what the page shows, for a person to look at."""
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=full_page)
    return path


_numbers: dict[Path, Iterator[int]] = {}


def numbered(folder: Path, name: str) -> Path:
    """The next screenshot of a folder, numbered in the order the pages were reached."""
    number = next(_numbers.setdefault(folder, itertools.count(1)))
    return folder / f"{number:02d}-{name}.png"


class Visit:
    """One person's browser at one size, signed in (unless `signed_in=False`); every page it reaches is kept
    as a numbered screenshot in `folder`, and every message the browser logs about the Content-Security-Policy
    is kept in `csp_errors`."""

    def __init__(
        self,
        browser,
        live_server,
        person: User | str,
        size: str = "desktop",
        *,
        folder: Path,
        signed_in: bool = True,
        **options: Any,
    ) -> None:
        self.base = live_server.url
        self.live_server = live_server
        self.username = person if isinstance(person, str) else person.username
        self.size = size
        self.folder = folder
        self.page = new_page(browser, size, **options)
        self.context = self.page.context
        self.csp_errors: list[str] = []
        self.page.on("console", self._console)
        if signed_in:
            sign_in(self.page, live_server, person)

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            self.csp_errors.append(message.text)

    def shot(self, name: str) -> Path:
        return shot(self.page, numbered(self.folder, f"{self.username}-{self.size}-{name}"))

    def go(self, path: str, name: str) -> None:
        self.page.goto(f"{self.base}{path}")
        self.shot(name)

    def click(self, selector: str, name: str) -> None:
        with self.page.expect_navigation():
            self.page.click(selector)
        self.shot(name)

    def text(self) -> str:
        return self.page.inner_text("body")

    def close(self) -> None:
        self.context.close()
