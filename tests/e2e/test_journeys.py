"""What members and co-managers do most, in a real browser on the served app, each page scanned
with axe-core (no critical or serious violation) and checked for sideways scrolling on phones."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, assert_accessible, assert_fits

MEMBER = "lea@example.org"
COMANAGER = "comanager@example.org"
# Tomorrow in Brussels: today's free cells may all be past when the suite runs late.
TOMORROW = (datetime.now(ZoneInfo("Europe/Brussels")) + timedelta(days=1)).date().isoformat()
WEEK = f"/calendar/week?space=1&date={TOMORROW}"


def _book_first_free_slot(page, title: str) -> str:
    """Follow the first free cell's link, book it, and return the booking page's URL."""
    free = page.locator("a.cal-free").first
    # Named with the space, day and time, and why when it needs approval or costs overage.
    expect(free).to_have_attribute("aria-label",
                                   re.compile(r"^Réserver .+ le .+ à \d\d:\d\d( \(.+\))?$"))
    free.click()
    page.wait_for_url(re.compile(r"/bookings/new\?"))
    assert_accessible(page)
    page.fill("input[name=title]", title)
    page.get_by_role("button", name="Réserver", exact=True).click()
    # Booked at once, or asked for (spaces that need a co-manager's approval): either way the
    # booking's page opens and shows it.
    expect(page.locator(".flash-success")).to_contain_text(re.compile("Réservé|Demande envoyée"))
    expect(page.locator("main")).to_contain_text(title)
    return page.url


def test_member_books_a_free_slot_from_the_week_view_on_a_desktop(open_page):
    page = open_page(MEMBER, DESKTOP)
    page.goto(WEEK)
    assert_accessible(page)
    booked = _book_first_free_slot(page, "Répétition e2e bureau")
    assert re.search(r"/bookings/\d+$", booked)
    expect(page.locator("main")).to_contain_text("Répétition e2e bureau")
    page.goto("/bookings/mine")
    expect(page.locator("main")).to_contain_text("Répétition e2e bureau")
    assert_accessible(page)


def test_member_books_from_the_day_view_on_a_phone_without_sideways_scrolling(open_page):
    page = open_page(MEMBER, PHONE)
    page.goto(f"/calendar/day?date={TOMORROW}")
    assert_fits(page)
    assert_accessible(page)
    _book_first_free_slot(page, "Répétition e2e téléphone")
    assert_fits(page)
    for path in ("/dashboard", "/bookings/mine", "/ledger/statement", "/account/profile"):
        page.goto(path)
        assert_fits(page)
        assert_accessible(page)


def test_a_taken_slot_explains_the_conflict_and_a_suggestion_books_another_time(open_page):
    page = open_page(MEMBER, DESKTOP)
    page.goto(WEEK)
    free = page.locator("a.cal-free").first
    href = free.get_attribute("href")
    _book_first_free_slot(page, "Premier arrivé")
    page.goto(href)
    page.fill("input[name=title]", "Deuxième arrivé")
    page.get_by_role("button", name="Réserver", exact=True).click()
    error = page.locator("main .error, main .errors, main [role=alert]").first
    expect(error).to_contain_text("déjà pris")
    expect(error).to_contain_text("Créneaux libres les plus proches")
    assert_accessible(page)
    suggestion = page.locator("section.suggestions a").first
    expect(suggestion).to_be_visible()
    suggestion.click()
    page.wait_for_url(re.compile(r"/bookings/new\?"))
    expect(page.locator("input[name=title]")).to_have_value("Deuxième arrivé")  # kept
    page.get_by_role("button", name="Réserver", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text(re.compile("Réservé|Demande envoyée"))
    expect(page.locator("main")).to_contain_text("Deuxième arrivé")


def test_member_cancels_a_booking_and_it_is_kept_as_cancelled(open_page):
    page = open_page(MEMBER, DESKTOP)
    page.goto(WEEK)
    booking_url = _book_first_free_slot(page, "À annuler")
    page.goto(booking_url + "/cancel")
    assert_accessible(page)
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator(".flash-success")).to_contain_text("annulée")
    page.goto(booking_url)
    expect(page.locator("main")).to_contain_text("Annulée")


def test_comanager_pages_pass_the_scan_on_desktop_and_phone(open_page):
    for size in (DESKTOP, PHONE):
        page = open_page(COMANAGER, size)
        for path in ("/dashboard", "/bookings/approvals", "/ledger/", "/ledger/expenses/",
                     "/spaces/", "/members/", "/usage/", "/plans/", "/settings/", "/surveys/",
                     "/proposals", "/charter/acceptances", "/help/api"):
            page.goto(path)
            assert page.locator("h1").count() >= 1, path
            assert_fits(page)
            assert_accessible(page)


def test_the_same_pages_in_dutch_and_english(open_page):
    for locale, heading in (("nl-BE", "Mijn reserveringen"), ("en-GB", "My bookings")):
        page = open_page(MEMBER, DESKTOP, locale=locale)
        page.goto("/bookings/mine")
        expect(page.locator("h1")).to_contain_text(heading)
        assert_accessible(page)
        page.goto("/calendar/week")
        assert_accessible(page)
