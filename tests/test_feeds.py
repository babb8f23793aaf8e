"""Calendar feeds: what calendar apps read, parsed back with icalendar and expanded with
recurring-ical-events as an app would, and the HTTP caching that keeps polling cheap."""
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from icalendar import Calendar
from sqlalchemy import select

from booking.domain.feed_tokens import regenerate_feed_token
from booking.extensions import db
from booking.models import Booking, Closure
from tests.conftest import form_time, local

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
BRUSSELS = ZoneInfo("Europe/Brussels")


@pytest.fixture
def app_config():
    return {"FROZEN_NOW": NOW}


def with_token(member):
    token = regenerate_feed_token(member)
    db.session.commit()
    return token


def read_feed(client, url, **headers):
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    return response, Calendar.from_ical(response.data)


def assert_no_feed(response):
    """A plain "page not found": no calendar, nothing of the member's bookings."""
    assert response.status_code == 404
    assert response.content_type == "text/html; charset=utf-8"
    body = response.get_data(as_text=True)
    assert "Page introuvable" in body
    assert "BEGIN:VCALENDAR" not in body and "Répétition" not in body


def events_by_uid(calendar):
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


# --- the calendar itself ---------------------------------------------------------------------

def test_personal_feed_is_a_complete_rfc5545_calendar(client, member, make_space, make_booking):
    space = make_space(name="Studio Flagey", address="Place Flagey 18, 1050 Ixelles")
    booking = make_booking(space, member, local(2026, 3, 10, 19), local(2026, 3, 10, 21),
                           title="Répétition quartet", note="Apporter le pupitre",
                           sequence=2, updated_at=local(2026, 3, 1, 12))
    token = with_token(member)
    _response, calendar = read_feed(client, f"/feeds/{token}/member.ics")

    assert calendar["PRODID"] and calendar["VERSION"] == "2.0"
    assert calendar["CALSCALE"] == "GREGORIAN" and calendar["METHOD"] == "PUBLISH"
    assert calendar["X-WR-CALNAME"] == "Mes réservations · Mutualise"
    assert calendar["X-WR-TIMEZONE"] == "Europe/Brussels"
    event = events_by_uid(calendar)[f"booking-{booking.id}@localhost"]
    assert event["SUMMARY"] == "Répétition quartet · Studio Flagey"
    assert event["LOCATION"] == "Studio Flagey, Place Flagey 18, 1050 Ixelles"
    assert f"http://localhost/bookings/{booking.id}" in event["DESCRIPTION"]
    assert "Apporter le pupitre" in event["DESCRIPTION"]
    assert event["STATUS"] == "CONFIRMED" and event["SEQUENCE"] == 2
    assert event["DTSTART"].dt == local(2026, 3, 10, 19)
    assert event["DTEND"].dt == local(2026, 3, 10, 21)
    assert event["DTSTAMP"].dt == event["LAST-MODIFIED"].dt == local(2026, 3, 1, 12)


def test_times_are_utc_throughout_and_right_across_both_2026_dst_switches(
        client, member, make_space, make_booking):
    space = make_space()
    evenings = [(2026, 3, 28), (2026, 3, 29), (2026, 3, 30), (2026, 10, 24), (2026, 10, 25),
                (2026, 10, 26)]
    for y, m, d in evenings:
        make_booking(space, member, local(y, m, d, 19), local(y, m, d, 21))
    token = with_token(member)
    response, calendar = read_feed(client, f"/feeds/{token}/member.ics")

    body = response.data.decode()
    assert "BEGIN:VTIMEZONE" not in body and ";TZID=" not in body
    starts = [line for line in body.split("\r\n") if line.startswith("DTSTART")]
    assert starts[0] == "DTSTART:20260328T180000Z"  # winter time, UTC+1
    assert starts[1] == "DTSTART:20260329T170000Z"  # summer time from the 29th, UTC+2
    assert starts[4] == "DTSTART:20261025T180000Z"  # back to winter time on the 25th
    expanded = recurring_ical_events.of(calendar).between(datetime(2026, 3, 1),
                                                          datetime(2026, 12, 1))
    local_times = sorted((e["DTSTART"].dt.astimezone(BRUSSELS).date().timetuple()[:3],
                          e["DTSTART"].dt.astimezone(BRUSSELS).hour,
                          e["DTEND"].dt.astimezone(BRUSSELS).hour) for e in expanded)
    assert local_times == [(day, 19, 21) for day in evenings]


def test_lines_are_crlf_folded_at_75_octets_and_text_is_escaped(client, member, make_space,
                                                                 make_booking):
    title = ("Répét’ générale; décor, lumières & 🎭🎸 " + "très long titre " * 8).strip()
    space = make_space(name="Atelier décor; bois, métal")
    make_booking(space, member, local(2026, 3, 10, 9), local(2026, 3, 10, 12), title=title,
                 note="Ligne un\nLigne deux, avec virgule")
    token = with_token(member)
    response, calendar = read_feed(client, f"/feeds/{token}/member.ics")

    raw = response.data
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    assert b"Atelier d\xc3\xa9cor\\; bois\\, m\xc3\xa9tal" in raw.replace(b"\r\n ", b"")
    assert b"Ligne un\\nLigne deux\\, avec virgule" in raw.replace(b"\r\n ", b"")
    event = next(iter(calendar.walk("VEVENT")))
    assert event["SUMMARY"] == f"{title} · Atelier décor; bois, métal"
    assert event["DESCRIPTION"].startswith("Ligne un\nLigne deux, avec virgule")


def test_statuses_sequences_and_the_30_days_of_a_cancellation(client, member, make_member,
                                                              make_space, make_booking):
    space = make_space()
    pending = make_booking(space, member, local(2026, 3, 3, 10), local(2026, 3, 3, 11),
                           status="pending")
    recently_cancelled = make_booking(
        space, member, local(2026, 3, 4, 10), local(2026, 3, 4, 11), status="cancelled",
        sequence=1, cancelled_at=NOW - timedelta(days=29), updated_at=NOW - timedelta(days=29))
    long_cancelled = make_booking(
        space, member, local(2026, 3, 5, 10), local(2026, 3, 5, 11), status="cancelled",
        sequence=1, cancelled_at=NOW - timedelta(days=31), updated_at=NOW - timedelta(days=31))
    rejected = make_booking(space, member, local(2026, 3, 6, 10), local(2026, 3, 6, 11),
                            status="rejected", sequence=1, updated_at=NOW - timedelta(days=1))
    too_old = make_booking(space, member, NOW - timedelta(days=91),
                           NOW - timedelta(days=91, hours=-1))
    someone_elses = make_booking(space, make_member(), local(2026, 3, 7, 10),
                                 local(2026, 3, 7, 11))
    token = with_token(member)
    _, calendar = read_feed(client, f"/feeds/{token}/member.ics")

    events = events_by_uid(calendar)
    assert events[f"booking-{pending.id}@localhost"]["STATUS"] == "TENTATIVE"
    assert events[f"booking-{recently_cancelled.id}@localhost"]["STATUS"] == "CANCELLED"
    assert events[f"booking-{recently_cancelled.id}@localhost"]["SEQUENCE"] == 1
    assert events[f"booking-{rejected.id}@localhost"]["STATUS"] == "CANCELLED"
    for gone in (long_cancelled, too_old, someone_elses):
        assert f"booking-{gone.id}@localhost" not in events


def test_a_change_keeps_the_uid_and_raises_the_sequence(client, login, member, make_space):
    space = make_space()
    login(member)
    client.post("/bookings/new", data={"space_id": space.id, "start": form_time(
        local(2026, 3, 10, 19)), "end": form_time(local(2026, 3, 10, 21)), "title": "Filage",
        "note": "", "repeat": "none"})
    booking = db.session.execute(select(Booking)).scalar_one()
    token = with_token(member)
    _, before = read_feed(client, f"/feeds/{token}/member.ics")
    client.post(f"/bookings/{booking.id}/edit", data={
        "start": form_time(local(2026, 3, 10, 20)), "end": form_time(local(2026, 3, 10, 22)),
        "title": "Filage", "note": "", "scope": "one"})
    client.post(f"/bookings/{booking.id}/cancel", data={"reason": "Malade", "scope": "one"})
    _, after = read_feed(client, f"/feeds/{token}/member.ics")

    uid = f"booking-{booking.id}@localhost"
    assert before.walk("VEVENT")[0]["SEQUENCE"] == 0
    event = events_by_uid(after)[uid]
    assert event["SEQUENCE"] == 2 and event["STATUS"] == "CANCELLED"
    assert event["DTSTART"].dt == local(2026, 3, 10, 20)


def test_a_series_expands_to_exactly_the_members_occurrences(client, login, member, make_space):
    """One VEVENT per occurrence (no RRULE): an app's expansion sees each date once."""
    space = make_space(horizon_days=365)
    login(member)
    client.post("/bookings/new", data={
        "space_id": space.id, "start": form_time(local(2026, 3, 17, 19)),
        "end": form_time(local(2026, 3, 17, 21)), "title": "Répétition hebdo", "note": "",
        "repeat": "weekly", "interval": 1, "count": 4, "confirm": "1"})
    dates = db.session.execute(select(Booking).order_by(Booking.start_at)).scalars().all()
    client.post(f"/bookings/{dates[2].id}/cancel", data={"reason": "", "scope": "one"})
    token = with_token(member)
    _, calendar = read_feed(client, f"/feeds/{token}/member.ics")

    assert not any("RRULE" in e for e in calendar.walk("VEVENT"))
    expanded = recurring_ical_events.of(calendar).between(datetime(2026, 3, 1),
                                                          datetime(2026, 5, 1))
    kept = sorted(e["DTSTART"].dt for e in expanded if e["STATUS"] != "CANCELLED")
    assert kept == [local(2026, 3, 17, 19), local(2026, 3, 24, 19), local(2026, 4, 7, 19)]
    assert all(d.astimezone(BRUSSELS).hour == 19 for d in kept)  # across the spring switch
    cancelled = [e for e in expanded if e["STATUS"] == "CANCELLED"]
    assert [e["DTSTART"].dt for e in cancelled] == [local(2026, 3, 31, 19)]


# --- privacy and tokens ----------------------------------------------------------------------

def test_space_feed_hides_titles_unless_the_space_shows_them_and_lists_closures(
        client, member, make_member, make_space, make_booking, comanager):
    private, public = make_space(name="Studio A"), make_space(name="Studio B", show_titles=True)
    other = make_member(name="Nora Batteuse")
    make_booking(private, other, local(2026, 3, 10, 9), local(2026, 3, 10, 10),
                 title="Secret project", note="private note")
    make_booking(public, other, local(2026, 3, 10, 9), local(2026, 3, 10, 10), title="Open jam")
    for space_id, reason in ((private.id, "Peinture"), (None, "Fête du bâtiment"),
                             (public.id, "Autre salle")):
        db.session.add(Closure(space_id=space_id, start_at=local(2026, 3, 20, 8),
                               end_at=local(2026, 3, 20, 18), reason=reason))
    db.session.commit()
    token = with_token(member)

    response, calendar = read_feed(client, f"/feeds/{token}/spaces/{private.id}.ics")
    summaries = sorted(str(e["SUMMARY"]) for e in calendar.walk("VEVENT"))
    assert summaries == ["Fermé\u00a0: Fête du bâtiment · Tous les espaces",
                         "Fermé\u00a0: Peinture · Studio A", "Réservé · Studio A"]
    assert b"Secret" not in response.data and b"private note" not in response.data
    assert b"Nora" not in response.data
    _, calendar = read_feed(client, f"/feeds/{token}/spaces/{public.id}.ics")
    assert "Open jam · Studio B" in [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")]


def test_comanager_feed_shows_every_title_and_who_booked(client, member, comanager, make_space,
                                                         make_booking):
    space = make_space(name="Studio A")
    make_booking(space, member, local(2026, 3, 10, 9), local(2026, 3, 10, 10),
                 title="Secret project")
    token = with_token(comanager)
    _, calendar = read_feed(client, f"/feeds/{token}/all.ics")
    assert [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")] == [
        "Secret project (Léa Musicienne) · Studio A"]
    assert client.get(f"/feeds/{with_token(member)}/all.ics").status_code == 404


def test_wrong_missing_and_deactivated_tokens_get_404(client, member, make_space,
                                                       make_booking):
    space = make_space()
    make_booking(space, member, local(2026, 3, 10, 19), local(2026, 3, 10, 21),
                 title="Répétition")
    token = with_token(member)
    _response, calendar = read_feed(client, f"/feeds/{token}/member.ics")
    assert [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")] == [
        f"Répétition · {space.name}"]
    assert_no_feed(client.get(f"/feeds/{token[:-1]}x/member.ics"))
    assert_no_feed(client.get("/feeds/not-a-token/member.ics"))
    assert_no_feed(client.get(f"/feeds/{token}/spaces/999.ics"))
    member.active = False
    db.session.commit()
    assert_no_feed(client.get(f"/feeds/{token}/member.ics"))
    assert_no_feed(client.get(f"/feeds/{token}/spaces/{space.id}.ics"))


def test_regenerating_the_token_kills_the_old_url_at_once(client, login, member):
    login(member)
    assert "Créer mon adresse d’agenda" in client.get("/account/profile").get_data(as_text=True)
    client.post("/account/calendar-link")
    page = client.get("/account/profile").get_data(as_text=True)
    old = re.search(r'href="webcal://localhost/feeds/([^/]+)/member.ics\?lang=fr"', page).group(1)
    assert len(old) >= 40
    assert f'href="webcal://localhost/feeds/{old}/member.ics?lang=fr"' in page
    assert f'value="http://localhost/feeds/{old}/member.ics?lang=fr"' in page
    for app_name in ("Google", "Apple", "Outlook", "Thunderbird"):
        assert app_name in page

    client.post("/account/calendar-link")
    page = client.get("/account/profile").get_data(as_text=True)
    new = re.search(r'href="webcal://localhost/feeds/([^/]+)/member.ics\?lang=fr"', page).group(1)
    assert new != old
    assert client.get(f"/feeds/{old}/member.ics").status_code == 404
    assert client.get(f"/feeds/{new}/member.ics").status_code == 200


def test_feed_tokens_are_checked_in_constant_time(app, member, monkeypatch):
    """A wrong token goes through the same comparison as a right one."""
    from booking.domain import feed_tokens

    compared = []
    real = feed_tokens.hmac.compare_digest
    monkeypatch.setattr(feed_tokens.hmac, "compare_digest",
                        lambda a, b: compared.append((a, b)) or real(a, b))
    token = with_token(member)
    assert feed_tokens.member_for_feed_token(db.session, token) == member
    assert feed_tokens.member_for_feed_token(db.session, "x" * len(token)) is None
    # Hashes of the same length are compared, right token or wrong.
    assert len(compared) == 2 and {len(a) for pair in compared for a in pair} == {64}


def test_add_to_calendar_downloads_one_booking_for_its_member_only(
        client, login, member, make_member, make_space, make_booking):
    booking = make_booking(make_space(name="Studio A"), member, local(2026, 3, 10, 9),
                           local(2026, 3, 10, 10), title="Filage")
    login(member)
    assert f'href="/bookings/{booking.id}.ics"' in client.get(
        f"/bookings/{booking.id}").get_data(as_text=True)
    response = client.get(f"/bookings/{booking.id}.ics")
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    event = Calendar.from_ical(response.data).walk("VEVENT")[0]
    assert event["UID"] == f"booking-{booking.id}@localhost"
    assert event["SUMMARY"] == "Filage · Studio A"
    client.post("/logout")
    login(make_member())
    assert client.get(f"/bookings/{booking.id}.ics").status_code == 403



def test_booking_file_is_the_members_and_the_comanagers_only(
        client, login, member, make_member, comanager, make_space, make_booking):
    booking = make_booking(make_space(name="Studio A"), member, local(2026, 3, 10, 9),
                           local(2026, 3, 10, 10), title="Filage privé")
    login(make_member())
    refused = client.get(f"/bookings/{booking.id}.ics")
    assert refused.status_code == 403
    assert "Filage privé" not in refused.get_data(as_text=True)
    assert client.get("/bookings/999999.ics").status_code == 404
    client.post("/logout")
    login(comanager)
    response = client.get(f"/bookings/{booking.id}.ics")
    assert response.status_code == 200
    assert Calendar.from_ical(response.data).walk("VEVENT")[0]["SUMMARY"] == (
        "Filage privé · Studio A")

# --- HTTP caching and query counts -----------------------------------------------------------

def test_unchanged_feed_answers_304_without_building_the_calendar(
        client, member, make_space, make_booking, count_queries, monkeypatch):
    space = make_space()
    booking = make_booking(space, member, local(2026, 3, 10, 9), local(2026, 3, 10, 10),
                           updated_at=local(2026, 3, 1, 12))
    token = with_token(member)
    url = f"/feeds/{token}/member.ics"
    first = client.get(url)
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert first.headers["Cache-Control"] == "private, no-cache"
    assert last_modified == "Sun, 01 Mar 2026 11:00:00 GMT"

    from booking.feeds import views

    monkeypatch.setattr(views, "build_calendar", lambda **kw: pytest.fail("calendar built"))
    with count_queries() as queries:
        again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    assert queries.count == 3, queries.statements  # token, settings, one aggregate
    assert client.get(url, headers={"If-Modified-Since": last_modified}).status_code == 304
    monkeypatch.undo()

    assert client.get(url, headers={"If-None-Match": '"stale"'}).status_code == 200
    booking.title, booking.sequence = "Renamed", 1
    booking.updated_at = local(2026, 3, 2, 7)
    db.session.commit()
    changed = client.get(url, headers={"If-None-Match": etag,
                                       "If-Modified-Since": last_modified})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert b"Renamed" in changed.data


def test_a_cancellation_leaving_the_window_changes_the_etag(client, member, make_space,
                                                            make_booking, app):
    space = make_space()
    kept = make_booking(space, member, local(2026, 3, 10, 9), local(2026, 3, 10, 10),
                        updated_at=local(2026, 2, 1, 12))
    cancelled = make_booking(space, member, local(2026, 3, 11, 9), local(2026, 3, 11, 10),
                             status="cancelled", updated_at=NOW - timedelta(days=29))
    token = with_token(member)
    first, calendar = read_feed(client, f"/feeds/{token}/member.ics")
    assert set(events_by_uid(calendar)) == {f"booking-{kept.id}@localhost",
                                            f"booking-{cancelled.id}@localhost"}
    etag = first.headers["ETag"]
    app.config["FROZEN_NOW"] = NOW + timedelta(days=2)  # the cancellation is 31 days old
    later, calendar = read_feed(client, f"/feeds/{token}/member.ics", **{"If-None-Match": etag})
    assert later.headers["ETag"] != etag
    assert set(events_by_uid(calendar)) == {f"booking-{kept.id}@localhost"}


@pytest.mark.parametrize("path", ["member.ics", "spaces/{space}.ics", "all.ics"])
def test_feeds_run_a_bounded_number_of_queries(client, comanager, make_member, make_space,
                                               make_booking, count_queries, path):
    spaces = [make_space(), make_space()]
    others = [make_member() for _ in range(3)]
    token = with_token(comanager)
    url = f"/feeds/{token}/" + path.format(space=spaces[0].id)

    def add_bookings(day):
        for i, other in enumerate([*others, comanager]):
            for space in spaces:
                make_booking(space, other, local(2026, 3, day, 9 + 2 * i),
                             local(2026, 3, day, 10 + 2 * i))
        db.session.add(Closure(space_id=spaces[0].id, start_at=local(2026, 4, day, 8),
                               end_at=local(2026, 4, day, 9), reason="Travaux"))
        db.session.commit()

    add_bookings(3)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    for day in (4, 5, 6, 7):
        add_bookings(day)
    with count_queries() as many:
        response = client.get(url)
    assert response.status_code == 200 and len(Calendar.from_ical(response.data).walk()) > 8
    # token, (space), settings, aggregate, bookings, (closures)
    assert many.count == few.count <= 6, many.statements
