"""The rest of the journeys of issue 20: the phone list and day views, a weekly series that
skips a clash, the feed address copied, the survey after one error, and a co-manager's round:
a new space, an approval, the rent recorded, previewed, posted and adding up."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, assert_accessible, assert_fits

MEMBER = "lea@example.org"
OTHER_MEMBER = "youssef@example.org"
COMANAGER = "comanager@example.org"
TODAY = datetime.now(ZoneInfo("Europe/Brussels")).date()


def _cents(text: str) -> int:
    digits = re.sub(r"[^\d,-]", "", text).replace(",", "")
    return int(digits or 0)


def test_phone_list_view_is_chosen_by_width_and_books_a_free_range(open_page):
    page = open_page(MEMBER, PHONE)
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    page.goto(f"/calendar/week?space=2&date={tomorrow}&view=auto")
    expect(page.locator(".layout-narrow")).to_be_visible()
    expect(page.locator(".layout-wide")).to_be_hidden()
    assert_fits(page)
    assert_accessible(page)
    label = page.locator(".agenda-label").first
    box_before = label.bounding_box()
    page.mouse.wheel(0, 300)
    free = page.locator(".agenda-free a").first
    free.click()
    page.wait_for_url(re.compile(r"/bookings/new\?"))
    assert box_before is not None
    assert_fits(page)
    assert_accessible(page)
    page.fill("input[name=title]", "Liste téléphone")
    page.get_by_role("button", name="Réserver", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text(re.compile("Réservé|Demande envoyée"))


def test_phone_day_view_of_one_space_fits_and_switches(open_page):
    page = open_page(MEMBER, PHONE)
    page.goto(f"/calendar/week?space=1&date={(TODAY + timedelta(days=2)).isoformat()}&view=day")
    assert page.locator(".calendar.cols-1").count() == 1
    assert_fits(page)
    assert_accessible(page)
    page.get_by_role("link", name="Liste").click()
    expect(page.locator(".agenda-day").first).to_be_visible()
    assert_fits(page)
    page.goto("/calendar/week?view=auto")  # back to the automatic choice for the other tests


def test_week_grid_is_reached_with_arrow_keys(open_page):
    page = open_page(MEMBER, DESKTOP)
    page.goto(f"/calendar/week?space=1&date={(TODAY + timedelta(days=7)).isoformat()}&view=week")
    first = page.locator(".calendar a[tabindex='0']")
    expect(first).to_have_count(1)
    first.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowRight")
    focused = page.evaluate("document.activeElement.getAttribute('aria-label') || ''")
    assert focused.startswith("Réserver") or page.evaluate(
        "document.activeElement.classList.contains('cal-booking')")
    assert page.locator(".calendar a[tabindex='0']").count() == 1
    page.goto("/calendar/week?view=auto")


def test_member_books_a_weekly_series_that_skips_a_clash_then_cancels_one_date(open_page):
    page = open_page(MEMBER, DESKTOP)
    first = TODAY + timedelta(days=21)
    clash = first + timedelta(days=7)
    for day, title in ((clash, "Déjà là"),):
        page.goto(f"/bookings/new?space=1&start={day.isoformat()}T22:00&end={day.isoformat()}T23:00")
        page.fill("input[name=title]", title)
        page.get_by_role("button", name="Réserver", exact=True).click()
        expect(page.locator(".flash-success")).to_be_visible()
    page.goto(f"/bookings/new?space=1&start={first.isoformat()}T22:00&end={first.isoformat()}T23:00")
    page.fill("input[name=title]", "Série du soir")
    page.select_option("select[name=repeat]", "weekly")
    page.fill("input[name=count]", "3")
    page.get_by_role("button", name="Réserver", exact=True).click()
    expect(page.locator(".occurrences li.clash")).to_have_count(1)
    expect(page.locator(".occurrences li.free")).to_have_count(2)
    assert_accessible(page)
    page.get_by_role("button", name="Réserver les 2 dates libres").click()
    expect(page.locator(".flash-success")).to_contain_text("2 dates réservées")

    # Cancel one date of the series: the other stays booked.
    page.goto("/bookings/mine")
    page.get_by_role("link", name="Série du soir").first.click()
    page.goto(page.url + "/cancel")
    assert_accessible(page)
    page.select_option("select[name=scope]", "one")
    page.get_by_role("button", name="Annuler la réservation").click()
    expect(page.locator(".flash-success")).to_contain_text("annulée")
    page.goto("/bookings/mine")
    rows = page.locator("tr", has=page.get_by_role("link", name="Série du soir"))
    expect(rows.filter(has_text="Annulée")).to_have_count(1)
    expect(rows.filter(has_text="Confirmée")).to_have_count(1)


def test_member_copies_the_feed_address(open_page):
    page = open_page(OTHER_MEMBER, DESKTOP)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto("/account/profile")
    make = page.get_by_role("button", name=re.compile(
        "Créer mon adresse d’agenda|Créer une nouvelle adresse"))
    page.on("dialog", lambda dialog: dialog.accept())
    make.first.click()
    address = page.locator("#feed-url")
    expect(address).to_be_visible()
    page.locator("#feed-url ~ .copy-button").click()
    expect(page.locator("#feed-url ~ .copy-status")).to_have_text("Copié")
    assert page.evaluate("navigator.clipboard.readText()") == address.input_value()
    assert_accessible(page)


def test_member_answers_the_survey_after_one_validation_error(open_page):
    page = open_page(OTHER_MEMBER, DESKTOP)  # the demo member who has not answered yet
    page.goto("/surveys/")
    page.get_by_role("link", name="Répondre").first.click()
    form = page.locator("form[data-survey-form]")
    expect(form).to_be_visible()
    assert_accessible(page)
    form.locator("button[type=submit]").last.click()
    first_error = page.locator(".question.has-error").first
    expect(first_error).to_be_visible()
    assert page.evaluate("!!document.activeElement.closest('.question.has-error')")
    assert_accessible(page, status=422)
    for question in page.locator(".question.has-error").all():
        choice = question.locator("input[type=radio], input[type=checkbox]")
        if choice.count():
            choice.first.check()
        elif question.locator("textarea").count():
            question.locator("textarea").first.fill("Plus de créneaux le soir")
        else:
            question.locator("input").first.fill("3")
    page.locator("form[data-survey-form] button[type=submit]").last.click()
    expect(page.locator(".question.has-error")).to_have_count(0)
    assert_accessible(page)
    # The answers are kept: the list says so, and no longer offers to answer.
    page.goto("/surveys/")
    expect(page.locator("main")).to_contain_text("Vous avez répondu")
    expect(page.get_by_role("link", name="Répondre")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("Du ")  # its dates in French too


def test_comanager_creates_a_space_approves_records_rent_and_posts_it(open_page):
    page = open_page(COMANAGER, DESKTOP)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto("/spaces/new")
    assert_accessible(page)
    page.fill("input[name=name]", "Studio e2e")
    for key in ("mon", "tue", "wed", "thu", "fri"):
        page.fill(f"input[name={key}]", "09:00-22:00")
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Studio e2e")

    # The demo has a request waiting (other journeys may have added theirs).
    page.goto("/bookings/approvals")
    assert_accessible(page)
    waiting = page.locator("main tbody tr").first
    approve = waiting.get_by_role("button", name="Approuver", exact=True)
    expect(approve).to_be_visible()
    request = waiting.locator("a").first
    title, booking_url = request.inner_text(), request.get_attribute("href")
    approve.click()
    expect(page.locator(".flash-success")).to_contain_text(
        re.compile(rf"Approuvée\s*:\s*{re.escape(title)}"))
    expect(page.locator(f"main tbody a[href='{booking_url}']")).to_have_count(0)
    page.goto(booking_url)
    expect(page.locator("main .badge").first).to_have_text("Confirmée")

    month = date(TODAY.year, TODAY.month, 1) - timedelta(days=1)
    start = month.replace(day=1)
    page.goto("/ledger/expenses/")
    page.fill("input[name=label]", "Loyer e2e")
    page.select_option("select[name=category]", "rent")
    page.fill("input[name=amount]", "1 000,00")
    page.fill("input[name=spent_on]", start.isoformat())
    page.fill("input[name=period_start]", start.isoformat())
    page.fill("input[name=period_end]", month.isoformat())
    page.select_option("select[name=method]", "shares")
    page.locator("main form button[type=submit]").last.click()
    page.get_by_role("link", name="Voir la répartition").first.click()
    assert_accessible(page)
    total = page.locator("tfoot .num").last.inner_text()
    lines = [_cents(t) for t in
             page.locator("section.card tbody td.num:last-child").all_inner_texts()]
    assert sum(lines) == _cents(total) == 100_000
    page.get_by_role("button", name="Comptabiliser ces montants").click()
    expect(page.locator(".flash-success")).to_contain_text("Comptabilisé")
    page.goto("/ledger/")
    assert_accessible(page)


def test_comanager_menu_fits_one_line_at_1366(open_page):
    page = open_page(COMANAGER, {"width": 1366, "height": 800})
    page.goto("/dashboard")
    tops = page.evaluate(
        "[...document.querySelectorAll('.mainnav > a, .mainnav > details > summary')]"
        ".map(e => Math.round(e.getBoundingClientRect().top))")
    assert len(set(tops)) == 1, tops
    page.locator(".menu-group summary", has_text="Gérer").click()
    expect(page.locator(".mainnav").get_by_role("link", name="Approbations")).to_be_visible()


def test_english_and_dutch_pages_read_a_24_hour_clock(open_page):
    for locale, words in (("en-GB", ("My bookings", "Week of")),
                          ("nl-BE", ("Mijn reserveringen", "Week van"))):
        page = open_page(MEMBER, DESKTOP, locale=locale)
        page.goto("/calendar/week?space=1&view=week")
        text = page.locator("main").inner_text()
        assert words[1] in text
        assert re.search(r"\b1\d:00\b", text) and not re.search(r"\d PM\b|\d AM\b", text)
        assert_accessible(page)
        page.goto("/help/api")
        assert_accessible(page)
        page.goto("/bookings/mine")
        expect(page.locator("h1")).to_contain_text(words[0])
