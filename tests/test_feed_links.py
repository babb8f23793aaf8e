"""Members turn their calendar feed on, renew and off from the API as from the profile page,
and the feed speaks their language, even when they leave the language to their browser."""
from datetime import UTC, datetime

import pytest
from icalendar import Calendar

from booking.extensions import db
from booking.models import Member
from tests.conftest import local

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def app_config():
    return {"FROZEN_NOW": NOW}


def calendar_at(client, url: str, **headers) -> Calendar:
    response = client.get(url.removeprefix("http://localhost"), headers=headers)
    assert response.status_code == 200, (url, response.status_code)
    return Calendar.from_ical(response.data)


def test_api_turns_the_feed_on_and_the_url_it_returns_works(
        client, api, token_for, member, make_space, make_booking):
    space = make_space(name="Studio Flagey")
    make_booking(space, member, local(2026, 3, 10, 19), local(2026, 3, 10, 21),
                 title="Répétition quartet")
    headers = token_for(member)
    assert api("GET", "/me", headers).json["has_feed"] is False

    created = api("POST", "/me/feed", headers)
    assert created.status_code == 201
    links = created.json
    assert links["feed_url"].startswith("http://localhost/feeds/")
    assert links["webcal_url"] == "webcal://" + links["feed_url"].removeprefix("http://")
    assert links["all_spaces_url"] is None  # members do not get the co-managers' feed
    assert [(s["space_id"], s["name"]) for s in links["spaces"]] == [(space.id, "Studio Flagey")]
    calendar = calendar_at(client, links["feed_url"])
    assert [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")] == [
        "Répétition quartet · Studio Flagey"]
    assert calendar_at(client, links["spaces"][0]["url"]).walk("VEVENT")
    me = api("GET", "/me", headers).json
    assert me["has_feed"] is True and me["feed_url"] is None  # stored hashed: shown once


def test_api_renewing_the_feed_kills_the_old_url_and_delete_turns_it_off(
        client, api, token_for, member):
    headers = token_for(member)
    old = api("POST", "/me/feed", headers).json["feed_url"]
    new = api("POST", "/me/feed", headers).json["feed_url"]
    assert new != old
    assert client.get(old.removeprefix("http://localhost")).status_code == 404
    calendar_at(client, new)

    deleted = api("DELETE", "/me/feed", headers)
    assert deleted.status_code == 204 and deleted.data == b""
    assert client.get(new.removeprefix("http://localhost")).status_code == 404
    assert api("GET", "/me", headers).json["has_feed"] is False
    assert api("DELETE", "/me/feed", headers).status_code == 204  # nothing left: still fine


def test_comanagers_get_the_all_spaces_feed_from_the_api(client, api, token_for, comanager):
    links = api("POST", "/me/feed", token_for(comanager)).json
    assert "/all.ics" in links["all_spaces_url"]
    calendar_at(client, links["all_spaces_url"])


def test_the_feed_api_needs_a_token_and_touches_only_the_callers_feed(
        api, token_for, member, make_member):
    other = make_member()
    api("POST", "/me/feed", token_for(other))
    other_hash = db.session.get(Member, other.id).feed_token
    assert api("POST", "/me/feed").status_code == 401
    assert api("DELETE", "/me/feed").status_code == 401
    api("DELETE", "/me/feed", token_for(member))
    db.session.expire_all()
    assert db.session.get(Member, other.id).feed_token == other_hash


def test_profile_turns_the_feed_off(client, login, member):
    login(member)
    client.post("/account/calendar-link")
    page = client.get("/account/profile").get_data(as_text=True)
    url = page.split('id="feed-url" class="copy-field" type="text" readonly value="')[1]
    url = url[:url.index('"')].replace("&amp;", "&")
    assert "Désactiver mon adresse d’agenda" in page
    response = client.post("/account/calendar-link/delete", follow_redirects=True)
    assert "Votre adresse d’agenda est désactivée" in response.get_data(as_text=True)
    assert client.get(url.removeprefix("http://localhost")).status_code == 404
    assert "Créer mon adresse d’agenda" in client.get("/account/profile").get_data(as_text=True)


# --- the feed's language ----------------------------------------------------------------------

@pytest.mark.parametrize("browser, name", [
    ("nl-BE,nl;q=0.9", "Mijn reserveringen · Mutualise"),
    ("en-GB,en;q=0.8", "My bookings · Mutualise"),
    ("fr-BE", "Mes réservations · Mutualise"),
])
def test_feed_made_in_a_browser_language_keeps_it(client, login, member, browser, name):
    """The member left the language to the browser (no locale in the profile)."""
    assert member.locale is None
    login(member)
    client.post("/account/calendar-link", headers={"Accept-Language": browser})
    page = client.get("/account/profile", headers={"Accept-Language": browser})
    html = page.get_data(as_text=True)
    url = html.split('id="feed-url" class="copy-field" type="text" readonly value="')[1]
    url = url[:url.index('"')].replace("&amp;", "&")
    # Calendar apps send no Accept-Language, or their own: the address carries the language.
    assert calendar_at(client, url)["X-WR-CALNAME"] == name
    assert calendar_at(client, url, **{"Accept-Language": "fr"})["X-WR-CALNAME"] == name


def test_feed_follows_the_profile_language_first(client, api, token_for, make_member):
    dutch = make_member(locale="nl")
    url = api("POST", "/me/feed", {**token_for(dutch), "Accept-Language": "en"}).json[
        "feed_url"]
    assert calendar_at(client, url)["X-WR-CALNAME"] == "Mijn reserveringen · Mutualise"
    dutch.locale = "en"
    db.session.commit()
    assert calendar_at(client, url)["X-WR-CALNAME"] == "My bookings · Mutualise"


def test_feed_without_a_language_follows_the_calendar_app(client, api, token_for, member):
    url = api("POST", "/me/feed", token_for(member)).json["feed_url"].split("?")[0]
    assert calendar_at(client, url, **{"Accept-Language": "nl"})["X-WR-CALNAME"] == (
        "Mijn reserveringen · Mutualise")
    assert calendar_at(client, url)["X-WR-CALNAME"] == "Mes réservations · Mutualise"
    assert calendar_at(client, url + "?lang=xx")["X-WR-CALNAME"] == (
        "Mes réservations · Mutualise")


def test_comanagers_all_spaces_feed_speaks_their_language(client, api, token_for, make_member):
    boss = make_member("comanager")
    links = api("POST", "/me/feed", {**token_for(boss), "Accept-Language": "nl"}).json
    assert calendar_at(client, links["all_spaces_url"])["X-WR-CALNAME"] == (
        "Alle ruimtes · Mutualise")
