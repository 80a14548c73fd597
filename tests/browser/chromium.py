"""Headless Chromium from Debian's `chromium` package, driven through Playwright.

Playwright never downloads a browser here: it starts the system's /usr/bin/chromium (installed
by `make browser`) with a fresh profile, offline, and with nothing that phones home.
"""

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, sync_playwright

CHROMIUM = "/usr/bin/chromium"

# `--headless` is added by Playwright (headless=True); `--user-data-dir` is the profile argument.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


def require_chromium() -> str:
    """The Chromium executable; fails the calling test (never skips it) when it is missing."""
    if shutil.which(CHROMIUM) is None:
        pytest.fail(
            f"Chromium is not installed ({CHROMIUM} is missing): run `make browser` "
            "(installs Debian's chromium and chromium-driver), then run the tests again",
            pytrace=False,
        )
    return CHROMIUM


@contextmanager
def chromium_context(
    profile_dir: Path, *, width: int = 1600, height: int = 1000, scale: float = 2
) -> Iterator[BrowserContext]:
    """A headless, offline Chromium with a new profile in PROFILE_DIR (which must not exist).

    SCALE is the device pixel ratio: 2 makes screenshots sharp enough to read small labels.
    """
    executable = require_chromium()
    profile_dir.mkdir(parents=True)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile_dir),
            executable_path=executable,
            headless=True,
            args=FLAGS,
            offline=True,
            viewport={"width": width, "height": height},
            device_scale_factor=scale,
        )
        try:
            yield context
        finally:
            context.close()
