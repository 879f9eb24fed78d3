"""Chromium for the browser tests: Debian's /usr/bin/chromium driven by Playwright (never
a downloaded browser), each page in a fresh context that is watched for requests to
anywhere but the service, for script errors and for what the Content-Security-Policy
refused; screenshots kept in test-artifacts/screenshots/<test name>/ (CI keeps them)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright

__all__ = ["ARGS", "CHROMIUM", "SCREENSHOTS", "TIMEOUT_MS", "Visit", "chromium", "visiting"]

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 30_000


@contextmanager
def chromium() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = f"no {CHROMIUM}: `apt-get install chromium` (.ci/run does)"
        if os.environ.get("PLATFORM_GRAPH_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class Visit:
    """A page in a fresh browser context, watched for requests elsewhere and errors."""

    page: Page
    name: str
    elsewhere: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    shots: int = 0

    @property
    def folder(self) -> Path:
        """test-artifacts/screenshots/<the test's name>/"""
        return SCREENSHOTS / self.name

    def shot(self, what: str) -> Path:
        self.shots += 1
        path = self.folder / f"{self.shots:02d}-{what}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def assert_clean(self) -> None:
        assert not self.elsewhere, f"requests to elsewhere: {self.elsewhere}"
        assert not self.errors, f"script errors: {self.errors}"


@contextmanager
def visiting(browser: Browser, url: str, name: str, locale: str = "sv-SE") -> Iterator[Visit]:
    """A fresh context (no cookies) on the service at ``url``, watched."""
    context = browser.new_context(
        base_url=url, locale=locale, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    v = Visit(page, name)
    shutil.rmtree(v.folder, ignore_errors=True)
    v.folder.mkdir(parents=True)

    def guard(route: Route) -> None:
        target = route.request.url
        if target.startswith((url, "data:", "blob:")):
            route.continue_()
        else:
            v.elsewhere.append(target)
            route.abort()

    context.route("**/*", guard)
    page.on("pageerror", lambda exc: v.errors.append(str(exc)))
    # What the Content-Security-Policy refused (an inline script, a style, a frame).
    page.on(
        "console",
        lambda msg: (
            v.errors.append(msg.text)
            if "Content Security Policy" in msg.text or "Refused to" in msg.text
            else None
        ),
    )
    try:
        yield v
    finally:
        context.close()
