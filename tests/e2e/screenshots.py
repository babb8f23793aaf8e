"""`make screenshots`: PNGs of the main pages on a desktop and a phone, for docs/screenshots/.

Serves the demo data as the browser tests do and signs in as a member and a co-manager."""
from __future__ import annotations

import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.sync_api import sync_playwright

from tests.e2e.conftest import DESKTOP, PHONE, ROOT, launch_chromium, serve_demo, sign_in

OUT = ROOT / "docs" / "screenshots"
TOMORROW = (datetime.now(ZoneInfo("Europe/Brussels")) + timedelta(days=1)).date().isoformat()
PAGES = [  # (file name, who, path)
    ("home", "lea@example.org", "/dashboard"),
    ("week", "lea@example.org", f"/calendar/week?space=1&date={TOMORROW}&view=auto"),
    ("day", "lea@example.org", f"/calendar/week?space=1&date={TOMORROW}&view=day"),
    ("agenda", "lea@example.org", f"/calendar/week?space=1&date={TOMORROW}&view=agenda"),
    ("booking-form", "lea@example.org", "/bookings/new?space=1"),
    ("my-bookings", "lea@example.org", "/bookings/mine"),
    ("statement", "lea@example.org", "/ledger/statement"),
    ("ledger", "comanager@example.org", "/ledger/"),
    ("approvals", "comanager@example.org", "/bookings/approvals"),
]


def main(only: list[str]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder, serve_demo(Path(folder)) as url, \
            sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        for size_name, size in (("desktop", DESKTOP), ("phone", PHONE)):
            contexts = {}
            for name, who, path in PAGES:
                if only and name not in only:
                    continue
                if who not in contexts:
                    contexts[who] = browser.new_context(viewport=size, locale="fr-BE",
                                                        base_url=url).new_page()
                    sign_in(contexts[who], who)
                page = contexts[who]
                page.goto(path)
                target = OUT / f"{name}-{size_name}.png"
                page.screenshot(path=str(target), full_page=size_name == "phone")
                print(target.relative_to(ROOT))
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1:])
