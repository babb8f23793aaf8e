"""Co-managers import a venue's calendar (.ics) as closures: preview, confirm, re-import by UID,
and a clear error with nothing written for a file that cannot be read."""
import base64
import io
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from booking.domain.feed_tokens import regenerate_feed_token
from booking.extensions import db
from booking.models import Closure
from tests.conftest import local

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
FETCH_FAILED = "n’a pas pu être téléchargé depuis cette adresse"


@pytest.fixture
def app_config():
    # The test server listens on 127.0.0.1: an internal host, allowed by name here.
    return {"FROZEN_NOW": NOW, "ICS_IMPORT_MAX_BYTES": 20_000, "ICS_IMPORT_TIMEOUT_SECONDS": 2,
            "CALENDAR_IMPORT_ALLOWED_HOSTS": "127.0.0.1"}


def venue_calendar(*events: str) -> bytes:
    body = "".join(events)
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Venue//EN\r\n" + body +
            "END:VCALENDAR\r\n").encode()


def vevent(uid: str, start: str, end: str, summary: str, extra: str = "") -> str:
    return (f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART{start}\r\n"
            f"DTEND{end}\r\nSUMMARY:{summary}\r\n{extra}END:VEVENT\r\n")


CONCERT = vevent("concert-1@venue", ";TZID=Europe/Brussels:20260314T190000",
                 ";TZID=Europe/Brussels:20260314T230000", "Concert\\, grande salle")
FAIR = vevent("fair-2@venue", ";VALUE=DATE:20260321", ";VALUE=DATE:20260323", "Salon du livre")
PAST = vevent("old@venue", ":20260101T100000Z", ":20260101T120000Z", "Déjà passé")


def upload(client, space_id, data: bytes, name="venue.ics"):
    return client.post("/spaces/closures/import", data={
        "space_id": space_id, "url": "", "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data")


def confirm(client, preview_html: str, space_id):
    start = preview_html.index('name="calendar"')
    value = preview_html[preview_html.index('value="', start) + 7:]
    value = value[:value.index('"')]
    return client.post("/spaces/closures/import/confirm",
                       data={"space_id": space_id, "calendar": value})


def closures():
    """The closures that block bookings (removed ones are kept, cancelled, for the feeds)."""
    return db.session.execute(select(Closure).where(Closure.active())
                              .order_by(Closure.start_at)).scalars().all()


def test_import_previews_then_creates_closures_in_the_space_feed(client, login, comanager,
                                                                 make_space):
    space = make_space(name="Grande salle")
    login(comanager)
    preview = upload(client, space.id, venue_calendar(CONCERT, FAIR, PAST))
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "2 à ajouter" in html
    assert "Concert, grande salle" in html and "Salon du livre" in html
    assert closures() == []  # nothing written before the confirmation

    response = confirm(client, html, space.id)
    assert response.status_code == 302
    concert, fair = closures()
    assert (concert.space_id, concert.source_uid) == (space.id, "concert-1@venue")
    assert (concert.start_at, concert.end_at) == (local(2026, 3, 14, 19), local(2026, 3, 14, 23))
    assert concert.reason == "Concert, grande salle"
    assert (fair.start_at, fair.end_at) == (local(2026, 3, 21), local(2026, 3, 23))  # whole days

    feed_token = regenerate_feed_token(comanager)
    db.session.commit()
    feed = client.get(f"/feeds/{feed_token}/spaces/{space.id}.ics")
    summaries = [str(e["SUMMARY"]) for e in Calendar.from_ical(feed.data).walk("VEVENT")]
    assert "Fermé\u00a0: Concert, grande salle · Grande salle" in summaries


def test_reimport_updates_by_uid_instead_of_duplicating(client, login, comanager, make_space):
    space = make_space()
    login(comanager)
    confirm(client, upload(client, space.id, venue_calendar(CONCERT, FAIR)).get_data(
        as_text=True), space.id)
    moved = vevent("concert-1@venue", ";TZID=Europe/Brussels:20260314T200000",
                   ";TZID=Europe/Brussels:20260315T000000", "Concert (reporté)")
    cancelled_fair = vevent("fair-2@venue", ";VALUE=DATE:20260321", ";VALUE=DATE:20260323",
                            "Salon du livre", "STATUS:CANCELLED\r\n")
    html = upload(client, space.id, venue_calendar(moved, cancelled_fair)).get_data(as_text=True)
    assert "1 à mettre à jour" in html and "1 à retirer" in html
    confirm(client, html, space.id)

    (concert,) = closures()
    assert concert.reason == "Concert (reporté)" and concert.sequence == 1
    assert concert.start_at == local(2026, 3, 14, 20)
    html = upload(client, space.id, venue_calendar(moved)).get_data(as_text=True)
    assert "Rien à changer" in html


def test_the_import_says_what_it_did_in_the_singular_for_one(client, login, comanager,
                                                             make_space):
    space = make_space()
    login(comanager)
    html = upload(client, space.id, venue_calendar(CONCERT)).get_data(as_text=True)
    page = client.get(confirm(client, html, space.id).headers["Location"]).get_data(as_text=True)
    assert "1 fermeture ajoutée, 0 mise à jour, 0 retirée." in page


def test_recurring_venue_events_become_one_closure_per_date(client, login, comanager,
                                                            make_space):
    weekly = vevent("yoga@venue", ";TZID=Europe/Brussels:20260303T180000",
                    ";TZID=Europe/Brussels:20260303T200000", "Yoga",
                    "RRULE:FREQ=WEEKLY;COUNT=4\r\n")
    space = make_space()
    login(comanager)
    confirm(client, upload(client, space.id, venue_calendar(weekly)).get_data(as_text=True),
            space.id)
    assert [c.start_at for c in closures()] == [local(2026, 3, d, 18) for d in (3, 10, 17, 24)]
    assert len({c.source_uid for c in closures()}) == 4


@pytest.mark.parametrize("data, message", [
    (b"this is not a calendar", "n’est pas un fichier iCalendar"),
    (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:garbage\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
     "est endommagé"),
    (b"\xff\xfe\x00garbage", "UTF-8"),
    (venue_calendar(CONCERT * 200), "plus de 19 Ko"),
])
def test_malformed_or_oversized_files_get_a_clear_error_and_nothing_is_written(
        client, login, comanager, make_space, data, message):
    space = make_space()
    login(comanager)
    response = upload(client, space.id, data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Closure.id))) == 0


def test_a_tampered_confirmation_writes_nothing(client, login, comanager, make_space):
    space = make_space()
    login(comanager)
    bad = base64.b64encode(b"BEGIN:VCALENDAR\r\nnonsense").decode()
    response = client.post("/spaces/closures/import/confirm",
                           data={"space_id": space.id, "calendar": bad})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(Closure.id))) == 0


class VenueServer(BaseHTTPRequestHandler):
    body = venue_calendar(CONCERT)

    def do_GET(self):
        if self.path == "/slow.ics":
            threading.Event().wait(3)
        self.send_response(200 if self.path != "/missing.ics" else 404)
        self.send_header("Content-Type", "text/calendar")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def venue_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), VenueServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_import_by_url_fetches_with_a_timeout_and_refuses_other_schemes(
        client, login, comanager, make_space, venue_url):
    space = make_space()
    login(comanager)

    def by_url(url):
        return client.post("/spaces/closures/import", data={"space_id": space.id, "url": url},
                           content_type="multipart/form-data").get_data(as_text=True)

    assert "Concert, grande salle" in by_url(f"{venue_url}/venue.ics")
    # One message for every failure (an error status or no answer): nothing tells them apart.
    assert FETCH_FAILED in by_url(f"{venue_url}/missing.ics")
    assert FETCH_FAILED in by_url(f"{venue_url}/slow.ics")
    assert "https://" in by_url("file:///etc/passwd")
    assert db.session.scalar(select(func.count(Closure.id))) == 0


def test_members_cannot_import_closures(client, login, member, make_space):
    space = make_space()
    login(member)
    assert client.get("/spaces/closures/import").status_code == 403
    assert upload(client, space.id, venue_calendar(CONCERT)).status_code == 403
    assert client.post("/spaces/closures/import/confirm", data={
        "space_id": space.id, "calendar": base64.b64encode(venue_calendar(CONCERT)).decode(),
    }).status_code == 403
    assert db.session.scalar(select(func.count(Closure.id))) == 0
