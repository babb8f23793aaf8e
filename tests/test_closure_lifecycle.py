"""Closures over their whole life: a re-imported Google Calendar export removes the closures
whose events left it, a removed closure shows as cancelled in the feeds before it disappears,
and the API can cancel the bookings a new closure hits, as the closure's page can."""
import io
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from booking import jobs
from booking.domain.feed_tokens import regenerate_feed_token
from booking.extensions import db
from booking.models import AuditEvent, Booking, Closure
from tests.conftest import form_time, local

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # Monday 2 March 2026, 09:00 in Brussels
SERIES_UID = "7kq2s0v3r8b1m4h6c9d2e5f8@google.com"

VTIMEZONE = """BEGIN:VTIMEZONE
TZID:Europe/Brussels
X-LIC-LOCATION:Europe/Brussels
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
"""


def google_export(*, exdate: str = "", with_chorale: bool = True,
                  name: str = "Salle Molière") -> bytes:
    """A calendar as Google Calendar exports it: VTIMEZONE, a weekly series crossing the
    March DST switch (with an optional EXDATE), one moved occurrence (RECURRENCE-ID), an
    all-day festival and a single event."""
    exdate_line = f"EXDATE;TZID=Europe/Brussels:{exdate}\n" if exdate else ""
    chorale = ("BEGIN:VEVENT\nDTSTART:20260310T170000Z\nDTEND:20260310T210000Z\n"
               "DTSTAMP:20260301T100000Z\nUID:d4e5f6a7b8c9@google.com\n"
               "CREATED:20260201T090000Z\nLAST-MODIFIED:20260201T090000Z\nSEQUENCE:0\n"
               "STATUS:CONFIRMED\nSUMMARY:Répétition générale chorale\nTRANSP:OPAQUE\n"
               "END:VEVENT\n") if with_chorale else ""
    text = (
        "BEGIN:VCALENDAR\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\nVERSION:2.0\n"
        f"CALSCALE:GREGORIAN\nMETHOD:PUBLISH\nX-WR-CALNAME:{name}\n"
        "X-WR-TIMEZONE:Europe/Brussels\n" + VTIMEZONE +
        "BEGIN:VEVENT\nDTSTART;TZID=Europe/Brussels:20260305T190000\n"
        "DTEND;TZID=Europe/Brussels:20260305T230000\nRRULE:FREQ=WEEKLY;COUNT=6;BYDAY=TH\n"
        f"{exdate_line}DTSTAMP:20260301T100000Z\nUID:{SERIES_UID}\n"
        "CREATED:20260201T090000Z\nLAST-MODIFIED:20260215T090000Z\nSEQUENCE:1\n"
        "STATUS:CONFIRMED\nSUMMARY:Théâtre : Les Bonnes\nTRANSP:OPAQUE\nEND:VEVENT\n"
        "BEGIN:VEVENT\nDTSTART;TZID=Europe/Brussels:20260326T200000\n"
        "DTEND;TZID=Europe/Brussels:20260327T000000\nDTSTAMP:20260301T100000Z\n"
        f"UID:{SERIES_UID}\nRECURRENCE-ID;TZID=Europe/Brussels:20260326T190000\n"
        "CREATED:20260201T090000Z\nLAST-MODIFIED:20260220T090000Z\nSEQUENCE:2\n"
        "STATUS:CONFIRMED\nSUMMARY:Théâtre : Les Bonnes (générale)\nTRANSP:OPAQUE\n"
        "END:VEVENT\n"
        "BEGIN:VEVENT\nDTSTART;VALUE=DATE:20260314\nDTEND;VALUE=DATE:20260316\n"
        "DTSTAMP:20260301T100000Z\nUID:a1b2c3d4e5@google.com\nSEQUENCE:0\n"
        "STATUS:CONFIRMED\nSUMMARY:Festival de printemps\nTRANSP:TRANSPARENT\nEND:VEVENT\n"
        + chorale + "END:VCALENDAR\n")
    return text.replace("\n", "\r\n").encode()


@pytest.fixture
def app_config():
    return {"FROZEN_NOW": NOW}


def upload(client, space_id, data: bytes):
    return client.post("/spaces/closures/import", data={
        "space_id": space_id, "url": "", "file": (io.BytesIO(data), "salle.ics")},
        content_type="multipart/form-data")


def confirm(client, preview_html: str, space_id):
    start = preview_html.index('name="calendar"')
    value = preview_html[preview_html.index('value="', start) + 7:]
    return client.post("/spaces/closures/import/confirm",
                       data={"space_id": space_id, "calendar": value[:value.index('"')]})


def import_calendar(client, space_id, data: bytes) -> None:
    assert confirm(client, upload(client, space_id, data).get_data(as_text=True),
                   space_id).status_code == 302


def active_closures():
    return db.session.execute(select(Closure).where(Closure.active())
                              .order_by(Closure.start_at)).scalars().all()


def book(client, space, start, end):
    return client.post("/bookings/new", data={
        "space_id": space.id, "start": form_time(start), "end": form_time(end),
        "title": "Répétition", "note": "", "repeat": "none"})


def space_feed(client, member, space):
    token = regenerate_feed_token(member)
    db.session.commit()
    response = client.get(f"/feeds/{token}/spaces/{space.id}.ics")
    assert response.status_code == 200
    return {str(e["UID"]): e for e in Calendar.from_ical(response.data).walk("VEVENT")}


# --- re-importing a calendar ------------------------------------------------------------------

def test_google_export_becomes_one_closure_per_date_across_the_dst_switch(
        client, login, comanager, make_space):
    space = make_space(name="Salle Molière")
    login(comanager)
    import_calendar(client, space.id, google_export())
    starts = {c.reason: [] for c in active_closures()}
    for closure in active_closures():
        starts[closure.reason].append((closure.start_at, closure.end_at))
    assert starts["Théâtre : Les Bonnes"] == [
        (local(2026, 3, d, 19), local(2026, 3, d, 23)) for d in (5, 12, 19)] + [
        (local(2026, 4, d, 19), local(2026, 4, d, 23)) for d in (2, 9)]  # 19:00 in CEST too
    assert starts["Théâtre : Les Bonnes (générale)"] == [
        (local(2026, 3, 26, 20), local(2026, 3, 27))]  # the moved occurrence, once
    assert starts["Festival de printemps"] == [(local(2026, 3, 14), local(2026, 3, 16))]
    assert starts["Répétition générale chorale"] == [
        (datetime(2026, 3, 10, 17, tzinfo=UTC), datetime(2026, 3, 10, 21, tzinfo=UTC))]
    assert {c.source_calendar for c in active_closures()} == {"Salle Molière"}


def test_reimport_removes_closures_whose_events_left_the_calendar(
        client, login, comanager, member, make_space):
    space = make_space(name="Salle Molière")
    login(comanager)
    import_calendar(client, space.id, google_export())
    assert len(active_closures()) == 8
    login(member)
    assert book(client, space, local(2026, 3, 19, 20), local(2026, 3, 19, 22)).status_code == 200

    login(comanager)
    modified = google_export(exdate="20260319T190000", with_chorale=False)
    preview = upload(client, space.id, modified).get_data(as_text=True)
    assert "2 à retirer" in preview and "6 inchangés" in preview
    assert "Répétition générale chorale" in preview and "19 mars 2026, 19:00" in preview
    assert preview.count("ne figure plus dans l’agenda") == 2
    assert "Agenda\u00a0: Salle Molière" in preview
    assert len(active_closures()) == 8  # the preview writes nothing
    assert confirm(client, preview, space.id).status_code == 302

    remaining = active_closures()
    assert len(remaining) == 6
    assert local(2026, 3, 19, 19) not in [c.start_at for c in remaining]
    assert "Répétition générale chorale" not in [c.reason for c in remaining]
    login(member)
    assert book(client, space, local(2026, 3, 19, 20), local(2026, 3, 19, 22)).status_code == 302
    assert db.session.scalar(select(func.count(Booking.id))) == 1

    events = space_feed(client, comanager, space)
    removed = [e for e in events.values() if e["STATUS"] == "CANCELLED"]
    assert sorted(str(e["SUMMARY"]) for e in removed) == [
        "Fermé\u00a0: Répétition générale chorale · Salle Molière",
        "Fermé\u00a0: Théâtre : Les Bonnes · Salle Molière"]
    assert all(e["SEQUENCE"] == 1 for e in removed)
    login(comanager)
    again = upload(client, space.id, modified).get_data(as_text=True)
    assert "Rien à changer" in again


def test_reimport_leaves_another_calendar_and_hand_made_closures_alone(
        client, login, comanager, make_space):
    space = make_space()
    login(comanager)
    import_calendar(client, space.id, google_export())
    maintenance = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Google Inc//EN\r\n"
                   "X-WR-CALNAME:Entretien\r\nBEGIN:VEVENT\r\nUID:boiler@google.com\r\n"
                   "DTSTAMP:20260301T100000Z\r\nDTSTART:20260320T080000Z\r\n"
                   "DTEND:20260320T120000Z\r\nSUMMARY:Chaudière\r\nEND:VEVENT\r\n"
                   "END:VCALENDAR\r\n").encode()
    import_calendar(client, space.id, maintenance)
    client.post("/spaces/closures", data={
        "space_id": space.id, "start": form_time(local(2026, 3, 25, 8)),
        "end": form_time(local(2026, 3, 25, 12)), "reason": "Peinture"})
    assert len(active_closures()) == 10

    preview = upload(client, space.id, google_export(with_chorale=False)).get_data(as_text=True)
    assert "1 à retirer" in preview and "Chaudière" not in preview
    confirm(client, preview, space.id)
    reasons = [c.reason for c in active_closures()]
    assert "Chaudière" in reasons and "Peinture" in reasons
    assert "Répétition générale chorale" not in reasons


def test_closures_imported_before_names_were_kept_are_adopted_by_the_reimport(
        client, login, comanager, make_space):
    space = make_space()
    login(comanager)
    import_calendar(client, space.id, google_export())
    for closure in active_closures():  # as imported before this version
        closure.source_calendar = None
    db.session.commit()
    preview = upload(client, space.id, google_export(with_chorale=False)).get_data(as_text=True)
    assert "1 à retirer" in preview
    confirm(client, preview, space.id)
    assert {c.source_calendar for c in active_closures()} == {"Salle Molière"}
    assert all(c.sequence == 0 for c in active_closures())  # nothing changed for the feeds


# --- removing a closure -----------------------------------------------------------------------

def test_removed_closure_is_cancelled_in_feeds_then_disappears(
        app, client, login, comanager, member, make_space):
    space = make_space(name="Grande salle")
    login(comanager)
    client.post("/spaces/closures", data={
        "space_id": space.id, "start": form_time(local(2026, 3, 20, 8)),
        "end": form_time(local(2026, 3, 20, 20)), "reason": "Dégât des eaux"})
    closure = db.session.execute(select(Closure)).scalar_one()
    uid = f"closure-{closure.id}@localhost"
    assert space_feed(client, member, space)[uid]["STATUS"] == "CONFIRMED"

    response = client.post(f"/spaces/closures/{closure.id}/delete")
    assert response.status_code == 302
    event = space_feed(client, member, space)[uid]
    assert (event["STATUS"], event["SEQUENCE"]) == ("CANCELLED", 1)
    closures_page = client.get("/spaces/closures").get_data(as_text=True)
    assert "Dégât des eaux" not in closures_page
    assert client.get(f"/spaces/closures/{closure.id}").status_code == 404
    assert client.post(f"/spaces/closures/{closure.id}/delete").status_code == 404
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "closure.delete")) == 1

    login(member)
    assert book(client, space, local(2026, 3, 20, 10), local(2026, 3, 20, 12)).status_code == 302
    app.config["FROZEN_NOW"] = NOW + timedelta(days=31)
    assert uid not in space_feed(client, member, space)


def test_removing_a_closure_changes_the_feed_etag(app, client, login, comanager, make_space):
    space = make_space()
    login(comanager)
    client.post("/spaces/closures", data={
        "space_id": space.id, "start": form_time(local(2026, 3, 20, 8)),
        "end": form_time(local(2026, 3, 20, 20)), "reason": "Travaux"})
    closure = db.session.execute(select(Closure)).scalar_one()
    token = regenerate_feed_token(comanager)
    db.session.commit()
    before = client.get(f"/feeds/{token}/spaces/{space.id}.ics").headers["ETag"]
    app.config["FROZEN_NOW"] = NOW + timedelta(minutes=5)
    client.post(f"/spaces/closures/{closure.id}/delete")
    assert client.get(f"/feeds/{token}/spaces/{space.id}.ics",
                      headers={"If-None-Match": before}).status_code == 200


# --- the API cancels the bookings a closure hits ---------------------------------------------

def closure_body(space, **extra):
    return {"space_id": space.id, "start": "2026-03-20T00:00:00+01:00",
            "end": "2026-03-21T00:00:00+01:00", "reason": "Dégât des eaux", **extra}


def test_api_closure_cancels_the_bookings_it_hits_and_tells_the_members(
        app, api, token_for, comanager, member, make_space, make_booking):
    space = make_space()
    hit = make_booking(space, member, local(2026, 3, 20, 18), local(2026, 3, 20, 20))
    spared = make_booking(space, member, local(2026, 3, 22, 18), local(2026, 3, 22, 20))
    response = api("POST", "/closures", token_for(comanager), json=closure_body(
        space, cancel_hit_bookings=True, message="Désolés, la salle est inondée."))
    assert response.status_code == 201, response.json
    assert response.json["cancelled_booking_ids"] == [hit.id]
    assert response.json["affected_booking_ids"] == []
    db.session.refresh(hit)
    db.session.refresh(spared)
    assert (hit.status, hit.cancel_reason) == ("cancelled", "Désolés, la salle est inondée.")
    assert spared.status == "confirmed"
    jobs.run_delivery(app)
    assert any(to == member.email and "Désolés, la salle est inondée." in body
               for to, _subject, body in app.extensions["outbox"])


def test_api_closure_without_the_flag_only_lists_the_bookings_hit(
        api, token_for, comanager, member, make_space, make_booking):
    space = make_space()
    hit = make_booking(space, member, local(2026, 3, 20, 18), local(2026, 3, 20, 20))
    response = api("POST", "/closures", token_for(comanager), json=closure_body(space))
    assert response.status_code == 201
    assert (response.json["affected_booking_ids"], response.json["cancelled_booking_ids"]) == (
        [hit.id], [])
    db.session.refresh(hit)
    assert hit.status == "confirmed"


@pytest.mark.parametrize("extra", [{"cancel_hit_bookings": True},
                                   {"cancel_hit_bookings": True, "message": "   "}])
def test_api_closure_cancelling_without_a_message_is_refused_and_writes_nothing(
        api, token_for, comanager, member, make_space, make_booking, extra):
    space = make_space()
    hit = make_booking(space, member, local(2026, 3, 20, 18), local(2026, 3, 20, 20))
    response = api("POST", "/closures", token_for(comanager), json=closure_body(space, **extra))
    assert response.status_code == 422
    assert "message" in response.json["detail"]
    assert db.session.scalar(select(func.count(Closure.id))) == 0
    db.session.refresh(hit)
    assert hit.status == "confirmed"


def test_members_cannot_close_and_cancel_through_the_api(
        api, token_for, member, make_member, make_space, make_booking):
    space = make_space()
    other = make_booking(space, make_member(), local(2026, 3, 20, 18), local(2026, 3, 20, 20))
    response = api("POST", "/closures", token_for(member), json=closure_body(
        space, cancel_hit_bookings=True, message="Je veux la salle"))
    assert response.status_code == 403
    db.session.refresh(other)
    assert other.status == "confirmed"
    assert db.session.scalar(select(func.count(Closure.id))) == 0


def test_reimport_preview_runs_the_same_statements_however_many_closures(
        client, login, comanager, make_space, count_queries):
    space = make_space()
    login(comanager)

    def weekly(count: int) -> bytes:
        return google_export().replace(b"COUNT=6", f"COUNT={count}".encode())

    counts = []
    for size in (6, 40):
        import_calendar(client, space.id, weekly(size))
        with count_queries() as counter:
            preview = upload(client, space.id, google_export(with_chorale=False))
        assert "à retirer" in preview.get_data(as_text=True)
        counts.append(counter.count)
    assert counts[0] == counts[1]
