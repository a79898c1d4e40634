"""Debian's chromium, headless, as every browser test launches it (never a downloaded one)."""

from __future__ import annotations

import shutil
from typing import Any

import pytest

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def launch_chromium(playwright: Any) -> Any:
    """Launch the system chromium through Playwright; fail (not skip) when it is missing."""
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("Debian's chromium is required: apt-get install -y chromium (make test does)")
    return playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_FLAGS)
