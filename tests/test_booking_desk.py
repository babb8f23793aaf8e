"""The booking desk (issue 16): searches that offer only what the member can book, suggestions
on a conflict, booking on a member's behalf, and bookings with participants or for an
organisation; on the pages and in the API."""
from __future__ import annotations

from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from booking.domain.feed_tokens import regenerate_feed_token
from booking.extensions import db
from booking.models import Booking, Notification, Organisation, QuotaRule
from tests.conftest import form_time, local

NOW = local(2026, 11, 30, 9)  # a Monday
DAY = local(2026, 12, 2)  # the Wednesday after


@pytest.fixture
def app_config():
    return {"FROZEN_NOW": NOW}


def _rule(member, limit_minutes, over_limit, **scope):
    scope = scope or {"space_kind": "rehearsal_room"}
    db.session.add(QuotaRule(member_id=member.id, period="month", limit_minutes=limit_minutes,
                             over_limit=over_limit, **scope))
    db.session.commit()


def _find(client, **extra):
    query = {"kind": "rehearsal_room", "duration": 120, "date_from": "2026-12-14",
             "date_to": "2026-12-18", **extra}
    return client.get("/bookings/find", query_string=query).get_data(as_text=True)


def _availability(api, headers, **query):
    values = {"kind": "rehearsal_room", "duration": "PT2H",
              "start": "2026-12-14T00:00:00+01:00", "end": "2026-12-19T00:00:00+01:00",
              **query}
    return api("GET", "/availability", headers, query_string=values)


def _body(space, start, end, **extra):
    return {"space_id": space.id, "start": start.isoformat(), "end": end.isoformat(),
            "title": "Répétition", **extra}


def _kinds(member):
    return db.session.execute(select(Notification.kind, Notification.params).where(
        Notification.member_id == member.id).order_by(Notification.id)).all()


# --- quota-aware search ----------------------------------------------------------------------

def test_find_a_slot_lists_nothing_when_the_quota_is_used_up(client, login, member,
                                                             make_space, api, token_for):
    make_space()
    login(member)
    assert "14:00" in _find(client)  # free and within quota: listed
    assert _availability(api, token_for(member)).json["items"]
    _rule(member, 0, "refuse")
    body = _find(client)
    assert "/bookings/new?space=" not in body
    assert _availability(api, token_for(member)).json == {"items": []}


def test_a_spaces_free_slots_in_the_api_leave_out_what_the_quota_refuses(api, member,
                                                                         make_member,
                                                                         make_space, token_for):
    space, other = make_space(), make_member()
    query = {"start": "2026-12-14T10:00:00+01:00", "end": "2026-12-14T16:00:00+01:00",
             "duration": "PT2H"}
    path = f"/spaces/{space.id}/availability"
    assert api("GET", path, token_for(member), query_string=query).json
    _rule(member, 60, "refuse")  # an hour a month left: no two-hour slot for this member
    assert api("GET", path, token_for(member), query_string=query).json == []
    assert api("GET", path, token_for(other), query_string=query).json  # others unaffected


def test_find_a_slot_says_which_slots_need_approval_or_cost_overage(client, login, member,
                                                                    make_space, api,
                                                                    token_for):
    make_space()
    _rule(member, 60, "approval")
    login(member)
    assert "approbation" in _find(client)  # "Beyond your quota: a co-manager must approve"
    items = _availability(api, token_for(member)).json["items"]
    assert items and all(i["needs_approval"] and i["quota_left_minutes"] == 60 for i in items)


def test_find_a_slot_keeps_a_slot_within_the_quota_left(client, login, member, make_space,
                                                        make_booking, api, token_for):
    space = make_space()
    _rule(member, 180, "refuse")
    make_booking(space, member, local(2026, 12, 7, 10), local(2026, 12, 7, 12))  # 1 h left
    login(member)
    assert "/bookings/new?space=" not in _find(client)  # 2 h slots: over the hour left
    assert "/bookings/new?space=" in _find(client, duration=60)
    items = _availability(api, token_for(member), duration="PT1H").json["items"]
    assert items and {i["quota_left_minutes"] for i in items} == {60}
    assert all(not i["needs_approval"] for i in items)


def test_the_api_lists_the_same_slots_as_the_page(client, login, member, make_space,
                                                  make_member, make_booking, api, token_for):
    first, second = make_space(name="A"), make_space(name="B")
    make_booking(first, make_member(), local(2026, 12, 14, 8), local(2026, 12, 15, 0))
    login(member)
    page = _find(client, date_to="2026-12-14", time_from="10:00", time_to="14:00")
    items = _availability(api, token_for(member), end="2026-12-15T00:00:00+01:00").json["items"]
    windowed = [i for i in items if "10:00" <= i["start"][11:16] <= "12:00"]
    assert {i["space_id"] for i in items} == {second.id}
    assert [i["start"][11:16] for i in windowed] == ["10:00", "12:00"]
    assert "10:00–12:00" in page and "12:00–14:00" in page


def test_the_availability_api_says_what_is_wrong_with_its_inputs(api, member, token_for):
    headers = token_for(member)
    cases = [
        {"duration": None}, {"duration": "3 hours"}, {"kind": "castle"},
        {"end": "2026-12-13T00:00:00+01:00"}, {"end": "2027-03-01T00:00:00+01:00"},
        {"start": "2026-12-14T00:00:00"}, {"space_id": "x"},
    ]
    for change in cases:
        query = {k: v for k, v in change.items() if v is not None}
        response = _availability(api, headers, **query) if change != {"duration": None} else \
            api("GET", "/availability", headers, query_string={"kind": "rehearsal_room"})
        assert response.status_code == 422, change
        assert response.content_type == "application/problem+json"
        assert response.json["detail"]


def test_availability_needs_a_token(api):
    assert api("GET", "/availability?duration=PT1H").status_code == 401


def test_calendar_free_cells_are_links_only_where_the_member_can_book(client, login, member,
                                                                      make_space):
    space = make_space()
    login(member)
    week = f"/calendar/week?space={space.id}&date=2026-12-14"
    assert "cal-free" in client.get(week).get_data(as_text=True)
    _rule(member, 0, "approval")
    body = client.get(week).get_data(as_text=True)
    assert "cal-free" in body and "free-terms" in body  # bookable, with approval said
    db.session.execute(db.update(QuotaRule).values(over_limit="refuse"))
    db.session.commit()
    day = client.get("/calendar/day?date=2026-12-14").get_data(as_text=True)
    assert "cal-free" not in client.get(week).get_data(as_text=True)
    assert "cal-free" not in day


# --- suggestions on a conflict ---------------------------------------------------------------

def test_suggestions_prefer_the_same_time_on_other_days_then_other_spaces_then_the_same_day(
        client, login, member, make_member, make_space, make_booking, api, token_for):
    first, second = make_space(name="A"), make_space(name="B")
    make_space(name="Atelier", kind="decor_workshop")
    make_booking(first, make_member(), local(2026, 12, 2, 14), local(2026, 12, 2, 18))
    response = api("POST", "/bookings", token_for(member),
                   json=_body(first, local(2026, 12, 2, 15), local(2026, 12, 2, 17)))
    assert response.status_code == 409
    found = [(s["space_id"], s["start"], s["end"]) for s in response.json["suggestions"]]
    assert found == [
        (first.id, "2026-12-03T15:00:00+01:00", "2026-12-03T17:00:00+01:00"),
        (first.id, "2026-12-01T15:00:00+01:00", "2026-12-01T17:00:00+01:00"),
        (second.id, "2026-12-02T15:00:00+01:00", "2026-12-02T17:00:00+01:00"),
        (first.id, "2026-12-02T12:00:00+01:00", "2026-12-02T14:00:00+01:00"),
        (first.id, "2026-12-02T18:00:00+01:00", "2026-12-02T20:00:00+01:00"),
    ]
    login(member)
    body = client.post("/bookings/new", data={
        "space_id": first.id, "start": form_time(local(2026, 12, 2, 15)),
        "end": form_time(local(2026, 12, 2, 17)), "title": "Concert", "repeat": "none"}
    ).get_data(as_text=True)
    link = (f"/bookings/new?space={second.id}&amp;start=2026-12-02T15:00&amp;"
            "end=2026-12-02T17:00&amp;title=Concert")
    assert link in body
    form = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert 'value="Concert"' in form and 'value="2026-12-02T15:00"' in form


def test_other_spaces_are_suggested_only_where_the_time_asked_is_free_with_their_buffer(
        api, member, make_member, make_space, make_booking, token_for):
    asked, taken, buffered, free = (make_space(name="A"), make_space(name="B"),
                                    make_space(name="C", buffer_minutes=30),
                                    make_space(name="D"))
    other = make_member()
    make_booking(asked, other, local(2026, 12, 2, 14), local(2026, 12, 2, 18))
    make_booking(taken, other, local(2026, 12, 2, 16), local(2026, 12, 2, 17))
    make_booking(buffered, other, local(2026, 12, 2, 13), local(2026, 12, 2, 14, 45))
    make_booking(free, other, local(2026, 12, 3, 15), local(2026, 12, 3, 17))  # another day
    response = api("POST", "/bookings", token_for(member),
                   json=_body(asked, local(2026, 12, 2, 15), local(2026, 12, 2, 17)))
    assert response.status_code == 409
    elsewhere = {s["space_id"] for s in response.json["suggestions"] if s["space_id"] != asked.id}
    assert elsewhere == {free.id}


def test_suggestions_leave_out_what_the_quota_refuses(api, member, make_member, make_space,
                                                      make_booking, token_for):
    first, second = make_space(name="A"), make_space(name="B")
    _rule(member, 0, "refuse", space_id=first.id)
    make_booking(first, make_member(), local(2026, 12, 2, 14), local(2026, 12, 2, 18))
    response = api("POST", "/bookings", token_for(member),
                   json=_body(first, local(2026, 12, 2, 15), local(2026, 12, 2, 17)))
    assert response.status_code == 409
    assert {s["space_id"] for s in response.json["suggestions"]} == {second.id}


def test_suggestions_say_when_they_would_need_approval(api, member, make_member, make_space,
                                                       make_booking, token_for):
    first = make_space(name="A")
    make_space(name="B", needs_approval=True)
    make_booking(first, make_member(), local(2026, 12, 2, 14), local(2026, 12, 2, 18))
    response = api("POST", "/bookings", token_for(member),
                   json=_body(first, local(2026, 12, 2, 15), local(2026, 12, 2, 17)))
    by_space = {s["space_id"]: s for s in response.json["suggestions"]}
    other = next(s for space_id, s in by_space.items() if space_id != first.id)
    assert other["needs_approval"] and other["why"]
    assert not by_space[first.id]["needs_approval"]


# --- booking on behalf -----------------------------------------------------------------------

def test_a_comanager_books_for_a_member_from_the_form(client, login, comanager, member,
                                                      make_space):
    space = make_space()
    login(comanager)
    assert 'name="member_id"' in client.get("/bookings/new").get_data(as_text=True)
    response = client.post("/bookings/new", data={
        "space_id": space.id, "member_id": member.id, "start": form_time(DAY + timedelta(
            hours=10)), "end": form_time(DAY + timedelta(hours=12)), "title": "Répétition",
        "repeat": "none"})
    assert response.status_code == 302
    booking = db.session.execute(select(Booking)).scalar_one()
    assert (booking.member_id, booking.created_by_id) == (member.id, comanager.id)
    (kind, params), = _kinds(member)
    assert kind == "booking_confirmed" and params["booked_by"] == comanager.name
    page = client.get(f"/bookings/{booking.id}").get_data(as_text=True)
    assert comanager.name in page and member.name in page


def test_a_member_sees_no_member_choice_and_cannot_book_for_another(client, login, member,
                                                                    make_member, make_space):
    space, other = make_space(), make_member()
    login(member)
    assert 'name="member_id"' not in client.get("/bookings/new").get_data(as_text=True)
    client.post("/bookings/new", data={
        "space_id": space.id, "member_id": other.id, "start": form_time(DAY + timedelta(
            hours=10)), "end": form_time(DAY + timedelta(hours=12)), "title": "x",
        "repeat": "none"})
    booking = db.session.execute(select(Booking)).scalar_one()
    assert booking.member_id == member.id and booking.created_by_id == member.id


def test_the_api_books_on_behalf_for_comanagers_only(api, comanager, member, make_member,
                                                     make_space, token_for):
    space = make_space()
    body = _body(space, DAY + timedelta(hours=10), DAY + timedelta(hours=12),
                 member_id=member.id)
    refused = api("POST", "/bookings", token_for(make_member()), json=body)
    assert refused.status_code == 403
    created = api("POST", "/bookings", token_for(comanager), json=body)
    assert created.status_code == 201
    assert created.json["member_id"] == member.id
    assert created.json["created_by"] == comanager.id
    assert created.json["overage_minutes"] == 0
    assert _count() == 1
    own = api("POST", "/bookings", token_for(member), json=_body(
        space, DAY + timedelta(hours=14), DAY + timedelta(hours=15)))
    assert own.json["created_by"] == member.id


def test_on_behalf_uses_the_members_quota(api, comanager, member, make_space, token_for):
    space = make_space()
    _rule(member, 0, "refuse")
    response = api("POST", "/bookings", token_for(comanager), json=_body(
        space, DAY + timedelta(hours=10), DAY + timedelta(hours=12), member_id=member.id))
    assert response.status_code == 422 and response.json["type"].endswith("quota-exceeded")
    assert api("POST", "/bookings", token_for(comanager), json=_body(
        space, DAY + timedelta(hours=10), DAY + timedelta(hours=12))).status_code == 201


def test_a_comanager_changes_and_cancels_a_booking_made_on_behalf(api, comanager, member,
                                                                  make_space, token_for):
    space = make_space()
    headers = token_for(comanager)
    created = api("POST", "/bookings", headers, json=_body(
        space, DAY + timedelta(hours=10), DAY + timedelta(hours=12), member_id=member.id)).json
    moved = api("PATCH", f"/bookings/{created['id']}", headers, json={
        "start": (DAY + timedelta(hours=11)).isoformat(),
        "end": (DAY + timedelta(hours=13)).isoformat()})
    assert moved.status_code == 200
    assert api("POST", f"/bookings/{created['id']}/cancel", headers, json={}).status_code == 200
    assert [k for k, _p in _kinds(member)] == ["booking_confirmed", "booking_changed",
                                                "booking_cancelled"]


# --- participants and organisations ----------------------------------------------------------

def _count():
    return db.session.execute(select(func.count(Booking.id))).scalar()


def test_participants_see_the_booking_and_hear_of_its_changes(client, login, api, member,
                                                              make_member, make_space,
                                                              token_for):
    space, drummer = make_space(), make_member(name="Batteur")
    created = api("POST", "/bookings", token_for(member), json=_body(
        space, DAY + timedelta(hours=10), DAY + timedelta(hours=12),
        participant_ids=[drummer.id, member.id]))
    assert created.status_code == 201 and created.json["participant_ids"] == [drummer.id]
    assert [k for k, _p in _kinds(drummer)] == ["booking_participant"]
    mine = api("GET", "/bookings?mine=true", token_for(drummer)).json
    assert [(b["id"], b["role"], b["title"]) for b in mine] == [
        (created.json["id"], "participant", "Répétition")]
    assert api("GET", "/bookings?mine=true", token_for(member)).json[0]["role"] == "booker"
    login(drummer)
    assert "Répétition" in client.get("/bookings/mine").get_data(as_text=True)
    assert client.get(f"/bookings/{created.json['id']}").status_code == 200
    week = client.get(f"/calendar/week?space={space.id}&date=2026-12-02").get_data(as_text=True)
    assert f"/bookings/{created.json['id']}" in week
    token = regenerate_feed_token(drummer)
    db.session.commit()
    feed = Calendar.from_ical(client.get(f"/feeds/{token}/member.ics").data)
    assert [str(e["SUMMARY"]) for e in feed.walk("VEVENT")] == [
        f"Répétition · {space.name}"]
    # A participant reads the booking but does not change it; the booker's change is told.
    assert api("POST", f"/bookings/{created.json['id']}/cancel", token_for(drummer),
               json={}).status_code == 403
    api("POST", f"/bookings/{created.json['id']}/cancel", token_for(member), json={})
    assert [k for k, _p in _kinds(drummer)] == ["booking_participant", "booking_cancelled"]


def test_an_unknown_participant_is_refused_and_nothing_is_booked(api, member, make_space,
                                                                 token_for):
    space = make_space()
    response = api("POST", "/bookings", token_for(member), json=_body(
        space, DAY + timedelta(hours=10), DAY + timedelta(hours=12), participant_ids=[9999]))
    assert response.status_code == 422 and "participant" in response.json["detail"]
    assert _count() == 0


def test_the_form_names_participants(client, login, member, make_member, make_space):
    space, singer = make_space(), make_member(name="Chanteuse")
    login(member)
    client.post("/bookings/new", data={
        "space_id": space.id, "participant_ids": [singer.id], "repeat": "none",
        "start": form_time(DAY + timedelta(hours=10)),
        "end": form_time(DAY + timedelta(hours=12)), "title": "Groupe"})
    booking = db.session.execute(select(Booking)).scalar_one()
    assert [p.member_id for p in booking.participants] == [singer.id]
    login(singer)
    assert "Groupe" in client.get("/bookings/mine").get_data(as_text=True)


def test_a_booking_for_the_organisation_counts_its_pool_not_the_bookers_quota(
        api, member, make_member, make_space, token_for):
    space = make_space()
    band = Organisation(name="Les Tambours")
    db.session.add(band)
    db.session.flush()
    colleague = make_member(name="Collègue")
    member.organisation_id = colleague.organisation_id = band.id
    db.session.add(QuotaRule(organisation_id=band.id, period="month", limit_minutes=180,
                             over_limit="refuse", space_kind="rehearsal_room"))
    db.session.commit()
    _rule(member, 0, "refuse")  # the booker's own quota is used up
    headers = token_for(member)
    own = api("POST", "/bookings", headers, json=_body(
        space, DAY + timedelta(hours=10), DAY + timedelta(hours=12)))
    assert own.status_code == 422
    for_band = api("POST", "/bookings", headers, json=_body(
        space, DAY + timedelta(hours=10), DAY + timedelta(hours=12), for_organisation=True))
    assert for_band.status_code == 201 and for_band.json["for_organisation"] is True
    over_pool = api("POST", "/bookings", headers, json=_body(
        space, DAY + timedelta(hours=14), DAY + timedelta(hours=16), for_organisation=True))
    assert over_pool.status_code == 422  # 2 h used of the pool's 3
    mine = api("GET", "/bookings?mine=true", token_for(colleague)).json
    assert [b["role"] for b in mine] == ["participant"]
    assert [k for k, _p in _kinds(colleague)] == ["booking_participant"]


def test_for_the_organisation_needs_one(api, member, make_space, token_for):
    response = api("POST", "/bookings", token_for(member), json=_body(
        make_space(), DAY + timedelta(hours=10), DAY + timedelta(hours=12),
        for_organisation=True))
    assert response.status_code == 422 and _count() == 0


def test_my_bookings_run_a_fixed_number_of_statements_with_participations(
        client, login, member, make_member, make_space, make_booking, count_queries):
    from booking.models import BookingParticipant

    space = make_space()
    login(member)

    def count_page():
        with count_queries() as counter:
            assert client.get("/bookings/mine").status_code == 200
        return counter.count

    make_booking(space, member, DAY + timedelta(hours=8), DAY + timedelta(hours=9))
    few = count_page()
    for hour in range(10, 20):
        booking = make_booking(space, make_member(), DAY + timedelta(hours=hour),
                               DAY + timedelta(hours=hour, minutes=30))
        db.session.add(BookingParticipant(booking_id=booking.id, member_id=member.id))
    db.session.commit()
    assert count_page() == few
