"""Headless Chromium for the page tests: Debian's binary driven by Playwright, pages that record errors."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
BROWSER_TESTS = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"Chromium is not installed at {CHROMIUM}"),
]
PHONE = {"width": 375, "height": 800}
DESKTOP = {"width": 1280, "height": 900}
TAB_LABELS = {
    "brief": "阅读简报",
    "bilingual": "双语对照",
    "translation": "完整翻译",
    "original": "原文",
    "archive": "讨论归档",
}


@contextmanager
def chromium() -> Iterator[Any]:
    """One headless Chromium (a module's worth of pages share it: starting one takes a second)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            yield browser
        finally:
            browser.close()


class Watched:
    """A page whose console errors, uncaught exceptions and requests are recorded."""

    def __init__(self, browser: Any, viewport: dict[str, int], *, color_scheme: str = "light") -> None:
        self.context = browser.new_context(
            viewport=viewport,
            device_scale_factor=2 if viewport == PHONE else 1,
            locale="zh-CN",
            color_scheme=color_scheme,
        )
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
